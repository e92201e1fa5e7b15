"""OpenAI Responses API wire format <-> fastagent messages.

Pure functions over plain JSON data (dicts), like `_openai_convert` for Chat Completions.

Requests are stateless (``store: false``, no ``previous_response_id``): every call sends the
whole conversation as ``input`` items. The model's reasoning survives between calls as
*reasoning items* carrying ``encrypted_content``; they are kept, exactly as the API sent them,
in the assistant message's ``provider_data["responses"]["reasoning"]`` and sent back ahead of
that message's text and function calls, so they round-trip through every history format.
Reasoning items without ``encrypted_content`` are not sent back (with ``store: false`` the API
cannot resolve them by id), nor are the ids of messages and function calls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Final

from fastagent.messages import (
    ContentBlock,
    EmbeddedResource,
    ImageContent,
    Message,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
    Usage,
)
from fastagent.providers._openai_convert import (
    block_text,
    file_name,
    parse_arguments,
    stable_call_id,
    to_response_format,
)
from fastagent.providers._openai_schema import strict_schema
from fastagent.providers._shared_wire import kept_list

if TYPE_CHECKING:
    from fastagent.tools.base import ToolDefinition

__all__ = [
    "PROVIDER_KEY",
    "parse_response",
    "parse_response_usage",
    "reasoning_items",
    "to_input_items",
    "to_responses_text_format",
    "to_responses_tool_choice",
    "to_responses_tools",
    "with_reasoning",
]

PROVIDER_KEY: Final = "responses"
"""The key of this provider's entry in `Message.provider_data`."""

_REASONING_FIELDS: Final = ("type", "id", "summary", "content", "encrypted_content")
_INCOMPLETE_REASONS: Final[Mapping[str, StopReason]] = {
    "max_output_tokens": StopReason.MAX_TOKENS,
    "content_filter": StopReason.REFUSAL,
}

# --- requests -------------------------------------------------------------------------------


def to_input_items(messages: Sequence[Message], *, reasoning: bool = True) -> list[dict[str, Any]]:
    """The ``input`` array for a Responses request (the system prompt goes in ``instructions``).

    Assistant messages become their reasoning items (from ``provider_data``; only when
    `reasoning`, i.e. the model called now is a reasoning model), then one ``assistant``
    message with their text, then one ``function_call`` item per tool call. User messages
    become one ``function_call_output`` item per tool result, then one ``user`` message with
    their content.
    """
    items: list[dict[str, Any]] = []
    for message in messages:
        if message.role == "assistant":
            items.extend(_assistant_items(message, reasoning=reasoning))
        else:
            items.extend(_user_items(message))
    return items


def _assistant_items(message: Message, *, reasoning: bool) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [
        item
        for item in (reasoning_items(message) if reasoning else [])
        if item.get("encrypted_content")
    ]
    texts = [text for block in message.content if (text := block_text(block)) is not None]
    if texts:
        items.append({"role": "assistant", "content": "\n".join(texts)})
    items.extend(
        {
            "type": "function_call",
            "call_id": call.id,
            "name": call.name,
            "arguments": json.dumps(call.arguments),
        }
        for call in message.tool_calls
    )
    return items


def _user_items(message: Message) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = [_function_output(result) for result in message.tool_results]
    parts = [_content_part(block) for block in message.content]
    if parts or not message.tool_results:
        if all(p["type"] == "input_text" for p in parts):
            content: str | list[dict[str, Any]] = "\n".join(p["text"] for p in parts)
        else:
            content = parts
        items.append({"role": "user", "content": content})
    return items


def _function_output(result: ToolResult) -> dict[str, Any]:
    parts = [_content_part(block) for block in result.content]
    if not parts and result.structured_content is not None:
        parts = [{"type": "input_text", "text": json.dumps(result.structured_content)}]
    output: str | list[dict[str, Any]]
    if all(p["type"] == "input_text" for p in parts):
        output = "\n".join(p["text"] for p in parts)
    else:
        output = parts
    return {"type": "function_call_output", "call_id": result.call_id, "output": output}


def _content_part(block: ContentBlock) -> dict[str, Any]:
    if isinstance(block, ImageContent):
        return _image(block.mime_type, block.data)
    if isinstance(block, EmbeddedResource):
        res = block.resource
        mime = res.mime_type or ""
        if res.blob is not None and mime.startswith("image/"):
            return _image(mime, res.blob)
        if res.blob is not None and mime == "application/pdf":
            return {
                "type": "input_file",
                "filename": file_name(res.uri),
                "file_data": f"data:{mime};base64,{res.blob}",
            }
    text = block_text(block)
    if text is None:
        kind = getattr(block, "mime_type", None)
        text = f"[{block.type} content ({kind}) not supported by the OpenAI Responses API]"
    return {"type": "input_text", "text": text}


def _image(mime_type: str, data: str) -> dict[str, Any]:
    return {"type": "input_image", "image_url": f"data:{mime_type};base64,{data}"}


def to_responses_tools(tools: Sequence[ToolDefinition]) -> list[dict[str, Any]]:
    """One ``function`` tool per definition, ``strict`` when its schema allows."""
    out: list[dict[str, Any]] = []
    for tool in tools:
        schema = tool.input_schema or {"type": "object", "properties": {}}
        strict_version = strict_schema(schema, require_all=False)
        entry: dict[str, Any] = {
            "type": "function",
            "name": tool.name,
            "description": tool.description,
        }
        if strict_version is not None:
            entry.update(parameters=strict_version, strict=True)
        else:
            entry.update(parameters=schema, strict=False)
        out.append(entry)
    return out


def to_responses_tool_choice(choice: str | None) -> str | dict[str, Any] | None:
    """``auto``/``none``/``required`` as is; any other string names the one tool to call."""
    if choice is None or choice in ("auto", "none", "required"):
        return choice
    return {"type": "function", "name": choice}


def to_responses_text_format(fmt: Any) -> dict[str, Any] | None:
    """The ``text`` field for structured output: ``{"format": {"type": "json_schema", ...}}``."""
    chat_format = to_response_format(fmt)
    if chat_format is None:
        return None
    return {"format": {"type": "json_schema", **chat_format["json_schema"]}}


# --- provider_data --------------------------------------------------------------------------


def reasoning_items(message: Message) -> list[dict[str, Any]]:
    """The reasoning items kept in ``message.provider_data`` (none if absent or malformed)."""
    items = kept_list(message, PROVIDER_KEY, "reasoning") or []
    return [item for item in items if isinstance(item, dict) and item.get("type") == "reasoning"]


def with_reasoning(message: Message, items: Sequence[Mapping[str, Any]]) -> Message:
    """`message` with `items` (the fields the API takes back) in its provider_data."""
    if not items:
        return message
    kept = [{k: item[k] for k in _REASONING_FIELDS if item.get(k) is not None} for item in items]
    data = dict(message.provider_data or {})
    data[PROVIDER_KEY] = {"reasoning": kept}
    return message.model_copy(update={"provider_data": data})


# --- replies --------------------------------------------------------------------------------


def parse_response_usage(data: Mapping[str, Any] | None) -> Usage | None:
    """Usage from a response's ``usage``, or None when absent.

    ``input_tokens`` counts uncached input (cached tokens are ``cache_read_tokens``);
    ``reasoning_tokens`` is part of ``output_tokens``.
    """
    if not data:
        return None
    total_in = int(data.get("input_tokens") or 0)
    cached = int((data.get("input_tokens_details") or {}).get("cached_tokens") or 0)
    reasoning = int((data.get("output_tokens_details") or {}).get("reasoning_tokens") or 0)
    return Usage(
        input_tokens=max(total_in - cached, 0),
        output_tokens=int(data.get("output_tokens") or 0),
        cache_read_tokens=cached,
        reasoning_tokens=reasoning,
        requests=1,
    )


def parse_response(data: Mapping[str, Any], *, model: str) -> Message:
    """The assistant message of a ``response`` object; reasoning items go in provider_data.

    Raises:
        ValueError: An output item or content part is not a JSON object.
    """
    texts: list[str] = []
    refusals: list[str] = []
    calls: list[ToolCall] = []
    reasoning: list[Mapping[str, Any]] = []
    for index, item in enumerate(data.get("output") or []):
        if not isinstance(item, Mapping):
            raise ValueError(f"output item {index} is not an object")
        kind = item.get("type")
        if kind == "reasoning":
            reasoning.append(item)
        elif kind == "message":
            for part in item.get("content") or []:
                if not isinstance(part, Mapping):
                    raise ValueError(f"content of output item {index} is not an object")
                if part.get("type") == "output_text" and part.get("text"):
                    texts.append(str(part["text"]))
                elif part.get("type") == "refusal" and part.get("refusal"):
                    refusals.append(str(part["refusal"]))
        elif kind == "function_call":
            calls.append(function_call(item, data.get("id"), index))
    return build_message(
        texts=texts,
        refusals=refusals,
        calls=calls,
        reasoning=reasoning,
        status=data.get("status"),
        incomplete_reason=(data.get("incomplete_details") or {}).get("reason"),
        usage=parse_response_usage(data.get("usage")),
        model=str(data.get("model") or model),
    )


def function_call(item: Mapping[str, Any], response_id: str | None, index: int) -> ToolCall:
    """A `ToolCall` for a ``function_call`` output item."""
    name = str(item.get("name") or "")
    return ToolCall(
        id=str(item.get("call_id") or stable_call_id(response_id, index, name)),
        name=name,
        arguments=parse_arguments(item.get("arguments"), tool=name),
    )


def build_message(
    *,
    texts: Sequence[str],
    refusals: Sequence[str],
    calls: Sequence[ToolCall],
    reasoning: Sequence[Mapping[str, Any]],
    status: str | None,
    incomplete_reason: str | None,
    usage: Usage | None,
    model: str,
) -> Message:
    """The assistant message for a response's parts (shared by complete and stream)."""
    content: list[ContentBlock] = []
    if texts:
        content.append(TextContent(text="".join(texts)))
    if refusals:
        content.append(TextContent(text="".join(refusals)))
    if refusals:
        stop = StopReason.REFUSAL
    elif status == "incomplete":
        stop = _INCOMPLETE_REASONS.get(incomplete_reason or "", StopReason.MAX_TOKENS)
    elif calls:
        stop = StopReason.TOOL_USE
    else:
        stop = StopReason.END_TURN
    message = Message(
        role="assistant",
        content=content,
        tool_calls=list(calls),
        stop_reason=stop,
        usage=usage or Usage(requests=1),
        model=model,
        timestamp=datetime.now(UTC),
    )
    return with_reasoning(message, reasoning)
