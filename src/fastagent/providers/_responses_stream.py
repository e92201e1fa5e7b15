"""Assemble a streamed Responses API call (``response.*`` events) into a `Message`.

Text arrives as ``response.output_text.delta`` (refusals as ``response.refusal.delta``);
a function call starts with ``response.output_item.added`` (its ``call_id`` and ``name``),
its arguments arrive as ``response.function_call_arguments.delta`` keyed by
``output_index``, and ``response.output_item.done`` carries the finished item (for
reasoning items, the complete ``encrypted_content``). The stream ends with
``response.completed`` or ``response.incomplete`` carrying usage, or with
``response.failed`` / ``error``, which become typed errors. A stream that stops before its
final event is an error too, so a cut reply never reaches the history.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from fastagent.exceptions import (
    ProviderResponseError,
)
from fastagent.messages import Message, ToolCall
from fastagent.providers._responses_convert import (
    build_message,
    function_call,
    parse_response_usage,
)
from fastagent.providers.errors import stream_failure
from fastagent.streaming import (
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageUpdate,
)

__all__ = ["ResponsesStreamAssembler"]

_FINAL_EVENTS: Final = frozenset({"response.completed", "response.incomplete"})


@dataclass
class _PendingCall:
    call_id: str
    name: str
    fragments: list[str] = field(default_factory=list)
    done: ToolCall | None = None


class ResponsesStreamAssembler:
    """Turns ``response.*`` events into stream events, and at the end into the message.

    Args:
        model: The model to report when the events name none.
        provider: The provider's name, for errors.
    """

    def __init__(self, model: str, *, provider: str = "responses") -> None:
        self._model = model
        self._provider = provider
        self._response_id: str | None = None
        self._texts: list[str] = []
        self._refusals: list[str] = []
        self._calls: dict[int, _PendingCall] = {}
        self._reasoning: dict[int, Mapping[str, Any]] = {}
        self._final: Mapping[str, Any] | None = None

    def feed(self, event: Mapping[str, Any]) -> list[StreamEvent]:
        """Take one event (as a JSON dict); return the stream events it produces.

        Raises:
            ProviderError: The event reports a failure (typed by its code).
        """
        kind = event.get("type")
        if kind in ("response.created", "response.in_progress"):
            self._note_response(event.get("response") or {})
            return []
        if kind == "response.output_text.delta" and event.get("delta"):
            self._texts.append(str(event["delta"]))
            return [TextDelta(str(event["delta"]))]
        if kind == "response.refusal.delta" and event.get("delta"):
            self._refusals.append(str(event["delta"]))
            return [TextDelta(str(event["delta"]))]
        if kind == "response.output_item.added":
            return self._item_added(int(event.get("output_index") or 0), event.get("item") or {})
        if kind == "response.function_call_arguments.delta":
            pending = self._calls.get(int(event.get("output_index") or 0))
            delta = str(event.get("delta") or "")
            if pending is None or not delta:
                return []
            pending.fragments.append(delta)
            return [ToolCallDelta(pending.call_id, delta)]
        if kind == "response.output_item.done":
            return self._item_done(int(event.get("output_index") or 0), event.get("item") or {})
        if kind in _FINAL_EVENTS:
            response = event.get("response") or {}
            self._note_response(response)
            self._final = response
            usage = parse_response_usage(response.get("usage"))
            return [UsageUpdate(usage)] if usage is not None else []
        if kind == "response.failed":
            error = (event.get("response") or {}).get("error") or {}
            raise stream_failure(error, provider=self._provider, model=self._model)
        if kind == "error":
            raise stream_failure(event, provider=self._provider, model=self._model)
        return []

    def _note_response(self, response: Mapping[str, Any]) -> None:
        self._response_id = self._response_id or response.get("id")
        if response.get("model"):
            self._model = str(response["model"])

    def _item_added(self, index: int, item: Mapping[str, Any]) -> list[StreamEvent]:
        if item.get("type") != "function_call":
            return []
        call = function_call(item, self._response_id, index)
        self._calls[index] = _PendingCall(call.id, call.name)
        return [ToolCallStart(call.id, call.name)]

    def _item_done(self, index: int, item: Mapping[str, Any]) -> list[StreamEvent]:
        kind = item.get("type")
        if kind == "reasoning":
            self._reasoning[index] = item
            return []
        if kind != "function_call":
            return []
        call = function_call(item, self._response_id, index)
        pending = self._calls.get(index)
        events: list[StreamEvent] = []
        if pending is None:
            pending = self._calls[index] = _PendingCall(call.id, call.name)
            events.append(ToolCallStart(call.id, call.name))
            events.append(ToolCallDelta(call.id, str(item.get("arguments") or "")))
        pending.done = call
        events.append(ToolCallEnd(call))
        return events

    def finish(self) -> tuple[list[StreamEvent], Message]:
        """Closing events (a `ToolCallEnd` per call not yet ended) and the complete message.

        Raises:
            ProviderResponseError: The stream ended before ``response.completed`` (a cut
                reply; retried like a server error when nothing was shown yet).
        """
        if self._final is None:
            raise ProviderResponseError(
                f"{self._provider} model {self._model}: the stream ended before the response "
                "was complete",
                provider=self._provider,
                hint="the connection was cut; retrying may help",
            )
        events: list[StreamEvent] = []
        calls: list[ToolCall] = []
        for index in sorted(self._calls):
            pending = self._calls[index]
            if pending.done is None:
                raw = "".join(pending.fragments)
                pending.done = function_call(
                    {"call_id": pending.call_id, "name": pending.name, "arguments": raw},
                    self._response_id,
                    index,
                )
                events.append(ToolCallEnd(pending.done))
            calls.append(pending.done)
        final = self._final
        message = build_message(
            texts=self._texts,
            refusals=self._refusals,
            calls=calls,
            reasoning=[self._reasoning[i] for i in sorted(self._reasoning)],
            status=final.get("status"),
            incomplete_reason=(final.get("incomplete_details") or {}).get("reason"),
            usage=parse_response_usage(final.get("usage")),
            model=self._model,
        )
        return events, message
