import pytest

from fastagent import exceptions
from fastagent.exceptions import ProviderHTTPError, RateLimitError, UserError
from fastagent.messages import Message, StopReason, ToolResult
from fastagent.providers.base import CompletionRequest, Provider
from fastagent.providers.passthrough import RAISABLE_ERRORS, PassthroughProvider
from fastagent.streaming import (
    StreamDone,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageUpdate,
)


def request(*messages: Message, system: str | None = None) -> CompletionRequest:
    return CompletionRequest(list(messages), system=system)


async def test_echoes_last_user_message_with_usage():
    provider = PassthroughProvider()
    assert isinstance(provider, Provider)
    reply = await provider.complete(request(Message.user("hello there")))
    assert reply.role == "assistant"
    assert reply.text == "hello there"
    assert reply.stop_reason is StopReason.END_TURN
    assert reply.model == "passthrough"
    assert reply.timestamp is not None
    assert reply.usage is not None
    assert reply.usage.input_tokens == len("hello there") // 4
    assert reply.usage.output_tokens == len("hello there") // 4
    assert reply.usage.requests == 1


async def test_usage_counts_system_and_whole_conversation_minimum_one():
    provider = PassthroughProvider()
    reply = await provider.complete(request(Message.user("")))
    assert reply.usage is not None
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (1, 1)
    reply = await provider.complete(
        request(
            Message.user("a" * 40),
            Message.assistant("b" * 40),
            Message.user("c" * 8),
            system="s" * 12,
        )
    )
    assert reply.usage is not None
    assert reply.usage.input_tokens == 100 // 4


async def test_tool_results_are_echoed_joined_by_newlines():
    provider = PassthroughProvider()
    results = Message(
        role="user",
        tool_results=[
            ToolResult(call_id="1", content=[{"type": "text", "text": "one"}]),
            ToolResult.error("2", "boom"),
        ],
    )
    reply = await provider.complete(request(Message.user("x"), results))
    assert reply.text == "one\nboom"


async def test_call_tool_returns_one_call_with_unique_ids():
    provider = PassthroughProvider()
    first = await provider.complete(request(Message.user('***CALL_TOOL add {"a": 1, "b": 2}')))
    assert first.stop_reason is StopReason.TOOL_USE
    assert [(c.name, c.arguments) for c in first.tool_calls] == [("add", {"a": 1, "b": 2})]
    assert first.text == ""
    second = await provider.complete(request(Message.user("***CALL_TOOL ping")))
    assert second.tool_calls[0].arguments == {}
    assert second.tool_calls[0].id != first.tool_calls[0].id


@pytest.mark.parametrize(
    ("command", "expected"),
    [
        ("***CALL_TOOL add {bad json", "not valid JSON"),
        ("***CALL_TOOL add [1, 2]", "must be a JSON object"),
        ("***CALL_TOOL", "needs a tool name"),
    ],
)
async def test_call_tool_with_bad_input_replies_with_explanation(command, expected):
    reply = await PassthroughProvider().complete(request(Message.user(command)))
    assert reply.tool_calls == []
    assert expected in reply.text
    assert reply.stop_reason is StopReason.END_TURN


async def test_fixed_response_sticks_for_later_turns_including_tool_results():
    provider = PassthroughProvider()
    first = await provider.complete(request(Message.user("***FIXED_RESPONSE always this")))
    assert first.text == "always this"
    later = await provider.complete(request(Message.user("something else")))
    assert later.text == "always this"
    results = Message(role="user", tool_results=[ToolResult.error("1", "x")])
    assert (await provider.complete(request(results))).text == "always this"
    # commands still work after a fixed response
    call = await provider.complete(request(Message.user("***CALL_TOOL t")))
    assert call.tool_calls[0].name == "t"


async def test_fixed_response_option():
    provider = PassthroughProvider(fixed_response="canned")
    assert (await provider.complete(request(Message.user("hi")))).text == "canned"


async def test_raise_rate_limit_with_message():
    provider = PassthroughProvider()
    with pytest.raises(RateLimitError, match="slow down") as info:
        await provider.complete(request(Message.user("***RAISE RateLimitError slow down")))
    assert info.value.status_code == 429
    assert info.value.provider == "passthrough"


@pytest.mark.parametrize("name", RAISABLE_ERRORS)
async def test_every_raisable_error_is_raised_as_its_class(name):
    error_cls = getattr(exceptions, name)
    with pytest.raises(error_cls) as info:
        await PassthroughProvider().complete(request(Message.user(f"***RAISE {name}")))
    assert type(info.value) is error_cls
    assert info.value.message
    if isinstance(info.value, ProviderHTTPError):
        assert info.value.status_code >= 400


async def test_raise_unknown_error_name_is_a_user_error_listing_names():
    with pytest.raises(UserError, match="NoSuchError") as info:
        await PassthroughProvider().complete(request(Message.user("***RAISE NoSuchError")))
    assert "RateLimitError" in (info.value.hint or "")


async def test_no_user_message_gives_empty_reply():
    reply = await PassthroughProvider().complete(request())
    assert reply.text == ""


async def test_stream_emits_equivalent_events():
    provider = PassthroughProvider()
    events = [e async for e in provider.stream(request(Message.user("hi")))]
    assert [type(e) for e in events] == [TextDelta, UsageUpdate, StreamDone]
    assert events[0] == TextDelta("hi")
    events = [e async for e in provider.stream(request(Message.user('***CALL_TOOL t {"x": 1}')))]
    assert [type(e) for e in events] == [
        ToolCallStart,
        ToolCallDelta,
        ToolCallEnd,
        UsageUpdate,
        StreamDone,
    ]
    assert events[1].arguments_json_fragment == '{"x": 1}'
    assert events[-1].message.tool_calls[0] == events[2].call


async def test_input_token_count_follows_changed_and_growing_conversations():
    provider = PassthroughProvider()
    a, b, c = Message.user("a" * 40), Message.assistant("b" * 40), Message.user("c" * 40)
    first = await provider.complete(request(a, b, c))
    assert first.usage is not None and first.usage.input_tokens == 30
    unrelated = await provider.complete(request(Message.user("d" * 8)))
    assert unrelated.usage is not None and unrelated.usage.input_tokens == 2
    grown = await provider.complete(request(a, b))
    assert grown.usage is not None and grown.usage.input_tokens == 20
    grown = await provider.complete(request(a, b, c, Message.assistant("e" * 20)))
    assert grown.usage is not None and grown.usage.input_tokens == 35
    replaced_middle = await provider.complete(request(a, Message.assistant(""), c))
    assert replaced_middle.usage is not None and replaced_middle.usage.input_tokens == 20
