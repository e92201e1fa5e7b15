"""`TerminalApprover`: asks on the terminal whether a tool call may run (y / n / always).

The face injects it as `RunOptions.approver`; `fastagent.tools.approval.ToolGuard` asks it
for the calls an ``approve: ask`` policy holds, publishing `UserInputRequested` first so the
live display pauses while the question is on screen.
"""

from __future__ import annotations

import json

from fastagent.tools.approval import ApprovalRequest
from fastagent.ui._asker import TerminalAsker

__all__ = ["TerminalApprover"]

_ARGUMENT_LIMIT = 2000


class TerminalApprover(TerminalAsker):
    """Shows the tool and its arguments and reads ``y``, ``n`` or ``a`` (always).

    Args:
        input: Where answers are read (default ``sys.stdin``).
        output: Where the question goes (default ``sys.stderr``).
        interactive: Overrides whether a user can answer; by default, whether `input` is a
            terminal. When no one can answer, the call is denied with that reason.
    """

    async def __call__(self, request: ApprovalRequest) -> str:
        """Ask about `request`; returns ``yes``, ``no``, ``always`` or the reason for a no."""
        if not self.interactive:
            return "it needs the user's approval and standard input is not a terminal"
        return await self._off_loop(self.ask, request)

    def ask(self, request: ApprovalRequest) -> str:
        """The blocking form of `__call__`."""
        arguments = json.dumps(request.arguments, ensure_ascii=False, indent=2)
        if len(arguments) > _ARGUMENT_LIMIT:
            arguments = arguments[:_ARGUMENT_LIMIT] + "\n  ... (cut)"
        with self._lock:
            self._write(f"\n{request.agent} wants to call {request.tool} with:\n{arguments}\n")
            while True:
                self._write("Allow? [y]es / [n]o / [a]lways for this tool: ")
                line = self._read_line()
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
