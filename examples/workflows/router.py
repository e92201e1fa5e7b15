"""A router: a model reads each message and hands it to the best-suited agent.

Runs offline: the router's model replays the decisions recorded in router.playback.md and
the agents answer with fixed texts. Pass ``--model sonnet`` (with an API key) to route and
answer with a real model instead.

    python router.py
    python router.py --message "My last invoice charged me twice."
"""

import asyncio
from pathlib import Path
from urllib.parse import quote

from fastagent import FastAgent

ROUTING_SCRIPT = quote(str(Path(__file__).with_name("router.playback.md")))

fast = FastAgent("router")

fast.agent(
    "billing",
    "You answer questions about invoices, payments and refunds.",
    model="passthrough?fixed_response=Billing: the duplicate charge will be refunded.",
)
fast.agent(
    "tech",
    "You solve technical problems with the app.",
    model="passthrough?fixed_response=Tech: update the app; version 2.1 fixes uploads.",
)
fast.router(
    "support",
    agents=["billing", "tech"],
    model=f"playback?file={ROUTING_SCRIPT}",
    fallback="tech",
    default=True,
)


async def main() -> None:
    async with fast.run() as app:
        for question in (
            "My last invoice charged me twice.",
            "The app crashes when I upload a photo.",
        ):
            result = await app.support.run(question)
            print(result.reply.text)
            print(f"  routed by: {result.decision}")


if __name__ == "__main__":
    asyncio.run(main())
