"""The screen a person would see, for tests that run the app under pexpect.

`Screen` is a terminal emulator (pyte) fed with everything a pexpect child writes: set it as
the child's ``logfile_read``. Reading its rows shows what is on the screen after cursor moves
and erasures, which the raw output cannot (a live display redrawn over a question leaves the
question in the output but not on the screen). On the tests' import path (pytest
``pythonpath``), so every test folder uses this one copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pexpect
import pyte

__all__ = ["PROGRESS_MARKS", "Screen"]

PROGRESS_MARKS = ("tokens", "calling tools", "thinking", "connecting", "step ")
"""Words only a row of the live progress display shows."""


class Screen:
    """A `rows` x `columns` terminal drawn from a pexpect child's output.

    Args:
        child: The child (spawned with ``dimensions=(rows, columns)``); its output is fed
            in from now on.
        rows: The terminal's height.
        columns: The terminal's width.
    """

    def __init__(self, child: pexpect.spawn, *, rows: int, columns: int) -> None:
        self.child = child
        self.columns = columns
        self._screen = pyte.Screen(columns, rows)
        self._stream = pyte.Stream(self._screen)
        self.output: list[str] = []
        self.ended = False
        child.logfile_read = self

    def write(self, data: str) -> None:
        """What the child wrote (pexpect calls this for everything it reads)."""
        self.output.append(data)
        self._stream.feed(data)

    def flush(self) -> None:
        """Nothing to flush (pexpect calls it after each write)."""

    def pump(self, seconds: float) -> None:
        """Read what the child writes during `seconds` (until it ends).

        What it reads goes to the screen only: a later ``expect`` does not see it.
        """
        deadline = time.monotonic() + seconds
        while not self.ended and time.monotonic() < deadline:
            try:
                self.child.read_nonblocking(65536, timeout=0.1)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                self.ended = True

    def lines(self) -> list[str]:
        """The screen's rows, trailing blanks cut."""
        return [row.rstrip() for row in self._screen.display]

    def text(self) -> str:
        """The screen as one string (for assertion messages)."""
        return "\n".join(self.lines())

    def wait_for(self, condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
        """Read output until `condition()` holds.

        Raises:
            AssertionError: Not within `seconds`, or the child ended first; shows the screen.
        """
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline or self.ended:
                raise AssertionError(f"{what} never came; the screen was:\n{self.text()}")
            self.pump(0.2)

    def from_row_with(self, text: str) -> list[str]:
        """The rows from the last one containing `text` down to the last non-blank row."""
        lines = self.lines()
        top = max(i for i, line in enumerate(lines) if text in line)
        bottom = max(i for i, line in enumerate(lines) if line.strip())
        return lines[top : bottom + 1]
