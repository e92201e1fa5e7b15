from __future__ import annotations

import re
from pathlib import Path

import pytest

from fastagent import FastAgent
from fastagent.agents.config_agents import declarations_from_config
from fastagent.exceptions import AgentGraphError, ConfigValidationError


def write_config(directory: Path, text: str) -> Path:
    path = directory / "fastagent.yaml"
    path.write_text("logger:\n  type: none\n" + text, encoding="utf-8")
    return path


async def test_yaml_agents_join_the_app(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        """
default_model: passthrough
agents:
  helper:
    instruction: You answer in one sentence.
    tools: [shout]
    request_params: {max_iterations: 4}
  boss:
    agents: [helper, coder]
    default: true
""",
    )
    fast = FastAgent("t", config_path=config, parse_cli_args=False)

    @fast.tool
    def shout(text: str) -> str:
        return text.upper()

    fast.agent("coder", "You code.")
    async with fast.run() as app:
        assert list(app) == ["coder", "helper", "boss"]
        assert app.default is app.boss
        assert app.helper.instruction == "You answer in one sentence."
        assert app.helper.llm.params.max_iterations == 4
        assert await app.helper.send('***CALL_TOOL shout {"text": "hi"}') == "HI"
        assert app.boss.llm.tools is not None
        assert app.boss.llm.tools.names() == ["helper", "coder"]


def test_empty_declaration_gets_defaults() -> None:
    [spec] = declarations_from_config({"plain": None})
    assert spec.name == "plain"
    assert spec.instruction == "You are a helpful AI agent."
    assert spec.model is None and spec.tools == () and spec.use_history


def test_errors_name_each_config_key(tmp_path: Path) -> None:
    config = tmp_path / "fastagent.yaml"
    with pytest.raises(ConfigValidationError) as caught:
        declarations_from_config(
            {
                "helper": {"instruction": 42, "tool": ["x"]},
                "other": "just text",
                "tuned": {"request_params": {"max_iterations": 0}},
            },
            config_file=config,
        )
    keys = [key for _where, key, _line, _text in caught.value.problems]
    assert keys == [
        "agents.helper.instruction",
        "agents.helper.tool",
        "agents.other",
        "agents.tuned.request_params",
    ]
    message = caught.value.message
    assert f"{config}: agents.helper.instruction: Input should be a valid string" in message
    assert "unknown key 'agents.helper.tool' (valid keys: instruction, model" in message
    assert "agents.other: must be a mapping" in message
    assert "max_iterations must be a positive integer" in message


async def test_yaml_agent_with_same_name_as_code_agent_is_a_graph_problem(tmp_path: Path) -> None:
    config = write_config(tmp_path, "agents:\n  helper:\n    instruction: Hi.\n")
    fast = FastAgent("t", config_path=config, parse_cli_args=False)
    fast.agent("helper")
    with pytest.raises(AgentGraphError) as caught:
        async with fast.run():
            pass
    [problem] = caught.value.problems
    assert problem.startswith("agent 'helper' is defined 2 times (test_config_agents.py:")
    assert f"{config}: agents.helper" in problem


async def test_yaml_errors_surface_from_run(tmp_path: Path) -> None:
    config = write_config(tmp_path, "agents:\n  helper:\n    modle: x\n")
    fast = FastAgent("t", config_path=config, parse_cli_args=False)
    with pytest.raises(ConfigValidationError, match=re.escape("unknown key 'agents.helper.modle'")):
        async with fast.run():
            pass


async def test_yaml_errors_name_file_line_key_and_a_close_key(tmp_path: Path) -> None:
    config = write_config(
        tmp_path,
        "agents:\n  helper:\n    instruction: Hi.\n    modle: x\n"
        "  post:\n    type: chain\n    sequense: [helper]\n",
    )
    fast = FastAgent("t", config_path=config, parse_cli_args=False)
    with pytest.raises(ConfigValidationError) as caught:
        async with fast.run():
            pass
    lines = caught.value.message.splitlines()
    assert lines[0].startswith(f"{config}: line 6: unknown key 'agents.helper.modle' (valid keys:")
    assert lines[0].endswith("(did you mean 'model'?)")
    assert lines[1].startswith(f"{config}: line 9: unknown key 'agents.post.sequense'")
    assert lines[1].endswith("(did you mean 'sequence'?)")
    assert [(key, line) for _w, key, line, _t in caught.value.problems] == [
        ("agents.helper.modle", 6),  # two logger lines come first
        ("agents.post.sequense", 9),
    ]
