"""Workflows: agents made of agents (chain, parallel, router, orchestrator, evaluator-optimizer).

Each workflow is a `fastagent.agents.base.BaseAgent`, so workflows nest and are used exactly
like single agents.
"""

__all__: list[str] = []
