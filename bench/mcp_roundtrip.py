"""MCP tool-call round trip through fastagent's layers vs the raw SDK, and connect times.

Run: .venv/bin/python bench/mcp_roundtrip.py
"""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from fastagent.config.mcp_settings import MCPSettings
from fastagent.mcp.aggregator import add_server_tools
from fastagent.mcp.registry import ServerRegistry
from fastagent.messages import ToolCall
from fastagent.tools import ToolSet

EVERYTHING = str(
    Path(__file__).resolve().parents[1] / "node_modules" / ".bin" / "mcp-server-everything"
)
N = 200
SERVERS = 5


async def raw_sdk() -> float:
    params = StdioServerParameters(command=EVERYTHING)
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        samples = []
        for _ in range(N):
            started = time.perf_counter()
            await session.call_tool("echo", {"message": "hi"})
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


async def ours() -> float:
    settings = MCPSettings.model_validate({"servers": {"everything": {"command": EVERYTHING}}})
    async with ServerRegistry(settings) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["everything"])
        call = ToolCall(id="c", name="everything__echo", arguments={"message": "hi"})
        samples = []
        for _ in range(N):
            started = time.perf_counter()
            await tools.call(call)
            samples.append(time.perf_counter() - started)
    return statistics.median(samples) * 1e6


async def connect_all(concurrent: bool) -> float:
    servers = {f"s{i}": {"command": EVERYTHING} for i in range(SERVERS)}
    settings = MCPSettings.model_validate({"servers": servers})
    async with ServerRegistry(settings) as registry:
        started = time.perf_counter()
        if concurrent:
            await registry.start()
        else:
            for name in servers:
                await registry.get(name)
        return time.perf_counter() - started


async def main() -> None:
    raw = await raw_sdk()
    layered = await ours()
    sequential = await connect_all(concurrent=False)
    concurrent = await connect_all(concurrent=True)
    print(f"{'measurement':<44}{'value':>12}")
    print(f"{'echo round trip, raw SDK ClientSession (median)':<44}{raw:>10.0f}us")
    print(f"{'echo round trip, ToolSet->MCPTool->session':<44}{layered:>10.0f}us")
    print(f"{'overhead of our layers':<44}{layered - raw:>10.0f}us")
    print(f"{f'connect {SERVERS} servers sequentially':<44}{sequential * 1000:>10.0f}ms")
    print(f"{f'connect {SERVERS} servers concurrently':<44}{concurrent * 1000:>10.0f}ms")


if __name__ == "__main__":
    asyncio.run(main())
