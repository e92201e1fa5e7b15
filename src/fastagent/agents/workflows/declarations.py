"""Workflows declared in ``fastagent.yaml``: one model per ``type:`` and the spec it makes.

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

The keys are the keyword arguments of the matching decorator (``@fast.chain`` ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from pydantic import BaseModel, ConfigDict, Field

if TYPE_CHECKING:
    from fastagent.agents.spec import AgentSpec

__all__ = [
    "WORKFLOW_DECLARATIONS",
    "ChainDeclaration",
    "EvaluatorOptimizerDeclaration",
    "OrchestratorDeclaration",
    "ParallelDeclaration",
    "RouterDeclaration",
    "WorkflowDeclaration",
]


class WorkflowDeclaration(BaseModel):
    """What every workflow entry accepts.

    Attributes:
        default: Make it the app's default agent.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    default: bool = False

    def to_spec(self, name: str, source: str) -> AgentSpec:
        """The workflow's spec.

        Raises:
            UserError: The workflow's own checks reject a value.
        """
        raise NotImplementedError


class ChainDeclaration(WorkflowDeclaration):
    """``type: chain`` (see ``@fast.chain``)."""

    type: Literal["chain"] = "chain"
    sequence: list[str] = Field(default_factory=list)
    cumulative: bool = False
    instruction: str | None = None

    def to_spec(self, name: str, source: str) -> AgentSpec:
        """The `ChainSpec`."""
        from fastagent.agents.workflows.chain import ChainSpec

        return ChainSpec(
            name,
            tuple(self.sequence),
            cumulative=self.cumulative,
            instruction=self.instruction,
            default=self.default,
            source=source,
        )


class ParallelDeclaration(WorkflowDeclaration):
    """``type: parallel`` (see ``@fast.parallel``)."""

    type: Literal["parallel"] = "parallel"
    fan_out: list[str] = Field(default_factory=list)
    fan_in: str | None = None
    include_request: bool = True
    max_concurrency: int | None = None
    branch_timeout: float | None = None
    on_error: Literal["fail_fast", "collect"] = "fail_fast"

    def to_spec(self, name: str, source: str) -> AgentSpec:
        """The `ParallelSpec`."""
        from fastagent.agents.workflows.parallel import ParallelSpec

        return ParallelSpec(
            name,
            tuple(self.fan_out),
            fan_in=self.fan_in,
            include_request=self.include_request,
            max_concurrency=self.max_concurrency,
            branch_timeout=self.branch_timeout,
            on_error=self.on_error,
            default=self.default,
            source=source,
        )


class EvaluatorOptimizerDeclaration(WorkflowDeclaration):
    """``type: evaluator_optimizer`` (see ``@fast.evaluator_optimizer``)."""

    type: Literal["evaluator_optimizer"] = "evaluator_optimizer"
    generator: str
    evaluator: str
    min_rating: Literal["EXCELLENT", "GOOD", "FAIR", "POOR"] = "GOOD"
    max_refinements: int = Field(default=3, ge=0)

    def to_spec(self, name: str, source: str) -> AgentSpec:
        """The `EvaluatorOptimizerSpec`."""
        from fastagent.agents.workflows.evaluator_optimizer import EvaluatorOptimizerSpec

        return EvaluatorOptimizerSpec(
            name,
            self.generator,
            self.evaluator,
            min_rating=self.min_rating,
            max_refinements=self.max_refinements,
            default=self.default,
            source=source,
        )


class RouterDeclaration(WorkflowDeclaration):
    """``type: router`` (see ``@fast.router``)."""

    type: Literal["router"] = "router"
    agents: list[str] = Field(default_factory=list)
    model: str | None = None
    instruction: str | None = None
    fallback: str | None = None

    def to_spec(self, name: str, source: str) -> AgentSpec:
        """The `RouterSpec`.

        Raises:
            UserError: No agents.
        """
        from fastagent.agents.workflows.router import RouterSpec

        return RouterSpec(
            name,
            tuple(self.agents),
            model=self.model,
            instruction=self.instruction,
            fallback=self.fallback,
            default=self.default,
            source=source,
        )


class OrchestratorDeclaration(WorkflowDeclaration):
    """``type: orchestrator`` (see ``@fast.orchestrator``)."""

    type: Literal["orchestrator"] = "orchestrator"
    agents: list[str] = Field(default_factory=list)
    model: str | None = None
    instruction: str | None = None
    plan_type: Literal["full", "iterative"] = "full"
    plan_iterations: int = 5

    def to_spec(self, name: str, source: str) -> AgentSpec:
        """The `OrchestratorSpec`.

        Raises:
            UserError: No agents, or plan_iterations below 1.
        """
        from fastagent.agents.workflows.orchestrator import OrchestratorSpec

        return OrchestratorSpec(
            name,
            tuple(self.agents),
            model=self.model,
            instruction=self.instruction,
            plan_type=self.plan_type,
            plan_iterations=self.plan_iterations,
            default=self.default,
            source=source,
        )


WORKFLOW_DECLARATIONS: Final[dict[str, type[WorkflowDeclaration]]] = {
    "chain": ChainDeclaration,
    "parallel": ParallelDeclaration,
    "router": RouterDeclaration,
    "orchestrator": OrchestratorDeclaration,
    "evaluator_optimizer": EvaluatorOptimizerDeclaration,
}
"""The declaration model of each workflow ``type:``."""
