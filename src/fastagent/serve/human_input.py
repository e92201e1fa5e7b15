"""Human input under ``fastagent serve``: an agent's question becomes an MCP elicitation.

`elicit_human_input` is the serve run's `RunOptions.human_input`. It asks the client whose
tool call is running the agent, in the way the session's protocol allows:

- a connection that can carry server-initiated requests (protocol 2025-11-25 and earlier)
  gets an ``elicitation/create`` request related to the tool call;
- on 2026-07-28+ (no server-initiated requests) the turn keeps running in the background
  and the tool call answers with an ``InputRequiredResult`` holding the elicitation and a
  ``request_state``; the client retries the call with the answer, and the turn goes on
  (`run_with_input`).

Either way the question has one string field, ``answer``.
"""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

import mcp_types as types

from fastagent.tools.human_input import HumanInputRequest, HumanInputUnavailable

__all__ = [
    "ANSWER_SCHEMA",
    "ANSWER_TIMEOUT",
    "PendingTurns",
    "current_request",
    "elicit_human_input",
]

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "description": "Your answer"}},
    "required": ["answer"],
}
"""What the client is asked for."""

ANSWER_TIMEOUT: float = 600.0
"""Seconds a turn waits for the client to retry with the answer (2026-07-28+) before it goes
on without one, so an abandoned question never holds the session."""

current_request: ContextVar[Any] = ContextVar("fastagent_serve_request", default=None)
"""The MCP request context of the tool call being served (None outside one)."""

_current_turn: ContextVar[_Turn | None] = ContextVar("fastagent_serve_turn", default=None)
_KEY = "human_input"


@dataclass
class _Turn:
    """A turn running in the background while its client is asked (2026-07-28+)."""

    task: asyncio.Task[types.CallToolResult]
    questions: asyncio.Queue[tuple[str, asyncio.Future[types.ElicitResult]]] = field(
        default_factory=asyncio.Queue
    )
    waiting: asyncio.Future[types.ElicitResult] | None = None


class PendingTurns:
    """Turns waiting for a client's answer, by ``request_state``."""

    def __init__(self) -> None:
        self._turns: dict[str, _Turn] = {}

    async def run_with_input(
        self,
        ctx: Any,
        params: types.CallToolRequestParams,
        run: Callable[[], Awaitable[types.CallToolResult]],
    ) -> types.CallToolResult | types.InputRequiredResult:
        """Run (or resume) a tool call whose agent may ask the user.

        Returns:
            The tool's result, or an `InputRequiredResult` carrying the agent's question.
        """
        state = params.request_state
        turn = self._turns.pop(state, None) if state else None
        if turn is None:
            token = current_request.set(ctx)
            try:
                task = asyncio.ensure_future(_in_turn(run))
            finally:
                current_request.reset(token)
            turn = _Turn(task)
            _turns_by_task[task] = turn
        else:
            answer = (params.input_responses or {}).get(_KEY)
            waiting, turn.waiting = turn.waiting, None
            if waiting is not None and not waiting.done():
                if isinstance(answer, types.ElicitResult):
                    waiting.set_result(answer)
                else:
                    waiting.set_result(types.ElicitResult(action="cancel"))
        return await self._next(turn)

    async def _next(self, turn: _Turn) -> types.CallToolResult | types.InputRequiredResult:
        question = asyncio.ensure_future(turn.questions.get())
        done, _ = await asyncio.wait({turn.task, question}, return_when=asyncio.FIRST_COMPLETED)
        if turn.task in done:
            question.cancel()
            _turns_by_task.pop(turn.task, None)
            return turn.task.result()
        message, future = question.result()
        turn.waiting = future
        state = secrets.token_urlsafe(16)
        self._turns[state] = turn
        request = types.ElicitRequest(
            params=types.ElicitRequestFormParams(message=message, requested_schema=ANSWER_SCHEMA)
        )
        return types.InputRequiredResult(input_requests={_KEY: request}, request_state=state)

    async def aclose(self) -> None:
        """Cancel the turns still waiting for an answer."""
        turns, self._turns = list(self._turns.values()), {}
        for turn in turns:
            turn.task.cancel()
        for turn in turns:
            try:
                await turn.task
            except BaseException:  # the turn was abandoned; its error is moot
                continue


_turns_by_task: dict[asyncio.Future[Any], _Turn] = {}


async def _in_turn(run: Callable[[], Awaitable[types.CallToolResult]]) -> types.CallToolResult:
    task = asyncio.current_task()
    _current_turn.set(_turns_by_task.get(task) if task is not None else None)
    return await run()


async def elicit_human_input(request: HumanInputRequest) -> str:
    """Ask the client of the current tool call; returns its ``answer``.

    Raises:
        HumanInputUnavailable: Not inside a client's call, the client does not support
            elicitation, or the user declined or cancelled.
    """
    ctx = current_request.get()
    if ctx is None:
        raise HumanInputUnavailable("no MCP client request is being served")
    capabilities = getattr(ctx.session, "client_capabilities", None)
    if capabilities is None or getattr(capabilities, "elicitation", None) is None:
        raise HumanInputUnavailable("the MCP client does not support elicitation")
    message = f"{request.agent} asks: {request.question}"
    if getattr(ctx.session, "can_send_request", False):
        result = await ctx.session.elicit_form(
            message=message, requested_schema=ANSWER_SCHEMA, related_request_id=ctx.request_id
        )
    else:
        turn = _current_turn.get()
        if turn is None:
            raise HumanInputUnavailable("this request cannot carry a question to the client")
        future: asyncio.Future[types.ElicitResult] = asyncio.get_running_loop().create_future()
        await turn.questions.put((message, future))
        try:
            result = await asyncio.wait_for(future, ANSWER_TIMEOUT)
        except TimeoutError:
            raise HumanInputUnavailable(
                f"the client did not answer within {ANSWER_TIMEOUT:g}s"
            ) from None
    if result.action != "accept":
        raise HumanInputUnavailable(f"the user chose to {result.action} the question")
    answer = (result.content or {}).get("answer")
    if not isinstance(answer, str):
        raise HumanInputUnavailable("the client's answer has no 'answer' text")
    return answer
