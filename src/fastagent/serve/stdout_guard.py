"""Keep user code's stdout off the protocol stream while serving over stdio.

Over stdio, stdout (fd 1) carries JSON-RPC: a stray ``print()`` in the served script, at import
or while its agents are built, would corrupt it. `stdout_to_stderr` points fd 1 at stderr
until the MCP SDK's ``stdio_server`` takes fd 1 over (it diverts stray writes to stderr on
its own while it serves).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator

__all__ = ["stdout_to_stderr"]


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send everything written to stdout (``print``, fd 1, child processes) to stderr.

    Python's buffered ``sys.stdout`` is flushed on the way in and out, so text printed inside
    the block never reaches the real stdout later.
    """
    _flush_stdout()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        _flush_stdout()
        os.dup2(saved, 1)
        os.close(saved)


def _flush_stdout() -> None:
    with contextlib.suppress(Exception):
        sys.stdout.flush()
