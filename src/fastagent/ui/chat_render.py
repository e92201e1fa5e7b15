"""How chat content looks in the terminal: replies, tool calls and results, history.

The ``*_text`` functions return plain one-line strings (used as they are when the output is
not a terminal); `print_reply` and `print_tool_line` style them with rich for a terminal.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from rich.console import Console

    from fastagent.events import ToolCallFinished, ToolCallStarted
    from fastagent.messages import Message

__all__ = [
    "format_arguments",
    "history_lines",
    "print_reply",
    "print_tool_line",
    "shorten",
    "tool_call_text",
    "tool_finished_text",
]

ARGUMENT_LIMIT: Final = 80
"""Longest argument summary shown for a tool call."""


def shorten(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with an ellipsis when longer."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: max(0, limit - 1)] + "…"


def format_arguments(arguments: dict[str, Any], limit: int = ARGUMENT_LIMIT) -> str:
    """Tool arguments as compact JSON, shortened to `limit` characters."""
    if not arguments:
        return ""
    try:
        text = json.dumps(arguments, ensure_ascii=False, separators=(", ", ": "), default=str)
    except (TypeError, ValueError):
        text = repr(arguments)
    return shorten(text, limit)


def tool_call_text(event: ToolCallStarted) -> str:
    """``agent -> tool {"arg": 1}``: a tool call starting."""
    arguments = format_arguments(event.arguments)
    return f"{event.agent} -> {event.tool}" + (f" {arguments}" if arguments else "")


def tool_finished_text(event: ToolCallFinished) -> str:
    """``agent <- tool ok 0.12s`` (or ``failed``): a tool call returned."""
    outcome = "failed" if event.is_error else "ok"
    return f"{event.agent} <- {event.tool} {outcome} {event.duration:.2f}s"


def print_tool_line(console: Console, text: str, *, is_error: bool = False) -> None:
    """Print a tool line dimmed (red when it reports a failure), secrets masked."""
    from rich.text import Text

    from fastagent._redact import redact

    console.print(Text(redact(text), style="red" if is_error else "dim"))


def print_reply(console: Console, agent: str, text: str) -> None:
    """Print an assistant reply as markdown under a rule naming the agent."""
    from rich.markdown import Markdown
    from rich.rule import Rule
    from rich.text import Text

    console.print(Rule(Text(agent, style="bold cyan"), align="left", style="cyan"))
    console.print(Markdown(text))
    console.print()


def history_lines(messages: Iterable[Message], limit: int = 200) -> list[str]:
    """One line per message part: ``user: ...``, ``assistant: ...``, tool calls and results."""
    lines: list[str] = []
    for message in messages:
        if message.text:
            lines.append(f"{message.role}: {shorten(message.text, limit)}")
        for call in message.tool_calls:
            arguments = format_arguments(call.arguments)
            lines.append(
                f"{message.role}: calls {call.name}" + (f" {arguments}" if arguments else "")
            )
        for result in message.tool_results:
            status = "error" if result.is_error else "result"
            name = result.tool_name or result.call_id
            lines.append(f"tool {name} {status}: {shorten(result.text, limit)}")
    return lines
