"""An agent with two Python tools.

Runs offline: the agent's model is "passthrough", which calls a tool when a message reads
``***CALL_TOOL <name> <json arguments>`` and replies with the tool's result. Pass
``--model sonnet`` (with an API key) and ask in plain words instead.

    python tools.py
    python tools.py --message '***CALL_TOOL get_weather {"city": "Oslo"}'
"""

import asyncio

from fastagent import FastAgent

fast = FastAgent("tools")


@fast.tool
def get_weather(city: str) -> str:
    """Today's weather in a city."""
    return f"Sunny and 22°C in {city}"


@fast.tool
def to_fahrenheit(celsius: float) -> float:
    """Convert a temperature from Celsius to Fahrenheit."""
    return round(celsius * 9 / 5 + 32, 1)


@fast.agent(
    "weather",
    "You answer weather questions. Use the tools; convert to Fahrenheit when asked.",
    tools=[get_weather, to_fahrenheit],
    model="passthrough",
)
async def main() -> None:
    async with fast.run() as app:
        print(await app.send('***CALL_TOOL get_weather {"city": "Paris"}'))
        print(await app.send('***CALL_TOOL to_fahrenheit {"celsius": 22}'))
        print(f"model calls: {app.usage['weather'].requests}")


if __name__ == "__main__":
    asyncio.run(main())
