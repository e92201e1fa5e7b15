"""Assemble ConverseStream events into our stream events.

boto3 decodes the AWS event-stream frames into dicts with one key each: ``messageStart``,
``contentBlockStart``, ``contentBlockDelta``, ``contentBlockStop``, ``messageStop`` and
``metadata`` (usage). `StreamAssembler.feed` takes one and returns the `StreamEvent` values
it produces; `finish` builds the complete assistant `Message`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from fastagent.messages import Message, ToolCall
from fastagent.providers._bedrock_convert import (
    STRUCTURED_TOOL_NAME,
    map_usage,
    message_from_blocks,
)
from fastagent.providers._shared_wire import streamed_arguments
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
    kind: str  # text, tool, structured, reasoning
    tool: dict[str, Any] = field(default_factory=dict)
    parts: list[str] = field(default_factory=list)
    signature: list[str] = field(default_factory=list)
    redacted: bytes = b""


class StreamAssembler:
    """Turns ConverseStream events into stream events and, at the end, one `Message`.

    Args:
        model: The model id, for the message.
        structured: The forced structured-output tool's input is streamed as text.
    """

    def __init__(self, *, model: str, structured: bool) -> None:
        self.model = model
        self.structured = structured
        self.stop_reason: str | None = None
        self.usage: dict[str, Any] | None = None
        self._blocks: dict[int, _Block] = {}

    def feed(self, event: dict[str, Any]) -> list[StreamEvent]:
        """The stream events for one raw event (often none)."""
        if "contentBlockStart" in event:
            start = event["contentBlockStart"]
            use = (start.get("start") or {}).get("toolUse")
            if use is None:
                return []
            structured = self.structured and use.get("name") == STRUCTURED_TOOL_NAME
            block = _Block("structured" if structured else "tool", tool=dict(use))
            self._blocks[start.get("contentBlockIndex", 0)] = block
            return [] if structured else [ToolCallStart(use["toolUseId"], use["name"])]
        if "contentBlockDelta" in event:
            delta_event = event["contentBlockDelta"]
            return self._delta(delta_event.get("contentBlockIndex", 0), delta_event["delta"])
        if "contentBlockStop" in event:
            index = event["contentBlockStop"].get("contentBlockIndex", 0)
            done = self._blocks.get(index)
            if done is not None and done.kind == "tool":
                return [ToolCallEnd(self._call(done))]
            return []
        if "messageStop" in event:
            self.stop_reason = event["messageStop"].get("stopReason")
            return []
        if "metadata" in event:
            self.usage = event["metadata"].get("usage")
            return [UsageUpdate(map_usage(self.usage))]
        return []

    def finish(self) -> Message:
        """The complete assistant message."""
        blocks: list[dict[str, Any]] = []
        for index in sorted(self._blocks):
            block = self._blocks[index]
            if block.kind == "text":
                blocks.append({"text": "".join(block.parts)})
            elif block.kind in ("tool", "structured"):
                use = {**block.tool, "input": self._arguments(block)}
                blocks.append({"toolUse": use})
            elif block.redacted:
                blocks.append({"reasoningContent": {"redactedContent": block.redacted}})
            else:
                text = {"text": "".join(block.parts), "signature": "".join(block.signature)}
                blocks.append({"reasoningContent": {"reasoningText": text}})
        return message_from_blocks(
            blocks,
            stop_reason=self.stop_reason,
            usage=self.usage,
            model=self.model,
            structured=self.structured,
        )

    def _delta(self, index: int, delta: dict[str, Any]) -> list[StreamEvent]:
        if "text" in delta:
            block = self._blocks.setdefault(index, _Block("text"))
            block.parts.append(delta["text"])
            return [TextDelta(delta["text"])] if delta["text"] else []
        if "toolUse" in delta:
            block = self._blocks.get(index) or self._blocks.setdefault(index, _Block("tool"))
            fragment = delta["toolUse"].get("input", "")
            block.parts.append(fragment)
            if block.kind == "structured":
                return [TextDelta(fragment)] if fragment else []
            return [ToolCallDelta(block.tool.get("toolUseId", ""), fragment)]
        if "reasoningContent" in delta:
            block = self._blocks.setdefault(index, _Block("reasoning"))
            reasoning = delta["reasoningContent"]
            block.parts.append(reasoning.get("text", ""))
            block.signature.append(reasoning.get("signature", ""))
            block.redacted += reasoning.get("redactedContent", b"")
        return []

    def _call(self, block: _Block) -> ToolCall:
        return ToolCall(
            id=block.tool["toolUseId"], name=block.tool["name"], arguments=self._arguments(block)
        )

    @staticmethod
    def _arguments(block: _Block) -> dict[str, Any]:
        raw = "".join(block.parts)
        return streamed_arguments(raw, provider="bedrock", tool=block.tool.get("name")) or {}
