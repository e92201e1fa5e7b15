"""Include/exclude filters over tool names."""

from __future__ import annotations

from collections.abc import Sequence
from fnmatch import fnmatchcase

__all__ = ["NameFilter"]


class NameFilter:
    """Decides which tool names are visible, from glob patterns (`fnmatch`, case-sensitive).

    A name is visible when it matches no `exclude` pattern and, if `include` is given, at least
    one `include` pattern. Exclude wins over include. ``include=None`` means every name;
    an empty `include` means no name.

    Args:
        include: Patterns a name must match one of, or None for all names.
        exclude: Patterns no visible name may match.
    """

    __slots__ = ("exclude", "include")

    def __init__(
        self, include: Sequence[str] | None = None, exclude: Sequence[str] | None = None
    ) -> None:
        self.include = None if include is None else tuple(include)
        self.exclude = tuple(exclude or ())

    def __call__(self, name: str) -> bool:
        """Whether `name` is visible."""
        if any(fnmatchcase(name, pattern) for pattern in self.exclude):
            return False
        if self.include is None:
            return True
        return any(fnmatchcase(name, pattern) for pattern in self.include)
