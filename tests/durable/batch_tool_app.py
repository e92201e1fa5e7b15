"""A batch test app whose agent's only tool raises: the row's model gets the error."""

from __future__ import annotations

from fastagent.agents import FastAgent

fast = FastAgent("batch-tool-test")


@fast.tool
def explode(text: str) -> str:
    """A tool that always fails."""
    raise ValueError(f"kaboom on {text}")


fast.agent("exploder", "Use the explode tool.", tools=[explode])(lambda: None)
