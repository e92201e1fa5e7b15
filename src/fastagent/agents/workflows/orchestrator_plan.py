"""The orchestrator's plans and prompts: what the planner answers, and what everyone is told.

A `Plan` is steps run in order; the tasks of one `Step` run concurrently, each on the
worker agent it names. In iterative mode the planner answers one `NextStep` per round. Every
plan is checked by `plan_problems` before anything runs.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from pydantic import BaseModel, ConfigDict, Field

from fastagent.agents.workflows._workflow_llm import describe_agents

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent

__all__ = [
    "ORCHESTRATOR_INSTRUCTION",
    "NextStep",
    "Plan",
    "Step",
    "StepResult",
    "Task",
    "TaskResult",
    "full_plan_prompt",
    "next_step_prompt",
    "plan_problems",
    "replan_prompt",
    "synthesis_prompt",
    "worker_prompt",
]

ORCHESTRATOR_INSTRUCTION: Final = (
    "You are an orchestrator. You break an objective into steps, give each step's tasks to "
    "the agents best suited to them, and finally write the answer from their results."
)
"""The planner's system prompt when the orchestrator is declared without an instruction."""


class Task(BaseModel):
    """One piece of work for one worker agent.

    Attributes:
        agent: The worker's name.
        instruction: What the worker should do.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    agent: str
    instruction: str


class Step(BaseModel):
    """Tasks that run at the same time; a step starts when the previous one is done.

    Attributes:
        description: What the step achieves.
        tasks: Its tasks (they must not depend on each other).
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    description: str
    tasks: list[Task] = Field(default_factory=list)


class Plan(BaseModel):
    """The planner's whole plan (``plan_type="full"``), or the steps run so far.

    Attributes:
        steps: The steps, in order.
        is_complete: Whether the objective is achieved once the steps have run.
    """

    model_config = ConfigDict(frozen=True, defer_build=True)

    steps: list[Step] = Field(default_factory=list)
    is_complete: bool = False


class NextStep(Step):
    """The planner's next step (``plan_type="iterative"``).

    Attributes:
        is_complete: True when the objective is achieved by the results so far (the step
            may then have no tasks) or will be once this step has run.
    """

    is_complete: bool = False


@dataclass(frozen=True, slots=True)
class TaskResult:
    """What one worker answered to one task.

    Attributes:
        task: The task.
        output: The worker's reply text.
    """

    task: Task
    output: str


@dataclass(frozen=True, slots=True)
class StepResult:
    """A step and the results of its tasks, in the step's task order.

    Attributes:
        step: The step.
        results: One result per task.
    """

    step: Step
    results: tuple[TaskResult, ...]


def plan_problems(
    steps: Sequence[Step], workers: Mapping[str, BaseAgent], *, task_budget: int
) -> list[str]:
    """Every reason the steps cannot run: unknown agents, too many tasks (empty when fine)."""
    problems: list[str] = []
    for number, step in enumerate(steps, 1):
        for task in step.tasks:
            if task.agent not in workers:
                problems.append(f"step {number} names unknown agent '{task.agent}'")
    count = sum(len(step.tasks) for step in steps)
    if count > task_budget:
        problems.append(f"the plan has {count} tasks, more than the {task_budget} allowed")
    return problems


def full_plan_prompt(objective: str, workers: Mapping[str, BaseAgent], task_budget: int) -> str:
    """Ask for a whole `Plan` for `objective`."""
    return "\n".join(
        [
            "Make a plan to achieve the objective below with these agents:",
            describe_agents(workers),
            "",
            _objective(objective),
            "",
            "Steps run in order; the tasks of one step run at the same time, so they must not "
            "depend on each other. Each task names one agent from the list above. Later steps "
            "see the results of earlier ones. Set is_complete to true when the plan achieves "
            f"the objective. Use at most {task_budget} tasks in all.",
        ]
    )


def next_step_prompt(
    objective: str,
    workers: Mapping[str, BaseAgent],
    done: Sequence[StepResult],
    task_budget: int,
) -> str:
    """Ask for the `NextStep` towards `objective`, given the steps done so far."""
    return "\n".join(
        [
            "Plan the next step towards the objective below with these agents:",
            describe_agents(workers),
            "",
            _objective(objective),
            "",
            _results(done) if done else "No steps have run yet.",
            "",
            "The step's tasks run at the same time; each names one agent from the list above. "
            "Set is_complete to true when the results so far achieve the objective (then the "
            "step may have no tasks), or when this step will. "
            f"At most {task_budget} more task(s) may run.",
        ]
    )


def replan_prompt(prompt: str, problems: Sequence[str], workers: Mapping[str, BaseAgent]) -> str:
    """`prompt` again, saying what was wrong with the previous answer."""
    listed = "\n".join(f"- {p}" for p in problems)
    return (
        f"{prompt}\n\nYour previous answer could not be used:\n{listed}\n"
        f"Answer again, naming only these agents: {', '.join(workers)}."
    )


def worker_prompt(objective: str, task: Task, done: Sequence[StepResult]) -> str:
    """What a worker is sent: the overall objective, earlier results, and its own task."""
    parts = [
        "You are one of several agents working together on this objective:",
        _objective(objective),
    ]
    if done:
        parts += ["", _results(done)]
    parts += ["", "Your task:", task.instruction]
    return "\n".join(parts)


def synthesis_prompt(objective: str, done: Sequence[StepResult]) -> str:
    """Ask for the final answer to `objective` from every result."""
    results = _results(done) if done else "No tasks were run."
    return "\n".join(
        [
            _objective(objective),
            "",
            results,
            "",
            "Write the final answer to the objective from these results. Answer the objective "
            "directly; do not describe the process.",
        ]
    )


def _objective(objective: str) -> str:
    return f"<objective>\n{objective}\n</objective>"


def _results(done: Sequence[StepResult]) -> str:
    lines = ["Results so far:"]
    for number, step_result in enumerate(done, 1):
        lines.append(f'<step number="{number}" description="{step_result.step.description}">')
        for result in step_result.results:
            lines += [
                f'<result agent="{result.task.agent}">',
                f"Task: {result.task.instruction}",
                result.output,
                "</result>",
            ]
        lines.append("</step>")
    return "\n".join(lines)
