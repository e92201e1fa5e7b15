"""Durable agent turns and batches on DBOS (docs/durable.md).

A turn sent with a key (``await agent.send(msg, key="ticket-42")``) runs as a DBOS workflow
whose every model call and tool call is a recorded step: after a crash the turn resumes from
its last recorded step, without paying for the model calls already made. The workflow's
inputs and every step's result are stored as JSON in our lossless history format.

This package is an edge: it wraps model and tool calls through the `fastagent.steps` seam and
never imports the tool loop, the agents or the runtime. Importing it imports nothing heavy;
`dbos` is imported by `DurableEngine.launch`, only when durability is on.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.durable.engine import DurableEngine, TurnHandler
    from fastagent.durable.errors import DurableError

__all__ = ["DurableEngine", "DurableError", "TurnHandler"]

_LAZY: dict[str, str] = {
    "DurableEngine": "fastagent.durable.engine",
    "DurableError": "fastagent.durable.errors",
    "TurnHandler": "fastagent.durable.engine",
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
