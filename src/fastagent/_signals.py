"""Signals during a run: SIGTERM/SIGHUP end it cleanly; Ctrl-C can cancel one piece of work.

SIGTERM and SIGHUP end a run the way Ctrl-C does: cancel, clean up, then exit 128+N.

Their default action kills the process on the spot, leaving MCP servers and their children
behind. While a run is open (``async with fast.run()``, so ``fastagent go``, ``fastagent
run`` and scripts alike), `ending_on_signals` catches them instead: the first one cancels
the task that opened the run, so the run's own cleanup stops every server, and then
`TerminatedBySignal` (a `SystemExit` with code 143 for SIGTERM, 129 for SIGHUP, as a shell
reports them) ends the program. A signal during the cleanup (the first one's, or the run's
normal end) never interrupts it; the cleanup's waits are bounded.

Handlers are installed only from the main thread of a running event loop, and only over the
default disposition: a signal the program ignores (``nohup``) or handles itself is left
alone. They are removed when the run ends.

`cancel_on_ctrl_c` runs one piece of work (a chat turn) so that Ctrl-C cancels that work
alone and raises `Interrupted`, instead of ending the program.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Final, TypeVar

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

__all__ = [
    "HANDLED_SIGNALS",
    "Interrupted",
    "TerminatedBySignal",
    "cancel_on_ctrl_c",
    "ending_on_signals",
]

T = TypeVar("T")

HANDLED_SIGNALS: Final = tuple(
    getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name)
)
"""The signals a run turns into a clean shutdown (SIGINT is asyncio's own: Ctrl-C)."""


class TerminatedBySignal(SystemExit):
    """A run was ended by a signal; raised after its cleanup finished.

    Args:
        signum: The signal received.

    Attributes:
        signum: The signal received.
        code: ``128 + signum``: 143 for SIGTERM, 129 for SIGHUP.
    """

    def __init__(self, signum: int) -> None:
        super().__init__(128 + signum)
        self.signum = signum

    def __str__(self) -> str:
        return f"terminated by {signal.Signals(self.signum).name}"


class Interrupted(Exception):
    """Ctrl-C cancelled the work `cancel_on_ctrl_c` was running (and nothing else)."""


async def cancel_on_ctrl_c(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` in a task of its own; Ctrl-C (SIGINT) meanwhile cancels that task alone.

    Outside the main thread Ctrl-C keeps its usual meaning and `work` simply runs.

    Raises:
        Interrupted: Ctrl-C cancelled `work`; the caller goes on.
    """
    task = asyncio.ensure_future(work)
    loop = asyncio.get_running_loop()
    interrupted = False

    def on_sigint() -> None:
        nonlocal interrupted
        interrupted = True
        task.cancel("Ctrl-C")

    previous = signal.getsignal(signal.SIGINT)
    installed = False
    if threading.current_thread() is threading.main_thread():
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signal.SIGINT, on_sigint)
            installed = True
    try:
        return await task
    except asyncio.CancelledError:
        outer = asyncio.current_task()
        if interrupted and task.cancelled() and (outer is None or not outer.cancelling()):
            raise Interrupted from None
        raise
    finally:
        if installed:
            loop.remove_signal_handler(signal.SIGINT)
            if previous is not None:  # None: set outside Python; leave asyncio's default
                signal.signal(signal.SIGINT, previous)


@contextlib.asynccontextmanager
async def ending_on_signals(run: AbstractAsyncContextManager[T]) -> AsyncIterator[T]:
    """Enter `run`; SIGTERM or SIGHUP meanwhile cancels it and exits with 128+N.

    Raises:
        TerminatedBySignal: A handled signal arrived; `run` was exited (cleaned up) first.
    """
    task = asyncio.current_task()
    loop = asyncio.get_running_loop()
    received: list[int] = []
    closing = False

    def on_signal(signum: int) -> None:
        if received:
            return  # already shutting down
        received.append(signum)
        if task is not None and not closing:  # never cut the cleanup short
            task.cancel(f"received {signal.Signals(signum).name}")

    installed = _install(loop, on_signal) if task is not None else []
    try:
        async with run as value:
            try:
                yield value
            finally:
                closing = True
    except (asyncio.CancelledError, Exception):
        if not received:
            raise
        # Cancelled by the signal, or failed while being cancelled: the signal decides.
    finally:
        for signum in installed:
            loop.remove_signal_handler(signum)
            signal.signal(signum, signal.SIG_DFL)
    if received:
        if task is not None:
            task.uncancel()
        raise TerminatedBySignal(received[0]) from None


def _install(loop: asyncio.AbstractEventLoop, handler: Callable[[int], None]) -> list[int]:
    if threading.current_thread() is not threading.main_thread():
        return []
    installed: list[int] = []
    for signum in HANDLED_SIGNALS:
        if signal.getsignal(signum) is not signal.SIG_DFL:
            continue
        try:
            loop.add_signal_handler(signum, handler, signum)
        except (NotImplementedError, RuntimeError, ValueError):  # no Unix signals here
            continue
        installed.append(signum)
    return installed
