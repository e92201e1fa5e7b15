from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from fastagent import FastAgent
from fastagent.agents import AgentDeclaration
from fastagent.agents.config_agents import declarations_from_config
from fastagent.agents.workflows.declarations import (
    WORKFLOW_DECLARATIONS,
    ChainDeclaration,
    EvaluatorOptimizerDeclaration,
    OrchestratorDeclaration,
    ParallelDeclaration,
    RouterDeclaration,
)
from fastagent.exceptions import AgentGraphError, ConfigValidationError

CONFIG = """
logger: {type: none}
agents:
  researcher:
    model: passthrough?fixed_response=research notes
  writer:
    type: agent
    model: passthrough
  critic:
    model: >-
      passthrough?fixed_response={"rating": "EXCELLENT", "feedback": "",
      "needs_improvement": false}
  post:
    type: chain
    sequence: [researcher, writer]
    cumulative: true
    default: true
  panel:
    type: parallel
    fan_out: [researcher, writer]
    fan_in: writer_two
    include_request: false
    max_concurrency: 1
    branch_timeout: 5
    on_error: collect
    distributed: true
  writer_two:
    model: passthrough
  loop:
    type: evaluator_optimizer
    generator: writer
    evaluator: critic
    min_rating: EXCELLENT
    max_refinements: 0
  triage:
    type: router
    agents: [researcher, writer]
    model: passthrough
    fallback: writer
  plan:
    type: orchestrator
    agents: [researcher]
    model: passthrough
    plan_type: iterative
    plan_iterations: 2
"""


def declared(text: str = CONFIG) -> dict[str, Any]:
    agents: dict[str, Any] = yaml.safe_load(text)["agents"]
    return agents


def test_every_workflow_type_becomes_its_spec() -> None:
    found = declarations_from_config(declared(), config_file=Path("fa.yaml"))
    sources = {d.name: getattr(d, "source", "") for d in found}
    specs = {d.name: d.model_copy(update={"source": ""}) for d in found}  # type: ignore[attr-defined]
    assert isinstance(specs["writer"], AgentDeclaration)
    assert specs["post"] == ChainDeclaration(
        name="post", sequence=("researcher", "writer"), cumulative=True, default=True
    )
    assert specs["panel"] == ParallelDeclaration(
        name="panel",
        fan_out=("researcher", "writer"),
        fan_in="writer_two",
        include_request=False,
        max_concurrency=1,
        branch_timeout=5,
        on_error="collect",
        distributed=True,
    )
    assert specs["loop"] == EvaluatorOptimizerDeclaration(
        name="loop",
        generator="writer",
        evaluator="critic",
        min_rating="EXCELLENT",
        max_refinements=0,
    )
    assert specs["triage"] == RouterDeclaration(
        name="triage", agents=("researcher", "writer"), model="passthrough", fallback="writer"
    )
    assert specs["plan"] == OrchestratorDeclaration(
        name="plan",
        agents=("researcher",),
        model="passthrough",
        plan_type="iterative",
        plan_iterations=2,
    )
    assert sources["post"] == "fa.yaml: agents.post"
    assert set(WORKFLOW_DECLARATIONS) == {
        "chain",
        "parallel",
        "router",
        "orchestrator",
        "evaluator_optimizer",
    }


async def test_yaml_workflows_run(tmp_path: Path) -> None:
    config = tmp_path / "fastagent.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    fast = FastAgent("yaml", parse_cli_args=False, config_path=config)
    async with fast.run() as app:
        assert await app.send("topic") == (
            "user: topic\n\nresearcher: research notes\n\n"
            "writer: user: topic\n\nresearcher: research notes"
        )
        panel = await app["panel"].send("topic")
        assert panel == (
            "The responses of 2 agents:\n"
            '<response agent="researcher">\nresearch notes\n</response>\n'
            '<response agent="writer">\ntopic\n</response>'
        )
        assert await app["loop"].send("draft this") == "draft this"


@pytest.mark.parametrize(
    ("entry", "key", "text"),
    [
        ({"type": "pipeline"}, "agents.x.type", "unknown type 'pipeline' (valid: agent, chain,"),
        ({"type": "chain", "sequense": ["a"]}, "agents.x.sequense", "unknown key"),
        ({"type": "parallel", "on_error": "ignore"}, "agents.x.on_error", "agents.x.on_error:"),
        ({"type": "evaluator_optimizer", "generator": "a"}, "agents.x.evaluator", "Field required"),
        ({"type": "router", "agents": []}, "agents.x", "router 'x' has no agents"),
        (
            {"type": "orchestrator", "agents": ["a"], "plan_iterations": 0},
            "agents.x",
            "orchestrator 'x' has plan_iterations=0",
        ),
        ({"type": "chain", "instruction": "x"}, None, None),  # valid: the graph complains
    ],
)
def test_invalid_workflow_entries_name_the_key(
    entry: dict[str, Any], key: str | None, text: str | None
) -> None:
    if key is None:
        assert [s.name for s in declarations_from_config({"x": entry})] == ["x"]
        return
    with pytest.raises(ConfigValidationError) as caught:
        declarations_from_config({"x": entry}, config_file=Path("fa.yaml"))
    problems = caught.value.problems
    assert [k for _w, k, _l, _t in problems] == [key]
    assert text is not None and text in problems[0][3]
    assert problems[0][0] == "fa.yaml"


async def test_yaml_graph_problems_are_reported(tmp_path: Path) -> None:
    config = tmp_path / "fastagent.yaml"
    config.write_text(
        "logger: {type: none}\n"
        "agents:\n"
        "  empty: {type: chain}\n"
        "  fan: {type: parallel, fan_out: [nobody]}\n",
        encoding="utf-8",
    )
    with pytest.raises(AgentGraphError) as caught:
        async with FastAgent("yaml", parse_cli_args=False, config_path=config).run():
            pass
    assert caught.value.problems == [
        "chain 'empty' has an empty sequence (give it one or more agents)",
        "parallel 'fan' uses unknown agent 'nobody'",
    ]
