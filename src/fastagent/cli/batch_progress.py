"""The progress display of ``fastagent batch``: done / failed / in flight, tokens, cost, rate.

On a terminal it is a rich progress bar on stderr, redrawn in place and removed when the
batch ends (``transient``); whatever else writes to stderr meanwhile (a warning, a log line)
is printed above the bar instead of through it. Elsewhere (a log file, CI) it is plain lines,
at most one a second, and always a final summary line. Nothing of it goes to the output file.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Final, TextIO

if TYPE_CHECKING:
    from rich.progress import Progress, TaskID

__all__ = ["BatchProgress"]

PLAIN_INTERVAL: Final = 1.0
"""Seconds between two plain progress lines (off a terminal)."""


class BatchProgress:
    """Counts the rows of one batch as they start and finish, and shows the counts.

    Args:
        total: The number of rows.
        stream: Where the display goes (stderr).
        quiet: Show nothing but the final summary.
        tty: Draw a progress bar (default: whether `stream` is a terminal).
        clock: Monotonic seconds (injected by tests).
    """

    def __init__(
        self,
        total: int,
        stream: TextIO,
        *,
        quiet: bool = False,
        tty: bool | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.total, self.stream, self.quiet = total, stream, quiet
        self.tty = stream.isatty() if tty is None else tty
        self.done = self.failed = self.in_flight = self.tokens = 0
        self.cost = 0.0
        self.priced = False
        self._clock = clock
        self._start = clock()
        self._last_line = self._start
        self._bar: Progress | None = None
        self._task: TaskID | None = None
        if self.tty and not quiet:
            self._start_bar()

    @property
    def finished_rows(self) -> int:
        """Rows done or failed so far."""
        return self.done + self.failed

    def note(self, text: str) -> None:
        """Print a line of its own (above the bar on a terminal)."""
        if self._bar is not None:
            self._bar.console.print(text, markup=False, highlight=False, soft_wrap=True)
        else:
            self.stream.write(text + "\n")
            self.stream.flush()

    def started(self) -> None:
        """A row was sent."""
        self.in_flight += 1
        self._changed()

    def finished(self, line: dict[str, Any]) -> None:
        """A row ended; `line` is its output line (``error`` when it failed)."""
        self.in_flight -= 1
        if "error" in line:
            self.failed += 1
        else:
            self.done += 1
        usage = line.get("usage") or {}
        self.tokens += int(usage.get("input_tokens", 0)) + int(usage.get("output_tokens", 0))
        if line.get("cost") is not None:
            self.cost += float(line["cost"])
            self.priced = True
        self._changed()

    def close(self) -> None:
        """Remove the bar (on a terminal) and print the final summary line."""
        if self._bar is not None:
            self._bar.stop()
            self._bar = None
        self.stream.write(self.summary() + "\n")
        self.stream.flush()

    def stats(self) -> str:
        """``3 done · 1 failed · 8 in flight · 48 tokens · $0.0012 · 2.5 rows/s``."""
        cost = f"${self.cost:.4f}" if self.priced else "cost n/a"
        return (
            f"{self.done} done · {self.failed} failed · {self.in_flight} in flight · "
            f"{self.tokens:,} tokens · {cost} · {self._rate():.1f} rows/s"
        )

    def line(self) -> str:
        """One plain progress line."""
        return f"batch: {self.finished_rows}/{self.total} rows · {self.stats()}"

    def summary(self) -> str:
        """The final line: how many rows ended how, in how long."""
        elapsed = self._clock() - self._start
        return f"batch: {self.finished_rows}/{self.total} rows in {elapsed:.1f} s · {self.stats()}"

    def _rate(self) -> float:
        elapsed = self._clock() - self._start
        return self.finished_rows / elapsed if elapsed > 0 else 0.0

    def _changed(self) -> None:
        if self.quiet:
            return
        if self._bar is not None and self._task is not None:
            self._bar.update(self._task, completed=self.finished_rows, stats=self.stats())
            return
        now = self._clock()
        if now - self._last_line >= PLAIN_INTERVAL:
            self._last_line = now
            self.note(self.line())

    def _start_bar(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        console = Console(file=self.stream, stderr=True, force_terminal=True)
        self._bar = Progress(
            TextColumn("batch"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[stats]}"),
            console=console,
            transient=True,
            redirect_stdout=False,
        )
        self._task = self._bar.add_task("batch", total=self.total, stats=self.stats())
        self._bar.start()
