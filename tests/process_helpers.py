"""Process helpers for the tests: live children and descendants read from /proc, free ports.

On the tests' import path (pytest ``pythonpath``), so every test folder uses this one copy.
"""

from __future__ import annotations

import os
import socket
from pathlib import Path

__all__ = ["descendants", "describe", "free_port", "is_alive", "live_children"]


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def is_alive(pid: int) -> bool:
    """True when `pid` exists and is not a zombie."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def live_children(parent: int | None = None) -> set[int]:
    """Live (non-zombie) processes whose parent is `parent` (default: this process)."""
    parent = os.getpid() if parent is None else parent
    found: set[int] = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields is not None and fields[0] != "Z" and int(fields[1]) == parent:
                found.add(int(entry))
    return found


def descendants(parent: int | None = None) -> set[int]:
    """Every live descendant of `parent` (default: this process)."""
    found: set[int] = set()
    todo = [os.getpid() if parent is None else parent]
    while todo:
        for child in live_children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def describe(pids: set[int]) -> str:
    """``pid (command line)`` for each of `pids`, for failure messages."""
    parts = []
    for pid in sorted(pids):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            cmd = "?"
        parts.append(f"{pid} ({cmd.strip()[:120]})")
    return ", ".join(parts)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port
