"""`TerminalApprover`: asks on the terminal whether a tool call may run (y / n / always).

The face injects it as `RunOptions.approver`; `fastagent.tools.approval.ToolGuard` asks it
for the calls an ``approve: ask`` policy holds, publishing `UserInputRequested` first so the
live display pauses while the question is on screen.
"""

from __future__ import annotations

import json
import sys
import threading
from typing import IO

from fastagent.tools.approval import ApprovalRequest

__all__ = ["TerminalApprover"]

_ARGUMENT_LIMIT = 2000


class TerminalApprover:
    """Shows the tool and its arguments and reads ``y``, ``n`` or ``a`` (always).

    Args:
        input: Where answers are read (default ``sys.stdin``).
        output: Where the question goes (default ``sys.stderr``).
        interactive: Overrides whether a user can answer; by default, whether `input` is a
            terminal. When no one can answer, the call is denied with that reason.
    """

    def __init__(
        self,
        input: IO[str] | None = None,
        output: IO[str] | None = None,
        *,
        interactive: bool | None = None,
    ) -> None:
        self._input = input
        self._output = output
        self._interactive = interactive
        self._lock = threading.Lock()

    @property
    def interactive(self) -> bool:
        """Whether a user can answer."""
        if self._interactive is not None:
            return self._interactive
        stream = self._input or sys.stdin
        try:
            return stream.isatty()
        except (AttributeError, ValueError):
            return False

    async def __call__(self, request: ApprovalRequest) -> str:
        """Ask about `request`; returns ``yes``, ``no``, ``always`` or the reason for a no."""
        if not self.interactive:
            return "it needs the user's approval and standard input is not a terminal"
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.ask, request)

    def ask(self, request: ApprovalRequest) -> str:
        """The blocking form of `__call__`."""
        arguments = json.dumps(request.arguments, ensure_ascii=False, indent=2)
        if len(arguments) > _ARGUMENT_LIMIT:
            arguments = arguments[:_ARGUMENT_LIMIT] + "\n  ... (cut)"
        with self._lock:
            self._write(f"\n{request.agent} wants to call {request.tool} with:\n{arguments}\n")
            while True:
                self._write("Allow? [y]es / [n]o / [a]lways for this tool: ")
                line = (self._input or sys.stdin).readline()
                if not line:
                    return "no"
                answer = line.strip().lower()
                if answer in ("y", "yes"):
                    return "yes"
                if answer in ("n", "no"):
                    return "no"
                if answer in ("a", "always"):
                    return "always"
                self._write("  answer y, n or a\n")

    def _write(self, text: str) -> None:
        stream = self._output or sys.stderr
        stream.write(text)
        stream.flush()
