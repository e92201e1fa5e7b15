from __future__ import annotations

import asyncio
import os
import subprocess
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest

from fastagent.exceptions import UserError
from fastagent.llm import AugmentedLLM
from fastagent.mcp.aggregator import add_server_tools, tool_is_exposed
from fastagent.mcp.registry import ServerRegistry
from fastagent.messages import ImageContent, ResourceLink, ToolCall
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.tools import ToolSet

from .conftest import (
    EVERYTHING,
    TIME_SERVER,
    fixture_server,
    free_port,
    mcp_settings,
    server_settings,
)

pytestmark = pytest.mark.e2e


async def call(tools: ToolSet, name: str, **arguments: Any) -> Any:
    return await tools.call(ToolCall(id="c", name=name, arguments=arguments))


@pytest.fixture
async def everything() -> AsyncIterator[tuple[ToolSet, ServerRegistry]]:
    settings = mcp_settings(
        everything={"command": str(EVERYTHING)}, time={"command": str(TIME_SERVER)}
    )
    async with ServerRegistry(settings) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["everything", "time"])
        yield tools, registry


async def test_everything_over_stdio(everything: tuple[ToolSet, ServerRegistry]) -> None:
    tools, _ = everything
    names = tools.names()
    assert "everything__echo" in names and "time__get_current_time" in names
    echo = await call(tools, "everything__echo", message="hi")
    assert not echo.is_error and echo.text == "Echo: hi"
    total = await call(tools, "everything__get-sum", a=2, b=3)
    assert "5" in total.text
    image = await call(tools, "everything__get-tiny-image")
    assert any(isinstance(b, ImageContent) and b.mime_type == "image/png" for b in image.content)
    weather = await call(tools, "everything__get-structured-content", location="New York")
    assert set(weather.structured_content) >= {"temperature", "conditions"}
    links = await call(tools, "everything__get-resource-links", count=2)
    assert len([b for b in links.content if isinstance(b, ResourceLink)]) == 2
    bad = await call(tools, "everything__echo")
    assert bad.is_error and "message" in bad.text
    definition = next(
        d for d in tools.definitions() if d.name == "everything__get-structured-content"
    )
    assert definition.output_schema is not None


async def test_time_server_with_timezone(everything: tuple[ToolSet, ServerRegistry]) -> None:
    tools, _ = everything
    now = await call(tools, "time__get_current_time", timezone="Asia/Tokyo")
    assert not now.is_error
    assert now.structured_content["timezone"] == "Asia/Tokyo"


async def test_passthrough_model_drives_mcp_tool(
    everything: tuple[ToolSet, ServerRegistry],
) -> None:
    tools, _ = everything
    llm = AugmentedLLM(PassthroughProvider(), tools=tools)
    reply = await llm.generate('***CALL_TOOL everything__echo {"message":"hi"}')
    assert "hi" in reply.text


async def test_registry_shares_one_session_per_server(
    everything: tuple[ToolSet, ServerRegistry],
) -> None:
    _, registry = everything
    other = ToolSet()
    await add_server_tools(other, registry, ["everything"])
    assert (await registry.get("everything")) is registry.connection("everything")
    assert (await call(other, "everything__echo", message="x")).text == "Echo: x"


@pytest.fixture
def everything_http(request: pytest.FixtureRequest) -> Iterator[str]:
    mode = request.param
    port = free_port()
    process = subprocess.Popen(
        [str(EVERYTHING), mode],
        env={**os.environ, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        for _ in range(300):
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=0.2)
                break
            except httpx.TransportError:
                if process.poll() is not None:
                    raise RuntimeError("everything server exited") from None
                import time

                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, 15)
        process.wait(10)


@pytest.mark.parametrize("everything_http", ["streamableHttp"], indirect=True)
async def test_everything_over_streamable_http(everything_http: str) -> None:
    async with ServerRegistry(mcp_settings(web={"url": everything_http + "/mcp"})) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["web"])
        assert (await call(tools, "web__echo", message="over http")).text == "Echo: over http"
        image = await call(tools, "web__get-tiny-image")
        assert any(isinstance(b, ImageContent) for b in image.content)


@pytest.mark.parametrize("everything_http", ["sse"], indirect=True)
async def test_everything_over_sse(everything_http: str) -> None:
    settings = mcp_settings(legacy={"url": everything_http + "/sse", "transport": "sse"})
    async with ServerRegistry(settings) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["legacy"])
        assert (await call(tools, "legacy__echo", message="sse")).text == "Echo: sse"


@pytest.mark.parametrize("everything_http", ["sse"], indirect=True)
async def test_http_falls_back_to_sse_when_transport_not_pinned(everything_http: str) -> None:
    settings = mcp_settings(legacy={"url": everything_http + "/sse"})
    # The config marks an inferred transport as unset (see docs/mcp.md).
    settings.servers["legacy"].model_fields_set.discard("transport")
    async with ServerRegistry(settings) as registry:
        connection = await registry.get("legacy")
        assert connection.transport == "sse"
        tools = ToolSet()
        await add_server_tools(tools, registry, ["legacy"])
        assert (await call(tools, "legacy__echo", message="fb")).text == "Echo: fb"


async def test_pinned_http_does_not_fall_back() -> None:
    from fastagent.exceptions import MCPServerError

    settings = mcp_settings(
        web={"url": "http://127.0.0.1:9/mcp", "transport": "http", "init_timeout": 5}
    )
    async with ServerRegistry(settings) as registry:
        with pytest.raises(MCPServerError, match=r"url: http://127\.0\.0\.1:9/mcp"):
            await registry.get("web")
        assert registry.connection("web").transport == "http"


async def test_pagination_lists_every_page() -> None:
    async with ServerRegistry(mcp_settings(paged=fixture_server("paged"))) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["paged"])
        assert tools.names() == [f"paged__t{i}" for i in range(5)]
        assert (await call(tools, "paged__t4")).text == "called t4"


async def test_list_changed_adds_and_removes_tools() -> None:
    async with ServerRegistry(mcp_settings(fx=fixture_server("ok"))) as registry:
        tools = ToolSet()
        aggregator = await add_server_tools(tools, registry, ["fx"])
        changed = asyncio.Event()
        registry.connection("fx").on_tools_changed(lambda: _set(changed))
        assert (await call(tools, "fx__add_tool")).text == "added"
        await asyncio.wait_for(_until(lambda: "fx__extra" in tools), 10)
        assert (await call(tools, "fx__extra")).text == "extra!"
        await call(tools, "fx__remove_tool")
        await asyncio.wait_for(_until(lambda: "fx__echo" not in tools), 10)
        assert "fx__echo" not in aggregator.tool_names("fx")
        assert changed.is_set()
        aggregator.detach()
        assert tools.names() == []


async def _set(event: asyncio.Event) -> None:
    event.set()


async def _until(predicate: Any) -> None:
    while not predicate():
        await asyncio.sleep(0.01)


async def test_include_and_exclude_globs() -> None:
    settings = mcp_settings(
        fx=fixture_server("ok", include_tools=["*echo", "fx__spawn"], exclude_tools=["slow_*"])
    )
    async with ServerRegistry(settings) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["fx"])
        assert tools.names() == ["fx__echo", "fx__spawn"]


def test_tool_is_exposed_rules() -> None:
    settings = server_settings(command="x", exclude_tools=["danger*"])
    assert tool_is_exposed("s", "read", settings)
    assert not tool_is_exposed("s", "danger_zone", settings)


async def test_crash_becomes_error_result() -> None:
    async with ServerRegistry(mcp_settings(fx=fixture_server("ok"))) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["fx"])
        result = await call(tools, "fx__crash")
        assert result.is_error
        assert "MCP server 'fx'" in result.text and "about to crash: boom" in result.text


async def test_unknown_server_lists_configured_names() -> None:
    async with ServerRegistry(
        mcp_settings(a=fixture_server("ok"), b=fixture_server("ok"))
    ) as registry:
        with pytest.raises(UserError, match=r"unknown MCP server 'c' \(configured: a, b\)"):
            await add_server_tools(ToolSet(), registry, ["c"])


async def test_start_connects_load_on_start_servers_concurrently() -> None:
    settings = mcp_settings(
        a=fixture_server("ok"),
        b=fixture_server("ok"),
        lazy=fixture_server("ok", load_on_start=False),
    )
    async with ServerRegistry(settings) as registry:
        assert await registry.start() == ["a", "b"]
        assert registry.connection("a").is_connected and registry.connection("b").is_connected
        assert not registry.connection("lazy").is_connected
