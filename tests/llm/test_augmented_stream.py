"""AugmentedLLM.stream: the tool loop as a stream of events."""

import pytest

from fastagent.events import EventBus, StreamDelta
from fastagent.exceptions import ProviderError
from fastagent.llm.augmented import AugmentedLLM
from fastagent.messages import Message, ToolCall
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider
from fastagent.streaming import (
    StreamDone,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    ToolResultEvent,
    UsageUpdate,
)
from fastagent.tools.function_tool import FunctionTool
from fastagent.tools.toolset import ToolSet


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


async def test_stream_event_order_over_a_tool_round():
    bus = EventBus()
    deltas: list[StreamDelta] = []
    bus.subscribe(deltas.append, StreamDelta)
    llm = AugmentedLLM(PassthroughProvider(), tools=ToolSet([FunctionTool(add)]), events=bus)
    events = [e async for e in llm.stream('***CALL_TOOL add {"a": 20, "b": 22}')]
    assert [type(e) for e in events] == [
        ToolCallStart,
        ToolCallDelta,
        ToolCallEnd,
        UsageUpdate,
        ToolResultEvent,
        TextDelta,
        UsageUpdate,
        StreamDone,
    ]
    call = events[2].call
    assert (call.name, call.arguments) == ("add", {"a": 20, "b": 22})
    assert events[4].result.call_id == call.id
    assert events[4].result.text == "42"
    assert events[5] == TextDelta("42")
    final = events[-1].message
    assert final.text == "42"
    assert final.usage is not None and final.usage.requests == 2
    assert [d.text for d in deltas] == ["42"]
    # the turn was stored exactly as generate would store it
    assert [m.role for m in llm.memory.messages()] == ["user", "assistant", "user", "assistant"]


async def test_stream_tool_results_follow_each_round_with_parallel_calls():
    provider = PlaybackProvider(
        conversation=[
            Message.assistant(
                tool_calls=[
                    ToolCall(id="1", name="add", arguments={"a": 1, "b": 1}),
                    ToolCall(id="2", name="add", arguments={"a": 2, "b": 2}),
                ]
            ),
            Message.assistant("sums ready"),
        ]
    )
    llm = AugmentedLLM(provider, tools=ToolSet([FunctionTool(add)]))
    events = [e async for e in llm.stream("go")]
    results = [e.result for e in events if isinstance(e, ToolResultEvent)]
    assert [(r.call_id, r.text) for r in results] == [("1", "2"), ("2", "4")]
    last_result = max(i for i, e in enumerate(events) if isinstance(e, ToolResultEvent))
    first_text = min(i for i, e in enumerate(events) if isinstance(e, TextDelta))
    assert last_result < first_text
    assert sum(isinstance(e, StreamDone) for e in events) == 1


async def test_abandoned_stream_stores_nothing_and_releases_the_lock():
    llm = AugmentedLLM(PassthroughProvider(), tools=ToolSet([FunctionTool(add)]))
    stream = llm.stream('***CALL_TOOL add {"a": 1, "b": 2}')
    async for event in stream:
        if isinstance(event, ToolCallEnd):
            break
    await stream.aclose()
    assert llm.memory.messages() == []
    assert not llm.memory.turn_lock.locked()
    assert (await llm.generate("next")).text == "next"


class NoDoneProvider(PassthroughProvider):
    """A broken provider whose stream stops before StreamDone."""

    async def stream(self, request):
        yield TextDelta("partial")


async def test_stream_without_stream_done_is_a_provider_error_and_stores_nothing():
    llm = AugmentedLLM(NoDoneProvider())
    with pytest.raises(ProviderError, match="without a StreamDone"):
        async for _ in llm.stream("hi"):
            pass
    assert llm.memory.messages() == []
