"""What a tool is: its definition (what the model sees) and the `Tool` protocol.

This module is on the startup path: it imports only the standard library and
`fastagent.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from fastagent.messages import ToolResult

__all__ = ["Tool", "ToolDefinition"]


@dataclass(frozen=True, slots=True)
class ToolDefinition:
    """What a provider sends to the model about one tool.

    Attributes:
        name: The name the model calls the tool by (``^[a-zA-Z0-9_-]{1,64}$`` once in a ToolSet).
        description: What the tool does, for the model.
        input_schema: JSON Schema of the arguments (``"type": "object"``).
        output_schema: JSON Schema of the structured result, when the tool declares one.
        annotations: Optional hints about the tool's behaviour (MCP tool annotations).
    """

    name: str
    description: str
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None = None
    annotations: dict[str, Any] | None = None


@runtime_checkable
class Tool(Protocol):
    """Anything the tool loop can call: a Python function, an MCP server's tool, a fake.

    A tool may also expose a ``timeout: float | None`` attribute (seconds); `ToolSet` uses it
    in preference to its own default timeout.
    """

    @property
    def definition(self) -> ToolDefinition:
        """The definition sent to the model."""
        ...

    async def call(self, arguments: dict[str, Any], *, call_id: str) -> ToolResult:
        """Run the tool once.

        Args:
            arguments: The arguments the model sent (a JSON object).
            call_id: The id of the model's tool call, to put on the result.

        Returns:
            The result for the model. Implementations may raise instead; `ToolSet` turns any
            exception into an error result.
        """
        ...
