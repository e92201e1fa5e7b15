"""Tool names that every provider accepts, and deterministic resolution of collisions."""

from __future__ import annotations

import re
from collections.abc import Container

__all__ = [
    "MAX_TOOL_NAME_LENGTH",
    "TOOL_NAME_PATTERN",
    "join_tool_name",
    "sanitize_tool_name",
    "unique_tool_name",
]

MAX_TOOL_NAME_LENGTH = 64
"""The longest tool name the strictest provider accepts."""

TOOL_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
"""The names every supported provider accepts."""

_INVALID_CHARACTER = re.compile(r"[^a-zA-Z0-9_-]")


def sanitize_tool_name(name: str) -> str:
    """Make `name` match `TOOL_NAME_PATTERN`.

    Every character outside ``[a-zA-Z0-9_-]`` becomes ``_``, the result is cut to 64
    characters, and an empty name becomes ``tool``.
    """
    return _INVALID_CHARACTER.sub("_", name)[:MAX_TOOL_NAME_LENGTH] or "tool"


def join_tool_name(prefix: str, name: str) -> str:
    """The name of tool `name` from source `prefix` (e.g. an MCP server): ``prefix__name``."""
    return f"{prefix}__{name}"


def unique_tool_name(name: str, taken: Container[str]) -> str:
    """`name` if it is free, else the first free ``name_2``, ``name_3``, ... (cut to fit 64)."""
    if name not in taken:
        return name
    number = 2
    while True:
        suffix = f"_{number}"
        candidate = name[: MAX_TOOL_NAME_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        number += 1
