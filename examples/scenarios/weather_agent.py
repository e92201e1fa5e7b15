"""A FastAgent script that the app scenario tests (``python weather_agent.py`` chats)."""

from __future__ import annotations

import asyncio

from weather_tools import get_weather  # found next to this script

from fastagent import FastAgent

fast = FastAgent("weather-demo")


@fast.agent("forecaster", "You answer weather questions.", tools=[get_weather], default=True)
async def main() -> None:
    async with fast.run() as app:
        print(await app.send("What's the weather in London?"))


if __name__ == "__main__":
    asyncio.run(main())
