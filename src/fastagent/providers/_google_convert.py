"""Conversion between fastagent data and the Gemini API's shapes (as `google-genai` takes them).

Pure functions over plain dicts, no SDK import: `build_request` turns a `CompletionRequest`
into the ``contents`` and ``config`` of ``models.generate_content``; `message_from_response`
turns a reply (the SDK's response dumped to a JSON-ready dict) into an assistant `Message`.
The SDK renames the keys it knows (``inline_data``, ``function_call``) and copies the values
of some keys to the wire as they are (the blob inside ``inline_data``, function declarations,
``thinking_config``); those values are written here in the API's own camelCase.

Gemini attaches *thought signatures* to the parts of a reply (its function calls and text).
They must come back exactly, on the same parts, when the turn is resent, so the reply's parts
are kept in ``Message.provider_data["google"]["parts"]`` (bytes as base64) and resent
verbatim while they still match the message; a message edited since is rebuilt from its
content instead.
"""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Iterable, Mapping, Sequence
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
    kept_list,
    resource_link_text,
    resource_text,
    unsent_resource_text,
)

if TYPE_CHECKING:
    from fastagent.providers.base import CompletionRequest

__all__ = [
    "PROVIDER_KEY",
    "SYNTHETIC_ID_PREFIX",
    "THINKING_BUDGETS",
    "RequestOptions",
    "WireRequest",
    "build_request",
    "map_finish_reason",
    "map_usage",
    "message_from_parts",
    "message_from_response",
]

PROVIDER_KEY: Final = "google"
"""The key of this provider's entry in `Message.provider_data`."""

SYNTHETIC_ID_PREFIX: Final = "gemini_call_"
"""Prefix of the tool-call ids we make up when the API sends a function call without one."""

THINKING_BUDGETS: Final[Mapping[str, int]] = {
    "minimal": 512,
    "low": 2048,
    "medium": 8192,
    "high": 24576,
}
"""Thinking token budget for each `RequestParams.reasoning` level."""

_FINISH_REASONS: Final[Mapping[str, StopReason]] = {
    "STOP": StopReason.END_TURN,
    "MAX_TOKENS": StopReason.MAX_TOKENS,
    "SAFETY": StopReason.REFUSAL,
    "RECITATION": StopReason.REFUSAL,
    "BLOCKLIST": StopReason.REFUSAL,
    "PROHIBITED_CONTENT": StopReason.REFUSAL,
    "SPII": StopReason.REFUSAL,
    "IMAGE_SAFETY": StopReason.REFUSAL,
    "MALFORMED_FUNCTION_CALL": StopReason.ERROR,
    "UNEXPECTED_TOOL_CALL": StopReason.ERROR,
}

# Media Gemini reads inline; other binary resources are described in text.
_INLINE_PREFIXES: Final = ("image/", "audio/", "video/", "application/pdf", "text/")


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """Provider-level defaults, overridden by explicitly set `RequestParams` fields.

    Attributes:
        max_tokens: Default output token limit.
        temperature: Default sampling temperature.
        reasoning: Default reasoning level (a thinking budget from `THINKING_BUDGETS`).
        thinking_budget: An exact thinking budget in tokens (0 turns thinking off where the
            model allows it, -1 lets the model decide); wins over `reasoning`.
        include_thoughts: Ask for thought summaries (kept in provider_data, not shown).
    """

    max_tokens: int | None = None
    temperature: float | None = None
    reasoning: str | None = None
    thinking_budget: int | None = None
    include_thoughts: bool = False


@dataclass(slots=True)
class WireRequest:
    """Arguments for ``generate_content``.

    Attributes:
        model: The model to call.
        contents: The conversation as ``Content`` dicts.
        config: The ``GenerateContentConfig`` dict.
    """

    model: str
    contents: list[dict[str, Any]] = field(default_factory=list)
    config: dict[str, Any] = field(default_factory=dict)


def build_request(model: str, request: CompletionRequest, options: RequestOptions) -> WireRequest:
    """The ``generate_content`` arguments for one call.

    Args:
        model: The model to call (``request.params.model`` wins when set).
        request: The conversation, system prompt, tools and parameters.
        options: Provider-level defaults.
    """
    params = request.params
    explicit = params.explicit
    config: dict[str, Any] = {"automatic_function_calling": {"disable": True}}
    if request.system:
        config["system_instruction"] = request.system
    max_tokens = params.max_tokens if "max_tokens" in explicit else options.max_tokens
    if max_tokens is not None:
        config["max_output_tokens"] = max_tokens
    temperature = params.temperature if "temperature" in explicit else options.temperature
    if temperature is not None:
        config["temperature"] = temperature
    if params.stop_sequences:
        config["stop_sequences"] = list(params.stop_sequences)
    thinking = _thinking_config(params.reasoning if "reasoning" in explicit else None, options)
    if thinking:
        config["thinking_config"] = thinking
    schema = _response_schema(params.response_format)
    if schema is not None:
        config["response_mime_type"] = "application/json"
        config["response_json_schema"] = schema
    if request.tools:
        config["tools"] = [
            {
                "function_declarations": [
                    {
                        "name": tool.name,
                        "description": tool.description or "",
                        "parametersJsonSchema": tool.input_schema,
                    }
                    for tool in request.tools
                ]
            }
        ]
        calling = _function_calling_config(params.tool_choice)
        if calling is not None:
            config["tool_config"] = {"function_calling_config": calling}
    names = _call_names(request.messages)
    contents = [_content(m, names) for m in request.messages]
    return WireRequest(model=params.model or model, contents=contents, config=config)


def _thinking_config(reasoning: str | None, options: RequestOptions) -> dict[str, Any]:
    thinking: dict[str, Any] = {}
    level = reasoning or options.reasoning
    if options.thinking_budget is not None and reasoning is None:
        thinking["thinkingBudget"] = options.thinking_budget
    elif level is not None:
        thinking["thinkingBudget"] = THINKING_BUDGETS[level]
    if options.include_thoughts:
        thinking["includeThoughts"] = True
    return thinking


def _response_schema(response_format: Any) -> dict[str, Any] | None:
    if response_format is None:
        return None
    if isinstance(response_format, dict):
        return dict(response_format)
    schema: dict[str, Any] = response_format.model_json_schema()
    return schema


def _function_calling_config(choice: str | None) -> dict[str, Any] | None:
    if choice is None or choice == "auto":
        return None
    if choice == "none":
        return {"mode": "NONE"}
    if choice in ("required", "any"):
        return {"mode": "ANY"}
    return {"mode": "ANY", "allowed_function_names": [choice]}  # the SDK renames these


def _call_names(messages: Iterable[Message]) -> dict[str, str]:
    """Tool-call id -> tool name, over the conversation (a function response needs the name)."""
    return {call.id: call.name for m in messages for call in m.tool_calls}


def _content(message: Message, names: Mapping[str, str]) -> dict[str, Any]:
    if message.role == "assistant":
        return {"role": "model", "parts": _model_parts(message)}
    parts = [_function_response(r, names) for r in message.tool_results]
    for result in message.tool_results:  # media a tool returned follows its response
        parts.extend(_part(b) for b in result.content if not isinstance(b, TextContent))
    parts.extend(_part(b) for b in message.content)
    return {"role": "user", "parts": parts or [{"text": ""}]}


def _model_parts(message: Message) -> list[dict[str, Any]]:
    stored = stored_parts(message)
    if stored is not None and _matches(stored, message):
        return [_revive(p) for p in stored]
    parts = [_part(b) for b in message.content]
    parts.extend(_function_call(c) for c in message.tool_calls)
    return parts or [{"text": ""}]


def stored_parts(message: Message) -> list[dict[str, Any]] | None:
    """The reply's parts kept in ``message.provider_data`` (None if absent or malformed)."""
    parts = kept_list(message, PROVIDER_KEY, "parts")
    if parts is None or not all(isinstance(p, dict) for p in parts):
        return None
    return parts


def _matches(parts: Sequence[Mapping[str, Any]], message: Message) -> bool:
    """Whether the kept parts still say what the message says (it was not edited)."""
    texts = [p["text"] for p in parts if isinstance(p.get("text"), str) and not p.get("thought")]
    calls = [p["function_call"] for p in parts if isinstance(p.get("function_call"), dict)]
    ours = [b.text for b in message.content if isinstance(b, TextContent)]
    if texts != ours or len(calls) != len(message.tool_calls) or len(ours) != len(message.content):
        return False
    return all(
        c.get("name") == t.name and (c.get("args") or {}) == t.arguments
        for c, t in zip(calls, message.tool_calls, strict=True)
    )


def _revive(part: Mapping[str, Any]) -> dict[str, Any]:
    """A kept part as the SDK takes it: base64 text back to bytes."""
    revived = dict(part)
    signature = revived.get("thought_signature")
    if isinstance(signature, str):
        revived["thought_signature"] = base64.urlsafe_b64decode(signature)
    inline = revived.get("inline_data")
    if isinstance(inline, dict) and isinstance(inline.get("data"), str):
        revived["inline_data"] = {
            "mimeType": inline.get("mime_type", ""),
            "data": base64.urlsafe_b64decode(inline["data"]),
        }
    return revived


def _function_call(call: ToolCall) -> dict[str, Any]:
    wire: dict[str, Any] = {"name": call.name, "args": call.arguments}
    if not call.id.startswith(SYNTHETIC_ID_PREFIX):
        wire["id"] = call.id
    return {"function_call": wire}


def _function_response(result: ToolResult, names: Mapping[str, str]) -> dict[str, Any]:
    name = names.get(result.call_id) or result.tool_name or "tool"
    text = result.text
    payload: Any = text
    if not text and result.structured_content is not None:
        payload = result.structured_content
    wire: dict[str, Any] = {
        "name": name,
        "response": {"error": payload} if result.is_error else {"output": payload},
    }
    if not result.call_id.startswith(SYNTHETIC_ID_PREFIX):
        wire["id"] = result.call_id
    return {"function_response": wire}


def _part(block: ContentBlock) -> dict[str, Any]:
    if isinstance(block, TextContent):
        return {"text": block.text}
    if isinstance(block, ImageContent | AudioContent):
        return _inline(block.mime_type, block.data)
    if isinstance(block, EmbeddedResource):
        resource = block.resource
        mime = resource.mime_type or ""
        if resource.blob is not None and mime.startswith(_INLINE_PREFIXES):
            return _inline(mime, resource.blob)
        if resource.text is not None:
            return {"text": resource_text(resource.uri, resource.text)}
        return {"text": unsent_resource_text(resource.uri, mime)}
    if isinstance(block, ResourceLink):
        return {"text": resource_link_text(block)}
    raise TypeError(f"unknown content block {type(block).__name__}")  # pragma: no cover


def _inline(mime_type: str, data: str) -> dict[str, Any]:
    return {"inline_data": {"mimeType": mime_type, "data": base64.b64decode(data)}}


def map_finish_reason(reason: str | None, *, has_calls: bool) -> StopReason:
    """Our stop reason for a candidate's ``finish_reason`` (function calls mean tool_use)."""
    if has_calls and reason in (None, "STOP"):
        return StopReason.TOOL_USE
    if reason is None:
        return StopReason.END_TURN
    return _FINISH_REASONS.get(reason, StopReason.END_TURN)


def map_usage(usage: Mapping[str, Any] | None) -> Usage:
    """Our `Usage` for a reply's ``usage_metadata`` (thinking counts as output)."""
    usage = usage or {}
    prompt = usage.get("prompt_token_count") or 0
    cached = usage.get("cached_content_token_count") or 0
    thoughts = usage.get("thoughts_token_count") or 0
    return Usage(
        input_tokens=max(prompt - cached, 0) + (usage.get("tool_use_prompt_token_count") or 0),
        output_tokens=(usage.get("candidates_token_count") or 0) + thoughts,
        cache_read_tokens=cached,
        reasoning_tokens=thoughts,
        requests=1,
    )


def message_from_response(response: Mapping[str, Any]) -> Message:
    """Our assistant `Message` for a reply (``GenerateContentResponse`` as a JSON-ready dict)."""
    candidates = response.get("candidates") or []
    candidate: Mapping[str, Any] = candidates[0] if candidates else {}
    parts = list((candidate.get("content") or {}).get("parts") or [])
    reason = candidate.get("finish_reason")
    if not candidates and (response.get("prompt_feedback") or {}).get("block_reason"):
        reason = "PROHIBITED_CONTENT"
    return message_from_parts(
        parts,
        finish_reason=reason,
        usage=response.get("usage_metadata"),
        model=response.get("model_version"),
    )


def message_from_parts(
    parts: Sequence[Mapping[str, Any]],
    *,
    finish_reason: str | None,
    usage: Mapping[str, Any] | None,
    model: str | None,
) -> Message:
    """Our assistant `Message` for a reply's parts; the parts go in its provider_data."""
    content: list[ContentBlock] = []
    calls: list[ToolCall] = []
    for part in parts:
        if isinstance(part.get("function_call"), dict):
            calls.append(tool_call(part["function_call"]))
        elif isinstance(part.get("text"), str) and not part.get("thought"):
            content.append(TextContent(text=part["text"]))
    message = Message(
        role="assistant",
        content=content,
        tool_calls=calls,
        stop_reason=map_finish_reason(finish_reason, has_calls=bool(calls)),
        usage=map_usage(usage),
        model=model,
    )
    if not parts:
        return message
    return message.model_copy(
        update={"provider_data": {PROVIDER_KEY: {"parts": [dict(p) for p in parts]}}}
    )


def tool_call(function_call: Mapping[str, Any]) -> ToolCall:
    """Our `ToolCall` for a ``function_call`` part (an id is made up when the API sent none)."""
    call_id = function_call.get("id") or f"{SYNTHETIC_ID_PREFIX}{uuid.uuid4().hex[:16]}"
    args = function_call.get("args")
    return ToolCall(
        id=str(call_id),
        name=str(function_call.get("name", "")),
        arguments=dict(args) if isinstance(args, dict) else {},
    )


def dumps_arguments(call: ToolCall) -> str:
    """The call's arguments as the JSON fragment a stream reports."""
    return json.dumps(call.arguments)
