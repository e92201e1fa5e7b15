"""`ToolCatalog`: the app's ``@fast.tool`` functions, and how agents' ``tools=`` resolve.

An agent's ``tools=[...]`` entry may be a registered tool's name, the function or
`FunctionTool` that ``@fast.tool`` produced, any other `Tool` object, or a plain callable
(wrapped in a `FunctionTool` on the spot).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeAlias

if TYPE_CHECKING:
    from fastagent.tools.base import Tool
    from fastagent.tools.function_tool import FunctionTool

__all__ = ["ToolCatalog", "ToolRef"]

ToolRef: TypeAlias = "str | Tool | Callable[..., Any]"
"""What an agent's ``tools=`` list may hold."""


class ToolCatalog:
    """The named tools of one app."""

    def __init__(self) -> None:
        self._tools: dict[str, FunctionTool] = {}

    def register(self, tool: FunctionTool) -> None:
        """Add a tool under its name, replacing an earlier one of the same name."""
        self._tools[tool.name] = tool

    def names(self) -> list[str]:
        """Registered tool names, in registration order."""
        return list(self._tools)

    def __contains__(self, name: object) -> bool:
        return name in self._tools

    def __iter__(self) -> Iterator[str]:
        return iter(self._tools)

    def problem(self, ref: object) -> str | None:
        """Why `ref` cannot be resolved, or None when it can (checked before building)."""
        if isinstance(ref, str):
            if ref in self._tools:
                return None
            known = ", ".join(self._tools) or "none registered with @fast.tool"
            return f"unknown tool '{ref}' (known tools: {known})"
        if callable(ref) or _is_tool(ref):
            return None
        return f"tool reference {ref!r} is neither a tool name nor a callable"

    def resolve(self, ref: ToolRef) -> Tool:
        """The `Tool` for a reference that `problem` accepted.

        Raises:
            KeyError: `ref` is a name that is not registered.
        """
        from fastagent.tools.base import Tool
        from fastagent.tools.function_tool import FunctionTool

        if isinstance(ref, str):
            return self._tools[ref]
        if isinstance(ref, Tool):
            return ref
        for registered in self._tools.values():
            if registered.fn is ref:
                return registered
        return FunctionTool(ref)


def _is_tool(ref: object) -> bool:
    return hasattr(ref, "definition") and callable(getattr(ref, "call", None))
