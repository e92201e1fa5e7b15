"""Fixtures for the MCP tests: real server commands and settings (the process check is global)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from fastagent.config.mcp_settings import MCPServerSettings, MCPSettings
from process_helpers import descendants, free_port, is_alive, live_children

__all__ = ["descendants", "free_port", "is_alive", "live_children"]

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = ROOT / "node_modules" / ".bin" / "mcp-server-everything"
TIME_SERVER = ROOT / ".venv" / "bin" / "mcp-server-time"
FIXTURE = Path(__file__).parent / "servers" / "fixture_server.py"
OAUTH_SERVER = Path(__file__).parent / "servers" / "oauth_server.py"
HOSTILE_HTTP = Path(__file__).parent / "servers" / "hostile_http.py"


@contextmanager
def hostile_http_server(*flags: str, port: int | None = None) -> Iterator[int]:
    """servers/hostile_http.py running with `flags`: its port (stopped, then waited for)."""
    port = free_port() if port is None else port
    process = subprocess.Popen([sys.executable, str(HOSTILE_HTTP), str(port), *flags])
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                assert process.poll() is None, "the hostile HTTP server exited"
                assert time.monotonic() < deadline, "the hostile HTTP server did not start"
                time.sleep(0.05)
        yield port
    finally:
        process.kill()
        process.wait(10)


def fixture_server(mode: str, *extra: str, **settings: Any) -> dict[str, Any]:
    """Settings of the fixture server in `mode`."""
    return {"command": sys.executable, "args": [str(FIXTURE), mode, *extra], **settings}


def mcp_settings(**servers: dict[str, Any]) -> MCPSettings:
    return MCPSettings.model_validate({"servers": servers})


def server_settings(**values: Any) -> MCPServerSettings:
    return MCPServerSettings.model_validate(values)


@pytest.fixture
def oauth_server() -> Iterator[str]:
    """The URL of a running MCP server behind OAuth 2.1 (servers/oauth_server.py)."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(OAUTH_SERVER), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with httpx.Client() as client:
            for _ in range(400):
                try:
                    client.get(f"http://127.0.0.1:{port}/.well-known/oauth-authorization-server")
                    break
                except httpx.TransportError:
                    if process.poll() is not None:
                        raise RuntimeError("oauth server exited") from None

                    time.sleep(0.025)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        os.killpg(process.pid, 15)
        process.wait(10)
