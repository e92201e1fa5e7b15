"""Fixtures for the MCP tests: real server commands and settings (the process check is global)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from fastagent.config.mcp_settings import MCPServerSettings, MCPSettings
from process_helpers import descendants, free_port, is_alive, live_children

__all__ = ["descendants", "free_port", "is_alive", "live_children"]

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
