"""Finding a stdio server's process and stopping its whole process group.

The SDK starts each stdio server in a session of its own (its pid is the process group id),
and kills the group only when the server itself does not exit after stdin closes. A server
that does exit can leave children behind (``npx`` wrappers, servers that spawn helpers);
`stop_process_group` ends those too: SIGTERM, a grace period, then SIGKILL.

The server's pid is found through the stderr pipe we gave it: it is the child of this
process whose fd 2 is that pipe. This needs ``/proc`` (Linux); elsewhere no pid is found and
only the SDK's own clean-up runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

__all__ = ["find_child_by_stderr_pipe", "process_group_alive", "stop_process_group"]

_POLL = 0.02


def find_child_by_stderr_pipe(pipe_inode: int) -> int | None:
    """The pid of the child of this process whose stderr is the pipe `pipe_inode`, or None."""
    me = str(os.getpid())
    wanted = f"pipe:[{pipe_inode}]"
    try:
        entries = os.listdir("/proc")
    except OSError:
        return None
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as stat:
                text = stat.read()
            if text[text.rindex(")") + 2 :].split()[1] != me:
                continue
            if os.readlink(f"/proc/{entry}/fd/2") == wanted:
                return int(entry)
        except (OSError, ValueError, IndexError):
            continue
    return None


def process_group_alive(pgid: int) -> bool:
    """Whether any process of group `pgid` still exists."""
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


async def stop_process_group(pgid: int, *, grace: float = 2.0) -> bool:
    """SIGTERM every process of group `pgid`, then SIGKILL what is left after `grace` seconds.

    Returns:
        True when the group had members left to stop.
    """
    if not process_group_alive(pgid):
        return False
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGTERM)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while process_group_alive(pgid) and loop.time() < deadline:
        await asyncio.sleep(_POLL)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)
    return True
