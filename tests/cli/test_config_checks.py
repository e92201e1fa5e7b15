"""``fastagent config validate`` and ``fastagent check`` see what ``go`` would reject later.

Broken ``agents:`` entries, an unknown model string and an MCP command that is not on PATH
are each reported with file, line, key and a "did you mean"; nothing is started. Each test
then follows the report and the config becomes valid.
"""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from .conftest import CliRunner

BROKEN = """\
default_model: sonet
agents:
  writer:
    instruction: 3
    modle: passthrough
  post:
    type: paralel
    fan_out: [writer]
  story:
    sequense: [writer]
mcp:
  servers:
    time:
      command: uvx
      args: [mcp-server-time]
"""

FIXED = """\
default_model: sonnet
agents:
  writer:
    instruction: Write.
    model: passthrough
  post:
    type: parallel
    fan_out: [writer]
  story:
    type: chain
    sequence: [writer]
mcp:
  servers:
    time:
      command: uvx
      args: [mcp-server-time]
"""


def _path_without_uvx(tmp_path: Path) -> str:
    empty = tmp_path / "bin-empty"
    empty.mkdir(exist_ok=True)
    return f"{empty}{os.pathsep}{Path(sys.executable).parent}{os.pathsep}/usr/bin:/bin"


def test_validate_reports_agents_models_and_missing_commands(
    run_cli: CliRunner, project: Path, tmp_path: Path
) -> None:
    config = project / "fastagent.yaml"
    config.write_text(BROKEN, encoding="utf-8")
    path = _path_without_uvx(tmp_path)
    result = run_cli("config", "validate", PATH=path)
    assert (result.returncode, result.stdout) == (1, "")
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ")
    lines[0] = lines[0].removeprefix("error: ")
    assert lines[:-1] == [
        f"{config}: line 1: default_model: unknown model 'sonet' (did you mean sonnet or "
        "sonnet4 or sonnet46?)",
        f"{config}: line 4: agents.writer.instruction: Input should be a valid string",
        f"{config}: line 5: unknown key 'agents.writer.modle' (valid keys: instruction, model, "
        "servers, tools, agents, use_history, request_params, human_input, approve, hooks, "
        "compaction, default, type) (did you mean 'model'?)",
        f"{config}: line 7: agents.post.type: unknown type 'paralel' (valid: agent, chain, "
        "parallel, router, orchestrator, evaluator_optimizer) (did you mean 'parallel'?)",
        f"{config}: line 10: unknown key 'agents.story.sequense' (valid keys: instruction, "
        "model, servers, tools, agents, use_history, request_params, human_input, approve, "
        "hooks, compaction, default, type) (did you mean 'sequence' with type: chain?)",
        f"{config}: line 14: mcp.servers.time.command: 'uvx' is not on PATH (install uv, "
        "which provides uvx (pip install uv))",
    ]
    assert lines[-1].startswith("hint: ")

    check = run_cli("check", "--no-color", PATH=path)
    assert check.returncode == 1
    assert "status        invalid: " in check.stdout
    for needle in (
        "line 1: default_model",
        "line 5: unknown key 'agents.writer.modle'",
        "line 14: mcp.servers.time.command",
    ):
        assert needle in check.stdout
    assert "uvx           not found on PATH (pip install uv)" in check.stdout
    assert check.stdout.rstrip().splitlines()[-1].startswith("config invalid")

    # Follow every report: fix the keys, and put a uvx on PATH ("install uv").
    config.write_text(FIXED, encoding="utf-8")
    uvx = tmp_path / "bin-empty" / "uvx"
    uvx.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    uvx.chmod(uvx.stat().st_mode | stat.S_IXUSR)
    valid = run_cli("config", "validate", PATH=path)
    assert (valid.returncode, valid.stdout, valid.stderr) == (0, f"valid: {config}\n", "")
    checked = run_cli("check", "--no-color", PATH=path)
    assert checked.returncode == 0, checked.stdout
    assert f"uvx           {uvx}" in checked.stdout
    assert checked.stdout.rstrip().endswith("config OK")


def test_validate_checks_the_agent_graph_and_agent_models(
    run_cli: CliRunner, project: Path
) -> None:
    config = project / "fastagent.yaml"
    config.write_text(
        "agents:\n"
        "  writer:\n"
        "    model: gpt4o\n"
        "    servers: [fetch]\n"
        "  story:\n"
        "    type: chain\n"
        "    sequence: [writter]\n",
        encoding="utf-8",
    )
    result = run_cli("config", "validate")
    assert result.returncode == 1
    assert f"{config}: line 3: agents.writer.model: unknown model 'gpt4o'" in result.stderr
    assert "writer' uses unknown MCP server 'fetch'" in result.stderr
    assert "unknown agent 'writter' (did you mean 'writer'?)" in result.stderr


def test_check_starts_no_server(run_cli: CliRunner, project: Path, tmp_path: Path) -> None:
    marker = tmp_path / "started"
    server = project / "server.sh"
    server.write_text(f"#!/bin/sh\ntouch '{marker}'\n", encoding="utf-8")
    server.chmod(server.stat().st_mode | stat.S_IXUSR)
    (project / "fastagent.yaml").write_text(
        f"mcp:\n  servers:\n    s:\n      command: {server}\n      load_on_start: true\n",
        encoding="utf-8",
    )
    assert run_cli("check").returncode == 0
    assert run_cli("config", "validate").returncode == 0
    assert not marker.exists()


def test_go_names_the_line_of_an_unknown_default_model(run_cli: CliRunner, project: Path) -> None:
    config = project / "fastagent.yaml"
    config.write_text("logger:\n  level: info\ndefault_model: sonet\n", encoding="utf-8")
    result = run_cli("go", "-m", "hi")
    assert result.returncode == 1
    first, hint = result.stderr.splitlines()[:2]
    assert first == f"error: {config}: line 3: default_model: unknown model 'sonet'"
    assert hint.startswith("hint: did you mean sonnet")
    config.write_text("logger:\n  level: info\ndefault_model: sonnet\n", encoding="utf-8")
    followed = run_cli("go", "-m", "hi")
    # The model is known now; what is missing is the key (nothing reaches the network).
    assert "error: no API key for provider 'anthropic'" in followed.stderr


def test_a_workflow_key_without_its_type_names_the_type(run_cli: CliRunner, project: Path) -> None:
    config = project / "fastagent.yaml"
    config.write_text(
        "agents:\n  writer:\n    instruction: Write.\n"
        "  story:\n    sequense: [writer]\n  post:\n    fan_out: [writer]\n",
        encoding="utf-8",
    )
    result = run_cli("config", "validate")
    assert result.returncode == 1
    assert f"{config}: line 5: unknown key 'agents.story.sequense' (valid keys: " in result.stderr
    assert "type) (did you mean 'sequence' with type: chain?)\n" in result.stderr
    assert "type) ('fan_out' needs type: parallel)\n" in result.stderr
    # Follow both: the chain's key with its type, and the parallel's type.
    config.write_text(
        "agents:\n  writer:\n    instruction: Write.\n"
        "  story:\n    type: chain\n    sequence: [writer]\n"
        "  post:\n    type: parallel\n    fan_out: [writer]\n",
        encoding="utf-8",
    )
    valid = run_cli("config", "validate")
    assert (valid.returncode, valid.stderr) == (0, ""), valid.stderr


def test_a_missing_program_gets_an_install_hint_not_fix_the_keys(
    run_cli: CliRunner, project: Path, tmp_path: Path
) -> None:
    config = project / "fastagent.yaml"
    config.write_text(FIXED, encoding="utf-8")  # every key right; only uvx is missing
    path = _path_without_uvx(tmp_path)
    result = run_cli("config", "validate", PATH=path)
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"error: {config}: line 15: mcp.servers.time.command: 'uvx' is not on PATH (install "
        "uv, which provides uvx (pip install uv))",
        "hint: install the programs named above (or give each command's full path)",
    ]
    # Follow the hint: install the program (here: put a uvx on PATH).
    uvx = tmp_path / "bin-empty" / "uvx"
    uvx.write_text("#!/bin/sh\nexit 3\n", encoding="utf-8")
    uvx.chmod(uvx.stat().st_mode | stat.S_IXUSR)
    valid = run_cli("config", "validate", PATH=path)
    assert (valid.returncode, valid.stderr) == (0, ""), valid.stderr


def test_a_bad_model_from_the_environment_names_the_variable(run_cli: CliRunner) -> None:
    result = run_cli("config", "validate", FASTAGENT_DEFAULT_MODEL="sonet")
    assert result.returncode == 1
    assert result.stderr.splitlines()[0] == (
        "error: environment variable FASTAGENT_DEFAULT_MODEL: default_model: unknown model "
        "'sonet' (did you mean sonnet or sonnet4 or sonnet46?)"
    )
    fixed = run_cli("config", "validate", FASTAGENT_DEFAULT_MODEL="sonnet")
    assert (fixed.returncode, fixed.stderr) == (0, ""), fixed.stderr
