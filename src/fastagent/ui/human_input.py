"""`TerminalHumanInput`: an agent's ``human_input`` question, asked on the terminal.

The face injects it as `RunOptions.human_input`. The tool publishes `UserInputRequested`
before asking, so the live display pauses while the question is on screen.
"""

from __future__ import annotations

import sys
import threading
from typing import IO

from fastagent.tools.human_input import HumanInputRequest, HumanInputUnavailable

__all__ = ["TerminalHumanInput"]


class TerminalHumanInput:
    """Shows the agent's question and reads one line as the answer.

    Args:
        input: Where the answer is read (default ``sys.stdin``).
        output: Where the question goes (default ``sys.stderr``).
        interactive: Overrides whether a user can answer; by default, whether `input` is a
            terminal.
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

    async def __call__(self, request: HumanInputRequest) -> str:
        """Ask `request.question`; returns the answer.

        Raises:
            HumanInputUnavailable: Standard input is not a terminal, or it ended.
        """
        if not self.interactive:
            raise HumanInputUnavailable("standard input is not a terminal")
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.ask, request)

    def ask(self, request: HumanInputRequest) -> str:
        """The blocking form of `__call__`."""
        with self._lock:
            stream = self._output or sys.stderr
            stream.write(f"\n{request.agent} asks: {request.question}\nyour answer: ")
            stream.flush()
            line = (self._input or sys.stdin).readline()
            if not line:
                raise HumanInputUnavailable("the input ended before an answer")
            return line.rstrip("\n")
