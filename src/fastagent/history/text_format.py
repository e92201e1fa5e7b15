"""The delimited text history format: readable, and lossless for every message.

A file is a list of sections. A section starts with a delimiter line ``---KEYWORD`` (optionally
followed by a space and ``key=value`` attributes) and its body is every line up to the next
delimiter line; one blank line just before the next delimiter (or the end of the file) only
separates sections and is not part of the body. Body lines that start with any number of
backslashes followed by ``---`` are written with one more leading backslash, which the reader
removes. docs/history-format.md describes every section with an example.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from fastagent.history._errors import history_error, validation_problem
from fastagent.messages import (
    ContentBlock,
    Message,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
    Usage,
)

__all__ = ["SECTIONS", "iter_text", "parse_text"]

SECTIONS = (
    "USER",
    "ASSISTANT",
    "TEXT",
    "RESOURCE",
    "TOOL_CALL",
    "TOOL_RESULT",
    "STRUCTURED",
    "META",
)
"""Every section keyword, in the order a message writes them."""

_DELIMITER = re.compile(r"---([A-Z][A-Z_]*)(?: (.*))?")
_ESCAPED = re.compile(r"\\*---")
_ATTRIBUTE = re.compile(r' *([a-z_]+)=("(?:[^"\\]|\\.)*"|[^\s"]+)')
_BARE_VALUE = re.compile(r"[A-Za-z0-9_.:/@+\-]+")
_ATTRIBUTES = {
    "TOOL_CALL": ({"id", "name"}, {"id", "name"}),
    "TOOL_RESULT": ({"id", "name", "error"}, {"id"}),
}
"""Allowed and required attributes per section keyword; other sections take none."""

_BLOCK = TypeAdapter[ContentBlock](ContentBlock, config=ConfigDict(defer_build=True))
_HINT = "fastagent.history.save_history writes the text format (a .md file) it reads back"


class _Meta(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, defer_build=True)

    stop_reason: StopReason | None = Field(default=None, alias="stopReason")
    usage: Usage | None = None
    model: str | None = None
    timestamp: datetime | None = None
    provider_data: dict[str, Any] | None = Field(default=None, alias="providerData")
    pinned: bool | None = None


# --------------------------------------------------------------------------- writing


def iter_text(messages: Iterable[Message]) -> Iterator[str]:
    """Serialize messages in the text format, one chunk per message."""
    for message in messages:
        lines: list[str] = []
        _write_content(lines, message.role.upper(), message.content)
        for call in message.tool_calls:
            attributes = _attributes(id=call.id, name=call.name)
            _write_section(lines, f"TOOL_CALL {attributes}", _json_lines(call.arguments))
        for result in message.tool_results:
            attributes = _attributes(
                id=result.call_id,
                name=result.tool_name,
                error="true" if result.is_error else "false",
            )
            _write_content(lines, f"TOOL_RESULT {attributes}", result.content)
            if result.structured_content is not None:
                _write_section(lines, "STRUCTURED", _json_lines(result.structured_content))
        meta = _Meta(
            stop_reason=message.stop_reason,
            usage=message.usage,
            model=message.model,
            timestamp=message.timestamp,
            provider_data=message.provider_data,
            pinned=message.pinned or None,
        ).model_dump(mode="json", by_alias=True, exclude_none=True)
        if meta:
            _write_section(lines, "META", _json_lines(meta))
        yield "".join(line + "\n" for line in lines)


def _write_content(lines: list[str], header: str, blocks: list[ContentBlock]) -> None:
    rest = blocks
    first: list[str] | None = None
    if blocks and isinstance(blocks[0], TextContent):
        first, rest = blocks[0].text.split("\n"), blocks[1:]
    _write_section(lines, header, first)
    for block in rest:
        if isinstance(block, TextContent):
            _write_section(lines, "TEXT", block.text.split("\n"))
        else:
            dumped = block.model_dump(mode="json", by_alias=True, exclude_none=True)
            _write_section(lines, "RESOURCE", _json_lines(dumped))


def _write_section(lines: list[str], header: str, body: list[str] | None) -> None:
    lines.append("---" + header)
    for line in body or ():
        lines.append("\\" + line if _ESCAPED.match(line) else line)
    lines.append("")


def _json_lines(value: Any) -> list[str]:
    return json.dumps(value, ensure_ascii=False, indent=2).split("\n")


def _attributes(**values: str | None) -> str:
    parts = []
    for key, value in values.items():
        if value is not None:
            shown = value if _BARE_VALUE.fullmatch(value) else json.dumps(value, ensure_ascii=False)
            parts.append(f"{key}={shown}")
    return " ".join(parts)


# --------------------------------------------------------------------------- reading


@dataclass
class _Section:
    keyword: str
    attributes: dict[str, str]
    line: int
    body: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.body)


@dataclass
class _Draft:
    role: str
    line: int
    content: list[ContentBlock] = field(default_factory=list)
    tool_calls: list[ToolCall] = field(default_factory=list)
    tool_results: list[ToolResult] = field(default_factory=list)
    meta: _Meta | None = None


def parse_text(text: str, *, source: str | None = None) -> list[Message]:
    """Parse a text history (written by `iter_text` or by hand).

    Raises:
        HistoryFormatError: A section is unknown, misplaced or malformed; names file and line.
    """
    if "\r\n" in text and text.count("\n") == text.count("\r\n"):
        text = text.replace("\r\n", "\n")  # a hand-written file with Windows line endings
    drafts: list[_Draft] = []
    result: ToolResult | None = None
    for section in _split_sections(text, source):
        keyword = section.keyword
        if keyword in ("USER", "ASSISTANT"):
            draft = _Draft(role=keyword.lower(), line=section.line)
            if section.body:
                draft.content.append(TextContent(text=section.text))
            drafts.append(draft)
            result = None
            continue
        if not drafts:
            raise _error(f"---{keyword} before the first ---USER or ---ASSISTANT", section, source)
        draft = drafts[-1]
        if keyword == "TEXT":
            target = result.content if result is not None else draft.content
            target.append(TextContent(text=section.text))
        elif keyword == "RESOURCE":
            target = result.content if result is not None else draft.content
            target.append(_parse_block(section, source))
        elif keyword == "TOOL_CALL":
            result = None
            arguments = _parse_json_object(section, source, empty_ok=True)
            attrs = section.attributes
            draft.tool_calls.append(
                ToolCall(id=attrs["id"], name=attrs["name"], arguments=arguments)
            )
        elif keyword == "TOOL_RESULT":
            result = _parse_tool_result(section, source)
            draft.tool_results.append(result)
        elif keyword == "STRUCTURED":
            if result is None or result.structured_content is not None:
                raise _error("---STRUCTURED must follow a ---TOOL_RESULT, once", section, source)
            result.structured_content = _parse_json_object(section, source, empty_ok=False)
        else:  # META
            result = None
            if draft.meta is not None:
                raise _error("a message has a second ---META section", section, source)
            draft.meta = _parse_meta(section, source)
    return [_build(draft) for draft in drafts]


def _split_sections(text: str, source: str | None) -> list[_Section]:
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()  # the newline ending the last line
    sections: list[_Section] = []
    for number, line in enumerate(lines, start=1):
        match = _DELIMITER.fullmatch(line)
        if match is not None:
            sections.append(_header(match, number, source))
        elif sections:
            escaped = line.startswith("\\") and _ESCAPED.match(line, 1)
            sections[-1].body.append(line[1:] if escaped else line)
        elif line.strip():
            raise history_error(
                "text before the first ---USER or ---ASSISTANT line",
                source=source,
                line=number,
                hint="start the file with a ---USER or ---ASSISTANT line",
            )
    for section in sections:
        if section.body and section.body[-1] == "":
            section.body.pop()  # the blank line separating sections
    return sections


def _header(match: re.Match[str], number: int, source: str | None) -> _Section:
    keyword, rest = match.group(1), match.group(2) or ""
    if keyword not in SECTIONS:
        raise history_error(
            f"unknown section ---{keyword}",
            source=source,
            line=number,
            hint="sections are " + ", ".join("---" + s for s in SECTIONS),
        )
    allowed, required = _ATTRIBUTES.get(keyword, (set(), set()))
    attributes: dict[str, str] = {}
    position = 0
    while position < len(rest.rstrip(" ")):
        found = _ATTRIBUTE.match(rest, position)
        if found is None or found.group(1) not in allowed or found.group(1) in attributes:
            problem = "malformed" if found is None else "unexpected or repeated"
            raise history_error(
                f"{problem} attribute in ---{keyword} at column {len(keyword) + 4 + position}",
                source=source,
                line=number,
                hint=f"---{keyword} takes "
                + (" ".join(f"{a}=..." for a in sorted(allowed)) or "no attributes"),
            )
        value = found.group(2)
        if value.startswith('"'):
            try:
                value = json.loads(value)
            except json.JSONDecodeError:
                raise history_error(
                    f"attribute {found.group(1)} of ---{keyword} is not a valid quoted string",
                    source=source,
                    line=number,
                    hint='quote values with spaces as JSON strings, e.g. name="a b"',
                ) from None
        attributes[found.group(1)] = value
        position = found.end()
    missing = sorted(required - attributes.keys())
    if missing:
        raise history_error(
            f"---{keyword} needs the attribute(s) {', '.join(missing)}",
            source=source,
            line=number,
            hint=f"write e.g. ---{keyword} " + " ".join(f"{a}=..." for a in sorted(required)),
        )
    return _Section(keyword=keyword, attributes=attributes, line=number)


def _parse_tool_result(section: _Section, source: str | None) -> ToolResult:
    attrs = section.attributes
    error = attrs.get("error", "false")
    if error not in ("true", "false"):
        raise _error(f"error={error!r} in ---TOOL_RESULT must be true or false", section, source)
    content: list[ContentBlock] = [TextContent(text=section.text)] if section.body else []
    return ToolResult(
        call_id=attrs["id"], content=content, is_error=error == "true", tool_name=attrs.get("name")
    )


def _parse_json(section: _Section, source: str | None) -> Any:
    if not section.text.strip():
        raise _error(f"---{section.keyword} is empty: it needs a JSON value", section, source)
    try:
        return json.loads(section.text)
    except json.JSONDecodeError as error:
        raise history_error(
            f"invalid JSON in ---{section.keyword}: {error.msg}",
            source=source,
            line=section.line + error.lineno,
            hint="fix the JSON syntax at that line",
        ) from None


def _parse_json_object(section: _Section, source: str | None, *, empty_ok: bool) -> dict[str, Any]:
    if empty_ok and not section.text.strip():
        return {}
    value = _parse_json(section, source)
    if not isinstance(value, dict):
        raise _error(f"---{section.keyword} must hold a JSON object", section, source)
    return value


def _parse_block(section: _Section, source: str | None) -> ContentBlock:
    try:
        return _BLOCK.validate_python(_parse_json(section, source))
    except ValidationError as error:
        raise _error(
            f"invalid ---RESOURCE: {validation_problem(error)[1]}", section, source
        ) from None


def _parse_meta(section: _Section, source: str | None) -> _Meta:
    try:
        return _Meta.model_validate(_parse_json_object(section, source, empty_ok=False))
    except ValidationError as error:
        raise _error(f"invalid ---META: {validation_problem(error)[1]}", section, source) from None


def _build(draft: _Draft) -> Message:
    meta = draft.meta or _Meta()
    return Message(
        role="user" if draft.role == "user" else "assistant",
        content=draft.content,
        tool_calls=draft.tool_calls,
        tool_results=draft.tool_results,
        stop_reason=meta.stop_reason,
        usage=meta.usage,
        model=meta.model,
        timestamp=meta.timestamp,
        provider_data=meta.provider_data,
        pinned=bool(meta.pinned),
    )


def _error(problem: str, section: _Section, source: str | None) -> Exception:
    return history_error(problem, source=source, line=section.line, hint=_HINT)
