"""Small helpers the workflows share: usage sums, member parameters, where a declaration was.

`published_run` and `published_step` publish the events marking a workflow's run and steps.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from fastagent.events import (
    WorkflowFinished,
    WorkflowStarted,
    WorkflowStepFinished,
    WorkflowStepStarted,
)

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, Usage

__all__ = [
    "StepNote",
    "caller_source",
    "first_leaf",
    "for_inner_members",
    "published_run",
    "published_step",
    "sum_usage",
    "zero_usage",
]


@dataclass(slots=True)
class StepNote:
    """What a step may say about its outcome (`WorkflowStepFinished.detail`)."""

    detail: str = ""


@contextmanager
def published_run(workflow: BaseAgent, kind: str) -> Iterator[None]:
    """Publish `WorkflowStarted` / `WorkflowFinished` around one run of `workflow`."""
    events = workflow.events
    if events is None or not events.has_subscribers:
        yield
        return
    events.publish(WorkflowStarted(workflow=workflow.name, kind=kind))
    started = time.perf_counter()
    error = error_type = ""
    try:
        yield
    except BaseException as exc:
        error, error_type = str(exc).split("\n", 1)[0], type(exc).__name__
        raise
    finally:
        events.publish(
            WorkflowFinished(
                workflow=workflow.name,
                kind=kind,
                error=error,
                error_type=error_type,
                duration=time.perf_counter() - started,
            )
        )


@contextmanager
def published_step(
    workflow: BaseAgent, kind: str, step: str, *, index: int = 0, agent: str | None = None
) -> Iterator[StepNote]:
    """Publish `WorkflowStepStarted` / `WorkflowStepFinished` around one step of `workflow`.

    Yields:
        A `StepNote` the step may fill in with its outcome.
    """
    note = StepNote()
    events = workflow.events
    if events is None or not events.has_subscribers:
        yield note
        return
    name = workflow.name
    events.publish(
        WorkflowStepStarted(workflow=name, kind=kind, step=step, index=index, agent=agent)
    )
    started = time.perf_counter()
    error = error_type = ""
    try:
        yield note
    except BaseException as exc:
        error, error_type = str(exc).split("\n", 1)[0], type(exc).__name__
        raise
    finally:
        events.publish(
            WorkflowStepFinished(
                workflow=name,
                kind=kind,
                step=step,
                index=index,
                agent=agent,
                detail=note.detail,
                error=error,
                error_type=error_type,
                duration=time.perf_counter() - started,
            )
        )


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
