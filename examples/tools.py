"""An agent with two Python tools and one tool from an MCP server.

Runs offline: the agent's model is "passthrough", which calls a tool when a message reads
``***CALL_TOOL <name> <json arguments>`` and replies with the tool's result. The MCP server
is units_server.py beside this file, started as a subprocess for the run (its tools appear
as ``units__<tool>``). Pass ``--model sonnet`` (with an API key) and ask in plain words instead.

    python tools.py
    python tools.py --message '***CALL_TOOL get_weather {"city": "Oslo"}'
    python tools.py --message '***CALL_TOOL units__km_to_miles {"km": 42.195}'
"""

import asyncio
import sys
from pathlib import Path

from fastagent import FastAgent

# The server is declared here so the example needs no fastagent.yaml; in a project it goes
# under mcp.servers in fastagent.yaml.
UNITS_SERVER = {
    "command": sys.executable,
    "args": [str(Path(__file__).with_name("units_server.py"))],
}

fast = FastAgent("tools", overrides={"mcp": {"servers": {"units": UNITS_SERVER}}})


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
    "You answer weather questions. Use the tools; convert units when asked.",
    tools=[get_weather, to_fahrenheit],
    servers=["units"],
    model="passthrough",
)
async def main() -> None:
    async with fast.run() as app:
        print(await app.send('***CALL_TOOL get_weather {"city": "Paris"}'))
        print(await app.send('***CALL_TOOL to_fahrenheit {"celsius": 22}'))
        print(await app.send('***CALL_TOOL units__km_to_miles {"km": 42.195}'))
        print(f"model calls: {app.usage['weather'].requests}")


if __name__ == "__main__":
    asyncio.run(main())
