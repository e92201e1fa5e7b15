"""Conversion between fastagent data and the Bedrock Converse API's shapes (as boto3 takes them).

Pure functions over plain dicts, no SDK import: `build_request` turns a `CompletionRequest`
into the keyword arguments of ``converse`` / ``converse_stream``; `message_from_response`
turns a ``converse`` reply into an assistant `Message`. Binary content travels as bytes
(boto3 encodes it). Structured output uses a forced tool, as for Anthropic, which every
tool-calling model on Bedrock supports. Reasoning blocks (Claude's extended thinking) are
kept in ``Message.provider_data["bedrock"]["reasoning"]`` and resent ahead of the tool
calls of their turn, as the API requires.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

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
from fastagent.providers._shared_wire import (
    STRUCTURED_TOOL_NAME,
    forced_tool_schema,
    forced_tool_stop,
    kept_list,
    resource_link_text,
    resource_text,
    unsent_resource_text,
)

if TYPE_CHECKING:
    from fastagent.providers.base import CompletionRequest

__all__ = [
    "MODEL_IDS",
    "PROVIDER_KEY",
    "STRUCTURED_TOOL_NAME",
    "THINKING_BUDGETS",
    "RequestOptions",
    "WireRequest",
    "build_request",
    "map_stop_reason",
    "map_usage",
    "message_from_blocks",
    "message_from_response",
    "resolve_model_id",
]

PROVIDER_KEY: Final = "bedrock"
"""The key of this provider's entry in `Message.provider_data`."""

DEFAULT_MAX_TOKENS: Final = 4096
"""Output token limit when none is set (the Converse API needs none, models differ)."""

THINKING_BUDGETS: Final[Mapping[str, int]] = {
    "minimal": 1024,
    "low": 2048,
    "medium": 8192,
    "high": 16384,
}
"""Extended-thinking budget of Claude models on Bedrock for each reasoning level."""

_THINKING_HEADROOM: Final = 4096

MODEL_IDS: Final[Mapping[str, str]] = {
    "anthropic.claude-opus-4-5": "anthropic.claude-opus-4-5-20251101-v1:0",
    "anthropic.claude-sonnet-4-5": "anthropic.claude-sonnet-4-5-20250929-v1:0",
    "anthropic.claude-haiku-4-5": "anthropic.claude-haiku-4-5-20251001-v1:0",
    "anthropic.claude-opus-4-1": "anthropic.claude-opus-4-1-20250805-v1:0",
    "anthropic.claude-sonnet-4": "anthropic.claude-sonnet-4-20250514-v1:0",
    "anthropic.claude-3-7-sonnet": "anthropic.claude-3-7-sonnet-20250219-v1:0",
    "amazon.nova-premier": "amazon.nova-premier-v1:0",
    "amazon.nova-pro": "amazon.nova-pro-v1:0",
    "amazon.nova-lite": "amazon.nova-lite-v1:0",
    "amazon.nova-micro": "amazon.nova-micro-v1:0",
}
"""Short model names -> Bedrock model ids (full ids and ARNs pass through unchanged)."""

# Models Bedrock serves on demand only through a cross-region inference profile.
_NEEDS_PROFILE: Final = re.compile(r"^(?:anthropic\.claude-(?:3-7|[a-z]+-4)|amazon\.nova-premier)")
_GEOGRAPHIES: Final = ("us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca.")
_REGION_GEOGRAPHY: Final[tuple[tuple[str, str], ...]] = (
    ("us-gov-", "us-gov"),
    ("us-", "us"),
    ("eu-", "eu"),
    ("ap-", "apac"),
)

_STOP_REASONS: Final[Mapping[str, StopReason]] = {
    "end_turn": StopReason.END_TURN,
    "tool_use": StopReason.TOOL_USE,
    "max_tokens": StopReason.MAX_TOKENS,
    "model_context_window_exceeded": StopReason.MAX_TOKENS,
    "stop_sequence": StopReason.STOP_SEQUENCE,
    "guardrail_intervened": StopReason.REFUSAL,
    "content_filtered": StopReason.REFUSAL,
    "malformed_model_output": StopReason.ERROR,
    "malformed_tool_use": StopReason.ERROR,
}

_IMAGE_FORMATS: Final = {"image/png": "png", "image/jpeg": "jpeg", "image/jpg": "jpeg"}
_IMAGE_FORMATS_MORE: Final = {"image/gif": "gif", "image/webp": "webp"}
_AUDIO_FORMATS: Final = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/aac": "aac",
    "audio/webm": "webm",
    "audio/mp4": "mp4",
}
_DOCUMENT_FORMATS: Final = {
    "application/pdf": "pdf",
    "text/csv": "csv",
    "text/html": "html",
    "text/markdown": "md",
    "text/plain": "txt",
}
_EMPTY_TEXT: Final = "(empty)"  # Converse rejects blank text blocks


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """Provider-level defaults, overridden by explicitly set `RequestParams` fields.

    Attributes:
        max_tokens: Default output token limit.
        temperature: Default sampling temperature.
        reasoning: Default reasoning level (extended thinking of Claude models).
    """

    max_tokens: int | None = None
    temperature: float | None = None
    reasoning: str | None = None


@dataclass(slots=True)
class WireRequest:
    """Keyword arguments for ``converse`` / ``converse_stream``.

    Attributes:
        body: The arguments.
        structured: Whether the reply's forced tool input is the structured answer.
    """

    body: dict[str, Any] = field(default_factory=dict)
    structured: bool = False


def resolve_model_id(model: str, *, region: str | None, profile: str | None = None) -> str:
    """The Bedrock model id for `model`: short names expanded, an inference profile added.

    Args:
        model: ``anthropic.claude-sonnet-4-5``, a full id, a profile id or an ARN.
        region: The AWS region; picks the inference-profile geography (``us``, ``eu``,
            ``apac``) for models served only through one.
        profile: A geography to use instead (``global``, ``us``...), or ``none`` for none.
    """
    if model.startswith("arn:") or model.startswith(_GEOGRAPHIES):
        return model
    full = MODEL_IDS.get(model, model)
    if profile == "none" or not _NEEDS_PROFILE.match(full):
        return full
    geography = profile
    if geography is None and region:
        geography = next((g for p, g in _REGION_GEOGRAPHY if region.startswith(p)), None)
    return f"{geography}.{full}" if geography else full


def build_request(
    model_id: str, request: CompletionRequest, options: RequestOptions
) -> WireRequest:
    """The ``converse`` arguments for one call.

    Args:
        model_id: The Bedrock model id (see `resolve_model_id`).
        request: The conversation, system prompt, tools and parameters.
        options: Provider-level defaults.
    """
    params = request.params
    explicit = params.explicit
    schema = forced_tool_schema(params.response_format)
    structured = schema is not None
    reasoning = params.reasoning if "reasoning" in explicit else options.reasoning
    budget = THINKING_BUDGETS.get(reasoning or "") if _thinks(model_id) else None
    if structured:
        budget = None  # a forced tool cannot be combined with extended thinking
    body: dict[str, Any] = {
        "modelId": model_id,
        "messages": [_message(m, resend_reasoning=budget is not None) for m in request.messages],
    }
    if request.system:
        body["system"] = [{"text": request.system}]
    inference: dict[str, Any] = {}
    max_tokens = params.max_tokens if "max_tokens" in explicit else options.max_tokens
    if budget is not None:
        max_tokens = max(max_tokens or DEFAULT_MAX_TOKENS, budget + _THINKING_HEADROOM)
        body["additionalModelRequestFields"] = {
            "thinking": {"type": "enabled", "budget_tokens": budget}
        }
    if max_tokens is not None:
        inference["maxTokens"] = max_tokens
    temperature = params.temperature if "temperature" in explicit else options.temperature
    if temperature is not None and budget is None:
        inference["temperature"] = temperature
    if params.stop_sequences:
        inference["stopSequences"] = list(params.stop_sequences)
    if inference:
        body["inferenceConfig"] = inference
    tools = [_tool(t.name, t.description, t.input_schema) for t in request.tools]
    if schema is not None:
        tools.append(
            _tool(STRUCTURED_TOOL_NAME, "Give the final answer; its input is the answer.", schema)
        )
    if tools:
        config: dict[str, Any] = {"tools": tools}
        choice = _tool_choice(params.tool_choice, structured)
        if choice is not None:
            config["toolChoice"] = choice
        body["toolConfig"] = config
    elif _mentions_tools(request.messages):
        # Converse rejects toolUse/toolResult blocks without a toolConfig
        body["toolConfig"] = {"tools": [_tool_stub(request.messages)]}
    return WireRequest(body=body, structured=structured)


def _thinks(model_id: str) -> bool:
    return "anthropic.claude" in model_id


def _tool(name: str, description: str | None, schema: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {"name": name, "inputSchema": {"json": schema}}
    if description:
        spec["description"] = description
    return {"toolSpec": spec}


def _tool_choice(choice: str | None, structured: bool) -> dict[str, Any] | None:
    if structured:
        return {"tool": {"name": STRUCTURED_TOOL_NAME}}
    if choice is None or choice in ("auto", "none"):
        return None  # Converse has no "none"; the loop sends no tools then
    if choice in ("required", "any"):
        return {"any": {}}
    return {"tool": {"name": choice}}


def _mentions_tools(messages: Sequence[Message]) -> bool:
    return any(m.tool_calls or m.tool_results for m in messages)


def _tool_stub(messages: Sequence[Message]) -> dict[str, Any]:
    name = (
        next(c.name for m in messages for c in m.tool_calls)
        if any(m.tool_calls for m in messages)
        else "tool"
    )
    return _tool(name, "No longer available.", {"type": "object"})


def _message(message: Message, *, resend_reasoning: bool) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if message.role == "assistant":
        if resend_reasoning and message.tool_calls:
            content.extend(_revive_reasoning(b) for b in reasoning_of(message))
        content.extend(_block(b) for b in message.content if _keeps(b))
        content.extend(
            {"toolUse": {"toolUseId": c.id, "name": c.name, "input": c.arguments}}
            for c in message.tool_calls
        )
    else:
        content.extend(_tool_result(r) for r in message.tool_results)
        content.extend(_block(b) for b in message.content if _keeps(b))
    if not content:
        content.append({"text": _EMPTY_TEXT})
    return {"role": message.role, "content": content}


def _keeps(block: ContentBlock) -> bool:
    return not (isinstance(block, TextContent) and not block.text.strip())


def _tool_result(result: ToolResult) -> dict[str, Any]:
    inner: list[dict[str, Any]] = []
    for block in result.content:
        wire = _block(block)
        if "text" in wire or "image" in wire or "document" in wire:
            inner.append(wire)
        else:
            inner.append({"text": f"[{next(iter(wire))} content not sent: unsupported here]"})
    if not inner and result.structured_content is not None:
        inner.append({"json": result.structured_content})
    if not inner:
        inner.append({"text": _EMPTY_TEXT})
    wire_result: dict[str, Any] = {"toolUseId": result.call_id, "content": inner}
    if result.is_error:
        wire_result["status"] = "error"
    return {"toolResult": wire_result}


def _block(block: ContentBlock) -> dict[str, Any]:
    if isinstance(block, TextContent):
        return {"text": block.text}
    if isinstance(block, ImageContent):
        return _media(block.mime_type, block.data, "image")
    if isinstance(block, AudioContent):
        return _media(block.mime_type, block.data, "audio")
    if isinstance(block, EmbeddedResource):
        resource = block.resource
        mime = resource.mime_type or ""
        if resource.blob is not None:
            if mime.startswith("image/"):
                return _media(mime, resource.blob, "image")
            if mime.startswith("audio/"):
                return _media(mime, resource.blob, "audio")
            if mime in _DOCUMENT_FORMATS:
                return _document(resource.uri, mime, base64.b64decode(resource.blob))
        if resource.text is not None:
            return {"text": resource_text(resource.uri, resource.text)}
        return {"text": unsent_resource_text(resource.uri, mime)}
    if isinstance(block, ResourceLink):
        return {"text": resource_link_text(block)}
    raise TypeError(f"unknown content block {type(block).__name__}")  # pragma: no cover


def _media(mime: str, data: str, kind: str) -> dict[str, Any]:
    formats = {**_IMAGE_FORMATS, **_IMAGE_FORMATS_MORE} if kind == "image" else _AUDIO_FORMATS
    fmt = formats.get(mime.lower())
    if fmt is None:
        return {"text": f"[{kind} ({mime}) not sent: format unsupported by Bedrock]"}
    return {kind: {"format": fmt, "source": {"bytes": base64.b64decode(data)}}}


def _document(uri: str, mime: str, data: bytes) -> dict[str, Any]:
    stem = uri.rstrip("/").rsplit("/", 1)[-1].rsplit(".", 1)[0]
    # names may hold only letters, digits, single spaces, hyphens, parentheses and brackets
    name = re.sub(r"\s+", " ", re.sub(r"[^A-Za-z0-9 \-()\[\]]", " ", stem)).strip() or "document"
    return {
        "document": {"format": _DOCUMENT_FORMATS[mime], "name": name, "source": {"bytes": data}}
    }


def reasoning_of(message: Message) -> list[dict[str, Any]]:
    """The reasoning blocks kept in ``message.provider_data`` (none if absent or malformed)."""
    blocks = kept_list(message, PROVIDER_KEY, "reasoning") or []
    return [dict(b) for b in blocks if isinstance(b, dict) and "reasoningContent" in b]


def _revive_reasoning(block: Mapping[str, Any]) -> dict[str, Any]:
    inner = dict(block["reasoningContent"])
    redacted = inner.get("redactedContent")
    if isinstance(redacted, str):
        inner["redactedContent"] = base64.b64decode(redacted)
    return {"reasoningContent": inner}


def _storable(block: Mapping[str, Any]) -> dict[str, Any]:
    """A reasoning block as JSON-ready data (bytes as base64)."""
    inner = dict(block["reasoningContent"])
    redacted = inner.get("redactedContent")
    if isinstance(redacted, bytes | bytearray):
        inner["redactedContent"] = base64.b64encode(redacted).decode("ascii")
    return {"reasoningContent": inner}


def map_stop_reason(reason: str | None) -> StopReason:
    """Our stop reason for the API's ``stopReason``."""
    if reason is None:
        return StopReason.END_TURN
    return _STOP_REASONS.get(reason, StopReason.END_TURN)


def map_usage(usage: Mapping[str, Any] | None) -> Usage:
    """Our `Usage` for the API's ``usage`` (``inputTokens`` excludes cached tokens)."""
    usage = usage or {}
    return Usage(
        input_tokens=usage.get("inputTokens") or 0,
        output_tokens=usage.get("outputTokens") or 0,
        cache_read_tokens=usage.get("cacheReadInputTokens") or 0,
        cache_write_tokens=usage.get("cacheWriteInputTokens") or 0,
        requests=1,
    )


def message_from_response(response: Mapping[str, Any], *, model: str, structured: bool) -> Message:
    """Our assistant `Message` for a ``converse`` reply."""
    output = (response.get("output") or {}).get("message") or {}
    return message_from_blocks(
        output.get("content") or [],
        stop_reason=response.get("stopReason"),
        usage=response.get("usage"),
        model=model,
        structured=structured,
    )


def message_from_blocks(
    blocks: Sequence[Mapping[str, Any]],
    *,
    stop_reason: str | None,
    usage: Mapping[str, Any] | None,
    model: str,
    structured: bool,
) -> Message:
    """Our assistant `Message` for the content blocks of a reply.

    When `structured`, the forced tool's input becomes the message text (JSON).
    """
    content: list[ContentBlock] = []
    calls: list[ToolCall] = []
    reasoning: list[dict[str, Any]] = []
    for block in blocks:
        if "text" in block:
            content.append(TextContent(text=block["text"]))
        elif "toolUse" in block:
            use = block["toolUse"]
            arguments = use.get("input") if isinstance(use.get("input"), dict) else {}
            if structured and use.get("name") == STRUCTURED_TOOL_NAME:
                content.append(TextContent(text=json.dumps(arguments)))
            else:
                calls.append(ToolCall(id=use["toolUseId"], name=use["name"], arguments=arguments))
        elif "reasoningContent" in block:
            reasoning.append(_storable(block))
    stop = map_stop_reason(stop_reason)
    message = Message(
        role="assistant",
        content=content,
        tool_calls=calls,
        stop_reason=forced_tool_stop(stop, structured=structured, calls=calls),
        usage=map_usage(usage),
        model=model,
    )
    if not reasoning:
        return message
    return message.model_copy(update={"provider_data": {PROVIDER_KEY: {"reasoning": reasoning}}})
