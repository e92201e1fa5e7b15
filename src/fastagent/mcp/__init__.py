"""MCP servers: connections, their lifecycle, their tools in a `ToolSet`, and client callbacks.

Importing this package is cheap: the names below (and the `mcp` SDK under them) are imported
on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.mcp.aggregator import MCPAggregator, MCPTool, add_server_tools
    from fastagent.mcp.callbacks import ClientCallbacks, build_client_callbacks
    from fastagent.mcp.connection import ServerConnection
    from fastagent.mcp.elicitation import Elicitor
    from fastagent.mcp.features import (
        PromptInfo,
        ResourceInfo,
        get_prompt,
        list_prompts,
        list_resources,
        read_resource,
        resource_as_block,
    )
    from fastagent.mcp.registry import ServerRegistry
    from fastagent.mcp.sampling import ProviderSampler, Sampler

__all__ = [
    "ClientCallbacks",
    "Elicitor",
    "MCPAggregator",
    "MCPTool",
    "PromptInfo",
    "ProviderSampler",
    "ResourceInfo",
    "Sampler",
    "ServerConnection",
    "ServerRegistry",
    "add_server_tools",
    "build_client_callbacks",
    "get_prompt",
    "list_prompts",
    "list_resources",
    "read_resource",
    "resource_as_block",
]

_LAZY: dict[str, str] = {
    "ClientCallbacks": "fastagent.mcp.callbacks",
    "Elicitor": "fastagent.mcp.elicitation",
    "MCPAggregator": "fastagent.mcp.aggregator",
    "MCPTool": "fastagent.mcp.aggregator",
    "PromptInfo": "fastagent.mcp.features",
    "ProviderSampler": "fastagent.mcp.sampling",
    "ResourceInfo": "fastagent.mcp.features",
    "Sampler": "fastagent.mcp.sampling",
    "ServerConnection": "fastagent.mcp.connection",
    "ServerRegistry": "fastagent.mcp.registry",
    "add_server_tools": "fastagent.mcp.aggregator",
    "build_client_callbacks": "fastagent.mcp.callbacks",
    "get_prompt": "fastagent.mcp.features",
    "list_prompts": "fastagent.mcp.features",
    "list_resources": "fastagent.mcp.features",
    "read_resource": "fastagent.mcp.features",
    "resource_as_block": "fastagent.mcp.features",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
