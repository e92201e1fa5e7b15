"""Shared pytest configuration.

- `pytester` is enabled for the scenario plugin tests.
- Every test is checked for leaked child processes: a process started during a test (an MCP
  server, a model server, a subprocess) must be gone when the test ends. Processes that
  existed before the test (such as a session-wide model server) are not counted.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

_EXIT_GRACE_SECONDS = 3.0


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


def descendants(parent: int) -> set[int]:
    """Every live descendant of `parent`."""
    found: set[int] = set()
    todo = [parent]
    while todo:
        for child in live_children(todo.pop()):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _describe(pids: set[int]) -> str:
    parts = []
    for pid in sorted(pids):
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            cmd = "?"
        parts.append(f"{pid} ({cmd.strip()[:120]})")
    return ", ".join(parts)


@pytest.fixture(autouse=True)
def no_leaked_child_processes() -> Iterator[None]:
    """Fail a test that leaves a child process (or grandchild) of the test run alive."""
    before = descendants(os.getpid())
    yield
    deadline = time.monotonic() + _EXIT_GRACE_SECONDS
    while (leaked := descendants(os.getpid()) - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not leaked, f"child processes outlived the test: {_describe(leaked)}"


_PROGRESS_LINE = re.compile(
    r"^\[[^\]\n]+\] (calling tool|tool|model|retry|connected|disconnected|progress) "
)


def without_progress(stderr: str) -> str:
    """`stderr` without the plain progress lines a run prints when stderr is not a terminal.

    Those lines (``[agent] model passthrough 0.0s 7->1 tokens``) are the display's job and are
    tested in tests/ui; script and CLI tests compare the rest exactly.
    """
    kept = [line for line in stderr.splitlines(keepends=True) if not _PROGRESS_LINE.match(line)]
    return "".join(kept)
