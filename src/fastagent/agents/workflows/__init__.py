"""Workflows: agents made of agents (chain, parallel, router, orchestrator, evaluator-optimizer).

Each workflow is a `fastagent.agents.base.BaseAgent`, so workflows nest and are used exactly
like single agents. Names are imported lazily on first access. See docs/workflows.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.agents.workflows.chain import ChainAgent, ChainResult
    from fastagent.agents.workflows.declarations import (
        ChainDeclaration,
        EvaluatorOptimizerDeclaration,
        OrchestratorDeclaration,
        ParallelDeclaration,
        RouterDeclaration,
    )
    from fastagent.agents.workflows.evaluator_optimizer import (
        Evaluation,
        EvaluatorOptimizerAgent,
        EvaluatorOptimizerResult,
        QualityRating,
        Round,
    )
    from fastagent.agents.workflows.orchestrator import OrchestratorAgent, OrchestratorResult
    from fastagent.agents.workflows.parallel import BranchResult, ParallelAgent, ParallelResult
    from fastagent.agents.workflows.router import RouterAgent, RouterResult

__all__ = [
    "BranchResult",
    "ChainAgent",
    "ChainDeclaration",
    "ChainResult",
    "Evaluation",
    "EvaluatorOptimizerAgent",
    "EvaluatorOptimizerDeclaration",
    "EvaluatorOptimizerResult",
    "OrchestratorAgent",
    "OrchestratorDeclaration",
    "OrchestratorResult",
    "ParallelAgent",
    "ParallelDeclaration",
    "ParallelResult",
    "QualityRating",
    "Round",
    "RouterAgent",
    "RouterDeclaration",
    "RouterResult",
]

_MODULES: dict[str, str] = {
    "chain": "ChainAgent ChainResult",
    "parallel": "BranchResult ParallelAgent ParallelResult",
    "evaluator_optimizer": "Evaluation EvaluatorOptimizerAgent EvaluatorOptimizerResult "
    "QualityRating Round",
    "router": "RouterAgent RouterResult",
    "orchestrator": "OrchestratorAgent OrchestratorResult",
    "declarations": "ChainDeclaration EvaluatorOptimizerDeclaration OrchestratorDeclaration "
    "ParallelDeclaration RouterDeclaration",
}
_LAZY: dict[str, str] = {
    name: f"fastagent.agents.workflows.{module}"
    for module, names in _MODULES.items()
    for name in names.split()
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
