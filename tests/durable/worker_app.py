"""A durable agent script for the crash tests, run as a subprocess in a prepared folder.

The folder holds ``fastagent.yaml`` (a generic model at the scripted test server, and a
``durable:`` section). The agent's one tool, ``wait_for_go``, appends a line (with its
idempotency key) to ``tool_runs`` and then waits until the file ``go`` exists: a test kills
the process while the tool waits, which is a deterministic point in the tool loop.

Run: ``python worker_app.py KEY MESSAGE``; it prints the steps replayed in this process
(``REPLAYED model:1``), the model requests it counted (``REQUESTS 1``; the agent's own,
which the usage summary prices, ``AGENT_REQUESTS 1``) and ``ANSWER <reply>``.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from fastagent import FastAgent  # as a user's script: the progress lines are on
from fastagent.events import StepReplayed
from fastagent.runtime import current_runtime
from fastagent.steps import idempotency_key

fast = FastAgent("durable-test")
HERE = Path.cwd()


@fast.tool
async def wait_for_go(ticket: str) -> str:
    """Close a ticket (waits until the test says go)."""
    with (HERE / "tool_runs").open("a") as runs:
        runs.write(f"{idempotency_key()}\n")
    while not (HERE / "go").exists():
        await asyncio.sleep(0.02)
    return f"closed {ticket}"


@fast.agent("worker", "Close tickets with the tool.", tools=[wait_for_go])
async def main() -> None:
    """Send one keyed message and print the answer."""
    async with fast.run() as app:
        runtime = current_runtime()
        replayed: list[StepReplayed] = []
        runtime.events.subscribe(replayed.append, StepReplayed)
        answer = await app.send(sys.argv[2], key=sys.argv[1])
        print("REPLAYED", ",".join(f"{e.kind}:{e.step}" for e in replayed), flush=True)
        print("REQUESTS", runtime.usage.total.requests, flush=True)
        # What the usage summary prices (cost): the agent's own usage.
        print("AGENT_REQUESTS", app["worker"].usage.requests, flush=True)
        print("ANSWER", answer, flush=True)


if __name__ == "__main__":
    asyncio.run(main())
