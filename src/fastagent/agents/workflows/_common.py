"""Small helpers the workflows share: usage sums and where a declaration was made."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastagent.messages import Message, Usage

__all__ = ["caller_source", "sum_usage", "zero_usage"]


def zero_usage() -> Usage:
    """An empty `Usage` (imported lazily: messages pull in pydantic)."""
    from fastagent.messages import Usage

    return Usage()


def sum_usage(replies: Iterable[Message | None]) -> Usage:
    """The usage of every reply added up (replies without usage count as zero)."""
    total = zero_usage()
    for reply in replies:
        if reply is not None and reply.usage is not None:
            total = total + reply.usage
    return total


def caller_source(depth: int = 2) -> str:
    """``file:line`` of the code `depth` frames up from here.

    Depth 1 is the function calling `caller_source`; the default, 2, is that function's
    caller: called in a decorator method, the line that used the decorator.
    """
    frame = sys._getframe(depth)
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
