"""Typed events and the bus that carries them.

Every layer publishes what it does (an agent starting, a model request, a tool call, a server
connecting, an error) as a small frozen dataclass on the `EventBus` of its `Context`. The
progress display, the JSON log and the usage totals subscribe. Publishing with no subscribers
is a single truth test.

Handlers are plain callables run synchronously in the publisher's task, in subscription
order. A handler that raises is logged under ``fastagent.events`` and the others still run:
an observer never breaks the work it observes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

__all__ = [
    "AgentFinished",
    "AgentStarted",
    "ErrorOccurred",
    "Event",
    "EventBus",
    "ModelRequest",
    "ModelResponse",
    "ProgressUpdate",
    "RetryScheduled",
    "ServerConnected",
    "ServerConnecting",
    "ServerDisconnected",
    "StepReplayed",
    "StreamDelta",
    "ToolCallFinished",
    "ToolCallStarted",
]

_log = logging.getLogger("fastagent.events")


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """Base of all events: when it happened (seconds since the epoch)."""

    at: float = field(default_factory=time.time)


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentStarted(Event):
    """An agent began handling a request."""

    agent: str


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentFinished(Event):
    """An agent finished handling a request."""

    agent: str
    duration: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelRequest(Event):
    """A model call is about to be made."""

    agent: str
    model: str
    iteration: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelResponse(Event):
    """A model call returned."""

    agent: str
    model: str
    stop_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    duration: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class StreamDelta(Event):
    """A piece of streamed assistant text."""

    agent: str
    text: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallStarted(Event):
    """A tool call is starting."""

    agent: str
    tool: str
    call_id: str
    arguments: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallFinished(Event):
    """A tool call returned (possibly with an error result)."""

    agent: str
    tool: str
    call_id: str
    is_error: bool = False
    duration: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConnecting(Event):
    """An MCP server connection is being opened."""

    server: str
    transport: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConnected(Event):
    """An MCP server is connected and initialized."""

    server: str
    duration: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerDisconnected(Event):
    """An MCP server connection closed (reason is empty on a normal shutdown)."""

    server: str
    reason: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class ProgressUpdate(Event):
    """Progress reported by a long-running operation (e.g. an MCP tool)."""

    source: str
    progress: float
    total: float | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RetryScheduled(Event):
    """A failed call will be retried after a delay."""

    source: str
    attempt: int
    delay: float
    reason: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ErrorOccurred(Event):
    """Something failed; `error` is the exception's one-line message."""

    source: str
    error: str
    error_type: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class StepReplayed(Event):
    """A durable step's result was read back from its record instead of being made again.

    A replayed model call publishes this instead of `ModelResponse`: it was paid for, and
    counted in usage, when it was first made.
    """

    agent: str
    kind: str  # "model" or "tool"
    name: str  # the model, or the tool
    step: int
    workflow_id: str


E = TypeVar("E", bound=Event)
Handler = Callable[[Any], None]


class EventBus:
    """Synchronous publish/subscribe for `Event` values."""

    __slots__ = ("_handlers",)

    def __init__(self) -> None:
        self._handlers: list[tuple[type[Event], Handler]] = []

    def subscribe(
        self,
        handler: Callable[[E], None],
        event_type: type[E] = Event,  # type: ignore[assignment]
    ) -> Callable[[], None]:
        """Call `handler` for every published event of `event_type` (or a subclass).

        Returns:
            A function that removes the subscription.
        """
        entry: tuple[type[Event], Handler] = (event_type, handler)
        self._handlers = [*self._handlers, entry]

        def unsubscribe() -> None:
            self._handlers = [h for h in self._handlers if h is not entry]

        return unsubscribe

    def publish(self, event: Event) -> None:
        """Deliver `event` to every matching handler; handler errors are logged, not raised."""
        if not self._handlers:
            return
        for event_type, handler in self._handlers:
            if isinstance(event, event_type):
                try:
                    handler(event)
                except Exception:
                    _log.exception("event handler %r failed on %s", handler, type(event).__name__)

    @property
    def has_subscribers(self) -> bool:
        """Whether anyone listens (publishers may skip building costly events when not)."""
        return bool(self._handlers)
