"""Turn whatever a tool function returned into a `ToolResult`.

- ``str`` becomes one text block; a content block or a non-empty list of blocks is used as is;
  a `ToolResult` is used as is (with the call's id).
- Anything else JSON-serializable (pydantic models, dicts, lists, numbers, bools, None,
  dataclasses, ...) becomes its JSON text **and** ``structured_content`` (a dict; other values
  are wrapped as ``{"result": value}``).
- When the function declares an object return type (a model or TypedDict), the value is
  validated against it first; a mismatch becomes an error result.
- Values pydantic cannot serialize fall back to their ``str()``.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter, ValidationError
from pydantic_core import PydanticSerializationError, to_jsonable_python

from fastagent.messages import (
    AudioContent,
    EmbeddedResource,
    ImageContent,
    ResourceLink,
    TextContent,
    ToolResult,
)
from fastagent.tools.validation import format_output_errors

__all__ = ["to_tool_result"]

_BLOCK_TYPES = (TextContent, ImageContent, AudioContent, EmbeddedResource, ResourceLink)


def to_tool_result(
    value: Any,
    *,
    call_id: str,
    tool_name: str,
    output_adapter: TypeAdapter[Any] | None = None,
) -> ToolResult:
    """Convert a tool function's return value (see the module docstring for the rules).

    Args:
        value: What the function returned.
        call_id: The id of the tool call being answered.
        tool_name: The tool's name, put on the result.
        output_adapter: Validator of the declared output type, if any.
    """
    if isinstance(value, ToolResult):
        return value.model_copy(
            update={"call_id": call_id, "tool_name": value.tool_name or tool_name}
        )
    if output_adapter is not None:
        try:
            validated = output_adapter.validate_python(value)
        except ValidationError as exc:
            return ToolResult.error(
                call_id, format_output_errors(tool_name, exc), tool_name=tool_name
            )
        return _json_result(
            output_adapter.dump_python(validated, mode="json", by_alias=True),
            call_id=call_id,
            tool_name=tool_name,
        )
    if isinstance(value, str):
        return ToolResult(call_id=call_id, content=[TextContent(text=value)], tool_name=tool_name)
    if isinstance(value, _BLOCK_TYPES):
        return ToolResult(call_id=call_id, content=[value], tool_name=tool_name)
    if isinstance(value, list) and value and all(isinstance(v, _BLOCK_TYPES) for v in value):
        return ToolResult(call_id=call_id, content=list(value), tool_name=tool_name)
    try:
        data = to_jsonable_python(value, by_alias=True)
    except PydanticSerializationError:
        return ToolResult(
            call_id=call_id, content=[TextContent(text=str(value))], tool_name=tool_name
        )
    return _json_result(data, call_id=call_id, tool_name=tool_name)


def _json_result(data: Any, *, call_id: str, tool_name: str) -> ToolResult:
    return ToolResult(
        call_id=call_id,
        content=[TextContent(text=json.dumps(data, ensure_ascii=False))],
        structured_content=data if isinstance(data, dict) else {"result": data},
        tool_name=tool_name,
    )
