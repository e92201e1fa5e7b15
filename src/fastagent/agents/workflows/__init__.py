"""Workflows: agents made of agents (chain, parallel, router, orchestrator, evaluator-optimizer).

Each workflow is a `fastagent.agents.base.BaseAgent`, so workflows nest and are used exactly
like single agents. Names are imported lazily on first access. See docs/workflows.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.agents.workflows.chain import ChainAgent, ChainSpec
    from fastagent.agents.workflows.evaluator_optimizer import (
        Evaluation,
        EvaluatorOptimizerAgent,
        EvaluatorOptimizerSpec,
        QualityRating,
    )
    from fastagent.agents.workflows.orchestrator import OrchestratorAgent, OrchestratorSpec
    from fastagent.agents.workflows.parallel import BranchResult, ParallelAgent, ParallelSpec
    from fastagent.agents.workflows.router import RouterAgent, RouterSpec

__all__ = [
    "BranchResult",
    "ChainAgent",
    "ChainSpec",
    "Evaluation",
    "EvaluatorOptimizerAgent",
    "EvaluatorOptimizerSpec",
    "OrchestratorAgent",
    "OrchestratorSpec",
    "ParallelAgent",
    "ParallelSpec",
    "QualityRating",
    "RouterAgent",
    "RouterSpec",
]

_MODULES: dict[str, str] = {
    "chain": "ChainAgent ChainSpec",
    "parallel": "BranchResult ParallelAgent ParallelSpec",
    "evaluator_optimizer": "Evaluation EvaluatorOptimizerAgent EvaluatorOptimizerSpec "
    "QualityRating",
    "router": "RouterAgent RouterSpec",
    "orchestrator": "OrchestratorAgent OrchestratorSpec",
}
_LAZY: dict[str, str] = {
    name: f"fastagent.agents.workflows.{module}"
    for module, names in _MODULES.items()
    for name in names.split()
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
