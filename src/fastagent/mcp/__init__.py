"""MCP servers: connections, their lifecycle, and their tools in a `ToolSet`.

Importing this package is cheap: the names below (and the `mcp` SDK under them) are imported
on first access.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastagent.mcp.aggregator import MCPAggregator, MCPTool, attach_servers
    from fastagent.mcp.connection import ServerConnection
    from fastagent.mcp.registry import ServerRegistry, attach_server_registry

__all__ = [
    "MCPAggregator",
    "MCPTool",
    "ServerConnection",
    "ServerRegistry",
    "attach_server_registry",
    "attach_servers",
]

_LAZY: dict[str, str] = {
    "MCPAggregator": "fastagent.mcp.aggregator",
    "MCPTool": "fastagent.mcp.aggregator",
    "ServerConnection": "fastagent.mcp.connection",
    "ServerRegistry": "fastagent.mcp.registry",
    "attach_server_registry": "fastagent.mcp.registry",
    "attach_servers": "fastagent.mcp.aggregator",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fastagent.mcp' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
