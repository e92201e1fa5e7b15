"""The versioned history document, and upgrading older versions to `Message` lists.

Version 2 (current)::

    {"fastagent_history": 2, "messages": [<Message.to_dict()>, ...]}

Version 1 (an earlier, simpler shape)::

    {"version": 1, "messages": [{"role": "user", "text": "...",
      "tool_calls": [{"id": "...", "name": "...", "args": {...}}],
      "tool_results": [{"id": "...", "text": "...", "error": false}]}]}

Version 0 is a bare list of chat messages ``[{"role": ..., "content": ...}]`` whose content is
a string or a list of MCP content blocks (other keys are ignored). In versions 0 and 1 an empty
or missing text means "no text block".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal, NoReturn

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from fastagent.history._errors import history_error, validation_problem
from fastagent.history._located import line_at
from fastagent.messages import ContentBlock, Message, Role, TextContent, ToolCall, ToolResult

__all__ = ["HISTORY_VERSION", "document_version", "messages_from_document"]

HISTORY_VERSION = 2
"""The schema version this fastagent writes."""

_STRICT = ConfigDict(extra="forbid", defer_build=True)


class _DocumentV2(BaseModel):
    model_config = _STRICT

    fastagent_history: Literal[2]
    messages: list[Message]


class _ToolCallV1(BaseModel):
    model_config = _STRICT

    id: str
    name: str
    args: dict[str, Any] = Field(default_factory=dict)


class _ToolResultV1(BaseModel):
    model_config = _STRICT

    id: str
    text: str = ""
    error: bool = False


class _MessageV1(BaseModel):
    model_config = _STRICT

    role: Role
    text: str = ""
    tool_calls: list[_ToolCallV1] = Field(default_factory=list)
    tool_results: list[_ToolResultV1] = Field(default_factory=list)


class _DocumentV1(BaseModel):
    model_config = _STRICT

    version: Literal[1]
    messages: list[_MessageV1]


class _MessageV0(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    role: Role
    content: str | list[ContentBlock] | None = None


_CHAT_V0 = TypeAdapter(list[_MessageV0], config=ConfigDict(defer_build=True))


def document_version(data: Any, *, source: str | None = None) -> int:
    """The schema version of a parsed document.

    Raises:
        HistoryFormatError: The document has no recognizable shape or names an unknown version.
    """
    if isinstance(data, list):
        return 0
    if isinstance(data, dict):
        for key, version in (("fastagent_history", HISTORY_VERSION), ("version", 1)):
            if key in data:
                if data[key] != version or isinstance(data[key], bool):
                    _unknown_version(data[key], key, source)
                return version
    raise history_error(
        "not a fastagent history: expected an object with 'fastagent_history' and 'messages'"
        " or a list of messages",
        source=source,
        line=getattr(data, "line", None) or 1,
        hint="save conversations with fastagent.history.save_history to get this shape",
    )


def _unknown_version(version: object, key: str, source: str | None) -> NoReturn:
    raise history_error(
        f"unknown history schema version {key}={version!r}"
        f" (this fastagent reads fastagent_history={HISTORY_VERSION}, version=1 and bare lists)",
        source=source,
        line=None,
        hint="upgrade fastagent (pip install -U fastagent) to read files written by newer ones",
    )


def messages_from_document(
    data: Any, *, source: str | None = None, locate: Callable[[], Any] | None = None
) -> list[Message]:
    """Validate a parsed document of any supported version and return its messages.

    Args:
        data: The parsed JSON/YAML value.
        source: The file it came from, for error messages.
        locate: Returns the same document with `LineDict`/`LineList` nodes; called only when
            validation fails, to find the line of the problem.

    Raises:
        HistoryFormatError: The document is invalid; names the file, line and field.
    """
    version = document_version(data, source=source)
    try:
        if version == 2:
            return _DocumentV2.model_validate(data).messages
        if version == 1:
            return [_upgrade_v1(m) for m in _DocumentV1.model_validate(data).messages]
        return [_upgrade_v0(m) for m in _CHAT_V0.validate_python(data)]
    except ValidationError as error:
        loc, problem = validation_problem(error)
        tree = locate() if locate is not None else data
        raise history_error(
            f"invalid history (schema version {version}): {problem}",
            source=source,
            line=line_at(tree, loc),
            hint="fix the value at that line; fastagent.history.save_history writes this shape",
        ) from None


def _text_blocks(text: str) -> list[ContentBlock]:
    return [TextContent(text=text)] if text else []


def _upgrade_v1(old: _MessageV1) -> Message:
    return Message(
        role=old.role,
        content=_text_blocks(old.text),
        tool_calls=[ToolCall(id=c.id, name=c.name, arguments=c.args) for c in old.tool_calls],
        tool_results=[
            ToolResult(call_id=r.id, content=_text_blocks(r.text), is_error=r.error)
            for r in old.tool_results
        ],
    )


def _upgrade_v0(old: _MessageV0) -> Message:
    content = old.content
    if content is None:
        content = []
    elif isinstance(content, str):
        content = _text_blocks(content)
    return Message(role=old.role, content=content)
