"""The app of the scale-out tests: two agents on two providers, and a tool that blocks.

``gen`` uses the config's default model (provider ``generic``), ``other`` the model
``second.other-model`` (the OpenAI-compatible preset ``providers.second``), so a queue
partitioned by provider sees two partitions. The tool ``hold`` appends
``<executor id> <idempotency key>`` to ``holds`` and waits until the file ``go`` exists: a
test kills a worker while its rows are held there, a deterministic point in each row.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from fastagent.agents import FastAgent
from fastagent.steps import idempotency_key

fast = FastAgent("scale-test")
HERE = Path.cwd()


@fast.tool
async def hold(ticket: str) -> str:
    """Close a ticket (waits until the test says go)."""
    executor = os.environ.get("FASTAGENT_DURABLE__EXECUTOR_ID", "local")
    with (HERE / "holds").open("a") as holds:
        holds.write(f"{executor} {idempotency_key()}\n")
    while not (HERE / "go").exists():
        await asyncio.sleep(0.02)
    return f"closed {ticket}"


fast.agent("gen", "Answer the row.", tools=[hold])(lambda: None)
fast.agent("other", "Answer the row.", model="second.other-model")(lambda: None)
