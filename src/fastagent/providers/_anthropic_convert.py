"""Conversion between fastagent data and the Anthropic Messages API wire shapes.

Pure functions over plain dicts: `build_request` turns a `CompletionRequest` into the keyword
arguments of ``messages.create``; `message_from_response` turns the API's reply (a dict) back
into an assistant `Message`. No SDK import happens here.
"""

from __future__ import annotations

import json
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
    from fastagent.tools.base import ToolDefinition

__all__ = [
    "DEFAULT_MAX_TOKENS",
    "PROVIDER_KEY",
    "STRUCTURED_TOOL_NAME",
    "THINKING_BUDGETS",
    "RequestOptions",
    "WireRequest",
    "build_request",
    "default_max_tokens",
    "map_stop_reason",
    "map_usage",
    "message_from_response",
    "thinking_of",
    "with_thinking",
]

DEFAULT_MAX_TOKENS: Final = 4096
"""Output token limit for models the table below does not know."""

_MAX_TOKENS_BY_PREFIX: Final[tuple[tuple[str, int], ...]] = (
    ("claude-3-haiku", 4096),
    ("claude-3-opus", 4096),
    ("claude-3-5", 8192),
    ("claude-3-7", 16384),
    ("claude-haiku-4", 16384),
    ("claude-sonnet-4", 16384),
    ("claude-opus-4", 16384),
)

THINKING_BUDGETS: Final[Mapping[str, int]] = {
    "minimal": 1024,
    "low": 2048,
    "medium": 8192,
    "high": 16384,
}
"""Extended-thinking token budget for each `ModelParams.reasoning` level."""

_THINKING_HEADROOM: Final = 4096
"""Output tokens left for the answer when max_tokens must be raised above the budget."""

_STOP_REASONS: Final[Mapping[str, StopReason]] = {
    "end_turn": StopReason.END_TURN,
    "tool_use": StopReason.TOOL_USE,
    "max_tokens": StopReason.MAX_TOKENS,
    "model_context_window_exceeded": StopReason.MAX_TOKENS,
    "stop_sequence": StopReason.STOP_SEQUENCE,
    "refusal": StopReason.REFUSAL,
    "pause_turn": StopReason.END_TURN,
}

PROVIDER_KEY: Final = "anthropic"
"""The key of this provider's entry in `Message.provider_data`."""

_THINKING_TYPES: Final = frozenset({"thinking", "redacted_thinking"})
_EPHEMERAL: Final[Mapping[str, str]] = {"type": "ephemeral"}


def default_max_tokens(model: str) -> int:
    """The output token limit used when none is set: by model family, else 4096."""
    for prefix, limit in _MAX_TOKENS_BY_PREFIX:
        if model.startswith(prefix):
            return limit
    return DEFAULT_MAX_TOKENS


@dataclass(frozen=True, slots=True)
class RequestOptions:
    """Provider-level defaults, overridden by explicitly set `ModelParams` fields.

    Attributes:
        max_tokens: Default output token limit.
        temperature: Accepted for model-string compatibility and never sent: API version
            2026-10-21 (the default of SDK 2.x) rejects sampling parameters.
        reasoning: Default reasoning level.
        cache: Mark system prompt, tools and the last message for prompt caching.
    """

    max_tokens: int | None = None
    temperature: float | None = None
    reasoning: str | None = None
    cache: bool = False


@dataclass(slots=True)
class WireRequest:
    """A request ready for ``messages.create``.

    Attributes:
        body: Keyword arguments for ``messages.create`` (without ``stream``).
        structured: Whether the reply's forced tool input is the structured answer.
    """

    body: dict[str, Any] = field(default_factory=dict)
    structured: bool = False


def build_request(model: str, request: CompletionRequest, options: RequestOptions) -> WireRequest:
    """The ``messages.create`` arguments for one call.

    With extended thinking on, an assistant tool turn is resent with the thinking blocks kept
    in its ``provider_data`` (the API requires them ahead of the tool calls).

    Args:
        model: The model to call (``request.params.model`` wins when set).
        request: The conversation, system prompt, tools and parameters.
        options: Provider-level defaults.
    """
    params = request.params
    explicit = params.explicit
    reasoning = params.reasoning if "reasoning" in explicit else options.reasoning
    max_tokens = (
        params.max_tokens
        if "max_tokens" in explicit and params.max_tokens is not None
        else options.max_tokens or default_max_tokens(params.model or model)
    )
    schema = forced_tool_schema(params.response_format)
    structured = schema is not None
    budget = THINKING_BUDGETS.get(reasoning or "") if not structured else None

    messages = [_message_to_wire(m, resend_thinking=budget is not None) for m in request.messages]
    if budget is not None and _needs_missing_thinking(messages):
        budget = None  # the API rejects thinking when an earlier tool turn lost its thinking
    body: dict[str, Any] = {"model": params.model or model, "messages": messages}
    if request.system:
        system: dict[str, Any] = {"type": "text", "text": request.system}
        if options.cache:
            system["cache_control"] = dict(_EPHEMERAL)
        body["system"] = [system]
    if budget is not None:
        body["thinking"] = {"type": "enabled", "budget_tokens": budget}
        max_tokens = max(max_tokens, budget + _THINKING_HEADROOM)
    body["max_tokens"] = max_tokens
    if params.stop_sequences:
        body["stop_sequences"] = list(params.stop_sequences)

    tools = [_tool_to_wire(t) for t in request.tools]
    if schema is not None:
        tools.append(
            {
                "name": STRUCTURED_TOOL_NAME,
                "description": "Give the final answer; its input is the answer itself.",
                "input_schema": schema,
            }
        )
    if tools:
        if options.cache:
            tools[-1]["cache_control"] = dict(_EPHEMERAL)
        body["tools"] = tools
        choice = _tool_choice(params.tool_choice, params.parallel_tool_calls, structured)
        if choice is not None:
            body["tool_choice"] = choice
    if options.cache and messages:
        _mark_last_block(messages[-1])
    return WireRequest(body=body, structured=structured)


def _tool_choice(choice: str | None, parallel: bool, structured: bool) -> dict[str, Any] | None:
    wire: dict[str, Any]
    if structured:
        wire = {"type": "tool", "name": STRUCTURED_TOOL_NAME}
    elif choice is None or choice == "auto":
        wire = {"type": "auto"}
    elif choice == "none":
        return {"type": "none"}
    elif choice in ("required", "any"):
        wire = {"type": "any"}
    else:
        wire = {"type": "tool", "name": choice}
    if not parallel:
        wire["disable_parallel_tool_use"] = True
    elif wire == {"type": "auto"}:
        return None
    return wire


def _tool_to_wire(tool: ToolDefinition) -> dict[str, Any]:
    wire: dict[str, Any] = {"name": tool.name, "input_schema": tool.input_schema}
    if tool.description:
        wire["description"] = tool.description
    return wire


def _mark_last_block(message: dict[str, Any]) -> None:
    content = message["content"]
    for block in reversed(content):
        if block["type"] not in _THINKING_TYPES:
            block["cache_control"] = dict(_EPHEMERAL)
            return


def _needs_missing_thinking(messages: Sequence[dict[str, Any]]) -> bool:
    """Whether an assistant tool turn lacks the thinking block the API expects first."""
    for message in messages:
        if message["role"] != "assistant":
            continue
        content = message["content"]
        has_tool_use = any(b["type"] == "tool_use" for b in content)
        if has_tool_use and content[0]["type"] not in _THINKING_TYPES:
            return True
    return False


def _message_to_wire(message: Message, *, resend_thinking: bool) -> dict[str, Any]:
    content: list[dict[str, Any]] = []
    if resend_thinking and message.role == "assistant" and message.tool_calls:
        content.extend(thinking_of(message))
    if message.role == "user":
        content.extend(_tool_result_to_wire(r) for r in message.tool_results)
    blocks = [_block_to_wire(b) for b in message.content]
    if message.role == "assistant":  # API 2026-10-21 rejects documents in assistant turns
        blocks = [
            {"type": "text", "text": "[PDF document omitted]"} if b["type"] == "document" else b
            for b in blocks
        ]
    content.extend(blocks)
    content.extend(
        {"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments}
        for c in message.tool_calls
    )
    if not content:
        content.append({"type": "text", "text": ""})
    return {"role": message.role, "content": content}


def _tool_result_to_wire(result: ToolResult) -> dict[str, Any]:
    blocks = [_block_to_wire(b) for b in result.content]
    inner = [b for b in blocks if b["type"] in ("text", "image")]
    inner.extend(
        {"type": "text", "text": json.dumps(b.get("source", b))}
        for b in blocks
        if b["type"] not in ("text", "image")
    )
    wire: dict[str, Any] = {"type": "tool_result", "tool_use_id": result.call_id}
    if inner:
        wire["content"] = inner
    elif result.structured_content is not None:
        wire["content"] = [{"type": "text", "text": json.dumps(result.structured_content)}]
    if result.is_error:
        wire["is_error"] = True
    return wire


def _block_to_wire(block: ContentBlock) -> dict[str, Any]:
    if isinstance(block, TextContent):
        return {"type": "text", "text": block.text}
    if isinstance(block, ImageContent):
        return _base64_source("image", block.mime_type, block.data)
    if isinstance(block, EmbeddedResource):
        resource = block.resource
        if resource.blob is not None and resource.mime_type == "application/pdf":
            return _base64_source("document", "application/pdf", resource.blob)
        if resource.blob is not None and (resource.mime_type or "").startswith("image/"):
            return _base64_source("image", resource.mime_type or "", resource.blob)
        if resource.text is not None:
            return {"type": "text", "text": resource_text(resource.uri, resource.text)}
        return {"type": "text", "text": unsent_resource_text(resource.uri, resource.mime_type)}
    if isinstance(block, ResourceLink):
        return {"type": "text", "text": resource_link_text(block)}
    if isinstance(block, AudioContent):
        return {"type": "text", "text": f"[audio ({block.mime_type}) not sent: unsupported]"}
    raise TypeError(f"unknown content block {type(block).__name__}")  # pragma: no cover


def _base64_source(kind: str, media_type: str, data: str) -> dict[str, Any]:
    return {"type": kind, "source": {"type": "base64", "media_type": media_type, "data": data}}


def map_stop_reason(stop_reason: str | None) -> StopReason:
    """Our stop reason for the API's ``stop_reason`` (``pause_turn`` counts as end_turn)."""
    if stop_reason is None:
        return StopReason.END_TURN
    return _STOP_REASONS.get(stop_reason, StopReason.END_TURN)


def map_usage(usage: Mapping[str, Any] | None) -> Usage:
    """Our `Usage` for the API's usage object (one request)."""
    usage = usage or {}
    return Usage(
        input_tokens=usage.get("input_tokens") or 0,
        output_tokens=usage.get("output_tokens") or 0,
        cache_write_tokens=usage.get("cache_creation_input_tokens") or 0,
        cache_read_tokens=usage.get("cache_read_input_tokens") or 0,
        requests=1,
    )


def thinking_of(message: Message) -> list[dict[str, Any]]:
    """The thinking blocks kept in ``message.provider_data`` (none if absent or malformed)."""
    blocks = kept_list(message, PROVIDER_KEY, "thinking") or []
    return [dict(b) for b in blocks if isinstance(b, dict) and b.get("type") in _THINKING_TYPES]


def with_thinking(message: Message, thinking: Sequence[Mapping[str, Any]]) -> Message:
    """`message` with `thinking` (blocks exactly as the API sent them) in its provider_data."""
    if not thinking:
        return message
    data = dict(message.provider_data or {})
    entry = data.get(PROVIDER_KEY)
    data[PROVIDER_KEY] = {
        **(entry if isinstance(entry, dict) else {}),
        "thinking": [dict(b) for b in thinking],
    }
    return message.model_copy(update={"provider_data": data})


def message_from_response(response: Mapping[str, Any], *, structured: bool) -> Message:
    """Our assistant `Message` for the API's reply; thinking blocks go in its provider_data.

    When `structured`, the forced tool's input becomes the message text (JSON) instead of a
    tool call.
    """
    content: list[ContentBlock] = []
    calls: list[ToolCall] = []
    thinking: list[dict[str, Any]] = []
    for block in response.get("content") or []:
        kind = block.get("type")
        if kind == "text":
            content.append(TextContent(text=block.get("text", "")))
        elif kind == "tool_use":
            arguments = block.get("input") or {}
            if structured and block.get("name") == STRUCTURED_TOOL_NAME:
                content.append(TextContent(text=json.dumps(arguments)))
            else:
                calls.append(ToolCall(id=block["id"], name=block["name"], arguments=arguments))
        elif kind in _THINKING_TYPES:
            thinking.append(dict(block))
    stop = map_stop_reason(response.get("stop_reason"))
    message = Message(
        role="assistant",
        content=content,
        tool_calls=calls,
        stop_reason=forced_tool_stop(stop, structured=structured, calls=calls),
        usage=map_usage(response.get("usage")),
        model=response.get("model"),
    )
    return with_thinking(message, thinking)
