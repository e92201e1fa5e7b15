"""Tools the model can call: the `Tool` protocol, `FunctionTool` / `@tool`, and `ToolSet`.

Names are imported lazily on first access, so importing this package stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.tools.base import Tool, ToolDefinition
    from fastagent.tools.function_tool import FunctionTool, tool
    from fastagent.tools.naming import TOOL_NAME_PATTERN, sanitize_tool_name
    from fastagent.tools.toolset import ToolSet

__all__ = [
    "TOOL_NAME_PATTERN",
    "FunctionTool",
    "Tool",
    "ToolDefinition",
    "ToolSet",
    "sanitize_tool_name",
    "tool",
]

_LAZY: dict[str, str] = {
    "TOOL_NAME_PATTERN": "fastagent.tools.naming",
    "FunctionTool": "fastagent.tools.function_tool",
    "Tool": "fastagent.tools.base",
    "ToolDefinition": "fastagent.tools.base",
    "ToolSet": "fastagent.tools.toolset",
    "sanitize_tool_name": "fastagent.tools.naming",
    "tool": "fastagent.tools.function_tool",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
