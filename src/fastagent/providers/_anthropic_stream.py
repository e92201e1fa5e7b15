"""Assemble the Anthropic Messages API's streaming events into our stream events.

`StreamAssembler.feed` takes one raw event (as a dict: ``message_start``,
``content_block_start``, ``content_block_delta``, ``content_block_stop``, ``message_delta``,
``message_stop``) and returns the `StreamEvent` values it produces; `finish` builds the
complete assistant `Message`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from fastagent.messages import ContentBlock, Message, TextContent, ToolCall
from fastagent.providers._anthropic_convert import (
    STRUCTURED_TOOL_NAME,
    map_stop_reason,
    map_usage,
    with_thinking,
)
from fastagent.providers._shared_wire import forced_tool_stop, streamed_arguments
from fastagent.streaming import (
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageUpdate,
)

__all__ = ["StreamAssembler"]


@dataclass(slots=True)
class _Block:
    kind: str
    data: dict[str, Any]
    parts: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)


class StreamAssembler:
    """Turns raw streaming events into stream events and, at the end, one `Message`.

    Args:
        structured: The forced structured-output tool's input is streamed as text.
    """

    def __init__(self, *, structured: bool) -> None:
        self.structured = structured
        self.model: str | None = None
        self.stop_reason: str | None = None
        self._usage: dict[str, Any] = {}
        self._blocks: dict[int, _Block] = {}
        self._done: list[_Block] = []

    def feed(self, event: dict[str, Any]) -> list[StreamEvent]:
        """The stream events for one raw event (often none)."""
        kind = event.get("type")
        if kind == "message_start":
            message = event.get("message") or {}
            self.model = message.get("model")
            self._merge_usage(message.get("usage"))
            return [UsageUpdate(map_usage(self._usage))]
        if kind == "content_block_start":
            return self._start(event["index"], dict(event.get("content_block") or {}))
        if kind == "content_block_delta":
            return self._delta(event["index"], event.get("delta") or {})
        if kind == "content_block_stop":
            return self._stop(event["index"])
        if kind == "message_delta":
            delta = event.get("delta") or {}
            self.stop_reason = delta.get("stop_reason") or self.stop_reason
            self._merge_usage(event.get("usage"))
            return [UsageUpdate(map_usage(self._usage))]
        return []

    def finish(self) -> Message:
        """The complete assistant message; thinking blocks go in its provider_data."""
        content: list[ContentBlock] = []
        calls: list[ToolCall] = []
        thinking: list[dict[str, Any]] = []
        for block in self._done:
            if block.kind == "text":
                content.append(TextContent(text="".join(block.parts)))
            elif block.kind == "structured":
                content.append(TextContent(text=json.dumps(self._arguments(block))))
            elif block.kind == "tool_use":
                calls.append(self._call(block))
            elif block.kind == "thinking":
                data = {**block.data, "thinking": "".join(block.parts)}
                data["signature"] = "".join(block.signature) or data.get("signature", "")
                thinking.append(data)
            elif block.kind == "redacted_thinking":
                thinking.append(block.data)
        stop = map_stop_reason(self.stop_reason)
        message = Message(
            role="assistant",
            content=content,
            tool_calls=calls,
            stop_reason=forced_tool_stop(stop, structured=self.structured, calls=calls),
            usage=map_usage(self._usage),
            model=self.model,
        )
        return with_thinking(message, thinking)

    def _merge_usage(self, usage: dict[str, Any] | None) -> None:
        for key, value in (usage or {}).items():
            if value is not None:
                self._usage[key] = value

    def _start(self, index: int, data: dict[str, Any]) -> list[StreamEvent]:
        kind = data.get("type", "")
        if kind == "tool_use" and self.structured and data.get("name") == STRUCTURED_TOOL_NAME:
            kind = "structured"
        block = _Block(kind, data)
        self._blocks[index] = block
        if kind == "text" and data.get("text"):
            block.parts.append(data["text"])
            return [TextDelta(data["text"])]
        if kind == "tool_use":
            return [ToolCallStart(data["id"], data["name"])]
        return []

    def _delta(self, index: int, delta: dict[str, Any]) -> list[StreamEvent]:
        block = self._blocks.get(index)
        if block is None:
            return []
        kind = delta.get("type")
        if kind == "text_delta":
            block.parts.append(delta.get("text", ""))
            return [TextDelta(delta.get("text", ""))]
        if kind == "input_json_delta":
            fragment = delta.get("partial_json", "")
            block.parts.append(fragment)
            if block.kind == "structured":
                return [TextDelta(fragment)] if fragment else []
            return [ToolCallDelta(block.data["id"], fragment)]
        if kind == "thinking_delta":
            block.parts.append(delta.get("thinking", ""))
        elif kind == "signature_delta":
            block.signature.append(delta.get("signature", ""))
        return []

    def _stop(self, index: int) -> list[StreamEvent]:
        block = self._blocks.pop(index, None)
        if block is None:
            return []
        self._done.append(block)
        if block.kind == "tool_use":
            return [ToolCallEnd(self._call(block))]
        return []

    def _call(self, block: _Block) -> ToolCall:
        return ToolCall(
            id=block.data["id"], name=block.data["name"], arguments=self._arguments(block)
        )

    @staticmethod
    def _arguments(block: _Block) -> dict[str, Any]:
        raw = "".join(block.parts)
        arguments = streamed_arguments(raw, provider="anthropic", tool=block.data.get("name"))
        return dict(block.data.get("input") or {}) if arguments is None else arguments
