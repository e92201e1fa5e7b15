"""`Agent`: a named model with memory and tools, the thing users talk to.

An agent is a thin, friendly face over an `AugmentedLLM`: ``await agent.send("hi")`` returns
the reply text, `generate` returns the whole `Message`. Workflows (chain, router, ...) will be
agents too, exposing the same methods, so they nest.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, TypeVar

from fastagent.agents.base import BaseAgent

if TYPE_CHECKING:
    from pydantic import BaseModel

    from fastagent.llm.augmented import AugmentedLLM, MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.llm.streaming import LLMStreamEvent
    from fastagent.messages import Message, Usage

    M = TypeVar("M", bound=BaseModel)

__all__ = ["Agent"]


class Agent(BaseAgent):
    """A named agent: send it messages, read its replies, history and usage.

    Example:
        >>> agent = Agent("echo", AugmentedLLM(create_provider("passthrough")))  # doctest: +SKIP
        >>> await agent.send("hello")  # doctest: +SKIP
        'hello'

    Args:
        name: The agent's name (how apps and other agents refer to it).
        llm: The model, memory and tools doing the work.
        instruction: The system prompt; defaults to the one `llm` already has.
        model: The model string it was built from, for display; defaults to the provider's
            model name.
    """

    def __init__(
        self,
        name: str,
        llm: AugmentedLLM,
        *,
        instruction: str | None = None,
        model: str | None = None,
    ) -> None:
        self.name = name
        self.llm = llm
        if instruction is not None:
            llm.instruction = instruction
        self.model: str = model if model is not None else llm.provider.model

    @property
    def instruction(self) -> str | None:
        """The system prompt."""
        return self.llm.instruction

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Run one turn and return the final assistant `Message` (text, usage, stop reason).

        Args:
            messages: Text, a `Message`, or a sequence of them.
            params: Overrides of the agent's request parameters for this turn.
        """
        return await self.llm.generate(messages, params)

    async def structured(
        self, messages: MessageInput, model_cls: type[M], params: RequestParams | None = None
    ) -> M:
        """Run one turn and return the reply parsed as `model_cls`.

        Raises:
            ModelOutputError: The reply is not valid JSON for `model_cls`.
        """
        return await self.llm.structured(messages, model_cls, params)

    def stream(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> AsyncGenerator[LLMStreamEvent, None]:
        """Run one turn, yielding stream events; the last one is `StreamDone(message)`."""
        return self.llm.stream(messages, params)

    @property
    def history(self) -> list[Message]:
        """The conversation so far (prompt messages first), as a new list."""
        return self.llm.memory.messages()

    def clear(self) -> None:
        """Forget the conversation (prompt messages are kept)."""
        self.llm.memory.clear()

    @property
    def usage(self) -> Usage:
        """Tokens and model calls this agent has spent so far."""
        return self.llm.usage
