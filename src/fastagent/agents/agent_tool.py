"""`AgentTool`: another agent, offered to a model as a tool.

``@fast.agent("writer", agents=["researcher"])`` gives the writer a tool named ``researcher``
that takes one ``message`` string, sends it to the researcher agent and returns its reply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

from fastagent.exceptions import ToolError
from fastagent.tools.base import ToolDefinition

if TYPE_CHECKING:
    from fastagent.messages import ToolResult

__all__ = ["AgentTool", "Sendable"]


class Sendable(Protocol):
    """Anything with a name and ``async send(text) -> str``: an agent or a workflow."""

    name: str

    @property
    def instruction(self) -> str | None:
        """What the agent is told to do (used to describe the tool)."""
        ...

    async def send(self, message: str) -> str:
        """Send a message and return the reply text."""
        ...


class AgentTool:
    """A `Tool` that forwards its ``message`` argument to an agent and returns the reply.

    Args:
        agent: The agent to call.
        description: What the tool does, for the model; by default it names the agent and
            quotes the first line of its instruction.
    """

    __slots__ = ("_definition", "agent")

    def __init__(self, agent: Sendable, *, description: str | None = None) -> None:
        self.agent = agent
        self._definition = ToolDefinition(
            name=agent.name,
            description=description or _describe(agent),
            input_schema={
                "type": "object",
                "properties": {
                    "message": {
                        "type": "string",
                        "description": f"What to ask or tell the agent '{agent.name}'.",
                    }
                },
                "required": ["message"],
                "additionalProperties": False,
            },
        )

    @property
    def definition(self) -> ToolDefinition:
        """The definition sent to the model: one required ``message`` string."""
        return self._definition

    async def call(self, arguments: dict[str, Any], *, call_id: str) -> ToolResult:
        """Send ``arguments["message"]`` to the agent and return its reply as text.

        Raises:
            ToolError: ``message`` is missing or not a string (the tool loop turns this
                into an error result the model can read).
        """
        from fastagent.messages import TextContent, ToolResult

        message = arguments.get("message")
        if not isinstance(message, str):
            raise ToolError(
                f"agent tool '{self.agent.name}' needs a 'message' string argument",
                hint='call it as {"message": "..."}',
            )
        reply = await self.agent.send(message)
        return ToolResult(
            call_id=call_id, content=[TextContent(text=reply)], tool_name=self.agent.name
        )

    def __repr__(self) -> str:
        return f"AgentTool({self.agent.name!r})"


def _describe(agent: Sendable) -> str:
    text = f"Ask the agent '{agent.name}' and get its reply."
    first_line = (agent.instruction or "").strip().splitlines()[:1]
    if first_line:
        text += f" Its instruction: {first_line[0]}"
    return text
