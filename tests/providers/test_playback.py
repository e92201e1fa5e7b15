import pytest

from fastagent.exceptions import PlaybackExhaustedError, UserError
from fastagent.llm.augmented import AugmentedLLM
from fastagent.llm.params import RequestParams
from fastagent.messages import Message, StopReason, ToolCall, Usage
from fastagent.providers.base import CompletionRequest
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider
from fastagent.streaming import StreamDone, TextDelta, ToolCallStart
from fastagent.tools.function_tool import FunctionTool
from fastagent.tools.toolset import ToolSet

RECORDED = [
    Message.user("what is 1+1?"),
    Message.assistant(tool_calls=[ToolCall(id="c1", name="add", arguments={"a": 1, "b": 1})]),
    Message(role="user", tool_results=[]),
    Message.assistant("2"),
    Message.user("thanks"),
    Message.assistant("you're welcome"),
]


def req(text: str = "ignored") -> CompletionRequest:
    return CompletionRequest([Message.user(text)])


async def test_replays_assistant_turns_in_order_ignoring_request():
    provider = PlaybackProvider(conversation=RECORDED)
    assert provider.remaining == 3
    first = await provider.complete(req("anything"))
    assert first.tool_calls == RECORDED[1].tool_calls
    assert first.stop_reason is StopReason.TOOL_USE
    assert (await provider.complete(req())).text == "2"
    assert (await provider.complete(req())).text == "you're welcome"
    assert provider.played == 3


async def test_exhausted_raises_typed_error_then_reset_replays():
    provider = PlaybackProvider(conversation=RECORDED[:2])
    await provider.complete(req())
    with pytest.raises(PlaybackExhaustedError) as info:
        await provider.complete(req())
    assert info.value.played == 1
    provider.reset()
    assert (await provider.complete(req())).tool_calls[0].id == "c1"


async def test_empty_playback_raises_immediately():
    with pytest.raises(PlaybackExhaustedError):
        await PlaybackProvider().complete(req())


async def test_replayed_messages_are_copies_with_usage():
    recorded = Message.assistant("hi")
    provider = PlaybackProvider(conversation=[recorded])
    reply = await provider.complete(req())
    assert reply is not recorded
    assert reply.usage == Usage(requests=1)
    assert recorded.usage is None
    assert reply.timestamp is not None


async def test_skips_loop_written_max_iteration_messages():
    provider = PlaybackProvider(
        conversation=[
            Message.assistant("stopped", stop_reason=StopReason.MAX_ITERATIONS),
            Message.assistant("real"),
        ]
    )
    assert provider.remaining == 1
    assert (await provider.complete(req())).text == "real"


async def test_load_replaces_recording():
    provider = PlaybackProvider(conversation=[Message.assistant("a")])
    await provider.complete(req())
    provider.load([Message.assistant("b")])
    assert (await provider.complete(req())).text == "b"


async def test_stream_replays_as_events():
    provider = PlaybackProvider(conversation=RECORDED)
    events = [e async for e in provider.stream(req())]
    assert isinstance(events[0], ToolCallStart)
    assert isinstance(events[-1], StreamDone)
    events = [e async for e in provider.stream(req())]
    assert events[0] == TextDelta("2")


def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


def shout(text: str) -> str:
    """Upper-case the text."""
    return text.upper()


def without_timestamps(messages: list[Message]) -> list[Message]:
    return [m.model_copy(update={"timestamp": None}) for m in messages]


async def test_recorded_tool_conversation_replays_identically():
    def tools() -> ToolSet:
        return ToolSet([FunctionTool(add), FunctionTool(shout)])

    turns = [
        ('***CALL_TOOL add {"a": 1, "b": 2}', None),
        ("just text", None),
        ('***CALL_TOOL shout {"text": "hi"}', None),
        ("***CALL_TOOL missing_tool", None),
        ('***CALL_TOOL add {"a": 5, "b": 5}', RequestParams(max_iterations=1)),
        ("***CALL_TOOL add {broken", None),
    ]
    recorder = AugmentedLLM(PassthroughProvider(), tools=tools())
    for text, params in turns:
        await recorder.generate(text, params)
    recorded = recorder.memory.messages()
    assert any(m.stop_reason is StopReason.MAX_ITERATIONS for m in recorded)

    replayer = AugmentedLLM(PlaybackProvider(conversation=recorded), tools=tools())
    for text, params in turns:
        await replayer.generate(text, params)
    assert without_timestamps(replayer.memory.messages()) == without_timestamps(recorded)
    assert replayer.usage == recorder.usage


async def test_playback_from_a_saved_history_file(tmp_path):
    from fastagent.history import save_history
    from fastagent.providers.model_strings import create_provider

    path = tmp_path / "run.json"
    save_history(path, RECORDED)
    provider = create_provider(f"playback?file={path}")
    assert isinstance(provider, PlaybackProvider)
    assert provider.remaining == 3
    assert (await provider.complete(req())).tool_calls == RECORDED[1].tool_calls
    from_path = PlaybackProvider(conversation=path)
    assert from_path.remaining == 3


def test_missing_history_file_is_a_user_error_naming_the_file(tmp_path):
    missing = tmp_path / "nope.json"
    with pytest.raises(UserError, match=r"nope\.json") as info:
        PlaybackProvider(file=str(missing))
    assert info.value.hint
