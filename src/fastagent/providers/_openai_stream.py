"""Assemble a streamed Chat Completion (``chat.completion.chunk`` objects) into a `Message`.

Text arrives as ``delta.content`` pieces; tool calls as ``delta.tool_calls`` entries keyed by
``index``, the first carrying ``id`` and ``function.name``, the next ones fragments of
``function.arguments``. With ``stream_options.include_usage`` the last chunk has no choices
and carries ``usage``. Servers that send a whole tool call in one chunk, arguments as an
object, no ids or no ``index`` are handled too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from fastagent.messages import ContentBlock, Message, StopReason, TextContent, ToolCall, Usage
from fastagent.providers._openai_convert import (
    finish_reason_to_stop,
    parse_arguments,
    parse_usage,
    stable_call_id,
)
from fastagent.streaming import (
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageUpdate,
)

__all__ = ["StreamAssembler"]


@dataclass
class _PendingCall:
    index: int
    id: str | None = None
    name: str = ""
    fragments: list[str] = field(default_factory=list)
    whole: dict[str, Any] | None = None
    started: bool = False


class StreamAssembler:
    """Turns chunks into stream events, and at the end into the complete message.

    Args:
        model: The model to report when the chunks name none.
    """

    def __init__(self, model: str) -> None:
        self._model = model
        self._response_id: str | None = None
        self._text: list[str] = []
        self._refusal: list[str] = []
        self._calls: dict[int, _PendingCall] = {}
        self._finish_reason: str | None = None
        self._usage: Usage | None = None

    def feed(self, chunk: Mapping[str, Any]) -> list[StreamEvent]:
        """Take one chunk (as a JSON dict); return the events it produces."""
        self._response_id = self._response_id or chunk.get("id")
        if chunk.get("model"):
            self._model = str(chunk["model"])
        events: list[StreamEvent] = []
        for choice in chunk.get("choices") or []:
            if choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta") or {}
            if delta.get("content"):
                self._text.append(delta["content"])
                events.append(TextDelta(delta["content"]))
            if delta.get("refusal"):
                self._refusal.append(delta["refusal"])
                events.append(TextDelta(delta["refusal"]))
            for wire_call in delta.get("tool_calls") or []:
                events.extend(self._feed_call(wire_call))
            if choice.get("finish_reason"):
                self._finish_reason = choice["finish_reason"]
        usage = parse_usage(chunk.get("usage"))
        if usage is not None:
            self._usage = usage
            events.append(UsageUpdate(usage))
        return events

    def _feed_call(self, wire_call: Mapping[str, Any]) -> list[StreamEvent]:
        pending = self._pending_for(wire_call)
        function = wire_call.get("function") or {}
        if wire_call.get("id") and pending.id is None:
            pending.id = wire_call["id"]
        if function.get("name") and not pending.name:
            pending.name = function["name"]
        events: list[StreamEvent] = []
        if not pending.started and pending.name:
            pending.started = True
            if pending.id is None:
                pending.id = stable_call_id(self._response_id, pending.index, pending.name)
            events.append(ToolCallStart(pending.id, pending.name))
            if pending.fragments:
                events.append(ToolCallDelta(pending.id, "".join(pending.fragments)))
        arguments = function.get("arguments")
        if isinstance(arguments, dict):
            pending.whole = arguments
            arguments = json.dumps(arguments)
        if isinstance(arguments, str) and arguments:
            pending.fragments.append(arguments)
            if pending.started and pending.id is not None:
                events.append(ToolCallDelta(pending.id, arguments))
        return events

    def _pending_for(self, wire_call: Mapping[str, Any]) -> _PendingCall:
        index = wire_call.get("index")
        if index is None:
            call_id = wire_call.get("id")
            known = [c for c in self._calls.values() if call_id and c.id == call_id]
            if known:
                return known[0]
            starts_call = call_id or (wire_call.get("function") or {}).get("name")
            index = len(self._calls) if starts_call else max(self._calls, default=0)
        return self._calls.setdefault(int(index), _PendingCall(index=int(index)))

    @property
    def complete(self) -> bool:
        """Whether the stream reached its end: a finish reason (or the closing usage chunk).

        A stream cut short ends without either, however cleanly the connection closed.
        """
        return self._finish_reason is not None or self._usage is not None

    def finish(self) -> tuple[list[StreamEvent], Message]:
        """The closing events (one `ToolCallEnd` per call) and the complete message."""
        events: list[StreamEvent] = []
        calls: list[ToolCall] = []
        for index in sorted(self._calls):
            pending = self._calls[index]
            call_id = pending.id or stable_call_id(self._response_id, index, pending.name)
            raw: Any = pending.whole if pending.whole is not None else "".join(pending.fragments)
            call = ToolCall(
                id=call_id,
                name=pending.name,
                arguments=parse_arguments(raw, tool=pending.name),
            )
            calls.append(call)
            if not pending.started:
                events.append(ToolCallStart(call.id, call.name))
                events.append(ToolCallDelta(call.id, json.dumps(call.arguments)))
            events.append(ToolCallEnd(call))
        content: list[ContentBlock] = []
        if self._text:
            content.append(TextContent(text="".join(self._text)))
        if self._refusal:
            content.append(TextContent(text="".join(self._refusal)))
        stop = finish_reason_to_stop(self._finish_reason, has_tool_calls=bool(calls))
        message = Message(
            role="assistant",
            content=content,
            tool_calls=calls,
            stop_reason=StopReason.REFUSAL if self._refusal else stop,
            usage=self._usage or Usage(requests=1),
            model=self._model,
            timestamp=datetime.now(UTC),
        )
        return events, message
