"""`TerminalAsker`: what the terminal prompts share (tool approval, human input, elicitation).

Streams a test can hand in, whether a person can answer (the input is a terminal, unless
told), one question on screen at a time (handlers run in worker threads, several may ask at
once), and the blocking question run off the event loop.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from typing import IO, ClassVar, TypeVar, TypeVarTuple

__all__ = ["TerminalAsker"]

T = TypeVar("T")
Ts = TypeVarTuple("Ts")


class TerminalAsker:
    """Base of the handlers that ask a person on the terminal.

    Args:
        input: Where answers are read (default ``sys.stdin``).
        output: Where questions are written (default ``sys.stderr``, or ``sys.stdout`` for a
            class that sets `writes_to_stdout`).
        interactive: Overrides whether a user can answer; by default, whether `input` is a
            terminal.
    """

    writes_to_stdout: ClassVar[bool] = False
    """Whether questions go to standard output when no `output` is given."""

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
        """Whether a user can answer: the override, else whether the input is a terminal."""
        if self._interactive is not None:
            return self._interactive
        stream = self._input or sys.stdin
        try:
            return stream.isatty()
        except (AttributeError, ValueError):
            return False

    async def _off_loop(self, ask: Callable[[*Ts], T], *args: *Ts) -> T:
        """Run the blocking `ask` in a worker thread (the event loop keeps running)."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(ask, *args)

    def _write(self, text: str) -> None:
        """Write `text` to the output now (no buffering between a question and its answer)."""
        stream = self._output or (sys.stdout if self.writes_to_stdout else sys.stderr)
        stream.write(text)
        stream.flush()

    def _read_line(self) -> str:
        """One line of input with its newline; ``""`` when the input ended."""
        return (self._input or sys.stdin).readline()
