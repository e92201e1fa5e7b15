"""Writing a key path (keys and list indexes) the way error messages name a value."""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["dotted_key"]


def dotted_key(path: Sequence[str | int]) -> str:
    """Write a key path as ``mcp.servers.fetch.roots[0].uri``.

    Args:
        path: Keys and list indexes (a pydantic error's ``loc`` is one).

    Returns:
        The dotted key; ``""`` for an empty path.
    """
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else part
    return text
