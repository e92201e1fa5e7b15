"""Stream events: what `Provider.stream` and `AugmentedLLM.stream` yield.

A provider's stream is a sequence of small frozen events ending with exactly one `StreamDone`
that carries the complete assistant `Message`. The tool loop forwards them and adds a
`ToolResultEvent` per tool result after each tool round, then ends with one `StreamDone`
holding the turn's final message.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TypeAlias

from fastagent.messages import Message, ToolCall, ToolResult, Usage

__all__ = [
    "LLMStreamEvent",
    "StreamDone",
    "StreamEvent",
    "TextDelta",
    "ToolCallDelta",
    "ToolCallEnd",
    "ToolCallStart",
    "ToolResultEvent",
    "UsageUpdate",
    "events_for_message",
]


@dataclass(frozen=True, slots=True)
class TextDelta:
    """A piece of assistant text."""

    text: str


@dataclass(frozen=True, slots=True)
class ToolCallStart:
    """The model began a tool call."""

    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ToolCallDelta:
    """A fragment of a tool call's JSON arguments."""

    id: str
    arguments_json_fragment: str


@dataclass(frozen=True, slots=True)
class ToolCallEnd:
    """A tool call is complete."""

    call: ToolCall


@dataclass(frozen=True, slots=True)
class UsageUpdate:
    """Token usage of the current model call so far (cumulative, not a delta)."""

    usage: Usage


@dataclass(frozen=True, slots=True)
class StreamDone:
    """The stream is over; `message` is the complete assistant message."""

    message: Message


@dataclass(frozen=True, slots=True)
class ToolResultEvent:
    """A tool call finished (emitted by the tool loop only, after each tool round)."""

    result: ToolResult


StreamEvent: TypeAlias = (
    TextDelta | ToolCallStart | ToolCallDelta | ToolCallEnd | UsageUpdate | StreamDone
)
"""Any event a provider's stream yields."""

LLMStreamEvent: TypeAlias = StreamEvent | ToolResultEvent
"""Any event `AugmentedLLM.stream` yields."""


async def events_for_message(message: Message) -> AsyncIterator[StreamEvent]:
    """The stream events equivalent to a complete message, ending with `StreamDone`."""
    text = message.text
    if text:
        yield TextDelta(text)
    for call in message.tool_calls:
        yield ToolCallStart(call.id, call.name)
        yield ToolCallDelta(call.id, json.dumps(call.arguments))
        yield ToolCallEnd(call)
    if message.usage is not None:
        yield UsageUpdate(message.usage)
    yield StreamDone(message)
