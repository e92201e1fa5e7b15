"""The parallel workflow: the same message to several agents at once, results kept by name.

Every branch (``fan_out`` member) gets the message concurrently, at most ``max_concurrency``
at a time, each within ``branch_timeout`` seconds. With ``distributed=True``, inside a durable
turn (a key was sent), each branch is instead a child workflow on the durable queue
``parallel``, run by any worker of the database, and a finished branch is never run again
after a crash (docs/durable.md); ``max_concurrency``, ``branch_timeout`` and ``on_error`` hold
there too, over all workers, with the same results and errors. Failures follow ``on_error``:

- ``"fail_fast"`` (default): the first failure cancels the other branches and is raised as is
  (a timeout as `WorkflowTimeoutError`).
- ``"collect"``: a failed branch's result reads ``error: <ErrorType>: <message>`` and the
  other branches carry on.

Each branch's result is one block, in ``fan_out`` order::

    <response agent="optimist">
    It will work.
    </response>

Without ``fan_in`` the reply holds one text block per branch (so its text is the blocks
joined by newlines). With ``fan_in`` that agent is sent the request (unless
``include_request=False``) and the blocks, and its reply is the workflow's reply::

    The request:
    <request>
    Will it work?
    </request>

    The responses of 2 agents:
    <response agent="optimist">
    ...
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

from fastagent.agents.base import BaseAgent
from fastagent.agents.workflows._common import first_leaf
from fastagent.exceptions import FastAgentError, UserError, WorkflowTimeoutError

if TYPE_CHECKING:
    from fastagent.llm.augmented import MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, Usage

__all__ = [
    "ON_ERROR_POLICIES",
    "BranchResult",
    "OnError",
    "ParallelAgent",
    "ParallelResult",
    "fan_in_message",
    "response_block",
    "settings_problems",
]

OnError = Literal["fail_fast", "collect"]
"""What a failed branch does: cancel the others and raise, or become an error entry."""

ON_ERROR_POLICIES: Final[tuple[OnError, ...]] = ("fail_fast", "collect")
"""The accepted ``on_error`` values."""


@dataclass
class BranchResult:
    """What one branch produced: its reply, or the error it failed with.

    Attributes:
        name: The branch agent's name.
        reply: Its reply, or None when it failed.
        error: The failure (collect mode only), or None.
    """

    name: str
    reply: Message | None = None
    error: Exception | None = None

    @property
    def text(self) -> str:
        """The reply's text, or ``error: <ErrorType>: <message>``."""
        if self.reply is not None:
            return self.reply.text
        error = self.error
        detail = error.message if isinstance(error, FastAgentError) else str(error)
        return f"error: {type(error).__name__}: {detail}"


@dataclass(frozen=True)
class ParallelResult:
    """The reply of one parallel run, with what each branch produced.

    Attributes:
        reply: The workflow's reply (the fan-in agent's, or every branch's block).
        branches: Each branch's result, in ``fan_out`` order.
    """

    reply: Message
    branches: tuple[BranchResult, ...]


def response_block(name: str, text: str) -> str:
    """One branch's result as it appears in replies and fan-in messages."""
    return f'<response agent="{name}">\n{text}\n</response>'


def fan_in_message(request: str | None, results: Sequence[BranchResult]) -> str:
    """The message the fan-in agent gets: the request (when given), then every result."""
    parts: list[str] = []
    if request is not None:
        parts.append(f"The request:\n<request>\n{request}\n</request>\n")
    parts.append(f"The responses of {len(results)} agents:")
    parts.extend(response_block(r.name, r.text) for r in results)
    return "\n".join(parts)


class ParallelAgent(BaseAgent):
    """Sends each message to every branch concurrently, then combines the results.

    Args:
        name: The workflow's name.
        fan_out: The branch agents (distinct names).
        fan_in: The agent that combines the results, or None to reply with them all.
        include_request: Show the fan-in agent the original request too.
        max_concurrency: The most branches running at once (None: all).
        branch_timeout: Seconds each branch may take (None: no limit).
        on_error: ``"fail_fast"`` or ``"collect"`` (see the module docs).
        distributed: Inside a durable turn, run the branches as child workflows on the
            durable queue ``parallel`` (see the module docs; the other settings hold).

    Raises:
        UserError: No branches, repeated branch names, or an invalid setting.
    """

    def __init__(
        self,
        name: str,
        fan_out: Sequence[BaseAgent],
        *,
        fan_in: BaseAgent | None = None,
        include_request: bool = True,
        max_concurrency: int | None = None,
        branch_timeout: float | None = None,
        on_error: OnError = "fail_fast",
        distributed: bool = False,
    ) -> None:
        problems = settings_problems(
            name,
            [a.name for a in fan_out],
            max_concurrency,
            branch_timeout,
            on_error,
            fan_in.name if fan_in is not None else None,
        )
        if problems:
            raise UserError(problems[0], hint="fix the parallel workflow's settings")
        self.name = name
        self.model = "parallel"
        self.fan_out = list(fan_out)
        self.fan_in = fan_in
        self.include_request = include_request
        self.max_concurrency = max_concurrency
        self.branch_timeout = branch_timeout
        self.on_error: OnError = on_error
        self.distributed = distributed
        self._spent: Usage | None = None

    @property
    def instruction(self) -> str | None:
        """What the workflow does, naming its branches."""
        names = ", ".join(a.name for a in self.fan_out)
        combined = f", combined by {self.fan_in.name}" if self.fan_in is not None else ""
        return f"Asks {names} in parallel{combined}."

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Run every branch on `messages` and return the combined reply (see `run`)."""
        return (await self.run(messages, params)).reply

    async def run(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> ParallelResult:
        """Run every branch on `messages`; return the combined reply and each branch's result.

        `params` go to every branch and to the fan-in agent, except that only the fan-in
        agent gets a ``response_format``. The reply's usage is the sum of every branch reply
        and the fan-in reply. Cancelling the call cancels every branch.
        Concurrent calls each get their own result.

        Raises:
            FastAgentError: In fail-fast mode, the first branch failure (as is).
            WorkflowTimeoutError: In fail-fast mode, a branch exceeded ``branch_timeout``.
        """
        from fastagent.agents.workflows._common import published_run

        with published_run(self, "parallel"):
            return await self._run(messages, params)

    async def _run(self, messages: MessageInput, params: RequestParams | None) -> ParallelResult:
        from fastagent.agents.workflows._common import (
            for_inner_members,
            published_step,
            sum_usage,
        )
        from fastagent.agents.workflows._workflow_llm import request_text
        from fastagent.messages import Message, TextContent

        results = tuple(await self._run_branches(messages, for_inner_members(params)))
        branch_replies = [r.reply for r in results]
        if self.fan_in is not None:
            request = request_text(messages) if self.include_request else None
            with published_step(self, "parallel", "fan_in", agent=self.fan_in.name):
                combined = await self.fan_in.generate(fan_in_message(request, results), params)
            spent = sum_usage([*branch_replies, combined])
            self._add_usage(spent)
            return ParallelResult(combined.model_copy(update={"usage": spent}), results)
        spent = sum_usage(branch_replies)
        self._add_usage(spent)
        blocks = [TextContent(text=response_block(r.name, r.text)) for r in results]
        reply = Message.assistant(*blocks)
        reply.model = self.model
        reply.usage = spent
        return ParallelResult(reply, results)

    @property
    def usage(self) -> Usage:
        """The usage of every branch and fan-in reply this workflow has received."""
        from fastagent.agents.workflows._common import zero_usage

        return self._spent if self._spent is not None else zero_usage()

    async def _run_branches(
        self, messages: MessageInput, params: RequestParams | None
    ) -> list[BranchResult]:
        if self.distributed:
            from fastagent.agents.durable_turns import distributed_branches

            ended = await distributed_branches(
                self.name,
                self.fan_out,
                messages,
                max_concurrency=self.max_concurrency,
                branch_timeout=self.branch_timeout,
                fail_fast=self.on_error != "collect",
                timed_out=self._timeout_error,
            )
            if ended is not None:
                return self._distributed_results(ended)
        limit = self.max_concurrency or len(self.fan_out)
        gate = asyncio.Semaphore(limit)

        from fastagent.agents.workflows._common import published_step

        async def branch(index: int, agent: BaseAgent) -> BranchResult:
            async with gate:
                try:
                    with published_step(self, "parallel", "branch", index=index, agent=agent.name):
                        reply = await self._ask(agent, messages, params)
                    return BranchResult(agent.name, reply=reply)
                except Exception as exc:
                    if self.on_error == "collect":
                        return BranchResult(agent.name, error=exc)
                    raise

        tasks: list[asyncio.Task[BranchResult]] = []
        try:
            async with asyncio.TaskGroup() as group:
                tasks = [
                    group.create_task(branch(i, agent)) for i, agent in enumerate(self.fan_out, 1)
                ]
        except BaseExceptionGroup as errors:
            raise first_leaf(errors) from None
        return [task.result() for task in tasks]

    def _distributed_results(
        self, ended: Sequence[tuple[int, Message | Exception]]
    ) -> list[BranchResult]:
        """Each branch's result from the distributed branches, in the order they ended.

        As in this process: fail-fast raises the first failure (as is: the same typed
        error); collect keeps it as the branch's error entry.
        """
        results: list[BranchResult | None] = [None] * len(self.fan_out)
        for index, value in ended:
            name = self.fan_out[index].name
            if isinstance(value, Exception):
                if self.on_error != "collect":
                    raise value
                results[index] = BranchResult(name, error=value)
            else:
                results[index] = BranchResult(name, reply=value)
        return [r for r in results if r is not None]

    async def _ask(
        self, agent: BaseAgent, messages: MessageInput, params: RequestParams | None
    ) -> Message:
        if self.branch_timeout is None:
            return await agent.generate(messages, params)
        try:
            async with asyncio.timeout(self.branch_timeout):
                return await agent.generate(messages, params)
        except TimeoutError:
            raise self._timeout_error(agent.name) from None

    def _timeout_error(self, member: str) -> WorkflowTimeoutError:
        """The error of branch `member` exceeding ``branch_timeout`` (here or distributed)."""
        timeout = self.branch_timeout or 0.0
        return WorkflowTimeoutError(
            f"parallel '{self.name}': branch '{member}' gave no answer within {timeout:g} s",
            workflow=self.name,
            member=member,
            timeout=timeout,
            hint=f"raise branch_timeout= of parallel '{self.name}', or use "
            "on_error='collect' to keep the other branches' results",
        )

    def _add_usage(self, spent: Usage) -> None:
        self._spent = spent if self._spent is None else self._spent + spent


def settings_problems(
    name: str,
    fan_out: Sequence[str],
    max_concurrency: int | None,
    branch_timeout: float | None,
    on_error: str,
    fan_in: str | None = None,
) -> list[str]:
    """Every problem with a parallel workflow's settings, one line each."""
    label = f"parallel '{name}'"
    problems: list[str] = []
    if not fan_out:
        problems.append(f"{label} has no fan_out agents (give it one or more)")
    repeated = sorted({n for n in fan_out if list(fan_out).count(n) > 1})
    if repeated:
        problems.append(f"{label} lists {', '.join(repeated)} more than once in fan_out")
    if fan_in is not None and fan_in in fan_out:
        problems.append(f"{label} uses '{fan_in}' both in fan_out and as fan_in")
    if max_concurrency is not None and max_concurrency < 1:
        problems.append(f"{label} has max_concurrency={max_concurrency} (use 1 or more)")
    if branch_timeout is not None and branch_timeout <= 0:
        problems.append(f"{label} has branch_timeout={branch_timeout:g} (use seconds > 0)")
    if on_error not in ON_ERROR_POLICIES:
        valid = ", ".join(ON_ERROR_POLICIES)
        problems.append(f"{label} has unknown on_error {on_error!r} (use one of: {valid})")
    return problems
