"""Steps: the seam where durable execution wraps each model call and tool call.

The tool loop (`fastagent.llm.augmented`) runs every model call and every tool call through
the `StepRunner` active in the running task, when there is one; `fastagent.durable` installs
one inside a durable workflow, which records each step's result and, after a crash, returns
the recorded result instead of running the step again. Outside a durable workflow there is
none and the loop calls the model and the tools directly.

A tool reads the key that identifies its step, stable across a replay, with
`idempotency_key` (``"<workflow id>:<step number>"``), to make its side effect once only.
"""

from __future__ import annotations

import warnings
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, Protocol, TypeVar

if TYPE_CHECKING:
    from fastagent.messages import Message, ToolCall, ToolResult

__all__ = [
    "StepContext",
    "StepOutcome",
    "StepRunner",
    "active_steps",
    "current_step",
    "enter_step",
    "idempotency_key",
    "set_idempotency_key",
    "use_steps",
]

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class StepOutcome(Generic[T]):
    """What a step returned, and whether it was replayed from the record.

    Attributes:
        value: The step's result.
        replayed: True when the result was read back from an earlier run (the call was not
            made again; its usage was already counted then).
        step: The step's number within its workflow.
        workflow_id: The workflow the step belongs to.
    """

    value: T
    replayed: bool
    step: int
    workflow_id: str


@dataclass(frozen=True, slots=True)
class StepContext:
    """The durable step running now.

    Attributes:
        workflow_id: The workflow the step belongs to (the turn's key).
        step: The step's number within its workflow.
    """

    workflow_id: str
    step: int


class StepRunner(Protocol):
    """Runs model calls and tool calls as recorded steps."""

    async def model_step(
        self, call: Callable[[], Awaitable[Message]], *, model: str
    ) -> StepOutcome[Message]:
        """Run one model call (`call`) as a step; `model` names it in the record."""
        ...

    async def tool_step(
        self, call: Callable[[], Awaitable[ToolResult]], tool_call: ToolCall
    ) -> StepOutcome[ToolResult]:
        """Run one tool call (`call`, for `tool_call`) as a step."""
        ...


_STEPS: ContextVar[StepRunner | None] = ContextVar("fastagent_steps", default=None)
_KEY: ContextVar[str | None] = ContextVar("fastagent_idempotency_key", default=None)
_STEP: ContextVar[StepContext | None] = ContextVar("fastagent_step", default=None)


def active_steps() -> StepRunner | None:
    """The step runner of the running task (inside a durable workflow), or None."""
    return _STEPS.get()


def use_steps(runner: StepRunner | None) -> Callable[[], None]:
    """Make `runner` the running task's step runner; returns the function that undoes it."""
    token = _STEPS.set(runner)
    return lambda: _STEPS.reset(token)


def set_idempotency_key(key: str | None) -> Callable[[], None]:
    """Set the key `idempotency_key` returns in this task; returns the function undoing it.

    Deprecated: use `enter_step`, which sets the key together with `current_step`. This
    function warns (`DeprecationWarning`) and will be removed in a later release.
    """
    warnings.warn(
        "fastagent.steps.set_idempotency_key is deprecated: use enter_step(workflow_id, step)",
        DeprecationWarning,
        stacklevel=2,
    )
    token = _KEY.set(key)
    return lambda: _KEY.reset(token)


def enter_step(workflow_id: str, step: int) -> Callable[[], None]:
    """Mark step `step` of `workflow_id` as running in this task; returns its undo.

    `current_step` and `idempotency_key` read it.
    """
    step_token = _STEP.set(StepContext(workflow_id, step))
    key_token = _KEY.set(f"{workflow_id}:{step}")

    def undo() -> None:
        _KEY.reset(key_token)
        _STEP.reset(step_token)

    return undo


def current_step() -> StepContext | None:
    """The durable step running in this task (a tool call inside it sees it), or None."""
    return _STEP.get()


def idempotency_key() -> str | None:
    """The key of the step running now: ``"<workflow id>:<step>"``, the same on a replay.

    A tool with a side effect (a payment, an e-mail) passes it on to make the effect once
    only: a step in flight at a crash runs again. None outside a durable workflow.
    """
    return _KEY.get()
