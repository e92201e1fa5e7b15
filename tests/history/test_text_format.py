import pytest

from fastagent.exceptions import HistoryFormatError
from fastagent.history.text_format import iter_text, parse_text
from fastagent.messages import (
    ImageContent,
    Message,
    ResourceLink,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
)


def dumps(messages: list[Message]) -> str:
    return "".join(iter_text(messages))


def test_round_trip(conversation: list[Message]) -> None:
    assert parse_text(dumps(conversation)) == conversation


def test_layout_of_a_tool_round() -> None:
    messages = [
        Message.assistant(
            "Checking.", tool_calls=[ToolCall(id="call_1", name="weather__get", arguments={"c": 1})]
        ),
        Message(
            role="user",
            tool_results=[
                ToolResult(
                    call_id="call_1", content=[TextContent(text="sunny")], tool_name="weather__get"
                )
            ],
        ),
    ]
    assert dumps(messages) == (
        "---ASSISTANT\n"
        "Checking.\n"
        "\n"
        "---TOOL_CALL id=call_1 name=weather__get\n"
        "{\n"
        '  "c": 1\n'
        "}\n"
        "\n"
        "---META\n"
        "{\n"
        '  "stopReason": "tool_use"\n'
        "}\n"
        "\n"
        "---USER\n"
        "\n"
        "---TOOL_RESULT id=call_1 name=weather__get error=false\n"
        "sunny\n"
        "\n"
    )


def test_hand_written_plain_text_loads() -> None:
    text = "---USER\nHello!\nHow are you?\n\n---ASSISTANT\nFine, thanks.\n---USER\nBye\n"
    assert parse_text(text) == [
        Message(role="user", content=[TextContent(text="Hello!\nHow are you?")]),
        Message(role="assistant", content=[TextContent(text="Fine, thanks.")]),
        Message(role="user", content=[TextContent(text="Bye")]),
    ]


def test_hand_written_windows_file_with_bom_free_crlf() -> None:
    text = "---USER\r\nHello\r\n\r\n---ASSISTANT\r\nHi\r\n"
    assert parse_text(text) == [
        Message.user("Hello"),
        Message(role="assistant", content=[TextContent(text="Hi")]),
    ]


def test_leading_blank_lines_are_ignored() -> None:
    assert parse_text("\n\n---USER\nhi\n") == [Message.user("hi")]


def test_delimiter_looking_lines_are_escaped() -> None:
    body = "---USER\n\\---ASSISTANT\n\\\\---META x\n\\not escaped\n---\n----\n--- x"
    text = dumps([Message.user(body)])
    assert text.split("\n") == [
        "---USER",
        "\\---USER",
        "\\\\---ASSISTANT",
        "\\\\\\---META x",
        "\\not escaped",
        "\\---",
        "\\----",
        "\\--- x",
        "",
        "",
    ]
    assert parse_text(text) == [Message.user(body)]


def test_unescaped_lines_that_are_not_delimiters_stay_text() -> None:
    text = "---USER\n---\n--- not a section\n---lower\n\\LaTeX\n"
    assert parse_text(text) == [Message.user("---\n--- not a section\n---lower\n\\LaTeX")]


@pytest.mark.parametrize(
    ("content", "body"),
    [
        ([], "---USER\n\n"),
        ([TextContent(text="")], "---USER\n\n\n"),
        ([TextContent(text="\n")], "---USER\n\n\n\n"),
        ([TextContent(text="a\n")], "---USER\na\n\n\n"),
        ([TextContent(text="a"), TextContent(text="b")], "---USER\na\n\n---TEXT\nb\n\n"),
    ],
)
def test_empty_and_trailing_newline_text_is_exact(content: list[TextContent], body: str) -> None:
    message = Message(role="user", content=list(content))
    assert dumps([message]) == body
    assert parse_text(body) == [message]


def test_content_starting_with_a_resource_then_text() -> None:
    message = Message(
        role="user",
        content=[
            ResourceLink(uri="file:///x", name="x"),
            TextContent(text="after"),
            ImageContent(data="AA==", mime_type="image/gif"),
        ],
    )
    text = dumps([message])
    assert text.startswith("---USER\n\n---RESOURCE\n")
    assert "---TEXT\nafter\n" in text
    assert parse_text(text) == [message]


def test_quoted_attributes_round_trip() -> None:
    call = ToolCall(id='a "quoted" id', name="name with spaces=and equals", arguments={})
    result = ToolResult(call_id="", content=[], is_error=True, tool_name="ünï")
    messages = [Message.assistant(tool_calls=[call]), Message(role="user", tool_results=[result])]
    text = dumps(messages)
    assert '---TOOL_CALL id="a \\"quoted\\" id" name="name with spaces=and equals"' in text
    assert '---TOOL_RESULT id="" name="ünï" error=true' in text
    assert parse_text(text) == messages


def test_sections_after_a_tool_result_belong_to_it() -> None:
    text = (
        "---USER\n"
        "---TOOL_RESULT id=1\n"
        "first\n"
        "---TEXT\n"
        "second\n"
        "---RESOURCE\n"
        '{"type": "image", "data": "AA==", "mimeType": "image/png"}\n'
        "---STRUCTURED\n"
        '{"k": [1]}\n'
        "---META\n"
        "{}\n"
        "---TEXT\n"
        "message text\n"
    )
    [message] = parse_text(text)
    [result] = message.tool_results
    assert [type(b).__name__ for b in result.content] == [
        "TextContent",
        "TextContent",
        "ImageContent",
    ]
    assert result.structured_content == {"k": [1]}
    assert result.is_error is False
    assert message.content == [TextContent(text="message text")]


def test_tool_call_without_body_has_no_arguments() -> None:
    [message] = parse_text(
        '---ASSISTANT\n---TOOL_CALL id=1 name=t\n---META\n{"stopReason": "tool_use"}\n'
    )
    assert message.tool_calls == [ToolCall(id="1", name="t")]
    assert message.stop_reason is StopReason.TOOL_USE


def test_empty_file_is_an_empty_conversation() -> None:
    assert dumps([]) == ""
    assert parse_text("") == []


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("hello\n---USER\n", 1, "before the first ---USER"),
        ("\n---TEXT\nhi\n", 2, "before the first ---USER"),
        ("---USER\nhi\n---USR\n", 3, "unknown section ---USR"),
        ("---USER\n---TOOL_CALL name=x\n", 2, "needs the attribute(s) id"),
        ("---USER\n---TOOL_CALL id=1 name=x color=red\n", 2, "unexpected or repeated attribute"),
        ("---USER\n---TOOL_CALL id=1 id=2 name=x\n", 2, "unexpected or repeated attribute"),
        ('---USER\n---TOOL_CALL id=1 name="x\n', 2, "malformed attribute"),
        ("---USER x=1\n", 1, "unexpected or repeated attribute"),
        ("---USER\n---TOOL_RESULT id=1 error=maybe\n", 2, "must be true or false"),
        ('---USER\n---TOOL_CALL id=1 name=x\n{\n  "a": 1,\n}\n', 5, "invalid JSON in ---TOOL_CALL"),
        ("---USER\n---TOOL_CALL id=1 name=x\n[1]\n", 2, "must hold a JSON object"),
        ('---USER\n\n---RESOURCE\n{"type": "video"}\n', 3, "invalid ---RESOURCE"),
        ("---USER\n---RESOURCE\n\n", 2, "---RESOURCE is empty"),
        ("---USER\n---STRUCTURED\n{}\n", 2, "---STRUCTURED must follow"),
        ("---ASSISTANT\n---META\n{}\n---META\n{}\n", 4, "second ---META"),
        ('---ASSISTANT\n---META\n{"stopReason": "tired"}\n', 2, "invalid ---META: stopReason"),
        ('---ASSISTANT\n---META\n{"cost": 1}\n', 2, "invalid ---META: cost"),
    ],
)
def test_errors_name_file_and_line(text: str, line: int, words: str) -> None:
    with pytest.raises(HistoryFormatError) as caught:
        parse_text(text, source="chat.md")
    assert caught.value.line == line
    assert caught.value.path == "chat.md"
    assert words in str(caught.value)
    assert str(caught.value).startswith(f"chat.md, line {line}: ")
    assert caught.value.hint


def test_examples_in_the_format_docs_load() -> None:
    import re
    from pathlib import Path

    doc = Path(__file__).parents[2] / "docs" / "history-format.md"
    examples = re.findall(r"```text\n(.*?)```", doc.read_text(encoding="utf-8"), re.S)
    assert len(examples) == 2
    tool_round, hand_written = (parse_text(e, source=str(doc)) for e in examples)
    assert tool_round[1].tool_calls == [
        ToolCall(id="call_1", name="weather__get", arguments={"city": "Paris"})
    ]
    assert tool_round[3].text.endswith("\n---USER")
    assert [m.role for m in hand_written] == ["user", "assistant"]


def test_provider_data_travels_in_meta() -> None:
    thinking = [{"type": "thinking", "thinking": "hmm\n---USER", "signature": "EqQB=="}]
    message = Message.assistant(
        tool_calls=[ToolCall(id="t1", name="get")],
    ).model_copy(update={"provider_data": {"anthropic": {"thinking": thinking}}})
    text = dumps([message])
    meta = text[text.index("---META\n") + len("---META\n") :]
    assert '"providerData": {' in meta
    [loaded] = parse_text(text)
    assert loaded.provider_data == {"anthropic": {"thinking": thinking}}
    assert loaded == message


def test_hand_written_meta_with_provider_data_loads() -> None:
    [message] = parse_text('---ASSISTANT\nhi\n---META\n{"providerData": {"x": [1, null]}}\n')
    assert message.provider_data == {"x": [1, None]}
    assert message.stop_reason is None
