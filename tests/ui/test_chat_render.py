from __future__ import annotations

import io

from rich.console import Console

from fastagent.events import ToolCallFinished, ToolCallStarted
from fastagent.messages import Message, ToolCall, ToolResult
from fastagent.ui.chat_render import (
    format_arguments,
    history_lines,
    print_reply,
    shorten,
    tool_call_text,
    tool_finished_text,
)


def test_arguments_and_tool_lines_are_compact() -> None:
    assert format_arguments({}) == ""
    assert format_arguments({"city": "Paris", "days": 3}) == '{"city": "Paris", "days": 3}'
    long = format_arguments({"text": "x" * 500})
    assert len(long) == 80 and long.endswith("…")
    assert shorten("a\n  b   c", 10) == "a b c"
    started = ToolCallStarted(agent="a", tool="weather", call_id="1", arguments={"city": "Oslo"})
    assert tool_call_text(started) == 'a -> weather {"city": "Oslo"}'
    finished = ToolCallFinished(agent="a", tool="weather", call_id="1", duration=0.123)
    assert tool_finished_text(finished) == "a <- weather ok 0.12s"


def test_history_lines_show_calls_and_results() -> None:
    messages = [
        Message.user("weather?"),
        Message.assistant(tool_calls=[ToolCall(id="1", name="weather", arguments={"c": "Oslo"})]),
        Message(
            role="user", tool_results=[ToolResult.error("1", "no network", tool_name="weather")]
        ),
        Message.assistant("It is sunny."),
    ]
    assert history_lines(messages) == [
        "user: weather?",
        'assistant: calls weather {"c": "Oslo"}',
        "tool weather error: no network",
        "assistant: It is sunny.",
    ]


def test_reply_is_markdown_under_the_agents_rule() -> None:
    console = Console(record=True, width=40, file=io.StringIO())
    print_reply(console, "writer", "- one\n- **two**")
    lines = [line.rstrip() for line in console.export_text().splitlines()]
    assert lines[0].startswith("writer ───")
    assert [line for line in lines[1:] if line] == [" • one", " • two"]
