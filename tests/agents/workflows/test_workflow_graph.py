"""`fastagent.agents.graph` with workflow specs: self-checks, labels, build order, cycles."""

from __future__ import annotations

from fastagent.agents.declaration import AgentDeclaration, Declaration
from fastagent.agents.graph import build_order, graph_problems
from fastagent.agents.tool_catalog import ToolCatalog
from fastagent.agents.workflows.declarations import (
    ChainDeclaration,
    EvaluatorOptimizerDeclaration,
    ParallelDeclaration,
    RouterDeclaration,
)


def problems(*specs: Declaration) -> list[str]:
    return graph_problems(list(specs), tools=ToolCatalog(), servers=())


def test_members_are_built_before_the_workflows_that_nest_them() -> None:
    specs: list[Declaration] = [
        ChainDeclaration(name="post", sequence=("outline", "review")),
        ParallelDeclaration(name="review", fan_out=("checks", "outline"), fan_in="editor"),
        ChainDeclaration(name="checks", sequence=("style", "facts")),
        EvaluatorOptimizerDeclaration(name="loop", generator="post", evaluator="critic"),
        RouterDeclaration(name="triage", agents=("post", "loop")),
        *(AgentDeclaration(name=n) for n in ("outline", "editor", "style", "facts", "critic")),
    ]
    assert problems(*specs) == []
    order = [s.name for s in build_order(specs)]
    for workflow in specs:
        for member in workflow.agents:
            assert order.index(member) < order.index(workflow.name), (member, workflow.name)


def test_workflow_problems_use_their_kind_and_self_checks() -> None:
    found = problems(
        AgentDeclaration(name="writer"),
        ChainDeclaration(name="empty", sequence=()),
        ParallelDeclaration(name="fan", fan_out=(), fan_in="writer"),
        ChainDeclaration(name="typo", sequence=("writter",)),
        EvaluatorOptimizerDeclaration(
            name="loop", generator="writer", evaluator="critc", max_refinements=-1
        ),
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
        AgentDeclaration(name="a"),
        ChainDeclaration(name="outer", sequence=("a", "inner")),
        ParallelDeclaration(name="inner", fan_out=("a",), fan_in="loop"),
        EvaluatorOptimizerDeclaration(name="loop", generator="outer", evaluator="a"),
    )
    assert found == ["cycle: outer -> inner -> loop -> outer"]
