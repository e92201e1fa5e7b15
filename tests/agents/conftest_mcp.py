"""Shared helpers for app-level MCP tests: real server commands and the no-orphan check.

Imported by tests/agents/test_mcp_agents.py (relative import) and tests/e2e/test_mcp_app.py
(by path: test directories are not packages under --import-mode=importlib).
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from process_helpers import descendants, free_port, is_alive, live_children, offline_env

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = ROOT / "node_modules" / ".bin" / "mcp-server-everything"
TIME_SERVER = ROOT / ".venv" / "bin" / "mcp-server-time"
FIXTURE = ROOT / "tests" / "mcp" / "servers" / "fixture_server.py"

EVERYTHING_SERVER: dict[str, Any] = {"command": str(EVERYTHING), "args": ["stdio"]}
TIME_SERVER_SETTINGS: dict[str, Any] = {"command": str(TIME_SERVER), "args": []}


def fixture_server(mode: str = "tools") -> dict[str, Any]:
    """Settings of the FastMCP fixture server of tests/mcp."""
    return {"command": sys.executable, "args": [str(FIXTURE), mode]}


@pytest.fixture
def no_orphans() -> Iterator[None]:
    """Fail when a process started during the test (at any depth) outlives it."""
    before = descendants()
    yield
    survivors = descendants() - before
    assert not survivors, f"processes survived the test: {sorted(survivors)}"


@pytest.fixture
def everything_http() -> Iterator[str]:
    """server-everything over streamable HTTP on a free port; yields its ``/mcp`` URL."""
    with serve_everything_http(free_port()) as url:
        yield url


@contextlib.contextmanager
def serve_everything_http(port: int) -> Iterator[str]:
    """Run server-everything over streamable HTTP on `port` until the block ends.

    Yields its ``/mcp`` URL once it answers; the server is stopped (and reaped) on exit.
    """
    process = subprocess.Popen(
        [str(EVERYTHING), "streamableHttp"],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with httpx.Client() as client:
            for _ in range(600):
                try:
                    client.get(f"http://127.0.0.1:{port}/", timeout=0.2)
                    break
                except httpx.TransportError:
                    if process.poll() is not None:
                        raise RuntimeError("server-everything exited") from None
                    # Polls readiness: the server has no other way to say it is listening.
                    process_wait(process, 0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        os.killpg(process.pid, 15)
        process.wait(10)


def process_wait(process: subprocess.Popen[bytes], seconds: float) -> None:
    """Wait up to `seconds` for `process` to exit (returns either way)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(seconds)


def clean_env(home: Path) -> dict[str, str]:
    """The environment for subprocesses: no FASTAGENT_* or API keys, HOME at `home`."""
    return offline_env(home)


__all__ = [
    "EVERYTHING",
    "EVERYTHING_SERVER",
    "FIXTURE",
    "ROOT",
    "TIME_SERVER",
    "TIME_SERVER_SETTINGS",
    "clean_env",
    "descendants",
    "everything_http",
    "fixture_server",
    "free_port",
    "is_alive",
    "live_children",
    "no_orphans",
    "process_wait",
    "serve_everything_http",
]
