"""Two agents served over MCP. Runs offline: both use the "passthrough" echo model.

    fastagent serve examples/serve_agents.py                      # stdio, for MCP hosts
    fastagent serve examples/serve_agents.py --transport http --port 8000
    python examples/serve_agents.py --agent echo --message hi      # or run it directly

Each agent is a tool taking {"message": string}. ``echo`` repeats the message; ``counter``
counts words with a Python tool when sent ``***CALL_TOOL word_count {"text": "..."}``.
Every client session has its own conversation, readable as the resource
``fastagent://history/<agent>``.
"""

import asyncio

from fastagent import FastAgent

fast = FastAgent("serve-demo")


@fast.tool
def word_count(text: str) -> int:
    """Count the words in a text."""
    return len(text.split())


@fast.agent("echo", "Repeats your message back.", model="passthrough", default=True)
@fast.agent(
    "counter",
    "Counts the words of a text with the word_count tool.",
    tools=[word_count],
    model="passthrough",
)
async def main() -> None:
    async with fast.run() as app:
        await app.interactive()


if __name__ == "__main__":
    asyncio.run(main())
