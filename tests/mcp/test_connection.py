from __future__ import annotations

import asyncio
import os
import re
import time

import pytest

from fastagent.events import (
    Event,
    EventBus,
    MCPRequestFinished,
    MCPRequestStarted,
    ServerConnected,
    ServerConnecting,
    ServerDisconnected,
)
from fastagent.exceptions import MCPServerError
from fastagent.mcp.connection import ServerConnection

from .conftest import descendants, fixture_server, is_alive, live_children, server_settings

pytestmark = pytest.mark.e2e


def connection(
    mode: str, *extra: str, events: EventBus | None = None, **values: object
) -> ServerConnection:
    return ServerConnection(
        mode, server_settings(**fixture_server(mode, *extra, **values)), events=events
    )


async def test_connect_call_close_publishes_lifecycle_events() -> None:
    bus = EventBus()
    seen: list[Event] = []
    bus.subscribe(seen.append)
    conn = connection("ok", events=bus)
    try:
        await conn.connect()
        result = await conn.call_tool("echo", {"message": "hi"})
        assert result.content[0].text == "echo: hi"  # type: ignore[union-attr]
    finally:
        await conn.aclose()
    kinds = [type(e) for e in seen]
    assert kinds == [
        ServerConnecting,
        ServerConnected,
        MCPRequestStarted,
        MCPRequestFinished,
        ServerDisconnected,
    ]
    connected = seen[1]
    assert isinstance(connected, ServerConnected) and connected.duration > 0
    request, answered = seen[2], seen[3]
    assert isinstance(request, MCPRequestStarted)
    assert (request.server, request.method, request.target) == ("ok", "tools/call", "echo")
    assert isinstance(answered, MCPRequestFinished)
    assert answered.error == "" and answered.duration > 0
    assert isinstance(seen[4], ServerDisconnected) and seen[4].reason == ""


async def test_concurrent_connects_share_one_process() -> None:
    conn = connection("ok")
    before = descendants(os.getpid())  # e.g. a session-wide model server started earlier
    try:
        await asyncio.gather(*(conn.connect() for _ in range(5)))
        assert len(descendants(os.getpid()) - before) == 1
    finally:
        await conn.aclose()


async def test_missing_command_fails_at_once_naming_it() -> None:
    conn = ServerConnection("ghost", server_settings(command="no-such-mcp-server-xyz"))
    started = time.perf_counter()
    with pytest.raises(MCPServerError, match="'no-such-mcp-server-xyz' was not found") as info:
        await conn.connect()
    assert time.perf_counter() - started < 1
    assert info.value.server == "ghost"
    assert "mcp.servers.ghost.command" in (info.value.hint or "")


async def test_hanging_server_times_out_with_stderr_tail() -> None:
    conn = connection("hang", init_timeout=0.5)
    started = time.perf_counter()
    with pytest.raises(MCPServerError, match=r"did not finish initializing within 0.5s") as info:
        await conn.connect()
    assert time.perf_counter() - started < 8
    assert "fixture_server.py hang" in info.value.message
    assert "hanging forever" in info.value.stderr_tail
    assert "init_timeout" in (info.value.hint or "")


async def test_slow_start_within_timeout_connects_and_beyond_fails() -> None:
    slow = connection("slow", "1.0", init_timeout=0.3)
    with pytest.raises(MCPServerError, match=r"within 0\.3s"):
        await slow.connect()
    patient = connection("slow", "0.3", init_timeout=20)
    try:
        await patient.connect()
        assert patient.is_connected
    finally:
        await patient.aclose()


async def test_server_exiting_at_start_reports_exit_and_stderr() -> None:
    conn = connection("stderr_exit")
    with pytest.raises(MCPServerError, match="closed the connection during start-up") as info:
        await conn.connect()
    assert "fatal: cannot open database /nope.db" in info.value.stderr_tail
    assert "fatal: cannot open database" in info.value.message


async def test_garbage_on_stdout_is_skipped() -> None:
    conn = connection("garbage")
    try:
        result = await conn.call_tool("echo", {"message": "still fine"})
        assert result.content[0].text == "echo: still fine"  # type: ignore[union-attr]
    finally:
        await conn.aclose()


async def test_garbage_only_server_fails_within_timeout() -> None:
    conn = connection("garbage_only", init_timeout=0.5)
    with pytest.raises(MCPServerError, match=r"within 0\.5s"):
        await conn.connect()


async def test_crash_mid_session_fails_calls_and_publishes_disconnect() -> None:
    bus = EventBus()
    lost: list[ServerDisconnected] = []
    bus.subscribe(lost.append, ServerDisconnected)
    conn = connection("ok", events=bus)
    try:
        await conn.connect()
        with pytest.raises(MCPServerError, match="exited or crashed") as info:
            await conn.call_tool("crash", {})
        assert "about to crash: boom" in info.value.stderr_tail
        with pytest.raises(MCPServerError, match="not available"):
            await conn.call_tool("echo", {"message": "x"})
        assert [e.reason for e in lost] == ["the connection closed (the server exited or crashed)"]
        assert "reconnect: true" in (info.value.hint or "")
    finally:
        await conn.aclose()


async def test_reconnect_restarts_the_server_on_next_use() -> None:
    conn = connection("ok", reconnect=True)
    try:
        await conn.connect()
        with pytest.raises(MCPServerError):
            await conn.call_tool("crash", {})
        result = await conn.call_tool("echo", {"message": "back"})
        assert result.content[0].text == "echo: back"  # type: ignore[union-attr]
    finally:
        await conn.aclose()


async def test_ping_failure_publishes_disconnect() -> None:
    bus = EventBus()
    lost = asyncio.Event()
    bus.subscribe(lambda e: lost.set(), ServerDisconnected)
    conn = connection("ok", events=bus, ping_interval=0.05)
    before = descendants(os.getpid())
    try:
        await conn.connect()
        await conn.ping()
        (pid,) = descendants(os.getpid()) - before
        os.kill(pid, 9)
        await asyncio.wait_for(lost.wait(), 10)
        assert not conn.is_connected
    finally:
        await conn.aclose()


async def test_tool_timeout_is_an_error_naming_the_tool() -> None:
    conn = connection("ok", tool_timeout=0.2)
    try:
        with pytest.raises(MCPServerError, match=r"tool 'slow_echo' on MCP server 'ok' timed out"):
            await conn.call_tool("slow_echo", {"message": "z", "seconds": 5})
        assert conn.is_connected
    finally:
        await conn.aclose()


async def test_session_property_before_connect_is_an_error() -> None:
    conn = connection("ok")
    with pytest.raises(MCPServerError, match="not connected"):
        _ = conn.session


# -- no orphans -----------------------------------------------------------------------------


async def _grandchild_pids(conn: ServerConnection) -> tuple[int, int]:
    before = live_children()  # e.g. a session-wide model server started earlier
    await conn.connect()
    [server_pid] = live_children() - before
    match = re.search(r"grandchild pid (\d+)", conn.stderr_tail)
    for _ in range(100):
        if match:
            break
        await asyncio.sleep(0.02)
        match = re.search(r"grandchild pid (\d+)", conn.stderr_tail)
    assert match, conn.stderr_tail
    return server_pid, int(match.group(1))


async def _assert_gone(*pids: int) -> None:
    for pid in pids:
        assert not is_alive(pid), f"process {pid} survived"


async def test_no_orphans_after_normal_exit() -> None:
    conn = connection("grandchild")
    server, grandchild = await _grandchild_pids(conn)
    assert is_alive(grandchild)
    await conn.aclose()
    await _assert_gone(server, grandchild)


async def test_no_orphans_after_exception_in_body() -> None:
    from fastagent.mcp.registry import ServerRegistry

    from .conftest import mcp_settings

    pids: tuple[int, int] = (0, 0)
    with pytest.raises(RuntimeError, match="body failed"):
        async with ServerRegistry(mcp_settings(g=fixture_server("grandchild"))) as registry:
            pids = await _grandchild_pids(registry.connection("g"))
            raise RuntimeError("body failed")
    await _assert_gone(*pids)


async def test_no_orphans_after_cancellation() -> None:
    from fastagent.mcp.registry import ServerRegistry

    from .conftest import mcp_settings

    pids: list[int] = []
    started = asyncio.Event()

    async def run() -> None:
        async with ServerRegistry(mcp_settings(g=fixture_server("grandchild"))) as registry:
            pids.extend(await _grandchild_pids(registry.connection("g")))
            started.set()
            await asyncio.sleep(600)

    task = asyncio.create_task(run())
    await asyncio.wait_for(started.wait(), 20)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await _assert_gone(*pids)
