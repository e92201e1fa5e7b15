"""Typed events and the bus that carries them.

Every layer publishes what it does (an agent starting, a model request, a tool call, a server
connecting, an error) as a small frozen dataclass on the `EventBus` of its `Context`. The
progress display, the JSON log and the usage totals subscribe. Publishing with no subscribers
is a single truth test.

Fields marked `CONTENT` (``field(metadata=CONTENT)``) hold what a user or a model wrote
(messages, tool results): observers that keep records (the JSON event log) leave them out;
tracing records them only when told to (``otel.record_content``).

Handlers are plain callables run synchronously in the publisher's task, in subscription
order. A handler that raises is logged under ``fastagent.events`` and the others still run:
an observer never breaks the work it observes.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from fastagent.messages import Message, ToolResult

__all__ = [
    "CONTENT",
    "AgentFinished",
    "AgentStarted",
    "ContextCompacted",
    "ErrorOccurred",
    "Event",
    "EventBus",
    "MCPRequestFinished",
    "MCPRequestStarted",
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
    "UserInputFinished",
    "UserInputRequested",
    "WorkflowFinished",
    "WorkflowStarted",
    "WorkflowStepFinished",
    "WorkflowStepStarted",
]

CONTENT: Mapping[str, bool] = {"content": True}
"""Field metadata marking what a user or a model wrote (kept out of records by default)."""

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
    """A model call is about to be made.

    `messages` and `system` are what the model is sent (content: see `CONTENT`).
    """

    agent: str
    model: str
    iteration: int = 0
    provider: str = ""
    messages: Sequence[Message] = field(default=(), metadata=CONTENT, repr=False, compare=False)
    system: str | None = field(default=None, metadata=CONTENT, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelResponse(Event):
    """A model call returned.

    Inside a durable turn, `workflow_id` and `step` name the recorded step the call was.
    """

    agent: str
    model: str
    stop_reason: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    duration: float = 0.0
    provider: str = ""
    response_model: str | None = None
    workflow_id: str = ""
    step: int = 0
    message: Message | None = field(default=None, metadata=CONTENT, repr=False, compare=False)


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
    server: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallFinished(Event):
    """A tool call returned (possibly with an error result)."""

    agent: str
    tool: str
    call_id: str
    is_error: bool = False
    duration: float = 0.0
    server: str | None = None
    result: ToolResult | None = field(default=None, metadata=CONTENT, repr=False, compare=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextCompacted(Event):
    """An agent's conversation was compacted to fit the model's context window.

    ``iteration`` is the model call of the turn it was compacted before (1: the turn's first,
    2 and on: after a tool round); 0 for `/compact`.
    """

    agent: str
    strategy: str
    messages_before: int
    messages_after: int
    tokens_before: int
    tokens_after: int
    context_window: int
    iteration: int = 0


@dataclass(frozen=True, slots=True, kw_only=True)
class UserInputRequested(Event):
    """The run waits for the user: a question or a URL to open is on the terminal.

    A live display pauses until the matching `UserInputFinished`, so it cannot draw over
    the question or the user's typing. Every prompt publishes the pair.

    Attributes:
        agent: The agent that asks (empty when an MCP server asks).
        kind: ``approval`` (a tool call to allow), ``question`` (an agent's
            ``human_input``), ``elicitation`` (an MCP server asks for values or to open a
            page) or ``authorization`` (an OAuth authorization URL to open in a browser).
        server: The MCP server that asks or is being authorized, if one is.
    """

    agent: str = ""
    kind: str = "approval"
    server: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class UserInputFinished(Event):
    """The user answered, or the wait `UserInputRequested` announced ended another way."""

    agent: str = ""
    kind: str = "approval"
    server: str | None = None


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
class WorkflowStarted(Event):
    """A workflow (chain, parallel, router, orchestrator, ...) began handling a request."""

    workflow: str
    kind: str


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowFinished(Event):
    """A workflow finished handling a request (`error` is empty when it succeeded)."""

    workflow: str
    kind: str
    error: str = ""
    error_type: str = ""
    duration: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowStepStarted(Event):
    """One step of a workflow began.

    A step is a chain step, a parallel branch or fan-in, a routing decision, or an
    orchestrator's planning call or plan step.

    Attributes:
        workflow: The workflow's name.
        kind: The workflow's kind (``chain``, ``parallel``, ``router``, ``orchestrator``).
        step: What the step is (``step``, ``branch``, ``fan_in``, ``route``, ``plan``,
            ``plan_step``).
        index: Its 1-based position among the steps of its kind in this run (0: none).
        agent: The member agent the step runs, when one.
    """

    workflow: str
    kind: str
    step: str
    index: int = 0
    agent: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class WorkflowStepFinished(Event):
    """One step of a workflow ended; `detail` says its outcome (e.g. the agent routed to)."""

    workflow: str
    kind: str
    step: str
    index: int = 0
    agent: str | None = None
    detail: str = ""
    error: str = ""
    error_type: str = ""
    duration: float = 0.0


@dataclass(frozen=True, slots=True, kw_only=True)
class MCPRequestStarted(Event):
    """A request to an MCP server is being sent (``tools/call``, ``tools/list``, ...)."""

    server: str
    method: str
    target: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class MCPRequestFinished(Event):
    """A request to an MCP server returned (`error` is empty when it succeeded)."""

    server: str
    method: str
    target: str | None = None
    error: str = ""
    error_type: str = ""
    duration: float = 0.0


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
