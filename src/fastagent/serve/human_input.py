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
``no`` or ``always``). Either way the client has ``serve.answer_timeout`` seconds to answer.
A client that cannot be asked (no elicitation capability), or does not answer a related
request in time, gets a clear error result (a denial, for an approval) the model reads. A
turn parked for a retry that does not come in time is cancelled and forgotten (history
unchanged), as is the oldest one when more than ``serve.max_open_questions`` are parked; a
retry naming a forgotten ``request_state`` gets an ``invalid params`` error and never runs
the message again. A cancelled call waits (briefly) for its turn to finish cleaning up.
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
    "CANCEL_GRACE",
    "EXPIRED_STATE_REASON",
    "MAX_OPEN_QUESTIONS",
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
"""Default seconds a client has to answer a question (``serve.answer_timeout``): a turn
asking over a related request goes on without the answer; a turn parked for a retry is
cancelled and forgotten, so an abandoned question never holds the session or the server."""

MAX_OPEN_QUESTIONS: int = 100
"""Default number of turns parked for a retry at once (``serve.max_open_questions``); one
more cancels the oldest, whose client's retry then gets the expired-question error."""

SHUTDOWN_GRACE: float = 5.0
"""Seconds `PendingTurns.aclose` waits for cancelled turns to finish."""

CANCEL_GRACE: float = 5.0
"""Seconds a cancelled tool call waits for its turn's cleanup before it returns."""

EXPIRED_STATE_REASON = "invalid_request_state"
"""The ``data.reason`` of the error a retry with an unknown ``request_state`` gets (as the
MCP SDK's own request-state check says it)."""

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


@dataclass(eq=False)
class _Turn:
    """A tool call's turn, run as a task so it can wait for its client's answers."""

    timeout: float
    tool: str
    task: asyncio.Task[types.CallToolResult] | None = None
    questions: asyncio.Queue[_Question] = field(default_factory=asyncio.Queue)
    waiting: _Question | None = None
    expiry: asyncio.TimerHandle | None = None  # set while parked for a retry


class PendingTurns:
    """The turns of the served tool calls; those waiting for an answer by ``request_state``.

    A turn parked for a retry is cancelled and forgotten when its client does not retry
    within `answer_timeout` seconds, or when `max_open` newer turns are parked; a retry
    naming a forgotten (or never issued) ``request_state`` is an ``invalid params`` error,
    never a new turn.

    Args:
        answer_timeout: Seconds a client has to answer a question.
        max_open: Turns parked for a retry at once; one more cancels the oldest.
        cancel_grace: Seconds a cancelled call waits for its turn to end.
    """

    def __init__(
        self,
        *,
        answer_timeout: float = ANSWER_TIMEOUT,
        max_open: int = MAX_OPEN_QUESTIONS,
        cancel_grace: float = CANCEL_GRACE,
    ) -> None:
        self.answer_timeout = answer_timeout
        self.max_open = max_open
        self.cancel_grace = cancel_grace
        self._turns: dict[str, _Turn] = {}
        self._running: set[asyncio.Task[types.CallToolResult]] = set()

    @property
    def parked(self) -> int:
        """How many turns wait for their client to retry with an answer."""
        return len(self._turns)

    @property
    def running(self) -> int:
        """How many turns have not ended (parked ones included)."""
        return len(self._running)

    async def run_with_input(
        self,
        ctx: Any,
        params: types.CallToolRequestParams,
        run: Callable[[], Awaitable[types.CallToolResult]],
    ) -> types.CallToolResult | types.InputRequiredResult:
        """Run (or resume) a tool call whose agent may ask the user.

        Returns:
            The tool's result, or an `InputRequiredResult` carrying the agent's question.

        Raises:
            MCPError: ``invalid params``: the call is a retry whose ``request_state`` names
                no parked turn (expired, dropped, answered already, or never issued).
        """
        state = params.request_state
        if state:
            return await self._next(self._resume(state, params))
        turn = _Turn(self.answer_timeout, params.name)
        token = current_request.set(ctx)
        turn_token = _current_turn.set(turn)
        try:  # the task copies this context: its questions reach `turn`
            task = asyncio.ensure_future(_in_turn(run))
        finally:
            _current_turn.reset(turn_token)
            current_request.reset(token)
        turn.task = task
        self._running.add(task)
        task.add_done_callback(self._finished)
        return await self._next(turn)

    def _finished(self, task: asyncio.Task[types.CallToolResult]) -> None:
        self._running.discard(task)
        # A dropped or abandoned turn's error has no reader: log it (once) instead of
        # asyncio's "exception was never retrieved" at garbage collection.
        if not task.cancelled() and (error := task.exception()) is not None:
            _log.debug("a served turn ended with %s", type(error).__name__, exc_info=error)

    def _resume(self, state: str, params: types.CallToolRequestParams) -> _Turn:
        turn = self._turns.get(state)
        if turn is not None and turn.tool != params.name:
            from mcp.shared.exceptions import MCPError

            raise MCPError(
                types.INVALID_PARAMS,
                f"tool '{params.name}': this request_state answers a question of tool "
                f"'{turn.tool}'; retry that tool with it",
                data={"reason": EXPIRED_STATE_REASON},
            )
        self._turns.pop(state, None)
        if turn is None:
            from mcp.shared.exceptions import MCPError

            raise MCPError(
                types.INVALID_PARAMS,
                f"tool '{params.name}': the question this request_state answers has "
                f"expired or was already answered (questions are kept {self.answer_timeout:g}s, "
                f"at most {self.max_open} at once); call the tool again without "
                "request_state to start a new turn",
                data={"reason": EXPIRED_STATE_REASON},
            )
        if turn.expiry is not None:
            turn.expiry.cancel()
            turn.expiry = None
        waiting, turn.waiting = turn.waiting, None
        if waiting is not None and not waiting.answer.done():
            answer = (params.input_responses or {}).get(waiting.key)
            if isinstance(answer, types.ElicitResult):
                waiting.answer.set_result(answer)
            else:
                waiting.answer.set_result(types.ElicitResult(action="cancel"))
        return turn

    async def _next(self, turn: _Turn) -> types.CallToolResult | types.InputRequiredResult:
        task = turn.task
        assert task is not None
        question = asyncio.ensure_future(turn.questions.get())
        try:
            done, _ = await asyncio.wait({task, question}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:  # the call was cancelled: so is its turn
            question.cancel()
            task.cancel()
            await self._wait_ended(task)
            raise
        if task in done:
            question.cancel()
            return task.result()
        asked = question.result()
        turn.waiting = asked
        state = secrets.token_urlsafe(16)
        self._park(state, turn)
        request = types.ElicitRequest(
            params=types.ElicitRequestFormParams(
                message=asked.message, requested_schema=asked.schema
            )
        )
        return types.InputRequiredResult(input_requests={asked.key: request}, request_state=state)

    def _park(self, state: str, turn: _Turn) -> None:
        while len(self._turns) >= self.max_open:
            oldest = next(iter(self._turns))
            _log.warning(
                "more than %d questions wait for a retry: the oldest is dropped", self.max_open
            )
            self._drop(oldest)
        turn.expiry = asyncio.get_running_loop().call_later(
            self.answer_timeout, self._expire, state
        )
        self._turns[state] = turn

    def _expire(self, state: str) -> None:
        if state in self._turns:
            _log.info(
                "a question was not answered within %gs: its turn is cancelled", self.answer_timeout
            )
            self._drop(state)

    def _drop(self, state: str) -> None:
        """Forget parked turn `state` and cancel it (it ends in the background, tracked)."""
        turn = self._turns.pop(state)
        if turn.expiry is not None:
            turn.expiry.cancel()
            turn.expiry = None
        if turn.task is not None:
            turn.task.cancel()

    async def _wait_ended(self, task: asyncio.Task[types.CallToolResult]) -> None:
        """Wait up to `cancel_grace` for cancelled `task`, even inside a cancelled scope."""
        import anyio

        with anyio.CancelScope(shield=True), anyio.move_on_after(self.cancel_grace):
            await asyncio.wait({task})
        if not task.done():
            _log.warning("a cancelled turn did not end within %gs", self.cancel_grace)

    async def aclose(self, grace: float = SHUTDOWN_GRACE) -> None:
        """Cancel every running turn and wait up to `grace` seconds for them to end."""
        for state in list(self._turns):
            self._drop(state)
        tasks = list(self._running)
        for task in tasks:
            task.cancel()
        if not tasks:
            return
        _, stuck = await asyncio.wait(tasks, timeout=grace)
        if stuck:
            _log.warning("%d served turns did not end within %gs of shutdown", len(stuck), grace)


async def _in_turn(run: Callable[[], Awaitable[types.CallToolResult]]) -> types.CallToolResult:
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
        # No timeout here: `PendingTurns` cancels the whole turn when the client does not
        # retry within the answer timeout (nobody would read what the turn did next).
        return await answer
    except TimeoutError:
        raise HumanInputUnavailable(f"the client did not answer within {timeout:g}s") from None
