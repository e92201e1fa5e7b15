"""The DBOS side of durable execution: the one workflow function and the step runner.

Imported only by `DurableEngine.launch` (it imports ``dbos``). The workflow is registered
with DBOS when this module is imported, before DBOS launches, so that a process recovering
pending work finds it by name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Final

from dbos import DBOS
from dbos._context import get_local_dbos_context

from fastagent.durable.errors import DurableError
from fastagent.durable.portable_errors import mark
from fastagent.messages import Message, ToolCall, ToolResult
from fastagent.steps import StepOutcome, current_step, enter_step, use_steps

__all__ = ["HANDLERS", "RUNNING", "WORKFLOW_NAME", "DbosSteps", "turn_workflow"]

WORKFLOW_NAME: Final = "fastagent.turn"

TurnHandler = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]

HANDLERS: dict[str, TurnHandler] = {}
"""What each workflow's ``handler`` input names, registered by the app before launch."""

RUNNING: set[asyncio.Task[Any]] = set()
"""The tasks of the workflows running in this process (`DurableEngine.stop` cancels them)."""


class DbosSteps:
    """Runs model calls and tool calls as DBOS steps whose results are history dicts.

    A step that runs returns its own value; only a replayed step's value is rebuilt from
    the recorded dict (the history format is lossless, so both are the same).
    """

    async def model_step(
        self, call: Callable[[], Awaitable[Message]], *, model: str
    ) -> StepOutcome[Message]:
        """Run one model call as a step (or read back its recorded reply)."""
        made: list[Message] = []

        async def run() -> dict[str, Any]:
            made.append(await call())
            return made[0].to_dict()

        data, replayed, step, workflow = await _run_step(f"model {model}", run)
        reply = made[0] if made and not replayed else Message.from_dict(data)
        return StepOutcome(reply, replayed, step, workflow)

    async def tool_step(
        self, call: Callable[[], Awaitable[ToolResult]], tool_call: ToolCall
    ) -> StepOutcome[ToolResult]:
        """Run one tool call as a step (or read back its recorded result)."""
        made: list[ToolResult] = []

        async def run() -> dict[str, Any]:
            made.append(await call())
            return made[0].model_dump(mode="json", by_alias=True, exclude_none=True)

        data, replayed, step, workflow = await _run_step(f"tool {tool_call.name}", run)
        result = made[0] if made and not replayed else ToolResult.model_validate(data)
        return StepOutcome(result, replayed, step, workflow)


async def _run_step(
    name: str, run: Callable[[], Awaitable[dict[str, Any]]]
) -> tuple[dict[str, Any], bool, int, str]:
    ctx = get_local_dbos_context()
    if ctx is None or not ctx.is_workflow():
        # Inside a step already (an agent used as a tool): part of that step, not its own.
        outer = current_step()
        if outer is None:
            return await run(), False, 0, ""
        return await run(), False, outer.step, outer.workflow_id
    workflow = ctx.workflow_id or ""
    step = ctx.function_id + 1
    ran = False

    async def body() -> dict[str, Any]:
        nonlocal ran
        ran = True
        undo = enter_step(workflow, step)
        try:
            return await run()
        finally:
            undo()

    # No DBOS retries: the provider's own retry policy runs inside the step. Preemptible:
    # when the workflow is cancelled (by a fail-fast parallel, its timeout, or `fastagent
    # durable cancel`), a call in flight is cancelled within DBOS's poll (about a second)
    # instead of running on to its end.
    options: Any = {"name": name, "retries_allowed": False, "preemptible": True}
    result = await DBOS.run_step_async(options, body)
    return result, not ran, step, workflow


@DBOS.workflow(name=WORKFLOW_NAME)
async def turn_workflow(handler: str, payload: dict[str, Any]) -> dict[str, Any]:
    """One durable turn: run the registered `handler` on `payload` with durable steps."""
    run = HANDLERS.get(handler)
    if run is None:
        raise DurableError(
            f"durable workflow needs handler {handler!r}, which this process does not have",
            hint="run the same script (same agents) that started the workflow",
        )
    task = asyncio.current_task()
    if task is not None:
        RUNNING.add(task)
    undo = use_steps(DbosSteps())
    try:
        return await run(payload)
    except Exception as exc:
        mark(exc)  # stored with its type, message, hint and fields (portable_errors)
        raise
    finally:
        undo()
        RUNNING.discard(task)
