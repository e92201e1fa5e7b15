"""The orchestrator workflow: plan steps over worker agents, run them, write the answer.

The planning model answers a structured plan (`orchestrator_plan.Plan`, or one
`orchestrator_plan.NextStep` per round in iterative mode). Steps run in order; the tasks of
one step run concurrently, each worker being sent the objective, the results so far and its
own task. Finally the planning model writes the answer from every result.

A plan naming an agent that is not a worker (or more tasks than allowed, or unreadable JSON)
is sent back once with the problems listed; a second bad plan raises `ModelOutputError`.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal, TypeVar

from fastagent.agents.base import BaseAgent
from fastagent.agents.workflows._common import first_leaf, zero_usage
from fastagent.exceptions import ModelOutputError, UserError

if TYPE_CHECKING:
    from pydantic import BaseModel

    from fastagent.agents.workflows.orchestrator_plan import (
        Plan,
        Step,
        StepResult,
        Task,
        TaskResult,
    )
    from fastagent.llm.augmented import AugmentedLLM, MessageInput
    from fastagent.llm.params import RequestParams
    from fastagent.messages import Message, Usage

    P = TypeVar("P", bound=BaseModel)

__all__ = [
    "DEFAULT_MAX_TASKS",
    "PLAN_TYPES",
    "OrchestratorAgent",
    "OrchestratorResult",
    "PlanType",
    "check_settings",
]

PlanType = Literal["full", "iterative"]
"""``full``: plan every step at once; ``iterative``: plan one step per round."""

PLAN_TYPES: Final[tuple[PlanType, ...]] = ("full", "iterative")
"""The accepted plan types."""

DEFAULT_MAX_TASKS: Final = 20
"""The most tasks one objective may run, over all steps."""

_log = logging.getLogger("fastagent.workflows.orchestrator")


@dataclass(frozen=True)
class OrchestratorResult:
    """The answer to one objective, with the plan and what every step produced.

    Attributes:
        reply: The final answer (its usage covers planning, workers and the answer).
        plan: The plan that ran (in iterative mode: the steps planned, and whether the
            planner called the objective complete).
        steps: The results of the steps, in order.
    """

    reply: Message
    plan: Plan
    steps: tuple[StepResult, ...]


class OrchestratorAgent(BaseAgent):
    """Plans, runs worker agents step by step, and writes the final answer.

    Args:
        name: The orchestrator's name.
        agents: The worker agents (at least one).
        llm: The planning model; it also writes the final answer.
        plan_type: ``"full"`` or ``"iterative"`` (see `PlanType`).
        plan_iterations: The most planning rounds in iterative mode.
        max_tasks: The most tasks one objective may run.
        model: The planning model's string, for display.

    Raises:
        UserError: No workers, an unknown plan type, or limits below 1.
    """

    def __init__(
        self,
        name: str,
        agents: Sequence[BaseAgent],
        *,
        llm: AugmentedLLM,
        plan_type: PlanType = "full",
        plan_iterations: int = 5,
        max_tasks: int = DEFAULT_MAX_TASKS,
        model: str | None = None,
    ) -> None:
        check_settings(name, len(agents), plan_type, plan_iterations)
        if max_tasks < 1:
            raise UserError(
                f"orchestrator '{name}' has max_tasks={max_tasks}", hint="set max_tasks to 1+"
            )
        self.name = name
        self.workers: dict[str, BaseAgent] = {agent.name: agent for agent in agents}
        self.llm = llm
        self.plan_type: PlanType = plan_type
        self.plan_iterations = plan_iterations
        self.max_tasks = max_tasks
        self.model = model or llm.provider.model
        self._worker_usage = zero_usage()

    @property
    def instruction(self) -> str | None:
        """What the orchestrator does, naming its workers (for nesting in workflows)."""
        return f"Plans and coordinates work among: {', '.join(self.workers)}."

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        """Plan, run the workers, and return the final answer (see `run`)."""
        return (await self.run(messages, params)).reply

    async def run(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> OrchestratorResult:
        """Plan, run the workers, and return the final answer with the plan and step results.

        `params` apply to the call writing the answer. The reply's usage covers every
        planning call, every worker reply and the answer. Concurrent calls each get their
        own result.

        Raises:
            ModelOutputError: The planner produced no usable plan even after re-planning.
            ProviderError: A planning call failed.
            FastAgentError: A worker failed (its error is raised as is; other workers of
                the same step are cancelled).
        """
        from fastagent.agents.workflows._common import published_run, published_step
        from fastagent.agents.workflows._workflow_llm import request_text
        from fastagent.agents.workflows.orchestrator_plan import synthesis_prompt

        objective = request_text(messages)
        done: list[StepResult] = []
        with published_run(self, "orchestrator"):
            if self.plan_type == "full":
                plan, spent = await self._run_full(objective, done)
            else:
                plan, spent = await self._run_iterative(objective, done)
            with published_step(self, "orchestrator", "synthesize"):
                reply = await self.llm.generate(synthesis_prompt(objective, done), params)
        answer = reply.model_copy(update={"usage": spent + (reply.usage or zero_usage())})
        return OrchestratorResult(answer, plan, tuple(done))

    @property
    def usage(self) -> Usage:
        """The planning and answering calls plus every worker reply."""
        return self.llm.usage + self._worker_usage

    async def _run_full(self, objective: str, done: list[StepResult]) -> tuple[Plan, Usage]:
        from fastagent.agents.workflows.orchestrator_plan import Plan, full_plan_prompt

        prompt = full_plan_prompt(objective, self.workers, self.max_tasks)
        plan, spent = await self._ask_planner(prompt, Plan, lambda p: p.steps, self.max_tasks)
        for step in plan.steps:
            spent = spent + await self._run_step(objective, step, done)
        return plan, spent

    async def _run_iterative(self, objective: str, done: list[StepResult]) -> tuple[Plan, Usage]:
        from fastagent.agents.workflows.orchestrator_plan import (
            NextStep,
            Plan,
            Step,
            next_step_prompt,
        )

        spent = zero_usage()
        planned: list[Step] = []
        budget = self.max_tasks
        for _ in range(self.plan_iterations):
            prompt = next_step_prompt(objective, self.workers, done, budget)
            answer, cost = await self._ask_planner(prompt, NextStep, lambda s: [s], budget)
            spent = spent + cost
            if answer.tasks:
                step = Step(description=answer.description, tasks=answer.tasks)
                planned.append(step)
                spent = spent + await self._run_step(objective, step, done)
                budget -= len(step.tasks)
            if answer.is_complete:
                return Plan(steps=planned, is_complete=True), spent
            if budget == 0:
                _log.warning("orchestrator '%s' used all %d tasks", self.name, self.max_tasks)
                return Plan(steps=planned, is_complete=False), spent
        _log.warning(
            "orchestrator '%s' stopped planning after %d round(s) without completing; "
            "answering from the results so far",
            self.name,
            self.plan_iterations,
        )
        return Plan(steps=planned, is_complete=False), spent

    async def _ask_planner(
        self,
        prompt: str,
        answer_cls: type[P],
        steps_of: Callable[[P], Sequence[Step]],
        task_budget: int,
    ) -> tuple[P, Usage]:
        from fastagent.agents.workflows._common import published_step
        from fastagent.agents.workflows._workflow_llm import structured_reply
        from fastagent.agents.workflows.orchestrator_plan import plan_problems, replan_prompt

        spent = zero_usage()
        current = prompt
        for attempt in (1, 2):
            with published_step(self, "orchestrator", "plan", index=attempt):
                answer, reply, problem = await structured_reply(self.llm, current, answer_cls)
            spent = spent + (reply.usage or zero_usage())
            if answer is None:
                problems = [problem or "the reply is not a valid plan"]
            else:
                problems = plan_problems(steps_of(answer), self.workers, task_budget=task_budget)
                if not problems:
                    return answer, spent
            if attempt == 1:
                _log.warning("orchestrator '%s' re-plans: %s", self.name, "; ".join(problems))
                current = replan_prompt(prompt, problems, self.workers)
        raise ModelOutputError(
            f"orchestrator '{self.name}' got no usable plan after re-planning: "
            f"{'; '.join(problems)} (valid agents: {', '.join(self.workers)})",
            raw=reply.text,
            hint="use a stronger planning model, or describe the worker agents more clearly",
        )

    async def _run_step(self, objective: str, step: Step, done: list[StepResult]) -> Usage:
        from fastagent.agents.workflows._common import published_step
        from fastagent.agents.workflows.orchestrator_plan import StepResult

        earlier = tuple(done)
        with published_step(self, "orchestrator", "plan_step", index=len(done) + 1) as note:
            note.detail = step.description
            outcomes = await _run_all([self._run_task(objective, t, earlier) for t in step.tasks])
        done.append(StepResult(step=step, results=tuple(result for result, _ in outcomes)))
        spent = zero_usage()
        for _, usage in outcomes:
            spent = spent + usage
        self._worker_usage = self._worker_usage + spent
        return spent

    async def _run_task(
        self, objective: str, task: Task, done: Sequence[StepResult]
    ) -> tuple[TaskResult, Usage]:
        from fastagent.agents.workflows.orchestrator_plan import TaskResult, worker_prompt

        reply = await self.workers[task.agent].generate(worker_prompt(objective, task, done))
        return TaskResult(task=task, output=reply.text), reply.usage or zero_usage()


T = TypeVar("T")


async def _run_all(coroutines: Sequence[Coroutine[Any, Any, T]]) -> list[T]:
    """Run all concurrently; on a failure cancel the rest and raise the first error as is."""
    if len(coroutines) == 1:
        return [await coroutines[0]]
    failure: BaseException | None = None
    tasks: list[asyncio.Task[T]] = []
    try:
        async with asyncio.TaskGroup() as group:
            tasks = [group.create_task(c) for c in coroutines]
    except BaseExceptionGroup as errors:
        failure = first_leaf(errors)
        if len(errors.exceptions) > 1:
            _log.warning("%d tasks of one step failed; raising the first", len(errors.exceptions))
    if failure is not None:
        raise failure
    return [task.result() for task in tasks]


def check_settings(name: str, workers: int, plan_type: str, plan_iterations: int) -> None:
    """Raise for settings no orchestrator can run with.

    Raises:
        UserError: No workers, an unknown plan type, or plan_iterations below 1.
    """
    if workers == 0:
        raise UserError(
            f"orchestrator '{name}' has no agents",
            hint="pass the names of the worker agents it plans with, e.g. agents=['a', 'b']",
        )
    if plan_type not in PLAN_TYPES:
        raise UserError(
            f"orchestrator '{name}' has unknown plan_type {plan_type!r}",
            hint=f"use one of: {', '.join(PLAN_TYPES)}",
        )
    if plan_iterations < 1:
        raise UserError(
            f"orchestrator '{name}' has plan_iterations={plan_iterations}",
            hint="set plan_iterations to 1 or more",
        )
