"""The workflow decorators of `FastAgent` (``@fast.chain``, ``@fast.parallel``, ...)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastagent.agents.spec import AgentSpec

__all__ = ["WorkflowDecorators"]


class WorkflowDecorators:
    """Mixin of `FastAgent` holding one decorator per workflow kind."""

    def add_spec(self, spec: AgentSpec) -> None:
        """Add an agent declaration (implemented by `FastAgent`)."""
        raise NotImplementedError
