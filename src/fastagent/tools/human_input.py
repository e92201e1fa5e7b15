"""`HumanInputTool`: the tool an agent declared with ``human_input=True`` calls to ask the user.

The model calls ``human_input`` with a ``question``; the run's `HumanInputHandler` (injected
by the face: a terminal prompt for scripts and ``fastagent go``, an MCP elicitation to the
client under ``fastagent serve``, any function in code) answers it. When nothing can ask, or
the user does not answer, the result is an error the model reads, saying why.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from fastagent.exceptions import FastAgentError
from fastagent.messages import TextContent, ToolResult
from fastagent.tools.base import ToolDefinition

if TYPE_CHECKING:
    from fastagent.events import EventBus

__all__ = [
    "HUMAN_INPUT_TOOL",
    "HumanInputHandler",
    "HumanInputRequest",
    "HumanInputTool",
    "HumanInputUnavailable",
]

HUMAN_INPUT_TOOL: Final = "human_input"
"""The tool's name."""


@dataclass(frozen=True, slots=True)
class HumanInputRequest:
    """A question an agent asks the user.

    Attributes:
        agent: The agent asking.
        question: What it asks.
    """

    agent: str
    question: str


class HumanInputUnavailable(FastAgentError):
    """Raised by a handler when no one can answer (the model reads the message)."""


HumanInputHandler = Callable[[HumanInputRequest], "str | Awaitable[str | None] | None"]
"""Answers a `HumanInputRequest` with the user's text; None or `HumanInputUnavailable`: no
answer."""

_NOBODY: Final = (
    "nobody can be asked here (no terminal, no MCP client that supports elicitation, no "
    "human input handler): continue without the user's answer, or say what you need"
)


class HumanInputTool:
    """Asks the user a question through `handler`.

    Args:
        handler: Answers the questions; None: every call is an error result saying nobody
            can be asked.
        agent: The agent's name.
        events: Where `UserInputRequested` / `UserInputFinished` go (a live display pauses).
    """

    timeout: float | None = None
    """Waiting for a person has no limit of its own."""

    def __init__(
        self,
        handler: HumanInputHandler | None,
        *,
        agent: str = "",
        events: EventBus | None = None,
    ) -> None:
        self.handler = handler
        self.agent = agent
        self.events = events
        self._definition = ToolDefinition(
            name=HUMAN_INPUT_TOOL,
            description=(
                "Ask the user a question and wait for the answer. Use it when you need "
                "information or a decision only the user can give."
            ),
            input_schema={
                "type": "object",
                "properties": {
                    "question": {"type": "string", "description": "The question to ask"}
                },
                "required": ["question"],
            },
        )

    @property
    def definition(self) -> ToolDefinition:
        """The tool's definition."""
        return self._definition

    async def call(self, arguments: dict[str, Any], *, call_id: str) -> ToolResult:
        """Ask the question; the answer, or an error result saying why there is none."""
        question = arguments.get("question")
        if not isinstance(question, str) or not question.strip():
            return ToolResult.error(
                call_id,
                "human_input needs a 'question' (a non-empty string)",
                tool_name=HUMAN_INPUT_TOOL,
            )
        if self.handler is None:
            return ToolResult.error(call_id, _NOBODY, tool_name=HUMAN_INPUT_TOOL)
        from fastagent.events import UserInputFinished, UserInputRequested

        if self.events is not None:
            self.events.publish(UserInputRequested(agent=self.agent, kind="question"))
        try:
            answer = self.handler(HumanInputRequest(self.agent, question))
            if inspect.isawaitable(answer):
                answer = await answer
        except HumanInputUnavailable as exc:
            return ToolResult.error(
                call_id, f"the user could not be asked: {exc}", tool_name=HUMAN_INPUT_TOOL
            )
        finally:
            if self.events is not None:
                self.events.publish(UserInputFinished(agent=self.agent, kind="question"))
        if answer is None:
            return ToolResult.error(call_id, "the user gave no answer", tool_name=HUMAN_INPUT_TOOL)
        return ToolResult(
            call_id=call_id, tool_name=HUMAN_INPUT_TOOL, content=[TextContent(text=str(answer))]
        )

    def __repr__(self) -> str:
        return f"HumanInputTool({self.agent!r})"
