"""Read a tool's description and its parameters' descriptions from a Google-style docstring."""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field

__all__ = ["ParsedDocstring", "parse_docstring"]

_ARGUMENT_SECTIONS = frozenset(
    {
        "args",
        "arguments",
        "parameters",
        "params",
        "keyword args",
        "keyword arguments",
        "other parameters",
    }
)
_SECTION_HEADER = re.compile(
    r"^(args|arguments|parameters|params|keyword args|keyword arguments|other parameters|"
    r"returns?|yields?|raises|examples?|notes?|attributes|see also|warnings?|todo|"
    r"references)\s*:\s*$",
    re.IGNORECASE,
)
# "name: text", "name (int): text", "*args: text", "**kwargs (dict): text"
_ARGUMENT_ENTRY = re.compile(r"^\*{0,2}(?P<name>\w+)\s*(?:\([^)]*\))?\s*:\s*(?P<text>.*)$")


@dataclass(frozen=True, slots=True)
class ParsedDocstring:
    """The parts of a docstring a tool definition uses.

    Attributes:
        description: The text before the first section (summary and extended description).
        parameters: Parameter name -> its description from the ``Args:`` section(s).
    """

    description: str = ""
    parameters: dict[str, str] = field(default_factory=dict)


def parse_docstring(docstring: str | None) -> ParsedDocstring:
    """Split a Google-style docstring into its description and parameter descriptions.

    Continuation lines of a parameter (indented deeper than its name) are joined with spaces.
    Sections other than ``Args:`` (and its synonyms) are ignored.
    """
    if not docstring:
        return ParsedDocstring()
    lines = inspect.cleandoc(docstring).splitlines()
    description: list[str] = []
    parameters: dict[str, str] = {}
    section: str | None = None
    section_body: list[str] = []

    def close_section() -> None:
        if section is not None and section in _ARGUMENT_SECTIONS:
            parameters.update(_parse_arguments(section_body))

    for line in lines:
        header = _SECTION_HEADER.match(line)
        if header:
            close_section()
            section = header.group(1).lower()
            section_body = []
        elif section is None:
            description.append(line)
        else:
            section_body.append(line)
    close_section()
    return ParsedDocstring(description="\n".join(description).strip(), parameters=parameters)


def _parse_arguments(body: list[str]) -> dict[str, str]:
    entry_indent: int | None = None
    found: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body:
        if not line.strip():
            continue
        indent = len(line) - len(line.lstrip())
        if entry_indent is None:
            entry_indent = indent
        entry = _ARGUMENT_ENTRY.match(line.strip()) if indent <= entry_indent else None
        if entry:
            current = found.setdefault(entry.group("name"), [])
            current.append(entry.group("text").strip())
        elif current is not None and indent > entry_indent:
            current.append(line.strip())
    return {name: " ".join(p for p in parts if p) for name, parts in found.items()}
