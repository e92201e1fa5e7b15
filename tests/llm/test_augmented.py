"""The tool loop end to end: passthrough/playback providers with real FunctionTools."""

import asyncio

import pytest

from fastagent.events import (
    AgentFinished,
    AgentStarted,
    ErrorOccurred,
    Event,
    EventBus,
    ModelRequest,
    ModelResponse,
    ToolCallFinished,
    ToolCallStarted,
)
from fastagent.exceptions import PlaybackExhaustedError, ProviderServerError, RateLimitError
from fastagent.llm.augmented import AugmentedLLM
from fastagent.llm.memory import SimpleMemory
from fastagent.llm.params import RequestParams
from fastagent.messages import Message, StopReason, ToolCall, Usage
from fastagent.providers.base import CompletionRequest
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider
from fastagent.tools.function_tool import FunctionTool
from fastagent.tools.toolset import ToolSet


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


def explode() -> str:
    """Always fails."""
    raise ValueError("kaput")


class RecordingPassthrough(PassthroughProvider):
    """Passthrough that keeps every request it received."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[CompletionRequest] = []

    async def complete(self, request: CompletionRequest) -> Message:
        self.requests.append(request)
        return await super().complete(request)


def toolset(*fns, events: EventBus | None = None) -> ToolSet:
    return ToolSet([FunctionTool(fn) for fn in fns], events=events, agent="agent")


def calls_and_results_match(history: list[Message]) -> bool:
    calls = [c.id for m in history for c in m.tool_calls]
    results = [r.call_id for m in history for r in m.tool_results]
    return calls == results


def playback_calls(*batches: list[ToolCall], final: str = "done") -> PlaybackProvider:
    turns = [Message.assistant(tool_calls=batch) for batch in batches]
    return PlaybackProvider(conversation=[*turns, Message.assistant(final)])


async def test_plain_message_is_echoed_and_stored():
    llm = AugmentedLLM(PassthroughProvider())
    reply = await llm.generate("hello")
    assert reply.text == "hello"
    assert reply.stop_reason is StopReason.END_TURN
    assert [(m.role, m.text) for m in llm.memory.messages()] == [
        ("user", "hello"),
        ("assistant", "hello"),
    ]


async def test_one_tool_round_returns_tool_output_and_records_history():
    provider = RecordingPassthrough()
    llm = AugmentedLLM(provider, instruction="be brief", tools=toolset(add, shout))
    reply = await llm.generate('***CALL_TOOL add {"a": 2, "b": 3}')
    assert reply.text == "5"
    history = llm.memory.messages()
    assert [m.role for m in history] == ["user", "assistant", "user", "assistant"]
    assert history[1].tool_calls[0].name == "add"
    result = history[2].tool_results[0]
    assert (result.call_id, result.is_error, result.text) == (
        history[1].tool_calls[0].id,
        False,
        "5",
    )
    # the provider saw the system prompt, the tool definitions and the growing conversation
    assert [r.system for r in provider.requests] == ["be brief", "be brief"]
    assert [d.name for d in provider.requests[0].tools] == ["add", "shout"]
    assert [len(r.messages) for r in provider.requests] == [1, 3]


async def test_usage_is_summed_per_turn_and_per_agent():
    llm = AugmentedLLM(PassthroughProvider(), tools=toolset(add))
    reply = await llm.generate('***CALL_TOOL add {"a": 1, "b": 1}')
    history = llm.memory.messages()
    per_call = [m.usage for m in history if m.role == "assistant"]
    assert all(u is not None and u.requests == 1 for u in per_call)
    assert reply.usage is not None
    assert reply.usage.requests == 2
    assert reply.usage.input_tokens == sum(u.input_tokens for u in per_call if u)
    assert reply.usage.output_tokens == sum(u.output_tokens for u in per_call if u)
    second = await llm.generate("a message of some length")
    assert second.usage is not None and second.usage.requests == 1
    assert llm.usage == reply.usage + second.usage
    assert llm.usage.requests == 3


async def test_parallel_tool_calls_run_concurrently():
    both_running = asyncio.Barrier(2)

    async def left() -> str:
        """Waits for right."""
        await asyncio.wait_for(both_running.wait(), timeout=5)
        return "L"

    async def right() -> str:
        """Waits for left."""
        await asyncio.wait_for(both_running.wait(), timeout=5)
        return "R"

    provider = playback_calls(
        [ToolCall(id="l", name="left"), ToolCall(id="r", name="right")], final="both done"
    )
    llm = AugmentedLLM(provider, tools=toolset(left, right))
    reply = await llm.generate("go")
    assert reply.text == "both done"
    results = llm.memory.messages()[2].tool_results
    assert [(r.call_id, r.text, r.is_error) for r in results] == [
        ("l", "L", False),
        ("r", "R", False),
    ]


async def test_sequential_tool_calls_when_parallel_disabled():
    order: list[str] = []

    async def first() -> str:
        """Records its start and end."""
        order.append("first start")
        await asyncio.sleep(0)
        order.append("first end")
        return "1"

    async def second() -> str:
        """Records its start and end."""
        order.append("second start")
        order.append("second end")
        return "2"

    provider = playback_calls([ToolCall(id="a", name="first"), ToolCall(id="b", name="second")])
    llm = AugmentedLLM(
        provider, tools=toolset(first, second), params=RequestParams(parallel_tool_calls=False)
    )
    await llm.generate("go")
    assert order == ["first start", "first end", "second start", "second end"]


@pytest.mark.parametrize(
    ("command", "expected_in_error"),
    [
        ('***CALL_TOOL add {"a": "not a number", "b": 1}', "a"),
        ("***CALL_TOOL explode", "kaput"),
        ("***CALL_TOOL no_such_tool", "no_such_tool"),
    ],
)
async def test_tool_failures_become_error_results_and_the_loop_continues(
    command, expected_in_error
):
    llm = AugmentedLLM(PassthroughProvider(), tools=toolset(add, explode))
    reply = await llm.generate(command)
    history = llm.memory.messages()
    result = history[2].tool_results[0]
    assert result.is_error
    assert expected_in_error in result.text
    # passthrough echoes the result, so the model saw the error text and the turn ended
    assert reply.text == result.text
    assert reply.stop_reason is StopReason.END_TURN
    assert calls_and_results_match(history)


async def test_tool_call_without_any_tools_gets_an_error_result():
    llm = AugmentedLLM(PassthroughProvider())
    reply = await llm.generate("***CALL_TOOL add")
    result = llm.memory.messages()[2].tool_results[0]
    assert result.is_error
    assert "no tools" in result.text
    assert reply.text == result.text


async def test_max_iterations_stops_cleanly_with_consistent_history():
    call = [ToolCall(id=f"c{i}", name="add", arguments={"a": i, "b": 1}) for i in range(5)]
    provider = playback_calls(*([c] for c in call))
    llm = AugmentedLLM(provider, tools=toolset(add), params=RequestParams(max_iterations=3))
    reply = await llm.generate("loop")
    assert reply.stop_reason is StopReason.MAX_ITERATIONS
    assert reply.text == "stopped after 3 iterations: the model was still calling tools (add)"
    assert reply.usage is not None and reply.usage.requests == 3
    history = llm.memory.messages()
    assert calls_and_results_match(history)
    assert [m.role for m in history] == ["user", *["assistant", "user"] * 3, "assistant"]
    assert history[-1].stop_reason is StopReason.MAX_ITERATIONS
    # the next turn continues normally after the synthetic assistant message
    provider.load([Message.assistant("fine")])
    assert (await llm.generate("ok?")).text == "fine"


async def test_max_iterations_per_call_override_with_passthrough():
    llm = AugmentedLLM(PassthroughProvider(), tools=toolset(add))
    reply = await llm.generate('***CALL_TOOL add {"a": 1, "b": 2}', RequestParams(max_iterations=1))
    assert reply.stop_reason is StopReason.MAX_ITERATIONS
    assert "stopped after 1 iterations" in reply.text
    assert calls_and_results_match(llm.memory.messages())


async def test_events_are_published_in_order():
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    llm = AugmentedLLM(
        PassthroughProvider(), name="calc", tools=toolset(add, events=bus), events=bus
    )
    await llm.generate('***CALL_TOOL add {"a": 1, "b": 2}')
    kinds = [type(e) for e in seen]
    assert kinds == [
        AgentStarted,
        ModelRequest,
        ModelResponse,
        ToolCallStarted,
        ToolCallFinished,
        ModelRequest,
        ModelResponse,
        AgentFinished,
    ]
    requests = [e for e in seen if isinstance(e, ModelRequest)]
    assert [(r.agent, r.model, r.iteration) for r in requests] == [
        ("calc", "passthrough", 1),
        ("calc", "passthrough", 2),
    ]
    response = next(e for e in seen if isinstance(e, ModelResponse))
    assert response.stop_reason == "tool_use"
    assert response.output_tokens >= 1 and response.duration >= 0


async def test_provider_error_propagates_publishes_and_rolls_back():
    bus = EventBus()
    errors: list[ErrorOccurred] = []
    finished: list[AgentFinished] = []
    bus.subscribe(errors.append, ErrorOccurred)
    bus.subscribe(finished.append, AgentFinished)
    llm = AugmentedLLM(PassthroughProvider(), events=bus)
    await llm.generate("first")
    before = llm.memory.messages()
    with pytest.raises(RateLimitError):
        await llm.generate("***RAISE RateLimitError try later")
    assert llm.memory.messages() == before
    assert [(e.source, e.error, e.error_type) for e in errors] == [
        ("agent", "try later", "RateLimitError")
    ]
    assert len(finished) == 2
    # a retry works and history stays alternating
    await llm.generate("again")
    assert [m.text for m in llm.memory.messages()] == ["first", "first", "again", "again"]


async def test_provider_error_after_a_tool_round_rolls_back_the_whole_turn():
    provider = PlaybackProvider(
        conversation=[
            Message.assistant(tool_calls=[ToolCall(id="x", name="add", arguments={"a": 1, "b": 1})])
        ]
    )
    llm = AugmentedLLM(provider, tools=toolset(add))
    with pytest.raises(PlaybackExhaustedError):
        await llm.generate("go")
    assert llm.memory.messages() == []
    # the model call that did happen was spent, so the agent's usage counts it
    assert llm.usage == Usage(requests=1)


async def test_without_history_sends_prompt_and_new_message_and_stores_nothing():
    provider = RecordingPassthrough()
    memory = SimpleMemory(prompt=[Message.user("P"), Message.assistant("ok")])
    llm = AugmentedLLM(provider, memory=memory)
    await llm.generate("stored")
    reply = await llm.generate("not stored", RequestParams(use_history=False))
    assert reply.text == "not stored"
    assert [m.text for m in provider.requests[-1].messages] == ["P", "ok", "not stored"]
    assert [m.text for m in memory.messages()] == ["P", "ok", "stored", "stored"]


async def test_prompt_survives_clear_and_is_sent_first():
    provider = RecordingPassthrough()
    llm = AugmentedLLM(provider)
    llm.memory.set_prompt([Message.user("template"), Message.assistant("understood")])
    await llm.generate("one")
    llm.memory.clear()
    await llm.generate("two")
    assert [m.text for m in provider.requests[-1].messages] == ["template", "understood", "two"]


async def test_accepts_message_objects_and_sequences():
    llm = AugmentedLLM(PassthroughProvider())
    assert (await llm.generate(Message.user("one"))).text == "one"
    reply = await llm.generate([Message.user("two"), "three"])
    assert reply.text == "three"
    assert [m.text for m in llm.memory.messages()] == ["one", "one", "two", "three", "three"]


async def test_concurrent_generate_calls_do_not_interleave():
    gate = asyncio.Event()
    bus = EventBus()
    started: list[AgentStarted] = []

    def on_started(event: AgentStarted) -> None:
        started.append(event)
        if len(started) == 2:  # the second turn has begun: let the first one finish
            gate.set()

    bus.subscribe(on_started, AgentStarted)

    async def wait_gate() -> str:
        """Blocks until the second turn has started."""
        await gate.wait()
        return "opened"

    llm = AugmentedLLM(PassthroughProvider(), tools=toolset(wait_gate), events=bus)
    first = asyncio.create_task(llm.generate("***CALL_TOOL wait_gate"))
    second = asyncio.create_task(llm.generate("second"))
    replies = await asyncio.gather(first, second)
    assert [r.text for r in replies] == ["opened", "second"]
    history = llm.memory.messages()
    assert [m.role for m in history] == [
        "user",
        "assistant",
        "user",
        "assistant",
        "user",
        "assistant",
    ]
    assert history[3].text == "opened"
    assert history[4].text == "second"
    assert calls_and_results_match(history)


async def test_cancellation_leaves_history_consistent_and_lock_free():
    entered = asyncio.Event()

    async def hang() -> str:
        """Never returns on its own."""
        entered.set()
        await asyncio.Event().wait()
        return "unreachable"

    llm = AugmentedLLM(PassthroughProvider(), tools=toolset(hang))
    await llm.generate("before")
    task = asyncio.create_task(llm.generate("***CALL_TOOL hang"))
    await entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert [m.text for m in llm.memory.messages()] == ["before", "before"]
    assert not llm.memory.turn_lock.locked()
    assert (await llm.generate("after")).text == "after"
    assert calls_and_results_match(llm.memory.messages())


async def test_provider_server_error_type_is_preserved():
    llm = AugmentedLLM(PassthroughProvider())
    with pytest.raises(ProviderServerError) as info:
        await llm.generate("***RAISE ProviderServerError overloaded")
    assert info.value.status_code == 500
