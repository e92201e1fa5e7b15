"""A conversation that uses every part of a message."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

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
)


def rich_conversation() -> list[Message]:
    return [
        Message(
            role="user",
            content=[
                TextContent(text="What's the weather in Paris?\nAlso: describe these."),
                ImageContent(data="iVBORw0KGgo=", mime_type="image/png"),
                AudioContent(data="UklGRg==", mime_type="audio/wav"),
                EmbeddedResource(
                    resource=ResourceContents(
                        uri="file:///notes.md", mime_type="text/markdown", text="# Notes\n---USER\n"
                    )
                ),
                EmbeddedResource(
                    resource=ResourceContents(uri="file:///a.bin", blob="AAEC", mime_type=None)
                ),
                ResourceLink(uri="https://example.com/r", name="report", description="Q3 report"),
            ],
            timestamp=datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC),
        ),
        Message(
            role="assistant",
            content=[TextContent(text="Let me check.")],
            tool_calls=[
                ToolCall(id="call_1", name="weather__get", arguments={"city": "Paris", "days": 2}),
                ToolCall(id="call 2", name="clock__now", arguments={}),
            ],
            stop_reason=StopReason.TOOL_USE,
            usage=Usage(input_tokens=120, output_tokens=30, cache_read_tokens=5, requests=1),
            model="anthropic.claude-sonnet-4",
            timestamp=datetime(2026, 1, 2, 3, 4, 6, tzinfo=timezone(timedelta(hours=2))),
        ),
        Message(
            role="user",
            tool_results=[
                ToolResult(
                    call_id="call_1",
                    content=[TextContent(text="Sunny, 22°C"), TextContent(text="")],
                    structured_content={"temp": 22, "sky": "sunny"},
                    tool_name="weather__get",
                ),
                ToolResult.error("call 2", "clock unavailable", tool_name="clock__now"),
            ],
        ),
        Message(
            role="assistant",
            content=[TextContent(text="It is sunny, 22°C.\n\n---ASSISTANT\n")],
            stop_reason=StopReason.END_TURN,
            usage=Usage(input_tokens=200, output_tokens=12, reasoning_tokens=3, requests=1),
            model="anthropic.claude-sonnet-4",
        ),
        Message(role="assistant", content=[], stop_reason=StopReason.REFUSAL),
        Message(
            role="assistant", content=[TextContent(text="")], stop_reason=StopReason.MAX_TOKENS
        ),
    ]


@pytest.fixture
def conversation() -> list[Message]:
    return rich_conversation()
