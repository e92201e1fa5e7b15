"""`fastagent.messages`: typed conversation data with one lossless JSON form."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from fastagent.messages import (
    AudioContent,
    EmbeddedResource,
    ImageContent,
    Message,
    ResourceContents,
    ResourceLink,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
    Usage,
    dump_messages,
    load_messages,
    text_of,
)


def every_kind_of_message() -> list[Message]:
    user = Message.user(
        "look at this",
        ImageContent(data="aW1n", mime_type="image/png"),
        AudioContent(data="YXVk", mime_type="audio/wav"),
        EmbeddedResource(resource=ResourceContents(uri="file:///a.txt", text="file text")),
        ResourceLink(uri="file:///b.bin", name="b", mime_type="application/octet-stream"),
    )
    user.timestamp = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    arguments = {"q": [1, {"x": None}]}
    call = Message.assistant(
        "checking", tool_calls=[ToolCall(id="c1", name="srv__get", arguments=arguments)]
    )
    call.usage = Usage(input_tokens=10, output_tokens=2, cache_read_tokens=3, requests=1)
    call.model = "anthropic.claude-sonnet-4-6"
    call.provider_data = {"anthropic": {"thinking": [{"signature": "s", "thinking": "hm"}]}}
    results = Message(
        role="user",
        tool_results=[
            ToolResult(call_id="c1", content=[TextContent(text="42")], tool_name="srv__get"),
            ToolResult(call_id="c2", structured_content={"n": 1}, is_error=False),
            ToolResult.error("c3", "no such tool", tool_name="ghost"),
        ],
    )
    done = Message.assistant("the answer is 42", stop_reason=StopReason.MAX_TOKENS)
    return [user, call, results, done]


def test_json_round_trip_is_lossless_for_every_block_and_field() -> None:
    messages = every_kind_of_message()
    wire = json.loads(json.dumps(dump_messages(messages)))
    assert load_messages(wire) == messages
    assert [Message.from_dict(m.to_dict()) for m in messages] == messages


def test_the_wire_form_is_mcp_shaped_camel_case_without_nulls() -> None:
    user, call, results, _ = (m.to_dict() for m in every_kind_of_message())
    assert user["content"][0] == {"type": "text", "text": "look at this"}
    assert user["content"][1] == {"type": "image", "data": "aW1n", "mimeType": "image/png"}
    assert user["content"][3] == {
        "type": "resource",
        "resource": {"uri": "file:///a.txt", "text": "file text"},
    }
    assert "stopReason" not in user and "usage" not in user
    arguments = {"q": [1, {"x": None}]}
    assert call["toolCalls"] == [{"id": "c1", "name": "srv__get", "arguments": arguments}]
    assert call["stopReason"] == "tool_use"
    assert results["toolResults"][2] == {
        "callId": "c3",
        "content": [{"type": "text", "text": "no such tool"}],
        "isError": True,
        "toolName": "ghost",
    }
    # snake_case names are accepted too
    assert Message.model_validate({"role": "user", "tool_results": []}).tool_results == []


def test_text_joins_text_blocks_and_embedded_text_only() -> None:
    user = every_kind_of_message()[0]
    assert user.text == "look at this\nfile text"
    assert text_of([]) == ""
    assert ToolResult(call_id="x", content=[TextContent(text="a"), TextContent(text="b")]).text == (
        "a\nb"
    )


def test_assistant_stop_reason_follows_tool_calls_unless_given() -> None:
    assert Message.assistant("hi").stop_reason is StopReason.END_TURN
    calling = Message.assistant(tool_calls=[ToolCall(id="1", name="t")])
    assert calling.stop_reason is StopReason.TOOL_USE and calling.content == []
    assert Message.assistant("x", stop_reason=StopReason.REFUSAL).stop_reason is StopReason.REFUSAL


def test_usage_adds_every_counter_and_totals_tokens() -> None:
    a = Usage(input_tokens=1, output_tokens=2, cache_read_tokens=3, cache_write_tokens=4,
              reasoning_tokens=5, requests=6)  # fmt: skip
    total = a + a
    assert total.model_dump() == {k: 2 * v for k, v in a.model_dump().items()}
    assert total.total_tokens == 6
    assert Usage() + Usage() == Usage()


@pytest.mark.parametrize(
    "bad",
    [
        {"role": "system", "content": []},
        {"role": "user", "content": [{"type": "video", "data": "x"}]},
        {"role": "user", "content": [{"type": "text"}]},
        {"role": "user", "surprise": 1},
        {"role": "assistant", "stopReason": "bored"},
        {"role": "user", "toolResults": [{"content": []}]},
    ],
)
def test_invalid_data_is_rejected(bad: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        Message.from_dict(bad)  # type: ignore[arg-type]
