"""`fastagent.events`: typed events on a synchronous bus whose failing handlers never break
the work they observe."""

from __future__ import annotations

import dataclasses
import logging

import pytest

from fastagent.events import (
    AgentFinished,
    AgentStarted,
    Event,
    EventBus,
    ModelRequest,
    ModelResponse,
    ToolCallFinished,
    ToolCallStarted,
)
from fastagent.llm import AugmentedLLM
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.tools import FunctionTool, ToolSet


def test_handlers_get_matching_events_in_subscription_order() -> None:
    bus = EventBus()
    seen: list[tuple[str, Event]] = []
    bus.subscribe(lambda e: seen.append(("all", e)))
    bus.subscribe(lambda e: seen.append(("started", e)), AgentStarted)
    started, finished = AgentStarted(agent="a"), AgentFinished(agent="a")
    bus.publish(started)
    bus.publish(finished)
    assert seen == [("all", started), ("started", started), ("all", finished)]


def test_unsubscribe_stops_delivery_and_is_idempotent() -> None:
    bus = EventBus()
    assert not bus.has_subscribers
    seen: list[Event] = []
    stop = bus.subscribe(seen.append)
    assert bus.has_subscribers
    stop()
    stop()
    bus.publish(AgentStarted(agent="a"))
    assert seen == [] and not bus.has_subscribers


def test_subscribing_during_a_publish_takes_effect_from_the_next_one() -> None:
    bus = EventBus()
    late: list[Event] = []

    def first(event: Event) -> None:
        bus.subscribe(late.append)

    bus.subscribe(first)
    bus.publish(AgentStarted(agent="a"))
    assert late == []
    bus.publish(AgentStarted(agent="b"))
    assert len(late) == 1


def test_a_raising_handler_is_logged_and_the_others_still_run(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    seen: list[Event] = []

    def broken(event: Event) -> None:
        raise RuntimeError("observer bug")

    bus.subscribe(broken)
    bus.subscribe(seen.append)
    event = AgentStarted(agent="a")
    with caplog.at_level(logging.ERROR, logger="fastagent.events"):
        bus.publish(event)  # does not raise
    assert seen == [event]
    [record] = caplog.records
    assert record.name == "fastagent.events"
    assert "failed on AgentStarted" in record.getMessage()
    assert record.exc_info is not None and "observer bug" in str(record.exc_info[1])


async def test_handlers_that_raise_on_every_event_never_break_a_turn(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bus = EventBus()
    kinds: list[type[Event]] = []

    def broken(event: Event) -> None:
        kinds.append(type(event))
        raise ValueError(f"cannot handle {type(event).__name__}")

    bus.subscribe(broken)
    calls: list[str] = []

    def lookup(topic: str) -> str:
        """Look a topic up."""
        calls.append(topic)
        return f"{topic}: found"

    tools = ToolSet([FunctionTool(lookup)], events=bus, agent="helper")
    llm = AugmentedLLM(PassthroughProvider(), name="helper", tools=tools, events=bus)
    with caplog.at_level(logging.ERROR, logger="fastagent.events"):
        reply = await llm.generate('***CALL_TOOL lookup {"topic": "MCP"}')
        streamed = [e async for e in llm.stream("and now plain text")]
    assert calls == ["MCP"]
    assert reply.text == "MCP: found"
    assert [m.text for m in llm.memory.messages()][-1] == "and now plain text"
    assert len(llm.memory.messages()) == 6  # both turns stored whole
    assert streamed[-1].message.text == "and now plain text"  # type: ignore[union-attr]
    for kind in (AgentStarted, ModelRequest, ModelResponse, ToolCallStarted, ToolCallFinished,
                 AgentFinished):  # fmt: skip
        assert kind in kinds, kind
    assert len(caplog.records) == len(kinds)


def test_events_are_frozen_and_timestamped() -> None:
    event = ModelRequest(agent="a", model="m", iteration=2)
    assert event.at > 0
    with pytest.raises(dataclasses.FrozenInstanceError):
        event.agent = "b"  # type: ignore[misc]
    with pytest.raises(TypeError):
        ModelRequest("a", "m")  # type: ignore[misc]  # keyword-only
