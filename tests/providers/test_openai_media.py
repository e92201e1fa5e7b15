"""OpenAI Chat Completions: PDF (file parts) and audio input, and media inside tool results."""

from __future__ import annotations

from fastagent.messages import (
    AudioContent,
    EmbeddedResource,
    ImageContent,
    Message,
    ResourceContents,
    TextContent,
    ToolCall,
    ToolResult,
)
from fastagent.providers._openai_convert import file_name, to_openai_messages


def pdf(uri: str = "file:///docs/report.pdf") -> EmbeddedResource:
    return EmbeddedResource(
        resource=ResourceContents(uri=uri, mime_type="application/pdf", blob="JVBERi0x")
    )


def test_pdf_and_audio_become_file_and_input_audio_parts() -> None:
    wav_resource = EmbeddedResource(
        resource=ResourceContents(uri="mem://clip.wav", mime_type="audio/wav", blob="UklGRg==")
    )
    wire = to_openai_messages(
        [
            Message.user(
                "Summarize.",
                pdf(),
                AudioContent(data="SUQzBAA=", mime_type="audio/mpeg"),
                wav_resource,
            )
        ],
        None,
    )
    assert wire == [
        {
            "role": "user",
            "content": [
                {"type": "text", "text": "Summarize."},
                {
                    "type": "file",
                    "file": {
                        "filename": "report.pdf",
                        "file_data": "data:application/pdf;base64,JVBERi0x",
                    },
                },
                {"type": "input_audio", "input_audio": {"data": "SUQzBAA=", "format": "mp3"}},
                {"type": "input_audio", "input_audio": {"data": "UklGRg==", "format": "wav"}},
            ],
        }
    ]


def test_tool_result_audio_and_pdf_are_named_as_what_they_are() -> None:
    wire = to_openai_messages(
        [
            Message.assistant(tool_calls=[ToolCall(id="call_1", name="record", arguments={})]),
            Message(
                role="user",
                tool_results=[
                    ToolResult(
                        call_id="call_1",
                        content=[
                            TextContent(text="recorded"),
                            AudioContent(data="UklGRg==", mime_type="audio/wav"),
                            ImageContent(data="R0lGODlh", mime_type="image/gif"),
                            pdf(),
                        ],
                    )
                ],
            ),
        ],
        None,
    )
    assert wire[1] == {
        "role": "tool",
        "tool_call_id": "call_1",
        "content": "recorded\n[1 image(s), 1 audio clip(s), 1 file(s) follow in the next user "
        "message]",
    }
    follow = wire[2]["content"]
    assert follow[0] == {"type": "text", "text": "Attachments returned by tool call call_1:"}
    assert [p["type"] for p in follow[1:]] == ["input_audio", "image_url", "file"]
    assert "image(s) follow" not in wire[1]["content"].replace("1 image(s), ", "")


def test_unsupported_audio_formats_say_so() -> None:
    wire = to_openai_messages(
        [Message.user(AudioContent(data="T2dnUw==", mime_type="audio/ogg"))], None
    )
    assert wire[0]["content"] == "[audio content (audio/ogg) not supported]"


def test_file_name_from_uri() -> None:
    assert file_name("file:///a/b/report.pdf") == "report.pdf"
    assert file_name("https://x.test/doc.pdf?sig=abc") == "doc.pdf"
    assert file_name("mem://") == "document.pdf"
