"""A minimal chat loop: read a line, send it, print the reply.

The full terminal UI (prompt_toolkit, live progress) lives in `fastagent.ui`; this loop is what
`AgentApp.interactive` runs and works anywhere, including with piped input.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from fastagent.agents.agent_tool import Sendable

__all__ = ["EXIT_COMMANDS", "chat_loop"]

EXIT_COMMANDS: Final = frozenset({"/exit", "/quit", "exit", "quit"})
"""Lines that end the loop (so does end of input, Ctrl-D)."""


async def chat_loop(
    agent: Sendable,
    *,
    read: Callable[[str], str] = input,
    write: Callable[[str], object] = print,
    error: Callable[[str], object] | None = None,
) -> int:
    """Read lines with `read`, send each to `agent`, and `write` the replies.

    Blank lines are skipped. A model or tool failure is reported with `error` and the loop
    goes on; the conversation is unchanged by a failed turn, so the line can be sent again.

    Args:
        agent: The agent to talk to.
        read: Returns the next line; raises `EOFError` at end of input. Called with the
            prompt (empty when standard input is not a terminal).
        write: Shows a reply.
        error: Shows a failure (default: standard error).

    Returns:
        How many messages were sent.
    """
    from fastagent.exceptions import RuntimeFailure

    report = error if error is not None else _stderr_line
    prompt = f"{agent.name}> " if sys.stdin is not None and sys.stdin.isatty() else ""
    sent = 0
    while True:
        try:
            line = read(prompt)
        except EOFError:
            return sent
        text = line.strip()
        if not text:
            continue
        if text in EXIT_COMMANDS:
            return sent
        try:
            reply = await agent.send(text)
        except RuntimeFailure as exc:
            report(f"error: {exc.message}" + (f"\nhint: {exc.hint}" if exc.hint else ""))
            continue
        sent += 1
        write(reply)


def _stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
