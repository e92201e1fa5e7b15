"""One declaration per workflow type: what its decorator builds and what validates its YAML.

```yaml
agents:
  post:
    type: chain
    sequence: [researcher, writer]
  review:
    type: parallel
    fan_out: [style, facts]
    fan_in: editor
```

The YAML keys are the keyword arguments of the matching decorator (``@fast.chain`` ...), and
both paths build the same model, so a value is checked the same way wherever it was written.
Type errors are raised when the declaration is made; problems that need the other
declarations (unknown agents, cycles) or that are best reported together with them
(``problems()``) are raised by the graph check before anything is built.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from pydantic import field_validator, model_validator

from fastagent.agents.declaration import BaseDeclaration
from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent
    from fastagent.agents.declaration import BuildContext
    from fastagent.agents.tool_catalog import ToolRef

__all__ = [
    "WORKFLOW_DECLARATIONS",
    "ChainDeclaration",
    "EvaluatorOptimizerDeclaration",
    "OrchestratorDeclaration",
    "ParallelDeclaration",
    "RouterDeclaration",
    "WorkflowDeclaration",
]


class WorkflowDeclaration(BaseDeclaration):
    """What every workflow declaration shares: no tools and no MCP servers of its own."""

    @property
    def tools(self) -> tuple[ToolRef, ...]:
        """Always empty: a workflow has no tools of its own."""
        return ()

    @property
    def servers(self) -> tuple[str, ...]:
        """Always empty: a workflow uses no MCP servers itself."""
        return ()


class ChainDeclaration(WorkflowDeclaration):
    """A chain (``@fast.chain``, ``type: chain``): members one after another.

    Attributes:
        sequence: Member agent names, in order (one may appear more than once).
        cumulative: Pass the whole transcript to each member (see `chain`).
        instruction: A description of what the chain does, for routers and orchestrators.
    """

    kind = "chain"

    type: Literal["chain"] = "chain"
    sequence: tuple[str, ...] = ()
    cumulative: bool = False
    instruction: str | None = None

    @property
    def agents(self) -> tuple[str, ...]:
        """The distinct members (what the graph checks and builds first)."""
        return tuple(dict.fromkeys(self.sequence))

    def problems(self) -> list[str]:
        """An empty sequence."""
        if not self.sequence:
            return [f"chain '{self.name}' has an empty sequence (give it one or more agents)"]
        return []

    async def build(self, build: BuildContext) -> BaseAgent:
        """Build the `ChainAgent` over its already built members."""
        from fastagent.agents.workflows.chain import ChainAgent

        return ChainAgent(
            self.name,
            [build.agents[name] for name in self.sequence],
            cumulative=self.cumulative,
            instruction=self.instruction,
        )


class ParallelDeclaration(WorkflowDeclaration):
    """A parallel fan-out (``@fast.parallel``, ``type: parallel``).

    Attributes:
        fan_out: The branch agent names.
        fan_in: The agent combining the results, or None to reply with them all.
        include_request: Show the fan-in agent the original request too.
        max_concurrency: The most branches running at once (None: all).
        branch_timeout: Seconds each branch may take (None: no limit).
        on_error: ``"fail_fast"`` (cancel the rest, raise) or ``"collect"`` (a failed
            branch's result becomes ``error: ...``).
        distributed: Inside a durable turn, run each branch as a child workflow on the
            durable queue ``parallel`` (any worker takes it; never redone after a crash).
    """

    kind = "parallel"

    type: Literal["parallel"] = "parallel"
    fan_out: tuple[str, ...] = ()
    fan_in: str | None = None
    include_request: bool = True
    max_concurrency: int | None = None
    branch_timeout: float | None = None
    on_error: Literal["fail_fast", "collect"] = "fail_fast"
    distributed: bool = False

    @property
    def agents(self) -> tuple[str, ...]:
        """The branches, then the fan-in agent (what the graph checks and builds first)."""
        members = (*self.fan_out, self.fan_in) if self.fan_in is not None else self.fan_out
        return tuple(dict.fromkeys(members))

    def problems(self) -> list[str]:
        """No branches, repeated branches, the fan-in among them, limits below 1."""
        from fastagent.agents.workflows.parallel import settings_problems

        return settings_problems(
            self.name,
            self.fan_out,
            self.max_concurrency,
            self.branch_timeout,
            self.on_error,
            self.fan_in,
        )

    async def build(self, build: BuildContext) -> BaseAgent:
        """Build the `ParallelAgent` over its already built branches and fan-in agent."""
        from fastagent.agents.workflows.parallel import ParallelAgent

        return ParallelAgent(
            self.name,
            [build.agents[name] for name in self.fan_out],
            fan_in=build.agents[self.fan_in] if self.fan_in is not None else None,
            include_request=self.include_request,
            max_concurrency=self.max_concurrency,
            branch_timeout=self.branch_timeout,
            on_error=self.on_error,
            distributed=self.distributed,
        )


class EvaluatorOptimizerDeclaration(WorkflowDeclaration):
    """An evaluator-optimizer (``@fast.evaluator_optimizer``, ``type: evaluator_optimizer``).

    Attributes:
        generator: The agent writing and refining answers.
        evaluator: The agent rating them.
        min_rating: The rating that ends the loop (``EXCELLENT``, ``GOOD``, ``FAIR`` or
            ``POOR``; any case).
        max_refinements: The most refinements after the first answer.
    """

    kind = "evaluator_optimizer"

    type: Literal["evaluator_optimizer"] = "evaluator_optimizer"
    generator: str
    evaluator: str
    min_rating: Literal["EXCELLENT", "GOOD", "FAIR", "POOR"] = "GOOD"
    max_refinements: int = 3

    @field_validator("min_rating", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @property
    def agents(self) -> tuple[str, ...]:
        """The generator and the evaluator (built first)."""
        return tuple(dict.fromkeys((self.generator, self.evaluator)))

    def problems(self) -> list[str]:
        """A negative `max_refinements`."""
        if self.max_refinements < 0:
            return [
                f"evaluator_optimizer '{self.name}' has max_refinements={self.max_refinements} "
                "(use 0 or more)"
            ]
        return []

    async def build(self, build: BuildContext) -> BaseAgent:
        """Build the workflow over its already built generator and evaluator."""
        from fastagent.agents.workflows.evaluator_optimizer import EvaluatorOptimizerAgent

        return EvaluatorOptimizerAgent(
            self.name,
            build.agents[self.generator],
            build.agents[self.evaluator],
            min_rating=self.min_rating,
            max_refinements=self.max_refinements,
        )


class RouterDeclaration(WorkflowDeclaration):
    """A router (``@fast.router``, ``type: router``): a model picks one member per message.

    Attributes:
        agents: Its members; the fallback is added when missing, so it is built first.
        model: The routing model's string, or None for the config's default.
        instruction: The routing model's system prompt (default
            `router.ROUTER_INSTRUCTION`).
        fallback: The member used when the model names no member.

    Raises:
        UserError: No agents are given (when the declaration is made).
    """

    kind = "router"

    type: Literal["router"] = "router"
    agents: tuple[str, ...] = ()
    model: str | None = None
    instruction: str | None = None
    fallback: str | None = None

    @model_validator(mode="after")
    def _members(self) -> RouterDeclaration:
        if not self.agents:
            raise UserError(
                f"router '{self.name}' has no agents",
                hint="pass the names of the agents it routes between, e.g. agents=['a', 'b']",
            )
        if self.fallback is not None and self.fallback not in self.agents:
            self.agents = (*self.agents, self.fallback)
        return self

    async def build(self, build: BuildContext) -> BaseAgent:
        """Build the `RouterAgent` over its already built members.

        Raises:
            UnknownModelError: The routing model string is unknown.
        """
        from fastagent.agents.workflows._workflow_llm import build_workflow_llm
        from fastagent.agents.workflows.router import ROUTER_INSTRUCTION, RouterAgent

        members = [build.agents[name] for name in self.agents]
        if len(set(self.agents)) == 1:
            return RouterAgent(self.name, members[:1], fallback=self.fallback)
        llm, model = build_workflow_llm(
            build,
            name=self.name,
            model=self.model,
            instruction=self.instruction or ROUTER_INSTRUCTION,
        )
        return RouterAgent(self.name, members, llm=llm, fallback=self.fallback, model=model)


class OrchestratorDeclaration(WorkflowDeclaration):
    """An orchestrator (``@fast.orchestrator``, ``type: orchestrator``).

    Attributes:
        agents: Its worker agents.
        model: The planning model's string, or None for the config's default.
        instruction: The planning model's system prompt (default
            `orchestrator_plan.ORCHESTRATOR_INSTRUCTION`).
        plan_type: ``"full"`` (plan all steps at once) or ``"iterative"`` (one per round).
        plan_iterations: The most planning rounds in iterative mode.

    Raises:
        UserError: No agents, or plan_iterations below 1 (when the declaration is made).
    """

    kind = "orchestrator"

    type: Literal["orchestrator"] = "orchestrator"
    agents: tuple[str, ...] = ()
    model: str | None = None
    instruction: str | None = None
    plan_type: Literal["full", "iterative"] = "full"
    plan_iterations: int = 5

    @model_validator(mode="after")
    def _settings(self) -> OrchestratorDeclaration:
        from fastagent.agents.workflows.orchestrator import check_settings

        check_settings(self.name, len(self.agents), self.plan_type, self.plan_iterations)
        return self

    async def build(self, build: BuildContext) -> BaseAgent:
        """Build the `OrchestratorAgent` over its already built workers.

        Raises:
            UnknownModelError: The planning model string is unknown.
        """
        from fastagent.agents.workflows._workflow_llm import build_workflow_llm
        from fastagent.agents.workflows.orchestrator import OrchestratorAgent
        from fastagent.agents.workflows.orchestrator_plan import ORCHESTRATOR_INSTRUCTION

        llm, model = build_workflow_llm(
            build,
            name=self.name,
            model=self.model,
            instruction=self.instruction or ORCHESTRATOR_INSTRUCTION,
        )
        return OrchestratorAgent(
            self.name,
            [build.agents[name] for name in self.agents],
            llm=llm,
            plan_type=self.plan_type,
            plan_iterations=self.plan_iterations,
            model=model,
        )


WORKFLOW_DECLARATIONS: Final[dict[str, type[WorkflowDeclaration]]] = {
    "chain": ChainDeclaration,
    "parallel": ParallelDeclaration,
    "router": RouterDeclaration,
    "orchestrator": OrchestratorDeclaration,
    "evaluator_optimizer": EvaluatorOptimizerDeclaration,
}
"""The declaration model of each workflow ``type:``."""
