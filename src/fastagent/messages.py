"""Conversation data: messages, content blocks, tool calls and results, usage.

Everything here is plain typed data. Content blocks have the same JSON shape as MCP content
blocks (``{"type": "text", "text": ...}``, ``{"type": "image", "data": ..., "mimeType": ...}``),
so converting to and from the `mcp` types at the MCP boundary is a field-for-field copy, and the
core never imports `mcp`.

Serialize with `Message.to_dict()` / `Message.from_dict()` (or `dump_messages` /
`load_messages`); the round trip is lossless, tool calls and results included.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

__all__ = [
    "AudioContent",
    "ContentBlock",
    "EmbeddedResource",
    "ImageContent",
    "Message",
    "ResourceContents",
    "ResourceLink",
    "Role",
    "StopReason",
    "TextContent",
    "ToolCall",
    "ToolResult",
    "Usage",
    "dump_messages",
    "load_messages",
    "text_of",
]

Role = Literal["user", "assistant"]
"""Who wrote a message: the user (tool results included) or the model."""


class _Data(BaseModel):
    """Base for all message data: camelCase aliases on the wire, snake_case in Python."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid", defer_build=True)


class TextContent(_Data):
    """A block of text."""

    type: Literal["text"] = "text"
    text: str


class ImageContent(_Data):
    """An image, base64-encoded."""

    type: Literal["image"] = "image"
    data: str
    mime_type: str = Field(alias="mimeType")


class AudioContent(_Data):
    """Audio, base64-encoded."""

    type: Literal["audio"] = "audio"
    data: str
    mime_type: str = Field(alias="mimeType")


class ResourceContents(_Data):
    """The contents of a resource: text or a base64 blob, addressed by URI."""

    uri: str
    mime_type: str | None = Field(default=None, alias="mimeType")
    text: str | None = None
    blob: str | None = None


class EmbeddedResource(_Data):
    """A resource embedded in a message (its contents travel with it)."""

    type: Literal["resource"] = "resource"
    resource: ResourceContents


class ResourceLink(_Data):
    """A link to a resource the reader can fetch (its contents do not travel)."""

    type: Literal["resource_link"] = "resource_link"
    uri: str
    name: str
    description: str | None = None
    mime_type: str | None = Field(default=None, alias="mimeType")


ContentBlock = Annotated[
    TextContent | ImageContent | AudioContent | EmbeddedResource | ResourceLink,
    Field(discriminator="type"),
]
"""Any content block; the ``type`` field tells which."""


class StopReason(enum.StrEnum):
    """Why the model stopped producing output."""

    END_TURN = "end_turn"
    TOOL_USE = "tool_use"
    MAX_TOKENS = "max_tokens"
    STOP_SEQUENCE = "stop_sequence"
    REFUSAL = "refusal"
    ERROR = "error"
    MAX_ITERATIONS = "max_iterations"
    """The tool loop stopped at `RequestParams.max_iterations` before the model finished."""


class Usage(_Data):
    """Token counts for one model call, or summed over several."""

    input_tokens: int = 0
    output_tokens: int = 0
    cache_read_tokens: int = 0
    cache_write_tokens: int = 0
    reasoning_tokens: int = 0
    requests: int = 0

    @property
    def total_tokens(self) -> int:
        """Input plus output tokens."""
        return self.input_tokens + self.output_tokens

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cache_read_tokens=self.cache_read_tokens + other.cache_read_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            requests=self.requests + other.requests,
        )


class ToolCall(_Data):
    """The model asks for a tool to be called.

    Arguments the model sent that are not a JSON object (invalid JSON, a list, a string)
    are kept verbatim under `INVALID_ARGUMENTS_KEY`; the tool set answers such a call with
    an error result instead of running the tool.
    """

    INVALID_ARGUMENTS_KEY: ClassVar[str] = "_invalid_json_arguments"
    """The key holding arguments that are not a JSON object, as the model sent them."""

    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)

    @property
    def invalid_arguments(self) -> str | None:
        """The model's arguments as sent, when they were not a JSON object; else None."""
        raw = self.arguments.get(self.INVALID_ARGUMENTS_KEY)
        return raw if isinstance(raw, str) and len(self.arguments) == 1 else None


class ToolResult(_Data):
    """The outcome of one tool call, sent back to the model."""

    call_id: str = Field(alias="callId")
    content: list[ContentBlock] = Field(default_factory=list)
    is_error: bool = Field(default=False, alias="isError")
    structured_content: dict[str, Any] | None = Field(default=None, alias="structuredContent")
    tool_name: str | None = Field(default=None, alias="toolName")

    @property
    def text(self) -> str:
        """All text blocks of the result, joined by newlines."""
        return text_of(self.content)

    @classmethod
    def error(cls, call_id: str, message: str, *, tool_name: str | None = None) -> Self:
        """Build an error result the model can read and recover from."""
        return cls(
            call_id=call_id,
            content=[TextContent(text=message)],
            is_error=True,
            tool_name=tool_name,
        )


class Message(_Data):
    """One turn of a conversation.

    A user message carries the user's content and, after a tool round, the tool results.
    An assistant message carries the model's content, its tool calls, why it stopped and
    what it cost.

    ``provider_data`` is opaque data keyed by provider name that must survive a save and load
    of the conversation so the provider can send it back on later requests, for example
    ``{"anthropic": {"thinking": [...]}}``. Only the provider that wrote a key reads it.

    ``pinned`` marks a message context compaction must keep (`fastagent.llm.compaction`);
    it is saved with the message (``"pinned": true``; omitted when False).
    """

    role: Role
    content: list[ContentBlock] = Field(default_factory=list)
    tool_calls: list[ToolCall] = Field(default_factory=list, alias="toolCalls")
    tool_results: list[ToolResult] = Field(default_factory=list, alias="toolResults")
    stop_reason: StopReason | None = Field(default=None, alias="stopReason")
    usage: Usage | None = None
    model: str | None = None
    timestamp: datetime | None = None
    provider_data: dict[str, Any] | None = Field(default=None, alias="providerData")
    pinned: bool = False

    @classmethod
    def user(cls, *parts: str | ContentBlock) -> Self:
        """A user message from strings and/or content blocks."""
        return cls(role="user", content=_blocks(parts))

    @classmethod
    def assistant(
        cls,
        *parts: str | ContentBlock,
        tool_calls: Sequence[ToolCall] = (),
        stop_reason: StopReason | None = None,
    ) -> Self:
        """An assistant message from strings and/or content blocks, with optional tool calls."""
        if stop_reason is None:
            stop_reason = StopReason.TOOL_USE if tool_calls else StopReason.END_TURN
        return cls(
            role="assistant",
            content=_blocks(parts),
            tool_calls=list(tool_calls),
            stop_reason=stop_reason,
        )

    @property
    def text(self) -> str:
        """All text blocks of the message, joined by newlines (tool results excluded)."""
        return text_of(self.content)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON-ready form (camelCase keys, MCP-shaped content, no nulls)."""
        return self.model_dump(
            mode="json",
            by_alias=True,
            exclude_none=True,
            exclude_defaults=False,
            exclude=None if self.pinned else {"pinned"},
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        """Parse the form `to_dict` produces."""
        return cls.model_validate(data)


def _blocks(parts: Iterable[str | ContentBlock]) -> list[ContentBlock]:
    return [TextContent(text=p) if isinstance(p, str) else p for p in parts]


def text_of(blocks: Iterable[ContentBlock]) -> str:
    """Join the text of every text block (and embedded text resource) with newlines."""
    out: list[str] = []
    for block in blocks:
        if isinstance(block, TextContent):
            out.append(block.text)
        elif isinstance(block, EmbeddedResource) and block.resource.text is not None:
            out.append(block.resource.text)
    return "\n".join(out)


_MESSAGES = TypeAdapter(list[Message], config=ConfigDict(defer_build=True))


def dump_messages(messages: Sequence[Message]) -> list[dict[str, Any]]:
    """Serialize messages to their canonical JSON-ready form."""
    return [m.to_dict() for m in messages]


def load_messages(data: Sequence[dict[str, Any]]) -> list[Message]:
    """Parse messages from their canonical JSON-ready form."""
    return _MESSAGES.validate_python(list(data))
