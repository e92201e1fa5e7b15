"""`SpanRecorder`: turns a run's events into OpenTelemetry spans.

Each pair of start and finish events is one span (GenAI semantic conventions):

=========================================  ===============================  ==========
events                                     span                             kind
=========================================  ===============================  ==========
AgentStarted / AgentFinished               ``invoke_agent {agent}``         internal
WorkflowStarted / WorkflowFinished         ``invoke_agent {workflow}``      internal
WorkflowStepStarted / ...Finished          ``{kind}.{step} {agent|index}``  internal
ModelRequest / ModelResponse               ``chat {model}``                 client
ToolCallStarted / ToolCallFinished         ``execute_tool {tool}``          internal
MCPRequestStarted / ...Finished            ``{method} {target}``            client
=========================================  ===============================  ==========

Events are published synchronously in the task doing the work, so a started span is made
the current span of that task's OpenTelemetry context: what starts inside it (in the same
task, or in tasks it creates) becomes its child, concurrent branches and parallel tool
calls included, and calls made inside it (an MCP request, the user's own instrumented code)
carry its trace context. A finish event ends the innermost open span of its kind and key in
the current context; spans left open inside it (a model call that raised) end with it.
`ErrorOccurred` marks the spans of the failing agent as errors.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from fastagent._redact import redact
from fastagent.events import (
    AgentFinished,
    AgentStarted,
    ErrorOccurred,
    Event,
    EventBus,
    MCPRequestFinished,
    MCPRequestStarted,
    ModelRequest,
    ModelResponse,
    StepReplayed,
    ToolCallFinished,
    ToolCallStarted,
    WorkflowFinished,
    WorkflowStarted,
    WorkflowStepFinished,
    WorkflowStepStarted,
)
from fastagent.steps import current_step
from fastagent.telemetry.finish_reasons import finish_reason

if TYPE_CHECKING:
    from opentelemetry.context import Context
    from opentelemetry.trace import Span, Tracer

    from fastagent.messages import Message, ToolResult

__all__ = ["PROVIDER_NAMES", "REPLAYED", "STEP", "WORKFLOW_ID", "SpanRecorder"]

PROVIDER_NAMES = {
    "bedrock": "aws.bedrock",
    "google": "gcp.gen_ai",  # the Gemini API or Vertex AI: the conventions' value for either
    "azure": "azure.ai.openai",
    "responses": "openai",  # OpenAI's Responses API
}
"""``gen_ai.provider.name`` for fastagent providers whose name is not the conventions' value
(``anthropic`` and ``openai`` are); other names (``generic``, a named OpenAI-compatible
server, ``passthrough``) are used as they are."""

WORKFLOW_ID = "fastagent.durable.workflow_id"
"""Attribute of model and tool spans inside a durable turn: the workflow's id (its key)."""

STEP = "fastagent.durable.step"
"""Attribute of model and tool spans inside a durable turn: the step's number."""

REPLAYED = "fastagent.durable.replayed"
"""Attribute (true) of a durable step's span whose result was read back from its record."""


@dataclass(slots=True)
class _Frame:
    span: Span
    parent: Context
    key: str
    agent: str | None


class SpanRecorder:
    """Records spans for the events of one bus.

    Args:
        tracer: Where spans are started.
        record_content: Put messages, tool arguments and tool results on spans (only on
            spans that are recorded: nothing is serialised for a span sampled out).
        mcp_requests: Record a span per MCP request (off when the process's own provider is
            used: the MCP SDK then records its own ``MCP send ...`` spans).
        max_content_length: The most characters of text one content attribute holds.
        sample_roots: Start spans that have no sampled parent. False when the provider's
            sampler records none of them (``sample_rate: 0``): then nothing is started for
            them at all, and a run costs almost nothing; a caller's sampled trace is still
            continued.
    """

    def __init__(
        self,
        tracer: Tracer,
        *,
        record_content: bool,
        mcp_requests: bool,
        max_content_length: int = 16_384,
        sample_roots: bool = True,
    ) -> None:
        self._tracer = tracer
        self._roots = sample_roots
        self._content = record_content
        self._limit = max_content_length
        self._frames: dict[int, _Frame] = {}
        # The start attributes of a model call by (model, provider): built once, copied by
        # the SDK into each span.
        self._chat_attributes: dict[tuple[str, str], dict[str, Any]] = {}
        handlers: dict[type[Event], Callable[[Any], None]] = {
            AgentStarted: self._agent_started,
            AgentFinished: self._agent_finished,
            WorkflowStarted: self._workflow_started,
            WorkflowFinished: self._workflow_finished,
            WorkflowStepStarted: self._step_started,
            WorkflowStepFinished: self._step_finished,
            ModelRequest: self._model_request,
            ModelResponse: self._model_response,
            ToolCallStarted: self._tool_started,
            ToolCallFinished: self._tool_finished,
            StepReplayed: self._step_replayed,
            ErrorOccurred: self._error,
        }
        if mcp_requests:
            handlers[MCPRequestStarted] = self._mcp_started
            handlers[MCPRequestFinished] = self._mcp_finished
        self._handlers = handlers

    def subscribe(self, bus: EventBus) -> Callable[[], None]:
        """Record the events published on `bus`; returns the unsubscribe function."""
        return bus.subscribe(self.handle)

    def handle(self, event: Event) -> None:
        """Start, end or mark a span for `event` (other events are ignored)."""
        handler = self._handlers.get(type(event))
        if handler is not None:
            handler(event)

    def end_all(self) -> None:
        """End every span still open (their finish events never came)."""
        frames = list(self._frames.values())
        self._frames.clear()
        for frame in reversed(frames):
            frame.span.end()

    # -- span stack ----------------------------------------------------------------------

    def _start(
        self,
        name: str,
        key: str,
        attributes: dict[str, Any],
        *,
        kind: SpanKind = SpanKind.INTERNAL,
        agent: str | None = None,
    ) -> Span:
        parent = otel_context.get_current()
        if not self._roots and not _sampled(parent):
            return trace.INVALID_SPAN  # it would not be sampled: start nothing, end nothing
        span = self._tracer.start_span(name, context=parent, kind=kind, attributes=attributes)
        self._frames[id(span)] = _Frame(span, parent, key, agent)
        otel_context.attach(trace.set_span_in_context(span, parent))
        return span

    def _end(self, key: str) -> Span | None:
        """Pop the innermost open span with `key` in the current context (None: not open).

        Spans opened inside it and still open are ended first. The caller ends the span.
        """
        frame = self._frames.get(id(trace.get_current_span()))
        chain: list[_Frame] = []
        while frame is not None:
            chain.append(frame)
            if frame.key == key:
                break
            frame = self._frames.get(id(trace.get_current_span(frame.parent)))
        else:
            return None
        for inner in chain:
            del self._frames[id(inner.span)]
            if inner is not frame:
                inner.span.end()
        otel_context.attach(frame.parent)
        return frame.span

    # -- agents and workflows ------------------------------------------------------------

    def _agent_started(self, event: AgentStarted) -> None:
        self._start(
            f"invoke_agent {event.agent}",
            f"agent:{event.agent}",
            {"gen_ai.operation.name": "invoke_agent", "gen_ai.agent.name": event.agent},
            agent=event.agent,
        )

    def _agent_finished(self, event: AgentFinished) -> None:
        span = self._end(f"agent:{event.agent}")
        if span is not None:
            span.end()

    def _workflow_started(self, event: WorkflowStarted) -> None:
        self._start(
            f"invoke_agent {event.workflow}",
            f"workflow:{event.workflow}",
            {
                "gen_ai.operation.name": "invoke_agent",
                "gen_ai.agent.name": event.workflow,
                "fastagent.workflow.kind": event.kind,
            },
            agent=event.workflow,
        )

    def _workflow_finished(self, event: WorkflowFinished) -> None:
        span = self._end(f"workflow:{event.workflow}")
        if span is not None:
            _mark_error(span, event.error, event.error_type)
            span.end()

    def _step_started(self, event: WorkflowStepStarted) -> None:
        label = event.agent or (str(event.index) if event.index else "")
        attributes: dict[str, Any] = {
            "fastagent.workflow.name": event.workflow,
            "fastagent.workflow.kind": event.kind,
            "fastagent.workflow.step": event.step,
        }
        if event.index:
            attributes["fastagent.workflow.step.index"] = event.index
        if event.agent is not None:
            attributes["gen_ai.agent.name"] = event.agent
        self._start(f"{event.kind}.{event.step} {label}".rstrip(), _step_key(event), attributes)

    def _step_finished(self, event: WorkflowStepFinished) -> None:
        span = self._end(_step_key(event))
        if span is not None:
            if event.detail:
                span.set_attribute("fastagent.workflow.step.outcome", event.detail)
            _mark_error(span, event.error, event.error_type)
            span.end()

    # -- model calls ---------------------------------------------------------------------

    def _model_request(self, event: ModelRequest) -> None:
        attributes = self._chat_attributes.get((event.model, event.provider))
        if attributes is None:
            attributes = {"gen_ai.operation.name": "chat", "gen_ai.request.model": event.model}
            if event.provider:
                provider = PROVIDER_NAMES.get(event.provider, event.provider)
                attributes["gen_ai.provider.name"] = provider
            self._chat_attributes[event.model, event.provider] = attributes
        span = self._start(
            f"chat {event.model}", f"chat:{event.agent}", attributes, kind=SpanKind.CLIENT
        )
        if self._content and span.is_recording():
            content = {"gen_ai.input.messages": messages_json(event.messages, self._limit)}
            if event.system:
                system = _clip(event.system, self._limit)
                content["gen_ai.system_instructions"] = _json([{"type": "text", "content": system}])
            span.set_attributes(content)

    def _model_response(self, event: ModelResponse) -> None:
        span = self._end(f"chat:{event.agent}")
        if span is None:
            return
        attributes: dict[str, Any] = {
            "gen_ai.usage.input_tokens": event.input_tokens,
            "gen_ai.usage.output_tokens": event.output_tokens,
        }
        if event.response_model:
            attributes["gen_ai.response.model"] = event.response_model
        if event.stop_reason is not None:
            attributes["gen_ai.response.finish_reasons"] = (finish_reason(event.stop_reason),)
        if event.workflow_id:
            attributes[WORKFLOW_ID] = event.workflow_id
            attributes[STEP] = event.step
        if self._content and event.message is not None and span.is_recording():
            attributes["gen_ai.output.messages"] = messages_json([event.message], self._limit)
        span.set_attributes(attributes)
        span.end()

    # -- tools and MCP requests ----------------------------------------------------------

    def _tool_started(self, event: ToolCallStarted) -> None:
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": event.tool,
            "gen_ai.tool.call.id": event.call_id,
            "gen_ai.tool.type": "extension" if event.server else "function",
        }
        if event.server:
            attributes["fastagent.mcp.server"] = event.server
        step = current_step()  # published inside the tool's durable step, if any
        if step is not None:
            attributes[WORKFLOW_ID] = step.workflow_id
            attributes[STEP] = step.step
        span = self._start(f"execute_tool {event.tool}", f"tool:{event.call_id}", attributes)
        if self._content and span.is_recording():
            arguments = _clip(_json(event.arguments), self._limit)
            span.set_attribute("gen_ai.tool.call.arguments", arguments)

    def _tool_finished(self, event: ToolCallFinished) -> None:
        span = self._end(f"tool:{event.call_id}")
        if span is None:
            return
        if self._content and event.result is not None and span.is_recording():
            result = _result_json(event.result, self._limit)
            span.set_attribute("gen_ai.tool.call.result", result)
        if event.is_error:
            _mark_error(span, "the tool returned an error result", "tool_error")
        span.end()

    def _step_replayed(self, event: StepReplayed) -> None:
        """A durable step read back from its record: its span says so, and ends."""
        durable: dict[str, Any] = {
            WORKFLOW_ID: event.workflow_id,
            STEP: event.step,
            REPLAYED: True,
        }
        if event.kind == "model":
            # Published instead of ModelResponse: the chat span of this call is open.
            span = self._end(f"chat:{event.agent}")
            if span is not None:
                span.set_attributes(durable)
                span.end()
            return
        # A replayed tool call never ran, so no span was started: record an instant one.
        attributes: dict[str, Any] = {
            "gen_ai.operation.name": "execute_tool",
            "gen_ai.tool.name": event.name,
            **durable,
        }
        self._tracer.start_span(f"execute_tool {event.name}", attributes=attributes).end()

    def _mcp_started(self, event: MCPRequestStarted) -> None:
        attributes: dict[str, Any] = {
            "mcp.method.name": event.method,
            "fastagent.mcp.server": event.server,
        }
        target = event.target
        if event.method == "tools/call" and target:
            attributes["gen_ai.tool.name"] = target
            attributes["gen_ai.operation.name"] = "execute_tool"
        elif event.method == "prompts/get" and target:
            attributes["gen_ai.prompt.name"] = target
        elif event.method.startswith("resources/") and target:
            attributes["mcp.resource.uri"] = target
            target = None  # a URI is no span name (too many distinct values)
        name = f"{event.method} {target}" if target else event.method
        self._start(name, _mcp_key(event), attributes, kind=SpanKind.CLIENT)

    def _mcp_finished(self, event: MCPRequestFinished) -> None:
        span = self._end(_mcp_key(event))
        if span is not None:
            _mark_error(span, event.error, event.error_type)
            span.end()

    # -- errors --------------------------------------------------------------------------

    def _error(self, event: ErrorOccurred) -> None:
        """Mark the open spans of the failing agent, innermost first, up to the agent's."""
        frame = self._frames.get(id(trace.get_current_span()))
        while frame is not None:
            _mark_error(frame.span, event.error, event.error_type or "error")
            if frame.agent == event.source:
                return
            frame = self._frames.get(id(trace.get_current_span(frame.parent)))


def _sampled(context: Context) -> bool:
    return bool(trace.get_current_span(context).get_span_context().trace_flags.sampled)


def _step_key(event: WorkflowStepStarted | WorkflowStepFinished) -> str:
    return f"step:{event.workflow}:{event.step}:{event.index}:{event.agent}"


def _mcp_key(event: MCPRequestStarted | MCPRequestFinished) -> str:
    return f"mcp:{event.server}:{event.method}:{event.target}"


def _mark_error(span: Span, error: str, error_type: str) -> None:
    if not error and not error_type:
        return
    # Errors can quote URLs and headers: the span leaves the process, so redact it too.
    span.set_status(Status(StatusCode.ERROR, redact(error) if error else None))
    span.set_attribute("error.type", error_type or "error")


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


def _clip(text: str, cap: int) -> str:
    """`text`, or its first `cap` characters marked with how many were cut."""
    if len(text) <= cap:
        return text
    return f"{text[:cap]}…[{len(text) - cap} characters clipped]"


def _cap(lengths: Sequence[int], limit: int) -> int:
    """The largest length `c` with ``sum(min(n, c)) <= limit``: long texts share the budget.

    Short texts (a question, an instruction) stay whole; only the longest are clipped.
    """
    if sum(lengths) <= limit:
        return max(lengths, default=0)
    remaining = limit
    ordered = sorted(lengths)
    for i, length in enumerate(ordered):
        share = remaining // (len(ordered) - i)
        if length > share:
            return share
        remaining -= length
    return remaining


def _texts(result: ToolResult) -> list[str]:
    return [t for b in result.content if isinstance(t := getattr(b, "text", None), str)]


def messages_json(messages: Sequence[Message], limit: int = 16_384) -> str:
    """Messages in the GenAI conventions' JSON shape: ``[{"role", "parts": [...]}]``.

    Holds at most about `limit` characters of text: when the messages have more, the longest
    texts are clipped to a common length (marked with how many characters were cut).
    """
    text_length = 0
    for message in messages:
        for block in message.content:
            text = getattr(block, "text", None)
            if isinstance(text, str):
                text_length += len(text)
        for result in message.tool_results:
            text_length += sum(map(len, _texts(result)))
    if text_length <= limit:  # likely nothing to clip: encode as is, then check
        encoded = _json(_entries(messages, None, 0))
        if (
            len(encoded) <= limit
            or text_length
            + sum(len(_json(call.arguments)) for message in messages for call in message.tool_calls)
            <= limit
        ):
            return encoded
    texts: list[str] = []
    for message in messages:
        texts.extend(_block_texts(message))
        texts.extend(_json(call.arguments) for call in message.tool_calls)
        texts.extend(_result_texts(message))
    cap = _cap([len(t) for t in texts], limit)
    return _json(_entries(messages, iter([_clip(t, cap) for t in texts]), cap))


def _block_texts(message: Message) -> list[str]:
    return [t for b in message.content if isinstance(t := getattr(b, "text", None), str)]


def _result_texts(message: Message) -> list[str]:
    return [t for result in message.tool_results for t in _texts(result)]


def _entries(
    messages: Sequence[Message], clipped: Iterator[str] | None, cap: int
) -> list[dict[str, Any]]:
    """The JSON-ready entries; `clipped` yields each text in order, clipped (None: as is).

    The texts are the message's text blocks, its tool calls' arguments (as JSON), and its tool
    results' texts, in that order (as `messages_json` collects them).
    """
    out: list[dict[str, Any]] = []
    for message in messages:
        parts: list[dict[str, Any]] = []
        for block in message.content:
            text = getattr(block, "text", None)
            if isinstance(text, str):
                parts.append(
                    {"type": "text", "content": text if clipped is None else next(clipped)}
                )
            else:
                parts.append({"type": block.type})
        for call in message.tool_calls:
            arguments: Any = call.arguments
            if clipped is not None:
                encoded = next(clipped)
                if len(encoded) > cap:  # clipped: its JSON text instead of the object
                    arguments = encoded
            parts.append(
                {"type": "tool_call", "id": call.id, "name": call.name, "arguments": arguments}
            )
        for result in message.tool_results:
            texts = _texts(result)
            if clipped is not None:
                texts = [next(clipped) for _ in texts]
            parts.append(
                {"type": "tool_call_response", "id": result.call_id, "response": "\n".join(texts)}
            )
        entry: dict[str, Any] = {"role": str(message.role), "parts": parts}
        if message.stop_reason is not None:
            entry["finish_reason"] = finish_reason(message.stop_reason)
        out.append(entry)
    return out


def _result_json(result: ToolResult, limit: int) -> str:
    if result.structured_content is not None:
        return _clip(_json(result.structured_content), limit)
    texts = _texts(result)
    cap = _cap([len(t) for t in texts], limit)
    return "\n".join(_clip(t, cap) for t in texts)
