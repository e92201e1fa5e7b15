"""Show what a running app does: a live progress display in a terminal, log lines otherwise.

`start_display` subscribes to a context's `EventBus` and picks the form:

- quiet: nothing at all;
- a terminal: a rich live display (agent, model step, model, running tools, tokens, elapsed)
  while agents work, tool calls as compact lines (``logger.show_tools``), and text streamed
  by the model printed as markdown when the agent finishes (``logger.show_chat``);
  ``logger.progress_display: false`` turns the live part off;
- anything else: plain lines on standard error, such as ``[agent] calling tool x`` and
  ``[agent] model gpt-4.1 1.2s 120->35 tokens`` (nothing for streamed text); progress
  reports at most one line per source per second (and the final one).

rich is imported only when a terminal display is actually built.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TextIO

from fastagent.events import (
    AgentFinished,
    Event,
    ModelResponse,
    ProgressUpdate,
    RetryScheduled,
    ServerConnected,
    ServerDisconnected,
    StepReplayed,
    StreamDelta,
    ToolCallFinished,
    ToolCallStarted,
    UserInputFinished,
    UserInputRequested,
)

if TYPE_CHECKING:
    from rich.console import Console, RenderableType
    from rich.live import Live

    from fastagent.config import LoggerSettings
    from fastagent.runtime import Runtime
    from fastagent.ui.progress import ProgressState

__all__ = ["LiveDisplay", "PlainDisplay", "plain_line", "start_display"]

_STREAM_TAIL_LINES = 6
_PROGRESS_INTERVAL = 1.0


def start_display(
    ctx: Runtime, *, quiet: bool, stream: TextIO | Console | None = None, tty: bool | None = None
) -> Callable[[], None]:
    """Render the events of `ctx` until the returned function is called.

    Args:
        ctx: The open runtime (its ``settings.logger`` picks what is shown).
        quiet: Show nothing (the returned function then does nothing).
        stream: Where to draw: a text stream or a rich `Console` (standard error when None).
        tty: Whether `stream` is a terminal; found out from the stream when None.

    Returns:
        A function that unsubscribes and stops the live display; calling it twice is fine.
    """
    if quiet:
        return _nothing
    logger = ctx.settings.logger
    target: Any = stream if stream is not None else sys.stderr
    is_console = hasattr(target, "is_terminal") and hasattr(target, "print")
    if tty is None:
        tty = bool(target.is_terminal) if is_console else _isatty(target)
    display: LiveDisplay | PlainDisplay
    if tty:
        if not (logger.progress_display or logger.show_tools or logger.show_chat):
            return _nothing
        console = target if is_console else _console_for(target)
        display = LiveDisplay(console, logger)
    else:
        display = PlainDisplay(target.file if is_console else target, logger)
    unsubscribe = ctx.events.subscribe(display.handle)
    detached = False

    def detach() -> None:
        nonlocal detached
        if not detached:
            detached = True
            unsubscribe()
            display.close()

    return detach


class PlainDisplay:
    """Log-style lines for output that is not a terminal.

    A source's progress reports are throttled to one line per `progress_interval` seconds;
    the first and the final one (progress reached total) are always written.

    Args:
        stream: Where the lines go.
        logger: Which lines: ``progress_display`` (model calls, servers, progress) and
            ``show_tools`` (tool calls).
        progress_interval: Seconds between two progress lines of one source.
        clock: Monotonic time source (for tests).
    """

    def __init__(
        self,
        stream: TextIO,
        logger: LoggerSettings,
        *,
        progress_interval: float = _PROGRESS_INTERVAL,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream
        self.progress = logger.progress_display
        self.show_tools = logger.show_tools
        self.progress_interval = progress_interval
        self.clock = clock
        self._last_progress: dict[str, float] = {}

    def handle(self, event: Event) -> None:
        """Write the line for `event`, if it has one."""
        if isinstance(event, ProgressUpdate) and self._throttled(event):
            return
        line = plain_line(event, progress=self.progress, show_tools=self.show_tools)
        if line is not None:
            self.stream.write(line + "\n")
            self.stream.flush()

    def close(self) -> None:
        """Nothing to release."""

    def _throttled(self, event: ProgressUpdate) -> bool:
        final = event.total is not None and event.progress >= event.total
        now = self.clock()
        last = self._last_progress.get(event.source)
        if not final and last is not None and now - last < self.progress_interval:
            return True
        self._last_progress[event.source] = now
        return False


def plain_line(event: Event, *, progress: bool = True, show_tools: bool = True) -> str | None:
    """The log line for `event` with secrets masked, or None when it gets none.

    Args:
        event: Any event.
        progress: Include model calls, server connections, retries and progress reports.
        show_tools: Include tool calls.
    """
    from fastagent._redact import redact

    line = _plain_line(event, progress=progress, show_tools=show_tools)
    return redact(line) if line is not None else None


def _plain_line(event: Event, *, progress: bool, show_tools: bool) -> str | None:
    if show_tools and isinstance(event, ToolCallStarted):
        return f"[{event.agent}] calling tool {event.tool}"
    if show_tools and isinstance(event, ToolCallFinished):
        outcome = "failed" if event.is_error else "done"
        return f"[{event.agent}] tool {event.tool} {outcome} {event.duration:.2f}s"
    if isinstance(event, StepReplayed) and (show_tools if event.kind == "tool" else progress):
        # After a restart: the recorded result, no call made (docs/durable.md).
        return (
            f"[{event.agent}] {event.kind} {event.name} replayed from its record "
            f"({event.workflow_id} step {event.step})"
        )
    if not progress:
        return None
    if isinstance(event, ModelResponse):
        return (
            f"[{event.agent}] model {event.model} {event.duration:.1f}s "
            f"{event.input_tokens}->{event.output_tokens} tokens"
        )
    if isinstance(event, RetryScheduled):
        return f"[{event.source}] retry {event.attempt} in {event.delay:.1f}s: {event.reason}"
    if isinstance(event, ServerConnected):
        return f"[{event.server}] connected {event.duration:.1f}s"
    if isinstance(event, ServerDisconnected) and event.reason:
        return f"[{event.server}] disconnected: {event.reason}"
    if isinstance(event, ProgressUpdate):
        total = f"/{event.total:g}" if event.total is not None else ""
        message = f" {event.message}" if event.message else ""
        return f"[{event.source}] progress {event.progress:g}{total}{message}"
    return None


class LiveDisplay:
    """The terminal display: a transient rich `Live` while agents work, plus printed lines.

    Args:
        console: The rich console to draw on.
        logger: What to show (``progress_display``, ``show_tools``, ``show_chat``).
        clock: The time source for elapsed times.
    """

    def __init__(
        self, console: Console, logger: LoggerSettings, *, clock: Callable[[], float] = time.time
    ) -> None:
        from fastagent.ui.progress import ProgressState

        self.console = console
        self.progress = logger.progress_display
        self.show_tools = logger.show_tools
        self.show_chat = logger.show_chat
        self.state: ProgressState = ProgressState(clock=clock)
        self._streamed: dict[str, list[str]] = {}
        self._live: Live | None = None
        # Prompts run in worker threads (the elicitor) while the loop publishes events.
        self._lock = threading.RLock()
        self._pauses = 0

    @property
    def is_paused(self) -> bool:
        """True while a prompt is on screen (the live part is not drawn)."""
        return self._pauses > 0

    @contextlib.contextmanager
    def paused(self) -> Iterator[None]:
        """Take the live part off the screen, and keep it off, while the block runs.

        Any code asking the user something on this terminal wraps the question in it
        (prompts elsewhere announce themselves with `UserInputRequested` /
        `UserInputFinished`, which do the same). Pauses nest; the live part comes back with
        the next event after the last one ends.
        """
        self._pause()
        try:
            yield
        finally:
            self._resume()

    def _pause(self) -> None:
        with self._lock:
            self._pauses += 1
            self._stop()

    def _resume(self) -> None:
        with self._lock:
            self._pauses = max(0, self._pauses - 1)

    def handle(self, event: Event) -> None:
        """Update the live part and print what `event` shows."""
        if isinstance(event, UserInputRequested):
            self._pause()
            return
        if isinstance(event, UserInputFinished):
            self._resume()
        with self._lock:
            self._handle(event)

    def _handle(self, event: Event) -> None:
        from fastagent.ui.chat_render import (
            print_reply,
            print_tool_line,
            tool_call_text,
            tool_finished_text,
        )

        self.state.apply(event)
        if self.progress and self.state.idle:
            self._stop()
        if isinstance(event, StreamDelta):
            if self.show_chat:
                self._streamed.setdefault(event.agent, []).append(event.text)
        elif isinstance(event, ToolCallStarted) and self.show_tools:
            print_tool_line(self.console, tool_call_text(event))
        elif isinstance(event, ToolCallFinished) and self.show_tools:
            print_tool_line(self.console, tool_finished_text(event), is_error=event.is_error)
        elif isinstance(event, RetryScheduled):
            print_tool_line(self.console, plain_line(event) or "", is_error=True)
        elif isinstance(event, StepReplayed):
            line = plain_line(event, progress=self.progress, show_tools=self.show_tools)
            if line is not None:
                print_tool_line(self.console, line)
        elif isinstance(event, AgentFinished):
            text = "".join(self._streamed.pop(event.agent, []))
            if text.strip():
                print_reply(self.console, event.agent, text)
        if self.progress and not self.state.idle and not self.is_paused:
            self._refresh()

    def close(self) -> None:
        """Stop the live part (leaving the terminal as it was)."""
        with self._lock:
            self._stop()

    def renderable(self) -> RenderableType:
        """What the live part shows now: the progress table and the streamed text's tail."""
        from rich.console import Group
        from rich.text import Text

        from fastagent.ui.progress import render_progress

        parts: list[RenderableType] = [render_progress(self.state)]
        for chunks in list(self._streamed.values()):
            tail = "".join(chunks).splitlines()[-_STREAM_TAIL_LINES:]
            if tail:
                parts.append(Text("\n".join(tail), style="dim"))
        return Group(*parts)

    def _refresh(self) -> None:
        if self.is_paused:
            return
        if self._live is None:
            from rich.live import Live

            self._live = Live(
                get_renderable=self.renderable,
                console=self.console,
                transient=True,
                refresh_per_second=8,
                redirect_stdout=False,
                redirect_stderr=False,
            )
            self._live.start()
        self._live.refresh()

    def _stop(self) -> None:
        live, self._live = self._live, None
        if live is not None:
            live.stop()


def _console_for(stream: TextIO) -> Console:
    from rich.console import Console

    return Console(file=stream, highlight=False, soft_wrap=False)


def _isatty(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False


def _nothing() -> None:
    return None
