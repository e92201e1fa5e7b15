"""Assemble Gemini's streamed chunks into our stream events.

Each chunk of ``generate_content_stream`` is a whole ``GenerateContentResponse`` holding the
next parts: pieces of text (answer or thought), whole function calls, and thought signatures
(sometimes on a part with empty text). `StreamAssembler.feed` takes one chunk as a JSON-ready
dict and returns the `StreamEvent` values it produces; `finish` builds the `Message`, with
the parts merged the way the API would have sent them in one reply (adjacent text of the same
kind joined, each signature on the part it came with).
"""

from __future__ import annotations

import json
from typing import Any

from fastagent.messages import Message
from fastagent.providers._google_convert import map_usage, message_from_parts, tool_call
from fastagent.streaming import (
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageUpdate,
)

__all__ = ["StreamAssembler"]


class StreamAssembler:
    """Turns streamed chunks into stream events and, at the end, one `Message`."""

    def __init__(self) -> None:
        self.model: str | None = None
        self.finish_reason: str | None = None
        self._usage: dict[str, Any] | None = None
        self._parts: list[dict[str, Any]] = []
        self._call_ids: list[str] = []

    def feed(self, chunk: dict[str, Any]) -> list[StreamEvent]:
        """The stream events for one chunk."""
        events: list[StreamEvent] = []
        self.model = chunk.get("model_version") or self.model
        candidates = chunk.get("candidates") or []
        if candidates:
            candidate = candidates[0]
            self.finish_reason = candidate.get("finish_reason") or self.finish_reason
            for part in (candidate.get("content") or {}).get("parts") or []:
                events.extend(self._part(dict(part)))
        elif (chunk.get("prompt_feedback") or {}).get("block_reason"):
            self.finish_reason = "PROHIBITED_CONTENT"
        if chunk.get("usage_metadata"):
            self._usage = chunk["usage_metadata"]
            events.append(UsageUpdate(map_usage(self._usage)))
        return events

    def finish(self) -> Message:
        """The complete assistant message; the merged parts go in its provider_data."""
        message = message_from_parts(
            self._parts, finish_reason=self.finish_reason, usage=self._usage, model=self.model
        )
        # keep the ids the events announced (made up ones included)
        calls = [
            call.model_copy(update={"id": call_id})
            for call, call_id in zip(message.tool_calls, self._call_ids, strict=True)
        ]
        return message.model_copy(update={"tool_calls": calls})

    def _part(self, part: dict[str, Any]) -> list[StreamEvent]:
        if isinstance(part.get("function_call"), dict):
            self._parts.append(part)
            call = tool_call(part["function_call"])
            self._call_ids.append(call.id)
            return [
                ToolCallStart(call.id, call.name),
                ToolCallDelta(call.id, json.dumps(call.arguments)),
                ToolCallEnd(call),
            ]
        text = part.get("text")
        if not isinstance(text, str):
            self._parts.append(part)
            return []
        last = self._parts[-1] if self._parts else None
        if (
            last is not None
            and isinstance(last.get("text"), str)
            and bool(last.get("thought")) == bool(part.get("thought"))
            and "thought_signature" not in last
        ):
            last["text"] += text
            if "thought_signature" in part:
                last["thought_signature"] = part["thought_signature"]
        else:
            self._parts.append(part)
        if text and not part.get("thought"):
            return [TextDelta(text)]
        return []
