"""Nothing a stdio server started outlives the run, detached helpers included.

A server may start helpers in a session of their own (``setsid``, Node's
``spawn({detached: true})``) that ignore SIGTERM: killing the server's process group misses
them, and when the server exits they are re-parented away from us. Three things catch them:

- every stdio server gets a tag in its environment (`TAG_VARIABLE`), which its descendants
  inherit, detached or not; `sweep` finds the live processes carrying a tag in ``/proc`` and
  ends them (SIGTERM, a grace period, SIGKILL), checking each one's start time so a recycled
  pid is never signalled;
- `hold_subreaper` makes this process a child subreaper (``prctl(PR_SET_CHILD_SUBREAPER)``)
  while stdio servers run (`release_subreaper` ends it after the last one, unless it was a
  subreaper already), so orphaned descendants are re-parented to us rather than to init: they
  stay in our process tree, and the ones `sweep` ends are reaped here;
- `ProcessWatch` tells when the server process itself exits, even while a helper keeps its
  stdout open (so the transport never sees end of file).

All of it needs Linux ``/proc``; elsewhere only the SDK's process-group kill runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import secrets
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = [
    "TAG_VARIABLE",
    "ProcessId",
    "ProcessWatch",
    "descendants",
    "hold_subreaper",
    "new_tag",
    "release_subreaper",
    "sweep",
    "tagged_processes",
]

TAG_VARIABLE = "FASTAGENT_MCP_SERVER_TAG"
"""Environment variable carrying a stdio server's tag to it and every process it starts."""

_PR_SET_CHILD_SUBREAPER = 36
_PR_GET_CHILD_SUBREAPER = 37
_POLL = 0.02
_subreaper_lock = threading.Lock()
_subreaper_holders = 0
_subreaper_ours = False


def new_tag() -> str:
    """A fresh, unguessable tag for one server process."""
    return secrets.token_hex(12)


def _prctl_subreaper(value: int | None) -> bool:
    """Set (0 or 1) or, with None, read whether this process is a child subreaper (Linux)."""
    if not os.path.isdir("/proc/self"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        if value is None:
            state = ctypes.c_int(0)
            ok = libc.prctl(_PR_GET_CHILD_SUBREAPER, ctypes.byref(state), 0, 0, 0) == 0
            return ok and state.value != 0
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, value, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def hold_subreaper() -> None:
    """Make this process a child subreaper until every holder has called `release_subreaper`."""
    global _subreaper_holders, _subreaper_ours
    with _subreaper_lock:
        _subreaper_holders += 1
        if _subreaper_holders == 1 and not _prctl_subreaper(None):
            _subreaper_ours = _prctl_subreaper(1)


def release_subreaper() -> None:
    """End one `hold_subreaper`; the last one turns the subreaper off if we turned it on."""
    global _subreaper_holders, _subreaper_ours
    with _subreaper_lock:
        _subreaper_holders = max(0, _subreaper_holders - 1)
        if _subreaper_holders == 0 and _subreaper_ours:
            _prctl_subreaper(0)
            _subreaper_ours = False


@dataclass(frozen=True, slots=True)
class ProcessId:
    """A process, told apart from a later one that reuses its pid by its start time.

    Attributes:
        pid: The process id.
        start: Its start time (clock ticks after boot, ``/proc/<pid>/stat`` field 22).
    """

    pid: int
    start: int

    @classmethod
    def of(cls, pid: int) -> ProcessId | None:
        """The live (not zombie) process `pid`, or None."""
        fields = _stat(pid)
        if fields is None or fields[0] in ("Z", "X"):
            return None
        return cls(pid, int(fields[19]))

    def alive(self) -> bool:
        """Whether this very process still runs (a zombie counts as ended)."""
        return ProcessId.of(self.pid) == self

    def parent(self) -> int | None:
        """Its parent's pid while it exists (a zombie included), or None when it is gone."""
        fields = _stat(self.pid)
        if fields is None or int(fields[19]) != self.start:
            return None
        return int(fields[1])


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/<pid>/stat`` after the command name (state first), or None."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as file:
            text = file.read()
    except OSError:
        return None
    try:
        return text[text.rindex(")") + 2 :].split()
    except ValueError:
        return None


def tagged_processes(tag: str) -> list[ProcessId]:
    """The live processes whose environment carries `tag` (those we may read: our user's)."""
    wanted = f"{TAG_VARIABLE}={tag}".encode()
    me = os.getpid()
    found: list[ProcessId] = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) == me:
            continue
        try:
            with open(f"/proc/{entry}/environ", "rb") as file:
                environ = file.read()
        except OSError:
            continue
        if wanted in environ.split(b"\0"):
            process = ProcessId.of(int(entry))
            if process is not None:
                found.append(process)
    return found


def descendants(pid: int) -> list[ProcessId]:
    """The live descendants of process `pid` (children, their children, ...)."""
    children: dict[int, list[int]] = {}
    try:
        entries = os.listdir("/proc")
    except OSError:
        return []
    for entry in entries:
        if entry.isdigit() and (fields := _stat(int(entry))) is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    found: list[ProcessId] = []
    todo = list(children.get(pid, []))
    while todo:
        child = todo.pop()
        process = ProcessId.of(child)
        if process is not None:
            found.append(process)
        todo.extend(children.get(child, []))
    return found


def _signal(process: ProcessId, signum: int) -> None:
    """Send `signum` to `process` if it is still that process (through a pidfd where possible)."""
    pidfd_open = getattr(os, "pidfd_open", None)
    if pidfd_open is None:
        if process.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(process.pid, signum)
        return
    try:
        fd = pidfd_open(process.pid)
    except OSError:
        return
    try:
        # The pidfd pins the process: checked after opening, the start time cannot go stale.
        if process.alive():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                signal.pidfd_send_signal(fd, signum)
    finally:
        os.close(fd)


def _reap(processes: list[ProcessId], spare: int | None) -> None:
    """Collect the exit status of those of `processes` that were re-parented to us and ended.

    Only processes known to carry the tag are reaped (never `spare`, the server, whose status
    the SDK collects), so no other child's status is ever taken from its owner.
    """
    me = os.getpid()
    for process in processes:
        if process.pid != spare and process.parent() == me and not process.alive():
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(process.pid, os.WNOHANG)


async def sweep(
    tag: str,
    *,
    grace: float = 1.0,
    spare: int | None = None,
    known: list[ProcessId] | None = None,
) -> list[ProcessId]:
    """End every live process carrying `tag`: SIGTERM, then SIGKILL after `grace` seconds.

    Args:
        tag: The server's tag.
        grace: Seconds between SIGTERM and SIGKILL.
        spare: A pid to signal but never reap (the server itself: the SDK waits for it).
        known: The server's processes seen earlier (e.g. just before it was stopped): those
            still running are ended too, those that have exited since are reaped if they are
            our children.

    Returns:
        The processes that were found alive (and ended).
    """
    found = tagged_processes(tag)
    found += [p for p in known or [] if p not in found and p.alive()]
    earlier = [p for p in known or [] if p not in found]
    if not found:
        _reap(earlier, spare)
        return found
    for process in found:
        _signal(process, signal.SIGTERM)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while any(p.alive() for p in found) and loop.time() < deadline:
        await asyncio.sleep(_POLL)
    for process in found:
        _signal(process, signal.SIGKILL)
    deadline = loop.time() + grace
    while any(p.alive() for p in found) and loop.time() < deadline:
        await asyncio.sleep(_POLL)
    _reap(found + earlier, spare)
    return found


class ProcessWatch:
    """Calls `on_exit` once when process `pid` exits (a pidfd read by the event loop).

    Args:
        pid: The process to watch.
        on_exit: Called on the event loop's thread when the process has exited.
    """

    def __init__(self, pid: int, on_exit: Callable[[], None]) -> None:
        self._fd: int | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        pidfd_open = getattr(os, "pidfd_open", None)
        if pidfd_open is None:
            return
        try:
            self._fd = pidfd_open(pid)
        except OSError:
            return
        self._loop = asyncio.get_running_loop()
        self._on_exit = on_exit
        self._loop.add_reader(self._fd, self._fired)

    def _fired(self) -> None:
        self.close()
        self._on_exit()

    def close(self) -> None:
        """Stop watching; safe to call more than once."""
        fd, self._fd = self._fd, None
        if fd is not None:
            if self._loop is not None:
                self._loop.remove_reader(fd)
            os.close(fd)
