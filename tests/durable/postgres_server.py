"""A throwaway PostgreSQL server for the durable tests (initdb + pg_ctl on a free port).

When PostgreSQL's binaries are not installed the tests that need it are skipped with one
line saying so. As root (CI containers) the server runs as ``nobody``: PostgreSQL refuses
to run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

__all__ = ["postgres_url"]

SKIP_REASON = (
    "PostgreSQL is not installed (no initdb/pg_ctl on PATH): Postgres durable tests skipped"
)


def _as_server_user(command: list[str]) -> list[str]:
    if os.geteuid() == 0:
        return ["runuser", "-u", "nobody", "--", *command]
    return command


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def postgres_url() -> Iterator[str]:
    """Start PostgreSQL in a temporary folder; yield its URL; stop it and remove the folder."""
    if shutil.which("initdb") is None or shutil.which("pg_ctl") is None:
        pytest.skip(SKIP_REASON)
    folder = Path(tempfile.mkdtemp(prefix="fastagent-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data, port = folder / "data", _free_port()
    try:
        subprocess.run(
            _as_server_user(["initdb", "-D", str(data), "-U", "postgres", "--auth=trust"]),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        subprocess.run(
            _as_server_user(
                ["pg_ctl", "-D", str(data), "-o", options, "-w", "-l", str(folder / "log"), "start"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_server_user(["pg_ctl", "-D", str(data), "-w", "-m", "fast", "stop"]),
                capture_output=True,
                timeout=120,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
