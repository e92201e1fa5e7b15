"""`fastagent.agents.graph` with workflow specs: self-checks, labels, build order, cycles."""

from __future__ import annotations

from fastagent.agents.graph import build_order, graph_problems
from fastagent.agents.spec import AgentSpec, BasicAgentSpec
from fastagent.agents.tool_catalog import ToolCatalog
from fastagent.agents.workflows.chain import ChainSpec
from fastagent.agents.workflows.evaluator_optimizer import EvaluatorOptimizerSpec
from fastagent.agents.workflows.parallel import ParallelSpec
from fastagent.agents.workflows.router import RouterSpec


def problems(*specs: AgentSpec) -> list[str]:
    return graph_problems(list(specs), tools=ToolCatalog(), servers=())


def test_members_are_built_before_the_workflows_that_nest_them() -> None:
    specs: list[AgentSpec] = [
        ChainSpec("post", ("outline", "review")),
        ParallelSpec("review", ("checks", "outline"), fan_in="editor"),
        ChainSpec("checks", ("style", "facts")),
        EvaluatorOptimizerSpec("loop", "post", "critic"),
        RouterSpec("triage", ("post", "loop")),
        *(BasicAgentSpec(n) for n in ("outline", "editor", "style", "facts", "critic")),
    ]
    assert problems(*specs) == []
    order = [s.name for s in build_order(specs)]
    for workflow in specs:
        for member in workflow.agents:
            assert order.index(member) < order.index(workflow.name), (member, workflow.name)


def test_workflow_problems_use_their_kind_and_self_checks() -> None:
    found = problems(
        BasicAgentSpec("writer"),
        ChainSpec("empty", ()),
        ParallelSpec("fan", (), fan_in="writer"),
        ChainSpec("typo", ("writter",)),
        EvaluatorOptimizerSpec("loop", "writer", "critc", max_refinements=-1),
    )
    assert found == [
        "chain 'empty' has an empty sequence (give it one or more agents)",
        "parallel 'fan' has no fan_out agents (give it one or more)",
        "chain 'typo' uses unknown agent 'writter' (did you mean 'writer'?)",
        "evaluator_optimizer 'loop' has max_refinements=-1 (use 0 or more)",
        "evaluator_optimizer 'loop' uses unknown agent 'critc'",
    ]


def test_cycle_through_nested_workflows() -> None:
    found = problems(
        BasicAgentSpec("a"),
        ChainSpec("outer", ("a", "inner")),
        ParallelSpec("inner", ("a",), fan_in="loop"),
        EvaluatorOptimizerSpec("loop", "outer", "a"),
    )
    assert found == ["cycle: outer -> inner -> loop -> outer"]
