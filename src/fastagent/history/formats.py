"""History format names and how a file's extension picks one."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from fastagent.exceptions import HistoryFormatError

__all__ = ["EXTENSIONS", "FORMATS", "HistoryFormat", "resolve_format"]

HistoryFormat = Literal["json", "yaml", "text"]
"""The name of a history format."""

FORMATS: tuple[HistoryFormat, ...] = ("json", "yaml", "text")
"""Every history format name."""

EXTENSIONS: dict[str, HistoryFormat] = {
    ".json": "json",
    ".yaml": "yaml",
    ".yml": "yaml",
    ".md": "text",
    ".txt": "text",
}
"""File extension (lower case) to format."""

_FORMAT_HINT = "pass format='json', 'yaml' or 'text'"


def resolve_format(path: str | Path | None, format: str | None = None) -> HistoryFormat:
    """The format to use: ``format`` when given, else the one ``path``'s extension names.

    Raises:
        HistoryFormatError: ``format`` is not a format name, or the extension is unknown.
    """
    if format is not None:
        for name in FORMATS:
            if format == name:
                return name
        raise HistoryFormatError(f"unknown history format {format!r}", hint=_FORMAT_HINT)
    suffix = Path(path).suffix.lower() if path is not None else ""
    found = EXTENSIONS.get(suffix)
    if found is None:
        shown = f"extension {suffix!r}" if suffix else "no extension"
        raise HistoryFormatError(
            f"cannot tell the history format of {path}: {shown}",
            path=str(path) if path is not None else None,
            hint=f"name the file with {', '.join(EXTENSIONS)}, or {_FORMAT_HINT}",
        )
    return found
