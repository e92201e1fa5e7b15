"""A chain: a researcher's notes go to a writer, whose reply is the chain's reply.

Runs offline: both agents answer with fixed texts. Pass ``--model sonnet`` (with an API
key) to run the same chain on a real model.

    python chain.py
    python chain.py --message "Tell me about Paris."
    python chain.py --agent post_with_notes --message "Tell me about Paris."
"""

import asyncio

from fastagent import FastAgent

fast = FastAgent("chain")

fast.agent(
    "researcher",
    "You list the key facts about the topic you are given, one per line.",
    model="passthrough?fixed_response=Paris: capital of France, about 2.1 million people.",
)
fast.agent(
    "writer",
    "You turn research notes into one friendly sentence.",
    model="passthrough?fixed_response=Paris, France's capital, is home to 2.1 million people.",
)


@fast.chain("post", sequence=["researcher", "writer"], default=True)
@fast.chain("post_with_notes", sequence=["researcher", "writer"], cumulative=True)
async def main() -> None:
    async with fast.run() as app:
        print(await app.post.send("Tell me about Paris."))
        print("---")
        print(await app.post_with_notes.send("Tell me about Paris."))
        print("---")
        print(f"model calls: {app.post.usage.requests + app.post_with_notes.usage.requests}")


if __name__ == "__main__":
    asyncio.run(main())
