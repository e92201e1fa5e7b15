"""Spans of durable turns (DBOS on SQLite) carry the workflow id and the step number.

Received by the real OTLP/HTTP receiver: a keyed turn's model and tool spans name the
workflow (the key) and their recorded step; after a kill -9 in a tool call and a restart,
the model call read back from its record is a span marked replayed, and the tool run again
is a span of the same step.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("dbos", reason="the durable extra is not installed")
pytest.importorskip("opentelemetry.sdk", reason="the otel extra is not installed")

from durable.scripted_openai import ScriptedOpenAI
from fastagent import FastAgent
from fastagent.config import Settings
from otlp_receiver import ReceivedSpan, Receiver, otlp_receiver

WORKER = Path(__file__).parents[1] / "durable" / "worker_app.py"
_BOUND = 90.0  # generous: worker processes start slowly on a loaded machine
WORKFLOW_ID = "fastagent.durable.workflow_id"
STEP = "fastagent.durable.step"
REPLAYED = "fastagent.durable.replayed"


def lookup(ticket: str) -> str:
    """Look a ticket up."""
    return f"ticket {ticket} is open"


def parent(receiver: Receiver, span: ReceivedSpan) -> ReceivedSpan:
    return receiver.by_id(span.parent_span_id)


async def test_model_and_tool_spans_of_a_durable_turn_name_workflow_and_step(
    tmp_path: Path,
) -> None:
    with otlp_receiver() as receiver:
        settings = Settings.model_validate(
            {
                "default_model": "passthrough",
                "logger": {"type": "none"},
                "durable": {"database": str(tmp_path / "durable.sqlite")},
                "otel": {"enabled": True, "endpoint": receiver.url},
            }
        )
        fast = FastAgent("durable-traces", parse_cli_args=False, quiet=True, settings=settings)
        fast.agent("desk", tools=[lookup])
        message = "***CALL_TOOL lookup " + json.dumps({"ticket": "9"})
        async with fast.run() as app:
            plain = await app.desk.send(message)
            answer = await app.desk.send(message, key="ticket-9")
        assert answer == plain == "ticket 9 is open"

        chats = sorted(receiver.named("chat passthrough"), key=lambda s: s.start_time_unix_nano)
        tools = sorted(receiver.named("execute_tool lookup"), key=lambda s: s.start_time_unix_nano)
        assert len(chats) == 4 and len(tools) == 2
        # The turn without a key is not durable: no workflow attributes.
        for span in (*chats[:2], tools[0]):
            assert WORKFLOW_ID not in span.attributes and STEP not in span.attributes
        # The keyed turn: model call (step 1), tool call (step 2), model call (step 3).
        durable = [chats[2], tools[1], chats[3]]
        assert [s.attributes[WORKFLOW_ID] for s in durable] == ["ticket-9"] * 3
        assert [s.attributes[STEP] for s in durable] == [1, 2, 3]
        assert all(REPLAYED not in s.attributes for s in durable)
        turn = parent(receiver, chats[2])
        assert turn.name == "invoke_agent desk"
        assert all(parent(receiver, s) is turn for s in durable)
        assert chats[2].attributes["gen_ai.response.finish_reasons"] == ["tool_call"]
        assert chats[3].attributes["gen_ai.response.finish_reasons"] == ["stop"]


def _config(folder: Path, server: ScriptedOpenAI, receiver: Receiver | None) -> None:
    text = (
        "default_model: generic.test-model\n"
        f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        "durable:\n  application_version: v1\n"
    )
    if receiver is not None:
        text += f"otel:\n  enabled: true\n  endpoint: {receiver.url}\n"
    folder.joinpath("fastagent.yaml").write_text(text)


def _start(folder: Path) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), "ticket-42", "close ticket 42"],
        cwd=folder,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def test_after_a_crash_the_recorded_model_call_is_a_replayed_span(tmp_path: Path) -> None:
    with (
        ScriptedOpenAI(tool="wait_for_go", arguments={"ticket": "42"}) as server,
        otlp_receiver() as receiver,
    ):
        _config(tmp_path, server, None)  # the first process records no traces
        first = _start(tmp_path)
        try:
            deadline = time.monotonic() + _BOUND
            while not (tmp_path / "tool_runs").exists():  # the tool is in flight now
                assert first.poll() is None, first.communicate()
                assert time.monotonic() < deadline, "the tool did not start in time"
                time.sleep(0.05)
        finally:
            os.killpg(first.pid, signal.SIGKILL)
            first.communicate(timeout=_BOUND)

        _config(tmp_path, server, receiver)
        (tmp_path / "go").touch()
        second = _start(tmp_path)
        out, err = second.communicate(timeout=_BOUND)
        assert second.returncode == 0, err[-3000:]
        assert "ANSWER answer: closed 42" in out

    chats = sorted(receiver.named("chat test-model"), key=lambda s: s.start_time_unix_nano)
    tool = receiver.one("execute_tool wait_for_go")
    assert [c.attributes[STEP] for c in chats] == [1, 3]
    assert [c.attributes[WORKFLOW_ID] for c in chats] == ["ticket-42"] * 2
    # Step 1 was read back from its record: no tokens were spent on it in this process.
    assert chats[0].attributes[REPLAYED] is True
    assert "gen_ai.usage.input_tokens" not in chats[0].attributes
    assert REPLAYED not in chats[1].attributes
    assert chats[1].attributes["gen_ai.usage.input_tokens"] > 0
    # The tool in flight at the kill ran again, as the same step.
    assert tool.attributes[WORKFLOW_ID] == "ticket-42"
    assert tool.attributes[STEP] == 2
    assert REPLAYED not in tool.attributes
    assert all(s.trace_id == tool.trace_id for s in chats)


def test_a_replayed_tool_step_is_an_instant_span_under_the_agent() -> None:
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    from fastagent.events import AgentFinished, AgentStarted, EventBus, StepReplayed
    from fastagent.telemetry.spans import SpanRecorder

    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    bus = EventBus()
    recorder = SpanRecorder(provider.get_tracer("t"), record_content=False, mcp_requests=True)
    recorder.subscribe(bus)
    bus.publish(AgentStarted(agent="desk"))
    bus.publish(StepReplayed(agent="desk", kind="tool", name="lookup", step=2, workflow_id="t-1"))
    bus.publish(AgentFinished(agent="desk"))
    tool, agent = exporter.get_finished_spans()
    assert (tool.name, agent.name) == ("execute_tool lookup", "invoke_agent desk")
    assert tool.parent is not None and tool.parent.span_id == agent.context.span_id
    assert dict(tool.attributes or {}) == {
        "gen_ai.operation.name": "execute_tool",
        "gen_ai.tool.name": "lookup",
        WORKFLOW_ID: "t-1",
        STEP: 2,
        REPLAYED: True,
    }
    provider.shutdown()


async def test_an_agent_used_as_a_tool_marks_its_calls_with_the_tool_step(
    tmp_path: Path,
) -> None:
    with (
        ScriptedOpenAI(tool="helper", arguments={"message": "look it up"}) as server,
        otlp_receiver() as receiver,
    ):
        settings = Settings.model_validate(
            {
                "default_model": "generic.test-model",
                "generic": {"base_url": server.base_url, "api_key": "test-key"},
                "logger": {"type": "none"},
                "durable": {"database": str(tmp_path / "durable.sqlite")},
                "otel": {"enabled": True, "endpoint": receiver.url},
            }
        )
        fast = FastAgent("nested", parse_cli_args=False, quiet=True, settings=settings)
        fast.agent("helper", "Help.")
        fast.agent("lead", "Ask the helper.", agents=["helper"], default=True)
        async with fast.run() as app:
            assert (await app.send("go", key="nested-1")).startswith("answer: ")

    lead = receiver.one("invoke_agent lead")
    helper = receiver.one("invoke_agent helper")
    tool = parent(receiver, helper)
    assert tool.name == "execute_tool helper" and parent(receiver, tool) is lead
    assert (tool.attributes[WORKFLOW_ID], tool.attributes[STEP]) == ("nested-1", 2)
    chats = receiver.named("chat test-model")
    inner = [c for c in chats if parent(receiver, c) is helper]
    outer = sorted(
        (c for c in chats if parent(receiver, c) is lead), key=lambda s: s.start_time_unix_nano
    )
    assert [c.attributes[STEP] for c in outer] == [1, 3]
    # The helper's model calls are part of the lead's tool step 2, not steps of their own.
    assert len(inner) == 2
    assert all((c.attributes[WORKFLOW_ID], c.attributes[STEP]) == ("nested-1", 2) for c in inner)
