from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from fastagent import FastAgent
from fastagent.agents.workflows.chain import ChainAgent
from fastagent.agents.workflows.declarations import (
    ChainDeclaration,
    EvaluatorOptimizerDeclaration,
    OrchestratorDeclaration,
    ParallelDeclaration,
    RouterDeclaration,
)
from fastagent.agents.workflows.evaluator_optimizer import EvaluatorOptimizerAgent
from fastagent.agents.workflows.parallel import ParallelAgent
from fastagent.config import Settings
from fastagent.exceptions import AgentGraphError, ProviderServerError, UserError


def app() -> FastAgent:
    settings = Settings.model_validate({"logger": {"type": "none"}})
    return FastAgent("test", parse_cli_args=False, settings=settings)


def fixed(text: str) -> str:
    return f"passthrough?fixed_response={text}"


async def main() -> None: ...


def test_each_decorator_records_its_spec_and_returns_the_function() -> None:
    fast = app()
    assert fast.chain("c", sequence=["a", "b"], cumulative=True, instruction="I")(main) is main
    assert fast.parallel(
        "p", fan_out=["a"], fan_in="b", include_request=False, max_concurrency=2,
        branch_timeout=1.5, on_error="collect", default=True,
    )(main) is main  # fmt: skip
    assert fast.evaluator_optimizer("e", generator="a", evaluator="b", min_rating="FAIR",
                                    max_refinements=1)(main) is main  # fmt: skip
    assert fast.router("r", agents=["a", "b"], model="passthrough", instruction="R",
                       fallback="a")(main) is main  # fmt: skip
    assert fast.orchestrator("o", agents=["a"], model="passthrough", plan_type="iterative",
                             plan_iterations=2)(main) is main  # fmt: skip
    declared = [d.model_copy(update={"source": ""}) for d in fast.declarations]  # type: ignore[attr-defined]
    chain, parallel, loop, router, orchestrator = declared
    assert chain == ChainDeclaration(
        name="c", sequence=("a", "b"), cumulative=True, instruction="I"
    )
    assert parallel == ParallelDeclaration(
        name="p", fan_out=("a",), fan_in="b", include_request=False, max_concurrency=2,
        branch_timeout=1.5, on_error="collect", default=True,
    )  # fmt: skip
    assert loop == EvaluatorOptimizerDeclaration(
        name="e", generator="a", evaluator="b", min_rating="FAIR", max_refinements=1
    )
    assert router == RouterDeclaration(
        name="r", agents=("a", "b"), model="passthrough", instruction="R", fallback="a"
    )
    assert orchestrator == OrchestratorDeclaration(
        name="o", agents=("a",), model="passthrough", plan_type="iterative", plan_iterations=2
    )
    for spec in fast.declarations:
        assert str(getattr(spec, "source", "")).startswith("test_decorators.py:")


def test_each_decorator_records_the_line_that_used_it() -> None:
    fast = app()
    here = sys._getframe().f_lineno
    fast.chain("c", sequence=["a"])
    fast.parallel("p", fan_out=["a"])
    fast.evaluator_optimizer("e", generator="a", evaluator="b")
    fast.router("r", agents=["a"])
    fast.orchestrator("o", agents=["a"])
    fast.agent("x", "Do x.")
    sources = [str(getattr(s, "source", "")) for s in fast.declarations]
    assert sources == [f"test_decorators.py:{here + n}" for n in range(1, 7)]


def test_stacked_decorators_record_the_decorated_line() -> None:
    fast = app()

    @fast.chain("c", sequence=["a"])
    @fast.parallel("p", fan_out=["a"])
    async def body() -> None: ...

    lines = [int(str(getattr(s, "source", "")).rpartition(":")[2]) for s in fast.declarations]
    assert lines[0] == lines[1] - 1


def test_router_and_orchestrator_reject_empty_agents_at_declaration() -> None:
    fast = app()
    with pytest.raises(UserError, match="router 'r' has no agents"):
        fast.router("r", agents=[])
    with pytest.raises(UserError, match="orchestrator 'o' has no agents"):
        fast.orchestrator("o", agents=[])


async def test_nested_workflows_build_and_run_in_an_app() -> None:
    fast = app()
    fast.agent("outline", model=fixed("an outline"))
    fast.agent("style", model=fixed("style notes"))
    fast.agent("facts", model=fixed("fact notes"))
    fast.agent("editor", model="passthrough")
    fast.agent("critic", model=fixed(json.dumps({"rating": "GOOD", "feedback": "ok",
                                                  "needs_improvement": False})))  # fmt: skip
    fast.chain("checks", sequence=["style", "facts"])
    fast.parallel("review", fan_out=["checks", "outline"], fan_in="editor", include_request=False)
    fast.chain("post", sequence=["outline", "review"], default=True)
    fast.evaluator_optimizer("polished", generator="post", evaluator="critic")
    async with fast.run() as running:
        assert isinstance(running["post"], ChainAgent)
        assert isinstance(running["review"], ParallelAgent)
        assert isinstance(running["polished"], EvaluatorOptimizerAgent)
        reply = await running.send("write it")
        assert reply == (
            "The responses of 2 agents:\n"
            '<response agent="checks">\nfact notes\n</response>\n'
            '<response agent="outline">\nan outline\n</response>'
        )
        assert await running["polished"].send("write it") == reply


async def test_member_errors_propagate_through_the_app() -> None:
    fast = app()
    fast.agent("echo", model="passthrough")
    fast.chain("c", sequence=["echo", "echo"], default=True)
    async with fast.run() as running:
        with pytest.raises(ProviderServerError, match="overloaded"):
            await running.send("***RAISE ProviderServerError overloaded")


@pytest.mark.parametrize(
    ("declare", "problem"),
    [
        (lambda f: f.chain("c", sequence=[]), "chain 'c' has an empty sequence"),
        (lambda f: f.parallel("p", fan_out=[]), "parallel 'p' has no fan_out agents"),
        (
            lambda f: f.chain("c", sequence=["a", "ghost"]),
            "chain 'c' uses unknown agent 'ghost'",
        ),
        (
            lambda f: f.parallel("p", fan_out=["a"], fan_in="sumariser"),
            "parallel 'p' uses unknown agent 'sumariser'",
        ),
        (
            lambda f: f.evaluator_optimizer("e", generator="a", evaluator="b", max_refinements=-1),
            "evaluator_optimizer 'e' has max_refinements=-1",
        ),
    ],
)
async def test_graph_problems_are_reported_by_run(declare: Any, problem: str) -> None:
    fast = app()
    fast.agent("a", model="passthrough")
    declare(fast)
    with pytest.raises(AgentGraphError) as caught:
        async with fast.run():
            pass
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems


@pytest.mark.parametrize(
    ("declare", "problem"),
    [
        (
            lambda f: f.evaluator_optimizer("e", generator="a", evaluator="b", min_rating="OK"),
            "evaluator_optimizer 'e' (test_decorators.py:{line}): min_rating: Input should be "
            "'EXCELLENT', 'GOOD', 'FAIR' or 'POOR'",
        ),
        (
            lambda f: f.parallel("p", fan_out=["a"], on_error="ignore"),
            "parallel 'p' (test_decorators.py:{line}): on_error: Input should be 'fail_fast' "
            "or 'collect'",
        ),
        (
            lambda f: f.chain("c", sequence=["a"], cumulative="sometimes"),
            "chain 'c' (test_decorators.py:{line}): cumulative: Input should be a valid boolean",
        ),
        (
            lambda f: f.agent("a", request_params={"max_iterations": 0}),
            "agent 'a' (test_decorators.py:{line}): request_params: max_iterations must be a "
            "positive integer",
        ),
    ],
)
def test_wrong_types_are_user_errors_naming_the_declaration_line(
    declare: Any, problem: str
) -> None:
    fast = app()
    with pytest.raises(UserError) as caught:
        declare(fast)
    line = declare.__code__.co_firstlineno
    assert caught.value.message.startswith(problem.format(line=line)), caught.value.message
    assert fast.declarations == []


async def test_cycles_through_workflows_are_reported() -> None:
    fast = app()
    fast.agent("a", model="passthrough")
    fast.chain("outer", sequence=["a", "fan"])
    fast.parallel("fan", fan_out=["a", "outer"])
    fast.chain("self", sequence=["self"])
    with pytest.raises(AgentGraphError) as caught:
        async with fast.run():
            pass
    assert caught.value.problems == ["cycle: outer -> fan -> outer", "cycle: self -> self"]
