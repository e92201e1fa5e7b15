"""A durable app with a ``distributed`` parallel workflow, run as a subprocess by the tests.

``fan`` sends the message to ``quick`` (answers at once) and ``slow`` (calls the tool
``hold``, which appends its idempotency key to ``holds`` and waits until the file ``go``
exists), each branch a child workflow on the durable queue ``parallel``.

Run: ``python parallel_app.py KEY MESSAGE``; prints ``ANSWER <reply>`` (one line per block).
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from fastagent.agents import FastAgent
from fastagent.steps import idempotency_key

fast = FastAgent("parallel-test")
HERE = Path.cwd()


@fast.tool
async def hold(ticket: str) -> str:
    """Close a ticket (waits until the test says go)."""
    with (HERE / "holds").open("a") as holds:
        holds.write(f"{idempotency_key()}\n")
    while not (HERE / "go").exists():
        await asyncio.sleep(0.02)
    return f"closed {ticket}"


fast.agent("quick", "Answer at once.", model="generic.quick-model")(lambda: None)
fast.agent("slow", "Use the tool.", model="generic.slow-model", tools=[hold])(lambda: None)


@fast.parallel("fan", fan_out=["quick", "slow"], distributed=True, default=True)
async def main() -> None:
    """Send one keyed message to the parallel workflow and print the answer."""
    async with fast.run() as app:
        answer = await app.send(sys.argv[2], agent="fan", key=sys.argv[1])
        print("ANSWER", answer.replace("\n", " | "), flush=True)


if __name__ == "__main__":
    asyncio.run(main())
