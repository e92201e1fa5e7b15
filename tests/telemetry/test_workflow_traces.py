"""Traces of orchestrator and evaluator-optimizer runs (playback and passthrough models).

Received by the real OTLP/HTTP receiver: each workflow step is a span under the workflow's
``invoke_agent`` span, named ``{kind}.{step} {agent or index}``, with the agent turns and
model calls it made as its children.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

from fastagent import FastAgent
from fastagent.config import Settings
from fastagent.history import save_history
from fastagent.messages import Message
from otlp_receiver import ReceivedSpan, Receiver, otlp_receiver

KIND = "fastagent.workflow.kind"
STEP = "fastagent.workflow.step"
INDEX = "fastagent.workflow.step.index"
OUTCOME = "fastagent.workflow.step.outcome"


def parent(receiver: Receiver, span: ReceivedSpan) -> ReceivedSpan:
    return receiver.by_id(span.parent_span_id)


def children(receiver: Receiver, span: ReceivedSpan) -> list[ReceivedSpan]:
    with receiver.lock:
        found = [s for s in receiver.spans if s.parent_span_id == span.span_id]
    return sorted(found, key=lambda s: s.start_time_unix_nano)


def script(path: Path, *replies: str) -> str:
    """A playback model answering `replies` in order."""
    turns = [m for r in replies for m in (Message.user("x"), Message.assistant(r))]
    save_history(path, turns)
    return f"playback?file={path}"


def app(receiver: Receiver) -> FastAgent:
    settings = Settings.model_validate(
        {
            "default_model": "passthrough",
            "logger": {"type": "none"},
            "otel": {"enabled": True, "endpoint": receiver.url},
        }
    )
    return FastAgent("workflows", parse_cli_args=False, quiet=True, settings=settings)


def task(agent: str, instruction: str) -> dict[str, str]:
    return {"agent": agent, "instruction": instruction}


def tree(receiver: Receiver, span: ReceivedSpan, depth: int = 0) -> list[str]:
    """The span and its descendants, indented; siblings in the order they started."""
    lines = [f"{'  ' * depth}{span.name}"]
    for child in children(receiver, span):
        lines += tree(receiver, child, depth + 1)
    return lines


def only_root(receiver: Receiver) -> ReceivedSpan:
    with receiver.lock:
        roots = [s for s in receiver.spans if not s.parent_span_id]
    assert len(roots) == 1, [r.name for r in roots]
    return roots[0]


async def test_orchestrator_plans_steps_and_answer_are_spans(tmp_path: Path) -> None:
    bad = {"steps": [{"description": "x", "tasks": [task("nobody", "?")]}], "is_complete": True}
    gather = {
        "description": "gather",
        "tasks": [task("critic", "doubt"), task("researcher", "find")],
    }
    write = {"description": "write", "tasks": [task("writer", "write it")]}
    good = {"steps": [gather, write], "is_complete": True}
    planner = script(tmp_path / "planner.json", json.dumps(bad), json.dumps(good), "DONE")
    with otlp_receiver() as receiver:
        fast = app(receiver)
        for name in ("researcher", "critic", "writer"):
            fast.agent(name, f"You are the {name}.")
        fast.orchestrator("boss", agents=["researcher", "critic", "writer"], model=planner)
        async with fast.run() as running:
            assert await running.boss.send("Write about tea.") == "DONE"

    root = only_root(receiver)
    assert tree(receiver, root) == [
        "invoke_agent boss",
        "  orchestrator.plan 1",  # the plan naming an unknown agent
        "    invoke_agent boss",
        "      chat playback",
        "  orchestrator.plan 2",  # the re-plan
        "    invoke_agent boss",
        "      chat playback",
        "  orchestrator.plan_step 1",
        "    invoke_agent critic",  # the step's two tasks, run concurrently
        "      chat passthrough",
        "    invoke_agent researcher",
        "      chat passthrough",
        "  orchestrator.plan_step 2",
        "    invoke_agent writer",
        "      chat passthrough",
        "  orchestrator.synthesize",
        "    invoke_agent boss",
        "      chat playback",
    ]
    assert root.attributes[KIND] == "orchestrator"
    assert root.attributes["gen_ai.operation.name"] == "invoke_agent"
    assert root.attributes["gen_ai.agent.name"] == "boss"
    steps = children(receiver, root)
    assert all(s.attributes["fastagent.workflow.name"] == "boss" for s in steps)
    assert all(s.attributes[KIND] == "orchestrator" for s in steps)
    assert [(s.attributes[STEP], s.attributes.get(INDEX)) for s in steps] == [
        ("plan", 1),
        ("plan", 2),
        ("plan_step", 1),
        ("plan_step", 2),
        ("synthesize", None),
    ]
    assert [s.attributes.get(OUTCOME) for s in steps] == [None, None, "gather", "write", None]
    assert all(s.status_code != 2 for s in receiver.spans)  # no errors
    # Steps run one after another.
    for earlier, later in itertools.pairwise(steps):
        assert later.start_time_unix_nano >= earlier.end_time_unix_nano


def verdict(rating: str) -> str:
    return json.dumps({"rating": rating, "feedback": "more", "needs_improvement": True})


async def test_evaluator_optimizer_rounds_are_generate_and_evaluate_spans(tmp_path: Path) -> None:
    drafts = script(tmp_path / "writer.json", "draft 1", "draft 2")
    verdicts = script(tmp_path / "critic.json", verdict("POOR"), verdict("EXCELLENT"))
    with otlp_receiver() as receiver:
        fast = app(receiver)
        fast.agent("writer", "Write.", model=drafts)
        fast.agent("critic", "Rate.", model=verdicts)
        fast.evaluator_optimizer("essay", generator="writer", evaluator="critic")
        async with fast.run() as running:
            assert await running.essay.send("Write about tea.") == "draft 2"

    root = only_root(receiver)
    assert tree(receiver, root) == [
        "invoke_agent essay",
        "  evaluator_optimizer.generate writer",
        "    invoke_agent writer",
        "      chat playback",
        "  evaluator_optimizer.evaluate critic",
        "    invoke_agent critic",
        "      chat playback",
        "  evaluator_optimizer.generate writer",
        "    invoke_agent writer",
        "      chat playback",
        "  evaluator_optimizer.evaluate critic",
        "    invoke_agent critic",
        "      chat playback",
    ]
    assert root.attributes[KIND] == "evaluator_optimizer"
    steps = children(receiver, root)
    assert [(s.attributes[STEP], s.attributes[INDEX]) for s in steps] == [
        ("generate", 1),
        ("evaluate", 1),
        ("generate", 2),
        ("evaluate", 2),
    ]
    assert [s.attributes["gen_ai.agent.name"] for s in steps] == ["writer", "critic"] * 2
    assert [s.attributes.get(OUTCOME) for s in steps] == [None, "POOR", None, "EXCELLENT"]


async def test_an_unreadable_evaluation_is_an_error_on_its_step(tmp_path: Path) -> None:
    drafts = script(tmp_path / "writer.json", "draft 1")
    verdicts = script(tmp_path / "critic.json", "not json at all")
    with otlp_receiver() as receiver:
        fast = app(receiver)
        fast.agent("writer", "Write.", model=drafts)
        fast.agent("critic", "Rate.", model=verdicts)
        fast.evaluator_optimizer("essay", generator="writer", evaluator="critic")
        async with fast.run() as running:
            with pytest.raises(Exception, match="Evaluation") as raised:
                await running.essay.send("Write about tea.")

    root = only_root(receiver)
    evaluate = receiver.one("evaluator_optimizer.evaluate critic")
    assert parent(receiver, evaluate) is root
    for span in (evaluate, root):
        assert span.status_code == 2
        assert span.attributes["error.type"] == type(raised.value).__name__
    assert receiver.one("evaluator_optimizer.generate writer").status_code != 2
