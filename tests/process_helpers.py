"""Process helpers for the tests: live children and descendants read from /proc, free ports,
Python subprocesses run offline.

On the tests' import path (pytest ``pythonpath``), so every test folder uses this one copy.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

__all__ = [
    "descendants",
    "describe",
    "free_port",
    "is_alive",
    "live_children",
    "offline_env",
    "run_offline",
]


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


def offline_env(home: Path, **extra: str) -> dict[str, str]:
    """This process's environment without FASTAGENT_* settings or *_API_KEY keys.

    HOME is `home`; `extra` variables are added last.
    """
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FASTAGENT_") and not k.endswith("_API_KEY")
    }
    env["HOME"] = str(home)
    env.update(extra)
    return env


def run_offline(
    args: Sequence[str], cwd: Path, *, home: Path | None = None, **extra: str
) -> subprocess.CompletedProcess[str]:
    """Run ``python ARGS`` in `cwd` with `offline_env` (HOME `home`, default `cwd`).

    Output is captured as text; the run may take 60 s; a failing run is returned, not raised.
    """
    return subprocess.run(
        [sys.executable, *args],
        cwd=cwd,
        env=offline_env(home or cwd, **extra),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
