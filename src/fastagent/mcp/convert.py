"""Conversions between `mcp` SDK types and fastagent's own data, at the MCP boundary.

fastagent's content blocks have the JSON shape of MCP's, so a conversion is a dump on one side
and a validation on the other. Fields fastagent does not model (``annotations``, ``_meta``,
``title``, ``size``, ``icons``) are dropped on the way in; every field both sides know survives
a round trip unchanged.
"""

from __future__ import annotations

from typing import Any

import mcp_types
from pydantic import BaseModel, TypeAdapter

from fastagent.messages import (
    AudioContent,
    ContentBlock,
    EmbeddedResource,
    ImageContent,
    ResourceContents,
    ResourceLink,
    TextContent,
    ToolResult,
)
from fastagent.tools.base import ToolDefinition

__all__ = [
    "content_from_mcp",
    "content_to_mcp",
    "tool_definition_from_mcp",
    "tool_result_from_mcp",
]

_OURS: dict[str, type[BaseModel]] = {
    "text": TextContent,
    "image": ImageContent,
    "audio": AudioContent,
    "resource": EmbeddedResource,
    "resource_link": ResourceLink,
}
_MCP_CONTENT: TypeAdapter[mcp_types.ContentBlock] = TypeAdapter(mcp_types.ContentBlock)


def _wire_keys(model: type[BaseModel]) -> set[str]:
    return {field.alias or name for name, field in model.model_fields.items()}


def _keep_known(data: dict[str, Any], model: type[BaseModel]) -> dict[str, Any]:
    known = _wire_keys(model)
    return {key: value for key, value in data.items() if key in known}


def content_from_mcp(block: mcp_types.ContentBlock) -> ContentBlock:
    """Convert one MCP content block to the fastagent block of the same ``type``.

    Raises:
        ValueError: The block has a ``type`` fastagent does not know.
    """
    data = block.model_dump(by_alias=True, mode="json", exclude_none=True)
    model = _OURS.get(str(data.get("type")))
    if model is None:
        raise ValueError(f"unsupported MCP content type {data.get('type')!r}")
    kept = _keep_known(data, model)
    if model is EmbeddedResource:
        kept["resource"] = _keep_known(kept["resource"], ResourceContents)
    result: ContentBlock = model.model_validate(kept)  # type: ignore[assignment]
    return result


def content_to_mcp(block: ContentBlock) -> mcp_types.ContentBlock:
    """Convert one fastagent content block to the MCP block of the same ``type``."""
    data = block.model_dump(by_alias=True, mode="json", exclude_none=True)
    return _MCP_CONTENT.validate_python(data, by_name=False)


def tool_result_from_mcp(
    result: mcp_types.CallToolResult, *, call_id: str, tool_name: str | None = None
) -> ToolResult:
    """Convert an MCP ``tools/call`` result, keeping ``isError`` and structured content.

    Content blocks of a type fastagent does not know become a text block describing them,
    so the model still learns something came back.
    """
    content: list[ContentBlock] = []
    for block in result.content:
        try:
            content.append(content_from_mcp(block))
        except ValueError as exc:
            content.append(TextContent(text=f"[{exc}]"))
    structured = result.structured_content
    return ToolResult(
        call_id=call_id,
        content=content,
        is_error=bool(result.is_error),
        structured_content=dict(structured) if structured is not None else None,
        tool_name=tool_name,
    )


def tool_definition_from_mcp(tool: mcp_types.Tool) -> ToolDefinition:
    """The `ToolDefinition` of an MCP tool, under the tool's own (unprefixed) name."""
    annotations = tool.annotations
    return ToolDefinition(
        name=tool.name,
        description=tool.description or tool.title or "",
        input_schema=dict(tool.input_schema) or {"type": "object"},
        output_schema=dict(tool.output_schema) if tool.output_schema is not None else None,
        annotations=(
            annotations.model_dump(by_alias=True, mode="json", exclude_none=True)
            if annotations is not None
            else None
        ),
    )
