"""Build `HistoryFormatError`s that name the file and the 1-based line."""

from __future__ import annotations

from pydantic import ValidationError

from fastagent._key_path import dotted_key
from fastagent.exceptions import HistoryFormatError

__all__ = ["history_error", "validation_problem"]


def history_error(
    problem: str, *, source: str | None, line: int | None, hint: str
) -> HistoryFormatError:
    """An error whose message starts with ``<source>, line <n>:``.

    Args:
        problem: What is wrong, in one line.
        source: The file (or other source name), when known.
        line: 1-based line, when known.
        hint: What the user can do about it.
    """
    where = source or "<history>"
    if line is not None:
        where += f", line {line}"
    return HistoryFormatError(f"{where}: {problem}", path=source, line=line, hint=hint)


def validation_problem(error: ValidationError) -> tuple[tuple[int | str, ...], str]:
    """The location and a one-line description of the first problem in ``error``."""
    first = error.errors(include_url=False, include_input=False)[0]
    loc = tuple(first["loc"])
    where = dotted_key(loc)
    text = first["msg"]
    return loc, f"{where}: {text}" if where else text
