"""A chain over an MCP server: a fetcher calls server-everything's tools, a writer relays.

cd examples && python mcp_chain.py --message '***CALL_TOOL everything__echo {"message": "hi"}'
"""

import asyncio

from fastagent import FastAgent

fast = FastAgent("mcp-chain")
fast.agent("fetcher", "Use your tools to answer.", servers=["everything"])
fast.agent("writer", "Rewrite the answer in one friendly sentence.")


@fast.chain("answer", sequence=["fetcher", "writer"], default=True)
async def main() -> None:
    async with fast.run() as app:
        print(await app.send('***CALL_TOOL everything__echo {"message": "hi"}'))


if __name__ == "__main__":
    asyncio.run(main())
