"""Triage support tickets into structured values, one durable row per ticket.

    fastagent batch triage_agent.py tickets.jsonl -o triage.jsonl --schema triage_schema:Triage

Each line of triage.jsonl then has the row's ``value``: ``{"priority": 2, "summary": ...}``.
A reply that does not match `Triage` makes its row failed (exit status 1, the ids listed);
``--retry-failed`` asks again for those rows only. One ticket from the command line:

    python triage_agent.py "The parcel never arrived."
"""

from __future__ import annotations

import asyncio
import sys

from triage_schema import Triage

from fastagent import FastAgent

fast = FastAgent("triage-desk")


@fast.agent(
    "triage",
    "You triage support tickets: a priority from 1 (urgent) to 3 (low) and a one-line summary.",
)
async def main() -> None:
    """Triage the ticket given as the first argument."""
    async with fast.run() as app:
        print(await app.triage.structured(sys.argv[1], Triage))


if __name__ == "__main__":
    asyncio.run(main())
