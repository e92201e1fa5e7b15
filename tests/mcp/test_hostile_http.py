"""A hostile streamable-HTTP server on 127.0.0.1: cut responses, a stalled stream, a 403.

One failed HTTP exchange is one error result; the server is not marked dead and later calls
work. Every test bounds its time generously.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from fastagent.events import EventBus, ServerDisconnected
from fastagent.exceptions import MCPServerError
from fastagent.mcp.aggregator import add_server_tools
from fastagent.mcp.registry import ServerRegistry
from fastagent.messages import ToolCall, ToolResult
from fastagent.tools import ToolSet

from .conftest import hostile_http_server, mcp_settings

pytestmark = pytest.mark.e2e


def _start(*flags: str) -> Iterator[str]:
    with hostile_http_server(*flags) as port:
        yield f"http://127.0.0.1:{port}/mcp"


@pytest.fixture
def hostile_url() -> Iterator[str]:
    yield from _start()


@pytest.fixture
def forbidding_url() -> Iterator[str]:
    yield from _start("--forbid-list")


async def _call(tools: ToolSet, name: str, **arguments: object) -> ToolResult:
    return await tools.call(ToolCall(id=name, name=f"web__{name}", arguments=dict(arguments)))


@pytest.mark.parametrize("tool", ["cut_json", "cut_sse"])
async def test_a_response_cut_midway_is_one_error_result(hostile_url: str, tool: str) -> None:
    bus = EventBus()
    lost: list[ServerDisconnected] = []
    bus.subscribe(lost.append, ServerDisconnected)
    tools = ToolSet()
    registry = ServerRegistry(
        mcp_settings(web={"url": hostile_url, "transport": "http", "tool_timeout": 60}),
        events=bus,
    )
    async with registry:
        await add_server_tools(tools, registry, ["web"])
        started = time.monotonic()
        for _ in range(2):
            failed = await _call(tools, tool)
            assert failed.is_error
            assert failed.text.startswith(f"tool '{tool}' of MCP server 'web' failed: ")
        assert time.monotonic() - started < 20
        ok = await _call(tools, "echo", message="after")
        assert (ok.is_error, ok.text) == (False, "echo: after")
        assert registry.connection("web").is_connected
    assert [e.reason for e in lost] == [""]  # only the clean close at the end


async def test_a_stalled_stream_times_out_naming_server_tool_and_timeout(hostile_url: str) -> None:
    tools = ToolSet()
    settings = mcp_settings(web={"url": hostile_url, "transport": "http", "tool_timeout": 0.5})
    async with ServerRegistry(settings) as registry:
        await add_server_tools(tools, registry, ["web"])
        started = time.monotonic()
        stalled = await _call(tools, "stall_sse")
        assert time.monotonic() - started < 20
        assert stalled.is_error
        assert "tool 'stall_sse' on MCP server 'web' timed out after 0.5s" in stalled.text
        ok = await _call(tools, "echo", message="still")
        assert (ok.is_error, ok.text) == (False, "echo: still")


async def test_http_403_on_tools_list_is_an_mcp_server_error_naming_the_server(
    forbidding_url: str,
) -> None:
    tools = ToolSet()
    async with ServerRegistry(mcp_settings(web={"url": forbidding_url})) as registry:
        with pytest.raises(MCPServerError, match=r"^MCP server 'web' failed tools/list: ") as info:
            await add_server_tools(tools, registry, ["web"])
    assert "HTTP 403 from the server" in info.value.message
    assert info.value.server == "web"
    assert "mcp.servers.web" in (info.value.hint or "")
    assert "\n" not in info.value.message
    assert tools.names() == []
