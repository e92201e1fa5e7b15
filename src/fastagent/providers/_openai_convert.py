"""Chat Completions wire format <-> fastagent messages, for the OpenAI-compatible providers.

Pure functions over plain JSON data (dicts), so they need no SDK: requests are built as the
JSON body the API expects, and replies are read from the JSON the API returns (SDK objects are
dumped to dicts first). Replies are read tolerantly, because OpenAI-compatible servers differ:
``content`` may be null, ``usage`` may be missing, tool call ids may be missing and tool call
arguments may arrive as an object instead of a JSON string.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from fastagent.messages import (
    AudioContent,
    ContentBlock,
    EmbeddedResource,
    ImageContent,
    Message,
    ResourceLink,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
    Usage,
)
from fastagent.providers._openai_schema import strict_schema
from fastagent.providers._shared_wire import resource_text

if TYPE_CHECKING:
    from fastagent.tools.base import ToolDefinition

__all__ = [
    "INVALID_ARGUMENTS_KEY",
    "block_text",
    "file_name",
    "finish_reason_to_stop",
    "parse_arguments",
    "parse_completion",
    "parse_usage",
    "stable_call_id",
    "to_openai_messages",
    "to_openai_tools",
    "to_response_format",
    "to_tool_choice",
]

_log = logging.getLogger("fastagent.providers.openai")

INVALID_ARGUMENTS_KEY: Final = ToolCall.INVALID_ARGUMENTS_KEY
"""Key under which tool call arguments that are not a JSON object are passed on, verbatim."""

_FINISH_REASONS: Final[Mapping[str, StopReason]] = {
    "stop": StopReason.END_TURN,
    "tool_calls": StopReason.TOOL_USE,
    "function_call": StopReason.TOOL_USE,
    "length": StopReason.MAX_TOKENS,
    "content_filter": StopReason.REFUSAL,
}

_AUDIO_FORMATS: Final[Mapping[str, str]] = {
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
}

# --- requests -------------------------------------------------------------------------------


def to_openai_messages(
    messages: Sequence[Message],
    system: str | None,
    *,
    system_role: str = "system",
    tool_call_content: str | None = None,
) -> list[dict[str, Any]]:
    """The ``messages`` array for a Chat Completions request.

    Args:
        messages: The conversation, oldest first.
        system: The system prompt, sent first as a `system_role` message.
        system_role: ``"system"``, or ``"developer"`` for reasoning models.
        tool_call_content: The ``content`` of an assistant message that carries tool calls
            and no text: None (JSON null) for OpenAI, ``""`` for servers that reject null.

    Returns:
        One wire message per message, except that tool results become one ``tool`` message
        each, and images inside tool results follow them in a ``user`` message (the
        ``tool`` role carries text only).
    """
    wire: list[dict[str, Any]] = []
    if system:
        wire.append({"role": system_role, "content": system})
    for message in messages:
        if message.role == "assistant":
            wire.append(_assistant_message(message, tool_call_content))
        else:
            wire.extend(_user_messages(message))
    return wire


def _assistant_message(message: Message, tool_call_content: str | None) -> dict[str, Any]:
    texts = [block_text(b) for b in message.content]
    text = "\n".join(t for t in texts if t is not None)
    out: dict[str, Any] = {"role": "assistant", "content": text}
    if message.tool_calls:
        out["content"] = text or tool_call_content
        out["tool_calls"] = [
            {
                "id": call.id,
                "type": "function",
                "function": {"name": call.name, "arguments": json.dumps(call.arguments)},
            }
            for call in message.tool_calls
        ]
    return out


def _user_messages(message: Message) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    follow_up: list[dict[str, Any]] = []
    for result in message.tool_results:
        text, media = _tool_result_parts(result)
        out.append({"role": "tool", "tool_call_id": result.call_id, "content": text})
        if media:
            only_images = all(p["type"] == "image_url" for p in media)
            what = "Image(s)" if only_images else "Attachments"
            follow_up.append(
                {"type": "text", "text": f"{what} returned by tool call {result.call_id}:"}
            )
            follow_up.extend(media)
    parts = follow_up + [_content_part(block) for block in message.content]
    if parts or not message.tool_results:
        out.append({"role": "user", "content": _compact(parts)})
    return out


_MEDIA_NAMES: Final[Mapping[str, str]] = {
    "image_url": "image(s)",
    "input_audio": "audio clip(s)",
    "file": "file(s)",
}


def _tool_result_parts(result: ToolResult) -> tuple[str, list[dict[str, Any]]]:
    """The text of a ``tool`` message, and the media parts that follow it in a user message."""
    texts: list[str] = []
    media: list[dict[str, Any]] = []
    for block in result.content:
        part = _content_part(block)
        if part["type"] == "text":
            texts.append(part["text"])
        else:
            media.append(part)
    if not texts and result.structured_content is not None:
        texts.append(json.dumps(result.structured_content))
    if media:
        counts = {kind: sum(p["type"] == kind for p in media) for kind in _MEDIA_NAMES}
        listed = ", ".join(f"{n} {_MEDIA_NAMES[k]}" for k, n in counts.items() if n)
        texts.append(f"[{listed} follow in the next user message]")
    return "\n".join(texts), media


def _compact(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    """Text-only content as one string (understood by every server), else the parts."""
    if all(p["type"] == "text" for p in parts):
        return "\n".join(p["text"] for p in parts)
    return parts


def _content_part(block: ContentBlock) -> dict[str, Any]:
    if isinstance(block, ImageContent):
        return _image_part(block.mime_type, block.data)
    if isinstance(block, AudioContent) and block.mime_type in _AUDIO_FORMATS:
        fmt = _AUDIO_FORMATS[block.mime_type]
        return {"type": "input_audio", "input_audio": {"data": block.data, "format": fmt}}
    if isinstance(block, EmbeddedResource):
        res = block.resource
        mime = res.mime_type or ""
        if res.blob is not None and mime.startswith("image/"):
            return _image_part(mime, res.blob)
        if res.blob is not None and mime in _AUDIO_FORMATS:
            fmt = _AUDIO_FORMATS[mime]
            return {"type": "input_audio", "input_audio": {"data": res.blob, "format": fmt}}
        if res.blob is not None and mime == "application/pdf":
            return {
                "type": "file",
                "file": {
                    "filename": file_name(res.uri),
                    "file_data": f"data:{mime};base64,{res.blob}",
                },
            }
    text = block_text(block)
    if text is None:
        text = f"[{block.type} content ({getattr(block, 'mime_type', None)}) not supported]"
    return {"type": "text", "text": text}


def file_name(uri: str, default: str = "document.pdf") -> str:
    """The last path segment of a resource URI, as the file name sent with a PDF."""
    name = urlsplit(uri).path.rstrip("/").rsplit("/", 1)[-1]
    return name or default


def _image_part(mime_type: str, data: str) -> dict[str, Any]:
    return {"type": "image_url", "image_url": {"url": f"data:{mime_type};base64,{data}"}}


def block_text(block: ContentBlock) -> str | None:
    """The text a block is sent as where only text goes (None: the block has no text form)."""
    if isinstance(block, TextContent):
        return block.text
    if isinstance(block, EmbeddedResource):
        res = block.resource
        if res.text is None:
            return f'<resource uri="{res.uri}" mimeType="{res.mime_type}"/> (binary, omitted)'
        return resource_text(res.uri, res.text)
    if isinstance(block, ResourceLink):
        return f"[resource {block.name}: {block.uri}]"
    return None


def to_openai_tools(
    tools: Sequence[ToolDefinition], *, strict: bool = True
) -> list[dict[str, Any]]:
    """The ``tools`` array: one ``function`` tool per `ToolDefinition`.

    Args:
        tools: Tool definitions (name, description, input_schema).
        strict: Mark a tool ``strict`` when its schema allows it (every property required,
            only keywords strict mode supports); its schema then gets
            ``additionalProperties: false``.
    """
    out: list[dict[str, Any]] = []
    for tool in tools:
        function: dict[str, Any] = {"name": tool.name, "description": tool.description}
        schema = tool.input_schema or {"type": "object", "properties": {}}
        strict_version = strict_schema(schema, require_all=False) if strict else None
        if strict_version is not None:
            function["parameters"] = strict_version
            function["strict"] = True
        else:
            function["parameters"] = schema
        out.append({"type": "function", "function": function})
    return out


def to_tool_choice(choice: str | None) -> str | dict[str, Any] | None:
    """``auto``/``none``/``required`` as is; any other string names the one tool to call."""
    if choice is None or choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def to_response_format(fmt: Any, *, strict: bool = True) -> dict[str, Any] | None:
    """A ``json_schema`` response format for a pydantic model class or a JSON schema dict.

    The schema is made strict-compatible (``additionalProperties: false``, every property
    required) when possible; otherwise it is sent with ``strict: false``.
    """
    if fmt is None:
        return None
    if isinstance(fmt, dict):
        schema: dict[str, Any] = fmt
        name = str(fmt.get("title") or "response")
    else:
        schema = fmt.model_json_schema()
        name = fmt.__name__
    strict_version = strict_schema(schema, require_all=True) if strict else None
    body: dict[str, Any] = {"name": _schema_name(name)}
    if strict_version is not None:
        body.update(schema=strict_version, strict=True)
    else:
        body.update(schema=schema, strict=False)
    return {"type": "json_schema", "json_schema": body}


def _schema_name(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c in "_-" else "_" for c in name)
    return cleaned[:64] or "response"


# --- replies --------------------------------------------------------------------------------


def finish_reason_to_stop(reason: str | None, *, has_tool_calls: bool) -> StopReason:
    """Our stop reason for a ``finish_reason``.

    Unknown or missing reasons (``eos``) mean the turn ended, or a tool call when the reply
    carries tool calls (some servers say ``stop`` then).
    """
    if has_tool_calls and reason in (None, "stop", "eos", "tool_calls", "function_call"):
        return StopReason.TOOL_USE
    if reason is None:
        return StopReason.END_TURN
    return _FINISH_REASONS.get(reason, StopReason.END_TURN)


def parse_usage(data: Mapping[str, Any] | None) -> Usage | None:
    """Usage from a ``usage`` object, or None when the server sent none.

    ``input_tokens`` counts uncached prompt tokens (``prompt_tokens`` minus
    ``prompt_tokens_details.cached_tokens``), so that input plus cache reads is the whole
    prompt, as with Anthropic; ``reasoning_tokens`` is part of ``output_tokens``.
    """
    if not data:
        return None
    prompt = int(data.get("prompt_tokens") or 0)
    cached = int((data.get("prompt_tokens_details") or {}).get("cached_tokens") or 0)
    reasoning = int((data.get("completion_tokens_details") or {}).get("reasoning_tokens") or 0)
    return Usage(
        input_tokens=max(prompt - cached, 0),
        output_tokens=int(data.get("completion_tokens") or 0),
        cache_read_tokens=cached,
        reasoning_tokens=reasoning,
        requests=1,
    )


def parse_arguments(raw: Any, *, tool: str) -> dict[str, Any]:
    """Tool call arguments, sent as a JSON string (the spec) or as an object (some servers).

    An empty string means no arguments. Text that is not a JSON object is passed on under
    `INVALID_ARGUMENTS_KEY`; the tool set answers the call with an error result.
    """
    if isinstance(raw, dict):
        return raw
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return {}
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError:
        value = None
    if isinstance(value, dict):
        return value
    _log.debug("tool call %s: arguments are not a JSON object", tool)
    return {INVALID_ARGUMENTS_KEY: raw if isinstance(raw, str) else json.dumps(raw)}


def stable_call_id(response_id: str | None, index: int, name: str) -> str:
    """A deterministic id for a tool call the server sent without one."""
    digest = hashlib.sha256(f"{response_id}:{index}:{name}".encode()).hexdigest()
    return f"call_{digest[:24]}"


def parse_completion(data: Mapping[str, Any], *, model: str) -> Message:
    """The assistant message of a ``chat.completion`` object (its first choice)."""
    choices = data.get("choices") or []
    choice: Mapping[str, Any] = choices[0] if choices else {}
    wire: Mapping[str, Any] = choice.get("message") or {}
    calls: list[ToolCall] = []
    for index, call in enumerate(wire.get("tool_calls") or []):
        function = call.get("function") or {}
        name = str(function.get("name") or "")
        calls.append(
            ToolCall(
                id=call.get("id") or stable_call_id(data.get("id"), index, name),
                name=name,
                arguments=parse_arguments(function.get("arguments"), tool=name),
            )
        )
    content: list[ContentBlock] = []
    text = wire.get("content")
    refusal = wire.get("refusal")
    if isinstance(text, str) and text:
        content.append(TextContent(text=text))
    if refusal:
        content.append(TextContent(text=str(refusal)))
    stop = finish_reason_to_stop(choice.get("finish_reason"), has_tool_calls=bool(calls))
    return Message(
        role="assistant",
        content=content,
        tool_calls=calls,
        stop_reason=StopReason.REFUSAL if refusal else stop,
        usage=parse_usage(data.get("usage")) or Usage(requests=1),
        model=data.get("model") or model,
        timestamp=datetime.now(UTC),
    )
