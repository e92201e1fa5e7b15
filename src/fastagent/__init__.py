"""fastagent: define, run, test and serve MCP-native LLM agents and workflows.

The public names below are imported lazily on first access, so ``import fastagent`` costs
next to nothing and never imports a provider SDK or ``mcp``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from fastagent._version import __version__

if TYPE_CHECKING:
    from fastagent.events import EventBus
    from fastagent.messages import Message, StopReason, ToolCall, ToolResult, Usage

__all__ = [
    "EventBus",
    "Message",
    "StopReason",
    "ToolCall",
    "ToolResult",
    "Usage",
    "__version__",
]

_LAZY: dict[str, str] = {
    "EventBus": "fastagent.events",
    "Message": "fastagent.messages",
    "StopReason": "fastagent.messages",
    "ToolCall": "fastagent.messages",
    "ToolResult": "fastagent.messages",
    "Usage": "fastagent.messages",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'fastagent' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
