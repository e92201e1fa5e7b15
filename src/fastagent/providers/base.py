"""The `Provider` protocol: one model call, complete or streamed.

A provider turns a `CompletionRequest` (conversation, system prompt, tool definitions,
parameters) into one assistant `Message`, filling its `usage` and `stop_reason`. Everything
else (memory, the tool loop, structured output) lives above it in `fastagent.llm`, so a
provider stays small and a fake provider exercises the whole loop.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from fastagent.model_params import ModelParams
from fastagent.streaming import (
    StreamEvent,
    events_for_message,
)

if TYPE_CHECKING:
    from fastagent.messages import Message
    from fastagent.tools.base import ToolDefinition

__all__ = ["BaseProvider", "CompletionRequest", "Provider"]

_DEFAULT_PARAMS = ModelParams()


@dataclass(frozen=True, slots=True)
class CompletionRequest:
    """Everything one model call needs.

    Attributes:
        messages: The conversation to send, oldest first.
        system: The system prompt, if any.
        tools: The tools the model may call.
        params: Model and sampling parameters.
    """

    messages: list[Message]
    system: str | None = None
    tools: list[ToolDefinition] = field(default_factory=list)
    params: ModelParams = _DEFAULT_PARAMS


@runtime_checkable
class Provider(Protocol):
    """A model behind an API (or a fake one): makes one model call per request.

    Attributes:
        name: The provider's registry name (e.g. "passthrough").
        model: The model it calls.
    """

    name: str
    model: str

    async def complete(self, request: CompletionRequest) -> Message:
        """Make one model call and return the assistant message (usage and stop_reason set)."""
        ...

    def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Make one model call, yielding events as they arrive; the last is `StreamDone`."""
        ...


class BaseProvider(abc.ABC):
    """Helper base: subclasses implement `complete`; `stream` replays its result as events.

    Args:
        model: The model this provider calls.

    Attributes:
        name: The provider's registry name; subclasses override it.
        native_structured_output: Whether the provider enforces
            `ModelParams.response_format` itself. When False the tool loop adds a JSON
            instruction to the system prompt instead.
        shareable: Whether one instance may serve many agents at once (it keeps no state
            between calls), so a model factory can give agents of the same model one
            instance, and so one SDK client and connection pool. Test models that script
            their replies (passthrough, playback) are not.
    """

    name: str = "base"
    native_structured_output: bool = False
    shareable: bool = False

    def __init__(self, model: str) -> None:
        self.model = model

    @abc.abstractmethod
    async def complete(self, request: CompletionRequest) -> Message:
        """Make one model call and return the assistant message (usage and stop_reason set)."""

    async def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Call `complete` and yield the equivalent events, ending with `StreamDone`."""
        message = await self.complete(request)
        async for event in events_for_message(message):
            yield event

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r})"
