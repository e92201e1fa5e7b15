"""The terminal UI: progress display, chat rendering, interactive prompt, usage summary.

Modules:
    display: `start_display` (live progress in a terminal, log lines otherwise).
    progress: `ProgressState` kept from events, and its rich rendering.
    chat_render: replies, tool calls and history as terminal text.
    usage_table: tokens and cost per agent (`usage_table`, `print_usage_summary`).
    session: `ChatSession`, the state of one interactive chat.
    commands: slash commands and how a typed line is understood.
    prompt: the prompt_toolkit prompt (multi-line, history, completion).
    chat: the interactive chat loop (`run_interactive`, what ``app.interactive()`` runs).
    elicitation: `TerminalElicitor`, answering MCP servers' elicitation requests.

Importing this package imports none of them; rich and prompt_toolkit are imported only when
something is displayed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.ui.chat import run_interactive
    from fastagent.ui.display import start_display
    from fastagent.ui.elicitation import TerminalElicitor
    from fastagent.ui.usage_table import print_usage_summary, usage_table

__all__ = [
    "TerminalElicitor",
    "print_usage_summary",
    "run_interactive",
    "start_display",
    "usage_table",
]

_LAZY: dict[str, str] = {
    "TerminalElicitor": "fastagent.ui.elicitation",
    "start_display": "fastagent.ui.display",
    "run_interactive": "fastagent.ui.chat",
    "print_usage_summary": "fastagent.ui.usage_table",
    "usage_table": "fastagent.ui.usage_table",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
