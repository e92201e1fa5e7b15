import pytest

from fastagent.messages import (
    AudioContent,
    EmbeddedResource,
    Message,
    ResourceContents,
    ResourceLink,
    StopReason,
    TextContent,
    ToolResult,
)
from fastagent.providers._openai_convert import (
    INVALID_ARGUMENTS_KEY,
    finish_reason_to_stop,
    parse_arguments,
    parse_usage,
    to_openai_messages,
    to_response_format,
    to_tool_choice,
)


def test_response_format_from_dict_schema():
    fmt = to_response_format({"title": "My Result!", "type": "object", "properties": {}})
    assert fmt == {
        "type": "json_schema",
        "json_schema": {
            "name": "My_Result_",
            "strict": True,
            "schema": {
                "title": "My Result!",
                "type": "object",
                "properties": {},
                "additionalProperties": False,
                "required": [],
            },
        },
    }
    assert to_response_format(None) is None


def test_tool_choice():
    assert to_tool_choice(None) is None
    assert to_tool_choice("required") == "required"
    assert to_tool_choice("lookup") == {"type": "function", "function": {"name": "lookup"}}


def test_user_content_conversions():
    message = Message.user(
        "a",
        "b",
        ResourceLink(uri="file:///x.pdf", name="x.pdf"),
        EmbeddedResource(resource=ResourceContents(uri="file:///y.bin", blob="AAAA")),
    )
    [wire] = to_openai_messages([message], None)
    assert wire == {
        "role": "user",
        "content": "a\nb\n[resource x.pdf: file:///x.pdf]\n"
        '<resource uri="file:///y.bin" mimeType="None"/> (binary, omitted)',
    }


def test_audio_and_image_resources_become_parts():
    message = Message.user(
        AudioContent(data="UklGR", mime_type="audio/wav"),
        AudioContent(data="T2dn", mime_type="audio/ogg"),
        EmbeddedResource(
            resource=ResourceContents(uri="file:///i.png", blob="iVBO", mime_type="image/png")
        ),
    )
    [wire] = to_openai_messages([message], None)
    assert wire["content"] == [
        {"type": "input_audio", "input_audio": {"data": "UklGR", "format": "wav"}},
        {"type": "text", "text": "[audio content (audio/ogg) not supported]"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBO"}},
    ]


def test_tool_results_with_structured_content_and_user_text_after():
    message = Message(
        role="user",
        content=[TextContent(text="and now?")],
        tool_results=[
            ToolResult(call_id="c1", structured_content={"temp": 18}),
            ToolResult.error("c2", "tool failed: boom"),
        ],
    )
    assert to_openai_messages([message], None) == [
        {"role": "tool", "tool_call_id": "c1", "content": '{"temp": 18}'},
        {"role": "tool", "tool_call_id": "c2", "content": "tool failed: boom"},
        {"role": "user", "content": "and now?"},
    ]


def test_assistant_text_with_tool_calls_and_plain_assistant():
    from fastagent.messages import ToolCall

    calls = [ToolCall(id="c", name="t", arguments={"x": 1})]
    wire = to_openai_messages(
        [Message.assistant("thinking", tool_calls=calls), Message.assistant("done")],
        "sys",
        system_role="developer",
        tool_call_content="",
    )
    assert wire[0] == {"role": "developer", "content": "sys"}
    assert wire[1]["content"] == "thinking"
    assert wire[2] == {"role": "assistant", "content": "done"}


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ('{"a": 1}', {"a": 1}),
        ({"a": 1}, {"a": 1}),
        ("", {}),
        ("  ", {}),
        (None, {}),
        ("{not json", {INVALID_ARGUMENTS_KEY: "{not json"}),
        ("[1, 2]", {INVALID_ARGUMENTS_KEY: "[1, 2]"}),
    ],
)
def test_parse_arguments(raw, expected):
    assert parse_arguments(raw, tool="t") == expected


@pytest.mark.parametrize(
    ("reason", "has_calls", "expected"),
    [
        ("stop", False, StopReason.END_TURN),
        ("stop", True, StopReason.TOOL_USE),
        ("tool_calls", True, StopReason.TOOL_USE),
        ("length", False, StopReason.MAX_TOKENS),
        ("length", True, StopReason.MAX_TOKENS),
        ("content_filter", False, StopReason.REFUSAL),
        (None, False, StopReason.END_TURN),
        ("eos", False, StopReason.END_TURN),
        ("eos", True, StopReason.TOOL_USE),
        ("something_new", False, StopReason.END_TURN),
    ],
)
def test_finish_reason_to_stop(reason, has_calls, expected):
    assert finish_reason_to_stop(reason, has_tool_calls=has_calls) is expected


def test_parse_usage_partial_and_missing():
    assert parse_usage(None) is None
    assert parse_usage({}) is None
    usage = parse_usage({"prompt_tokens": 5, "completion_tokens": 2, "prompt_tokens_details": None})
    assert usage is not None
    assert (usage.input_tokens, usage.output_tokens, usage.cache_read_tokens) == (5, 2, 0)
