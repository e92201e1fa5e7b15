"""Parsed JSON/YAML trees whose objects remember their 1-based source line.

They let an error found while validating a parsed document point at the line where the bad
value was written.
"""

from __future__ import annotations

import bisect
import json
import json.decoder
import json.scanner
from collections.abc import Sequence
from typing import Any

__all__ = ["LineDict", "LineList", "line_at", "loads_json_located"]


class LineDict(dict[Any, Any]):
    """A dict that remembers the line its source text started on."""

    __slots__ = ("line",)

    def __init__(self, *args: Any, line: int) -> None:
        super().__init__(*args)
        self.line = line


class LineList(list[Any]):
    """A list that remembers the line its source text started on."""

    __slots__ = ("line",)

    def __init__(self, *args: Any, line: int) -> None:
        super().__init__(*args)
        self.line = line


def line_at(tree: Any, loc: Sequence[int | str]) -> int | None:
    """The line of the innermost located object on the path ``loc`` through ``tree``.

    Location parts that name no key or index of the current node (pydantic adds union tags,
    for instance) are skipped.
    """
    line: int | None = getattr(tree, "line", None)
    node = tree
    for key in loc:
        found = _child(node, key)
        if found is not _MISSING:
            node = found
            line = getattr(node, "line", line)
    return line


_MISSING = object()


def _child(node: Any, key: int | str) -> Any:
    if isinstance(node, dict):
        return node.get(key, _MISSING)
    if isinstance(node, list) and isinstance(key, int) and 0 <= key < len(node):
        return node[key]
    return _MISSING


def loads_json_located(text: str) -> Any:
    """Parse JSON like `json.loads`, with objects and arrays as `LineDict` / `LineList`.

    Uses the pure-Python scanner, so it is slower than `json.loads`: call it only to find
    where a problem is.
    """
    newlines = [i for i, ch in enumerate(text) if ch == "\n"]

    def line_of(index: int) -> int:
        return bisect.bisect_left(newlines, index) + 1

    decoder_module: Any = json.decoder
    scanner_module: Any = json.scanner

    def parse_object(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        value, end = decoder_module.JSONObject(s_and_end, *args)
        return LineDict(value, line=line_of(s_and_end[1] - 1)), end

    def parse_array(s_and_end: tuple[str, int], *args: Any) -> tuple[Any, int]:
        value, end = decoder_module.JSONArray(s_and_end, *args)
        return LineList(value, line=line_of(s_and_end[1] - 1)), end

    decoder: Any = json.JSONDecoder()
    decoder.parse_object = parse_object
    decoder.parse_array = parse_array
    decoder.scan_once = scanner_module.py_make_scanner(decoder)
    return decoder.decode(text)
