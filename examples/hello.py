"""The smallest fastagent agent. Chat: python hello.py  One shot: python hello.py --message hi"""

import asyncio

from fastagent import FastAgent

fast = FastAgent("hello")


@fast.agent(instruction="You are a friendly assistant.")
async def main() -> None:
    async with fast.run() as app:
        await app.interactive()


if __name__ == "__main__":
    asyncio.run(main())
