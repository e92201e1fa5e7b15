"""`BaseAgent`: what every agent offers, whether one model or a workflow of agents.

A single model-backed `Agent` and every workflow (chain, parallel, router, orchestrator,
evaluator-optimizer) subclass `BaseAgent`, so apps, tools and other workflows treat them
alike and workflows nest. A subclass implements `generate`; the rest has sensible defaults.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncGenerator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from pydantic import BaseModel

    from fastagent.events import EventBus
    from fastagent.llm.augmented import MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, Usage
    from fastagent.streaming import LLMStreamEvent

    M = TypeVar("M", bound=BaseModel)

__all__ = ["BaseAgent"]


class BaseAgent(abc.ABC):
    """The interface of every agent.

    Attributes:
        name: The agent's unique name in its app.
        model: A model string for display (a workflow names its kind, e.g. ``chain``).
        events: Where a workflow publishes its run and steps (`WorkflowStarted`, ...);
            set by `FastAgent.build` to the runtime's bus. None: nothing is published.
    """

    name: str
    model: str
    events: EventBus | None = None

    @property
    def instruction(self) -> str | None:
        """The system prompt, or a description of what the workflow does."""
        return None

    @abc.abstractmethod
    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Run one turn and return the final assistant `Message`."""

    async def send(
        self, message: str | Message, *, key: str | None = None, queue: str | None = None
    ) -> str:
        """Send one message and return the text of the reply.

        Args:
            message: Text or a `Message`.
            key: Run the turn as the durable workflow with this key (docs/durable.md).
            queue: With a key, run the turn on this durable queue (any worker takes it).
        """
        if key is not None or queue is not None:  # a queue without a key: a clear error
            from fastagent.agents.durable_turns import durable_turn

            return (await durable_turn(self, message, key, queue=queue)).text
        reply = await self.generate(message)
        return reply.text

    async def structured(
        self, messages: MessageInput, model_cls: type[M], params: RequestParams | None = None
    ) -> M:
        """Run one turn asking for JSON matching `model_cls`; return the reply parsed.

        `generate` with ``response_format=model_cls`` added to `params` (the one
        structured-output path, see `fastagent.llm.structured`): a model agent asks its
        provider for it; a workflow passes it to the agent that writes its reply.

        Raises:
            ModelOutputError: The reply is not valid JSON for `model_cls`.
        """
        from fastagent.llm.params import RequestParams
        from fastagent.llm.structured import parse_structured

        asked = (params or RequestParams()).merged({"response_format": model_cls})
        reply = await self.generate(messages, asked)
        return parse_structured(reply.text, model_cls)

    async def stream(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> AsyncGenerator[LLMStreamEvent, None]:
        """Run one turn, yielding stream events; the last one is `StreamDone(message)`.

        The default runs `generate` and replays its result as events.
        """
        from fastagent.streaming import events_for_message

        reply = await self.generate(messages, params)
        async for event in events_for_message(reply):
            yield event

    @property
    def history(self) -> list[Message]:
        """The conversation so far, as a new list (empty for agents that keep none)."""
        return []

    def clear(self) -> None:
        """Forget the conversation (nothing to forget by default)."""
        return None

    @property
    def usage(self) -> Usage:
        """Tokens and model calls this agent has spent so far."""
        from fastagent.messages import Usage

        return Usage()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, model={self.model!r})"
