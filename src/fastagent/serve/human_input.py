"""Human input and approvals under ``fastagent serve``: questions become MCP elicitations.

`elicit_human_input` is the serve run's `RunOptions.human_input` and `elicit_approval` its
`RunOptions.approver`. Each asks the client whose tool call is running the agent, in the way
the session's protocol allows:

- a connection that can carry server-initiated requests (protocol 2025-11-25 and earlier)
  gets an ``elicitation/create`` request related to the tool call;
- on 2026-07-28+ (no server-initiated requests) the turn keeps running in the background
  and the tool call answers with an ``InputRequiredResult`` holding the elicitation and a
  ``request_state``; the client retries the call with the answer, and the turn goes on
  (`run_with_input`).

A question has one string field, ``answer``; an approval one field ``decision`` (``yes``,
``no`` or ``always``). Either way the client has ``serve.answer_timeout`` seconds to answer;
a client that cannot be asked (no elicitation capability) or does not answer gets a clear
error result (a denial, for an approval) the model reads.
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
from collections.abc import Awaitable, Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mcp_types as types

from fastagent.tools.human_input import HumanInputRequest, HumanInputUnavailable

if TYPE_CHECKING:
    from fastagent.tools.approval import ApprovalRequest

__all__ = [
    "ANSWER_SCHEMA",
    "ANSWER_TIMEOUT",
    "APPROVAL_SCHEMA",
    "SHUTDOWN_GRACE",
    "PendingTurns",
    "current_request",
    "elicit_approval",
    "elicit_human_input",
]

ANSWER_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"answer": {"type": "string", "description": "Your answer"}},
    "required": ["answer"],
}
"""What the client is asked for a question."""

APPROVAL_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "decision": {
            "type": "string",
            "enum": ["yes", "no", "always"],
            "description": "yes: run it; always: run it and do not ask again; no: refuse it",
        }
    },
    "required": ["decision"],
}
"""What the client is asked for an approval."""

ANSWER_TIMEOUT: float = 600.0
"""Default seconds a turn waits for the client's answer (``serve.answer_timeout``) before it
goes on without one, so an abandoned question never holds the session."""

SHUTDOWN_GRACE: float = 5.0
"""Seconds `PendingTurns.aclose` waits for cancelled turns to finish."""

_log = logging.getLogger("fastagent.serve")

current_request: ContextVar[Any] = ContextVar("fastagent_serve_request", default=None)
"""The MCP request context of the tool call being served (None outside one)."""

_current_turn: ContextVar[_Turn | None] = ContextVar("fastagent_serve_turn", default=None)


@dataclass(frozen=True)
class _Question:
    key: str  # the ``input_requests`` key the answer comes back under
    message: str
    schema: dict[str, Any]
    answer: asyncio.Future[types.ElicitResult]


@dataclass
class _Turn:
    """A tool call's turn, run as a task so it can wait for its client's answers."""

    task: asyncio.Task[types.CallToolResult]
    timeout: float
    questions: asyncio.Queue[_Question] = field(default_factory=asyncio.Queue)
    waiting: _Question | None = None


class PendingTurns:
    """The turns of the served tool calls; those waiting for an answer by ``request_state``.

    Args:
        answer_timeout: Seconds a turn waits for its client's answer.
    """

    def __init__(self, *, answer_timeout: float = ANSWER_TIMEOUT) -> None:
        self.answer_timeout = answer_timeout
        self._turns: dict[str, _Turn] = {}
        self._running: set[asyncio.Task[types.CallToolResult]] = set()

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
            turn = _Turn(task, self.answer_timeout)
            _turns_by_task[task] = turn
            self._running.add(task)
            task.add_done_callback(self._finished)
        else:
            waiting, turn.waiting = turn.waiting, None
            if waiting is not None and not waiting.answer.done():
                answer = (params.input_responses or {}).get(waiting.key)
                if isinstance(answer, types.ElicitResult):
                    waiting.answer.set_result(answer)
                else:
                    waiting.answer.set_result(types.ElicitResult(action="cancel"))
        return await self._next(turn)

    def _finished(self, task: asyncio.Task[types.CallToolResult]) -> None:
        self._running.discard(task)
        _turns_by_task.pop(task, None)

    async def _next(self, turn: _Turn) -> types.CallToolResult | types.InputRequiredResult:
        question = asyncio.ensure_future(turn.questions.get())
        try:
            done, _ = await asyncio.wait({turn.task, question}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # the call was cancelled: so is its turn
            question.cancel()
            turn.task.cancel()
            raise
        if turn.task in done:
            question.cancel()
            return turn.task.result()
        asked = question.result()
        turn.waiting = asked
        state = secrets.token_urlsafe(16)
        self._turns[state] = turn
        request = types.ElicitRequest(
            params=types.ElicitRequestFormParams(
                message=asked.message, requested_schema=asked.schema
            )
        )
        return types.InputRequiredResult(input_requests={asked.key: request}, request_state=state)

    @property
    def running(self) -> int:
        """How many turns are running (waiting for an answer or not)."""
        return len(self._running)

    async def aclose(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Cancel every running turn and wait up to `grace` seconds for them to end."""
        self._turns = {}
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        _, stuck = await asyncio.wait(tasks, timeout=grace)
        if stuck:
            _log.warning("%d served turns did not end within %gs of shutdown", len(stuck), grace)


_turns_by_task: dict[asyncio.Future[Any], _Turn] = {}


async def _in_turn(run: Callable[[], Awaitable[types.CallToolResult]]) -> types.CallToolResult:
    task = asyncio.current_task()
    _current_turn.set(_turns_by_task.get(task) if task is not None else None)
    return await run()


async def elicit_human_input(request: HumanInputRequest) -> str:
    """Ask the client of the current tool call; returns its ``answer``.

    Raises:
        HumanInputUnavailable: Not inside a client's call, the client does not support
            elicitation or did not answer in time, or the user declined or cancelled.
    """
    message = f"{request.agent} asks: {request.question}"
    result = await _ask_client("human_input", message, ANSWER_SCHEMA)
    if result.action != "accept":
        raise HumanInputUnavailable(f"the user chose to {result.action} the question")
    answer = (result.content or {}).get("answer")
    if not isinstance(answer, str):
        raise HumanInputUnavailable("the client's answer has no 'answer' text")
    return answer


async def elicit_approval(request: ApprovalRequest) -> str:
    """Ask the client of the current tool call to approve a tool call (``approve: ask``).

    Returns:
        ``yes``, ``always``, ``no``, or the reason the client could not be asked (the
        model reads it in the denial).
    """
    arguments = json.dumps(request.arguments, ensure_ascii=False)
    if len(arguments) > _ARGUMENTS_SHOWN:
        arguments = arguments[:_ARGUMENTS_SHOWN] + "..."
    message = f"{request.agent} wants to call {request.tool} with {arguments}. Allow it?"
    try:
        result = await _ask_client("approval", message, APPROVAL_SCHEMA)
    except HumanInputUnavailable as exc:
        return f"it needs the user's approval and the MCP client could not be asked: {exc}"
    if result.action != "accept":
        return f"the user chose to {result.action} the approval"
    decision = (result.content or {}).get("decision")
    if decision not in ("yes", "no", "always"):
        return "the client's answer has no 'decision' (yes, no or always)"
    return str(decision)


_ARGUMENTS_SHOWN = 2000


async def _ask_client(key: str, message: str, schema: dict[str, Any]) -> types.ElicitResult:
    ctx = current_request.get()
    if ctx is None:
        raise HumanInputUnavailable("no MCP client request is being served")
    capabilities = getattr(ctx.session, "client_capabilities", None)
    if capabilities is None or getattr(capabilities, "elicitation", None) is None:
        raise HumanInputUnavailable("the MCP client does not support elicitation")
    turn = _current_turn.get()
    timeout = turn.timeout if turn is not None else ANSWER_TIMEOUT
    try:
        if getattr(ctx.session, "can_send_request", False):
            return await asyncio.wait_for(
                ctx.session.elicit_form(
                    message=message, requested_schema=schema, related_request_id=ctx.request_id
                ),
                timeout,
            )
        if turn is None:
            raise HumanInputUnavailable("this request cannot carry a question to the client")
        answer: asyncio.Future[types.ElicitResult] = asyncio.get_running_loop().create_future()
        await turn.questions.put(_Question(key, message, schema, answer))
        return await asyncio.wait_for(answer, timeout)
    except TimeoutError:
        raise HumanInputUnavailable(f"the client did not answer within {timeout:g}s") from None
