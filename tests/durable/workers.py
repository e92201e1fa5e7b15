"""A ``fastagent worker`` process for the durable tests, stopped however the test ends."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path

__all__ = ["running_worker"]


@contextlib.contextmanager
def running_worker(
    script: str | Path, *, cwd: Path, env: Mapping[str, str], executor: str, bound: float
) -> Iterator[subprocess.Popen[str]]:
    """Run ``fastagent worker SCRIPT`` as executor `executor` in `cwd`; yield it once it runs.

    The worker runs in its own process group with its stdout discarded. When the block ends
    the group gets SIGTERM and the worker is waited for (up to `bound` seconds), so a test
    reads its ``returncode`` after the block.
    """
    worker = subprocess.Popen(
        [sys.executable, "-m", "fastagent", "worker", str(script)],
        cwd=cwd,
        env={**env, "FASTAGENT_DURABLE__EXECUTOR_ID": executor},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert worker.stderr is not None
        line = worker.stderr.readline()
        assert line.startswith(f"worker: executor {executor}"), line
        yield worker
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.communicate(timeout=bound)
