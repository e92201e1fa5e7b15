"""Fixtures for the MCP tests: real server commands, and a check that no process survives."""

from __future__ import annotations

import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fastagent.config.mcp_settings import MCPServerSettings, MCPSettings

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = ROOT / "node_modules" / ".bin" / "mcp-server-everything"
TIME_SERVER = ROOT / ".venv" / "bin" / "mcp-server-time"
FIXTURE = Path(__file__).parent / "servers" / "fixture_server.py"


def fixture_server(mode: str, *extra: str, **settings: Any) -> dict[str, Any]:
    """Settings of the fixture server in `mode`."""
    return {"command": sys.executable, "args": [str(FIXTURE), mode, *extra], **settings}


def mcp_settings(**servers: dict[str, Any]) -> MCPSettings:
    return MCPSettings.model_validate({"servers": servers})


def server_settings(**values: Any) -> MCPServerSettings:
    return MCPServerSettings.model_validate(values)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


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


@pytest.fixture(autouse=True)
def no_surviving_children() -> Iterator[None]:
    before = live_children()
    yield
    survivors = live_children() - before
    assert not survivors, f"child processes survived the test: {sorted(survivors)}"
