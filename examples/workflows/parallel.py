"""A parallel fan-out: two reviewers read the same text at once; an editor combines them.

Runs offline: the reviewers answer with fixed texts and the editor echoes what it receives,
so you can see exactly the message a fan-in agent gets. Pass ``--model sonnet`` (with an
API key) to run it on a real model.

    python parallel.py
    python parallel.py --message "Our product is the best product."
    python parallel.py --agent reviews --message "Our product is the best product."
"""

import asyncio

from fastagent import FastAgent

fast = FastAgent("parallel")

fast.agent(
    "style",
    "You review the style of a text in one sentence.",
    model="passthrough?fixed_response=Style: avoid repeating 'product'.",
)
fast.agent(
    "facts",
    "You check the claims of a text in one sentence.",
    model="passthrough?fixed_response=Facts: 'the best' needs evidence.",
)
fast.agent("editor", "You merge reviews into one list of changes.", model="passthrough")


@fast.parallel("review", fan_out=["style", "facts"], fan_in="editor", default=True)
@fast.parallel("reviews", fan_out=["style", "facts"], branch_timeout=30, on_error="collect")
async def main() -> None:
    async with fast.run() as app:
        print(await app.review.send("Our product is the best product."))
        print("---")
        run = await app.reviews.run("Our product is the best product.")
        for branch in run.branches:
            print(f"{branch.name}: {branch.text}")


if __name__ == "__main__":
    asyncio.run(main())
