"""MCP tool-call round trip through fastagent's layers vs the raw SDK, connect times, and
one 20 MB tool result over stdio (the raw SDK's reader is quadratic in a line's length).

Run: .venv/bin/python bench/mcp_roundtrip.py
"""

from __future__ import annotations

import asyncio
import statistics
import sys
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
HUGE_SERVER = Path(__file__).resolve().parents[1] / "tests" / "mcp" / "servers" / "hostile_stdio.py"
N = 200
SERVERS = 5
HUGE_MB = 20


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


async def huge_result(raw: bool) -> float:
    """Seconds for one tool result of `HUGE_MB` megabytes, raw SDK or through our layers."""
    if raw:
        params = StdioServerParameters(command=sys.executable, args=[str(HUGE_SERVER)])
        async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
            await session.initialize()
            started = time.perf_counter()
            await session.call_tool("huge", {"mb": HUGE_MB})
            return time.perf_counter() - started
    server = {"command": sys.executable, "args": [str(HUGE_SERVER)]}
    settings = MCPSettings.model_validate({"servers": {"huge": server}})
    async with ServerRegistry(settings) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["huge"])
        started = time.perf_counter()
        await tools.call(ToolCall(id="c", name="huge__huge", arguments={"mb": HUGE_MB}))
        return time.perf_counter() - started


async def main() -> None:
    raw = await raw_sdk()
    layered = await ours()
    sequential = await connect_all(concurrent=False)
    concurrent = await connect_all(concurrent=True)
    huge_raw = await huge_result(raw=True)
    huge_ours = await huge_result(raw=False)
    print(f"{'measurement':<44}{'value':>12}")
    print(f"{'echo round trip, raw SDK ClientSession (median)':<44}{raw:>10.0f}us")
    print(f"{'echo round trip, ToolSet->MCPTool->session':<44}{layered:>10.0f}us")
    print(f"{'overhead of our layers':<44}{layered - raw:>10.0f}us")
    print(f"{f'connect {SERVERS} servers sequentially':<44}{sequential * 1000:>10.0f}ms")
    print(f"{f'connect {SERVERS} servers concurrently':<44}{concurrent * 1000:>10.0f}ms")
    print(f"{f'{HUGE_MB} MB result over stdio, raw SDK':<44}{huge_raw * 1000:>10.0f}ms")
    print(f"{f'{HUGE_MB} MB result over stdio, our layers':<44}{huge_ours * 1000:>10.0f}ms")


if __name__ == "__main__":
    asyncio.run(main())
