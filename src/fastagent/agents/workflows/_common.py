"""Small helpers the workflows share: usage sums, member parameters, where a declaration was."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, Usage

__all__ = ["caller_source", "first_leaf", "for_inner_members", "sum_usage", "zero_usage"]


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


def for_inner_members(params: RequestParams | None) -> RequestParams | None:
    """`params` for a member whose reply is not the workflow's reply.

    They lose ``response_format``: only the member writing the workflow's reply is asked for
    structured output; the others keep their own default.
    """
    if params is None or "response_format" not in params.explicit:
        return params
    from fastagent.llm.params import RequestParams

    kept = params.to_dict(explicit_only=True)
    del kept["response_format"]
    return RequestParams(**kept)


def first_leaf(group: BaseExceptionGroup[BaseException]) -> BaseException:
    """The first exception of a (nested) exception group: what a failed task group raises."""
    first = group.exceptions[0]
    return first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def caller_source(depth: int = 2) -> str:
    """``file:line`` of the code `depth` frames up from here.

    Depth 1 is the function calling `caller_source`; the default, 2, is that function's
    caller: called in a decorator method, the line that used the decorator.
    """
    frame = sys._getframe(depth)
    return f"{Path(frame.f_code.co_filename).name}:{frame.f_lineno}"
