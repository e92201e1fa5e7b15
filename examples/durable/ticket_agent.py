"""A durable support agent: its turn survives a crash and resumes without paying twice.

Run it twice with the same key: the second run returns the recorded answer and makes no
model call. Kill it while the tool runs and run it again: the turn resumes from its last
recorded step. ``fastagent batch ticket_agent.py tickets.jsonl -o answers.jsonl`` sends every
row of tickets.jsonl to the same agent, one durable workflow per row; with ``--no-work`` the
rows are left to ``fastagent worker ticket_agent.py`` processes on the same database.

    python ticket_agent.py ticket-42 "Close ticket 42, the parcel arrived."
"""

from __future__ import annotations

import asyncio
import sys

from fastagent import FastAgent
from fastagent.steps import idempotency_key

fast = FastAgent("support-desk")

CLOSED: dict[str, str] = {}


@fast.tool
def close_ticket(ticket: str) -> str:
    """Close a support ticket by its number."""
    # A step in flight at a crash runs again: the key makes the side effect happen once.
    key = idempotency_key() or "not durable"
    CLOSED.setdefault(key, ticket)
    return f"ticket {ticket} closed (idempotency key {key})"


@fast.agent(
    "support", "You close support tickets with the close_ticket tool.", tools=[close_ticket]
)
async def main() -> None:
    """Send one message as the durable turn named by the first argument."""
    key, message = sys.argv[1], sys.argv[2]
    async with fast.run() as app:
        print(await app.send(message, key=key))


if __name__ == "__main__":
    asyncio.run(main())
