"""The workflow decorators of `FastAgent` (``@fast.chain``, ``@fast.parallel``, ...).

Each decorator builds the workflow's declaration (`fastagent.agents.workflows.declarations`,
the same model that validates its YAML entry), with the ``file:line`` it was declared at for
errors, and returns the decorated function unchanged, like ``@fast.agent``. The workflow
modules are imported only when a decorator is used.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

from fastagent.agents.workflows._common import caller_source

if TYPE_CHECKING:
    from fastagent.agents.declaration import Declaration
    from fastagent.agents.workflows.orchestrator import PlanType
    from fastagent.agents.workflows.parallel import OnError

__all__ = ["WorkflowDecorators"]

F = TypeVar("F", bound=Callable[..., Any])


def _unchanged(fn: F) -> F:
    return fn


class WorkflowDecorators:
    """Mixin of `FastAgent` holding one decorator per workflow kind (see docs/workflows.md)."""

    def add_declaration(self, declaration: Declaration) -> None:
        """Add an agent declaration (implemented by `FastAgent`)."""
        raise NotImplementedError

    def chain(
        self,
        name: str,
        sequence: Sequence[str],
        *,
        cumulative: bool = False,
        instruction: str | None = None,
        default: bool = False,
    ) -> Callable[[F], F]:
        """Declare a chain: each agent of `sequence` gets the previous agent's reply.

        Examples:
            >>> @fast.chain("post", sequence=["researcher", "writer"])
            ... async def main() -> None: ...

        Args:
            name: The chain's unique name.
            sequence: Agent (or workflow) names, in order.
            cumulative: Give each agent (and reply with) the whole transcript so far.
            instruction: A description of the chain, for routers and orchestrators.
            default: Make it the app's default agent.

        Returns:
            A decorator that returns the function unchanged.

        Raises:
            UserError: An argument has the wrong type or value.
        """
        from fastagent.agents.declare import declare
        from fastagent.agents.workflows.declarations import ChainDeclaration

        self.add_declaration(
            declare(
                ChainDeclaration,
                name=name,
                sequence=tuple(sequence),
                cumulative=cumulative,
                instruction=instruction,
                default=default,
                source=caller_source(),
            )
        )
        return _unchanged

    def parallel(
        self,
        name: str,
        fan_out: Sequence[str],
        *,
        fan_in: str | None = None,
        include_request: bool = True,
        max_concurrency: int | None = None,
        branch_timeout: float | None = None,
        on_error: OnError = "fail_fast",
        distributed: bool = False,
        default: bool = False,
    ) -> Callable[[F], F]:
        """Declare a parallel fan-out: every agent of `fan_out` gets the message at once.

        Examples:
            >>> @fast.parallel("review", fan_out=["style", "facts"], fan_in="editor")
            ... async def main() -> None: ...

        Args:
            name: The workflow's unique name.
            fan_out: The branch agent names.
            fan_in: An agent that combines the branch results into the reply; without it
                the reply is every result, by name.
            include_request: Show the fan-in agent the original request too.
            max_concurrency: The most branches running at once (None: all).
            branch_timeout: Seconds each branch may take (None: no limit).
            on_error: ``"fail_fast"`` (cancel the rest, raise) or ``"collect"`` (a failed
                branch's result becomes ``error: ...``).
            distributed: Inside a durable turn, run each branch as a child workflow on the
                durable queue ``parallel``, so branches spread over workers and a finished
                branch is never run again after a crash (docs/durable.md).
            default: Make it the app's default agent.

        Returns:
            A decorator that returns the function unchanged.

        Raises:
            UserError: An argument has the wrong type or value.
        """
        from fastagent.agents.declare import declare
        from fastagent.agents.workflows.declarations import ParallelDeclaration

        self.add_declaration(
            declare(
                ParallelDeclaration,
                name=name,
                fan_out=tuple(fan_out),
                fan_in=fan_in,
                include_request=include_request,
                max_concurrency=max_concurrency,
                branch_timeout=branch_timeout,
                on_error=on_error,
                distributed=distributed,
                default=default,
                source=caller_source(),
            )
        )
        return _unchanged

    def evaluator_optimizer(
        self,
        name: str,
        generator: str,
        evaluator: str,
        *,
        min_rating: str = "GOOD",
        max_refinements: int = 3,
        default: bool = False,
    ) -> Callable[[F], F]:
        """Declare an evaluator-optimizer: refine the generator's answer until rated well.

        Examples:
            >>> @fast.evaluator_optimizer("essay", generator="writer", evaluator="critic")
            ... async def main() -> None: ...

        Args:
            name: The workflow's unique name.
            generator: The agent writing and refining answers.
            evaluator: The agent rating them (EXCELLENT, GOOD, FAIR, POOR).
            min_rating: The rating that ends the loop.
            max_refinements: The most refinements after the first answer.
            default: Make it the app's default agent.

        Returns:
            A decorator that returns the function unchanged.

        Raises:
            UserError: An argument has the wrong type or value.
        """
        from fastagent.agents.declare import declare
        from fastagent.agents.workflows.declarations import EvaluatorOptimizerDeclaration

        self.add_declaration(
            declare(
                EvaluatorOptimizerDeclaration,
                name=name,
                generator=generator,
                evaluator=evaluator,
                min_rating=min_rating,
                max_refinements=max_refinements,
                default=default,
                source=caller_source(),
            )
        )
        return _unchanged

    def router(
        self,
        name: str,
        agents: Sequence[str],
        *,
        model: str | None = None,
        instruction: str | None = None,
        fallback: str | None = None,
        default: bool = False,
    ) -> Callable[[F], F]:
        """Declare a router: a model sends each message to the best-suited agent.

        Examples:
            >>> @fast.router("support", agents=["billing", "tech"], fallback="tech")
            ... async def main() -> None: ...

        Args:
            name: The router's unique name.
            agents: The agents it chooses among.
            model: The routing model (None: the config's default model).
            instruction: The routing model's system prompt.
            fallback: The agent used when the model names no agent.
            default: Make it the app's default agent.

        Returns:
            A decorator that returns the function unchanged.

        Raises:
            UserError: `agents` is empty, or an argument has the wrong type.
        """
        from fastagent.agents.declare import declare
        from fastagent.agents.workflows.declarations import RouterDeclaration

        self.add_declaration(
            declare(
                RouterDeclaration,
                name=name,
                agents=tuple(agents),
                model=model,
                instruction=instruction,
                fallback=fallback,
                default=default,
                source=caller_source(),
            )
        )
        return _unchanged

    def orchestrator(
        self,
        name: str,
        agents: Sequence[str],
        *,
        model: str | None = None,
        instruction: str | None = None,
        plan_type: PlanType = "full",
        plan_iterations: int = 5,
        default: bool = False,
    ) -> Callable[[F], F]:
        """Declare an orchestrator: a model plans steps over worker agents and answers.

        Examples:
            >>> @fast.orchestrator("project", agents=["researcher", "writer"])
            ... async def main() -> None: ...

        Args:
            name: The orchestrator's unique name.
            agents: Its worker agents.
            model: The planning model (None: the config's default model).
            instruction: The planning model's system prompt.
            plan_type: ``"full"`` (plan all steps at once) or ``"iterative"`` (one per round).
            plan_iterations: The most planning rounds in iterative mode.
            default: Make it the app's default agent.

        Returns:
            A decorator that returns the function unchanged.

        Raises:
            UserError: No agents, an unknown plan type, plan_iterations below 1, or an
                argument has the wrong type.
        """
        from fastagent.agents.declare import declare
        from fastagent.agents.workflows.declarations import OrchestratorDeclaration

        self.add_declaration(
            declare(
                OrchestratorDeclaration,
                name=name,
                agents=tuple(agents),
                model=model,
                instruction=instruction,
                plan_type=plan_type,
                plan_iterations=plan_iterations,
                default=default,
                source=caller_source(),
            )
        )
        return _unchanged
