"""A throwaway PostgreSQL server for the durable tests (initdb + pg_ctl on a free port).

The binaries are taken from PATH, else from Debian's ``/usr/lib/postgresql/<version>/bin``
(where ``apt-get install postgresql`` puts them, off PATH). When they are not installed the
tests that need it are skipped with one line saying so. As root (CI containers) the server
runs as ``nobody``: PostgreSQL refuses to run as root.
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

__all__ = ["create_database", "postgres_url"]

SKIP_REASON = (
    "PostgreSQL is not installed (no initdb/pg_ctl on PATH or in /usr/lib/postgresql/*/bin): "
    "Postgres durable tests skipped"
)


def _binary(name: str) -> str | None:
    found = shutil.which(name)
    if found is not None:
        return found
    debian = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), reverse=True)
    return str(debian[0]) if debian else None


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
    initdb, pg_ctl = _binary("initdb"), _binary("pg_ctl")
    if initdb is None or pg_ctl is None:
        pytest.skip(SKIP_REASON)
    folder = Path(tempfile.mkdtemp(prefix="fastagent-pg-"))
    if os.geteuid() == 0:
        shutil.chown(folder, "nobody")
    data, port = folder / "data", _free_port()
    try:
        subprocess.run(
            _as_server_user([initdb, "-D", str(data), "-U", "postgres", "--auth=trust"]),
            check=True,
            capture_output=True,
            timeout=120,
        )
        options = f"-p {port} -k {folder} -c listen_addresses=127.0.0.1"
        subprocess.run(
            _as_server_user(
                [pg_ctl, "-D", str(data), "-o", options, "-w", "-l", str(folder / "log"), "start"]
            ),
            check=True,
            capture_output=True,
            timeout=120,
        )
        try:
            yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
        finally:
            subprocess.run(
                _as_server_user([pg_ctl, "-D", str(data), "-w", "-m", "fast", "stop"]),
                capture_output=True,
                timeout=120,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def create_database(url: str, name: str) -> str:
    """Create database `name` on the server of `url` (a fresh one per test); return its URL."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return url.rsplit("/", 1)[0] + f"/{name}"
