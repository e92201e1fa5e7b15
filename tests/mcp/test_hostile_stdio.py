"""A hostile raw JSON-RPC stdio server: bad bytes, garbage, malformed replies, silence, floods.

Every test bounds its time generously (a hang fails it) and checks the server stays usable.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from fastagent.events import EventBus, ProgressUpdate, ServerDisconnected
from fastagent.exceptions import MCPServerError
from fastagent.logging import SdkLogBridge, route_sdk_logging
from fastagent.mcp.aggregator import add_server_tools
from fastagent.mcp.callbacks import build_client_callbacks
from fastagent.mcp.connection import ServerConnection
from fastagent.mcp.reaper import ProcessId
from fastagent.mcp.registry import ServerRegistry
from fastagent.messages import ToolCall
from fastagent.tools import ToolSet

from .conftest import mcp_settings, server_settings

pytestmark = pytest.mark.e2e

HOSTILE = Path(__file__).parent / "servers" / "hostile_stdio.py"


def hostile(*flags: str, **values: Any) -> dict[str, Any]:
    return {"command": sys.executable, "args": [str(HOSTILE), *flags], **values}


def connection(*flags: str, events: EventBus | None = None, **values: Any) -> ServerConnection:
    callbacks = None
    settings = server_settings(**hostile(*flags, **values))
    if events is not None:
        callbacks = build_client_callbacks(
            "hostile", settings, sampler=None, elicitor=None, events=events
        )
    return ServerConnection("hostile", settings, events=events, callbacks=callbacks)


def text_of(result: Any) -> str:
    return "".join(getattr(block, "text", "") for block in result.content)


async def stats(conn: ServerConnection) -> dict[str, int]:
    data: dict[str, int] = json.loads(text_of(await conn.call_tool("stats", {})))
    return data


async def test_invalid_utf8_before_initialize_does_not_stall_startup() -> None:
    conn = connection("--bad-utf8-start", init_timeout=30)
    started = time.monotonic()
    try:
        await conn.connect()
        assert time.monotonic() - started < 10
        assert text_of(await conn.call_tool("echo", {"message": "up"})) == "echo: up"
    finally:
        await conn.aclose()


async def test_invalid_utf8_mid_session_does_not_hang_later_calls() -> None:
    conn = connection(tool_timeout=30)
    started = time.monotonic()
    try:
        first = await conn.call_tool("bad_utf8", {"message": "one"})
        second = await conn.call_tool("echo", {"message": "two"})
        third = await conn.call_tool("bad_utf8", {"message": "three"})
        assert [text_of(r) for r in (first, second, third)] == [
            "echo: one",
            "echo: two",
            "echo: three",
        ]
        assert time.monotonic() - started < 10
        assert conn.is_connected
    finally:
        await conn.aclose()


async def test_ascii_garbage_is_one_warning_line_without_traceback(
    caplog: pytest.LogCaptureFixture,
) -> None:
    route_sdk_logging()
    for handler in logging.getLogger("mcp").handlers:
        if isinstance(handler, SdkLogBridge):
            handler.reset()  # earlier tests' lines must not count against this one
    conn = connection()
    try:
        with caplog.at_level(logging.WARNING):
            result = await conn.call_tool("garbage", {"lines": 200})
            assert text_of(result) == "ok"
            await conn.call_tool("garbage", {"lines": 50})
    finally:
        await conn.aclose()
    # The SDK's own logger reaches the root only through us (pytest's capture handler sits on
    # every non-propagating logger, so its records show up in caplog anyway).
    assert logging.getLogger("mcp").propagate is False
    sdk = [r for r in caplog.records if r.name == "fastagent.mcp.sdk"]
    assert len(sdk) == 1, [r.getMessage() for r in sdk]
    [line] = sdk
    assert line.levelno == logging.WARNING
    assert line.getMessage() == (
        "MCP server 'hostile': Failed to parse JSONRPC message from server "
        "(ValidationError: Invalid JSON: expected value at line 1 column 1)"
    )
    assert "\n" not in line.getMessage()
    assert line.exc_info is None


async def test_malformed_reply_with_the_right_id_is_an_error_at_once() -> None:
    conn = connection(tool_timeout=120)
    started = time.monotonic()
    try:
        with pytest.raises(MCPError, match="malformed reply to tools/call"):
            await conn.call_tool("malformed", {})
        assert time.monotonic() - started < 10
        assert text_of(await conn.call_tool("echo", {"message": "after"})) == "echo: after"
    finally:
        await conn.aclose()


async def test_tool_that_never_answers_is_an_error_result_naming_server_tool_and_timeout() -> None:
    tools = ToolSet()
    registry = ServerRegistry(mcp_settings(hostile=hostile(tool_timeout=0.5)))
    async with registry:
        await add_server_tools(tools, registry, ["hostile"])
        started = time.monotonic()
        result = await tools.call(ToolCall(id="c1", name="hostile__never", arguments={}))
        assert time.monotonic() - started < 20
        assert result.is_error
        assert "tool 'never' on MCP server 'hostile' timed out after 0.5s" in result.text
        assert "mcp.servers.hostile.tool_timeout" in result.text
        echo = ToolCall(id="c2", name="hostile__echo", arguments={"message": "x"})
        after = await tools.call(echo)
        assert (after.is_error, after.text) == (False, "echo: x")


async def test_a_tool_list_that_never_comes_is_a_server_error_naming_the_timeout() -> None:
    tools = ToolSet()
    settings = mcp_settings(hostile=hostile("--slow-list", request_timeout=0.5))
    started = time.monotonic()
    async with ServerRegistry(settings) as registry:
        with pytest.raises(MCPServerError) as info:
            await add_server_tools(tools, registry, ["hostile"])
        assert registry.connection("hostile").is_connected
    assert time.monotonic() - started < 20
    assert info.value.message.startswith("tools/list on MCP server 'hostile' timed out after 0.5s")
    assert "mcp.servers.hostile.request_timeout" in (info.value.hint or "")


async def test_default_timeouts_are_finite() -> None:
    settings = server_settings(**hostile())
    assert settings.request_timeout == 60
    assert settings.tool_timeout == 600
    unlimited = server_settings(**hostile(request_timeout=None, tool_timeout=None))
    assert (unlimited.request_timeout, unlimited.tool_timeout) == (None, None)


@pytest.mark.parametrize("code", [-32000, -32001])
async def test_server_error_codes_are_one_error_result_and_the_server_stays_up(
    code: int,
) -> None:
    bus = EventBus()
    lost: list[ServerDisconnected] = []
    bus.subscribe(lost.append, ServerDisconnected)
    tools = ToolSet()
    registry = ServerRegistry(mcp_settings(hostile=hostile(tool_timeout=60)), events=bus)
    async with registry:
        await add_server_tools(tools, registry, ["hostile"])
        started = time.monotonic()
        for n in range(3):
            failed = await tools.call(
                ToolCall(id=f"e{n}", name="hostile__server_error", arguments={"code": code})
            )
            assert failed.is_error
            assert failed.text == (
                f"tool 'server_error' of MCP server 'hostile' failed: boom (JSON-RPC error {code})"
            )
        assert time.monotonic() - started < 10
        ok = await tools.call(ToolCall(id="ok", name="hostile__echo", arguments={"message": "y"}))
        assert (ok.is_error, ok.text) == (False, "echo: y")
        assert registry.connection("hostile").is_connected
    assert [e.reason for e in lost] == [""]  # only the clean close at the end


async def test_tools_with_bad_input_schema_are_skipped_with_a_warning_each(
    caplog: pytest.LogCaptureFixture,
) -> None:
    tools = ToolSet()
    with caplog.at_level(logging.WARNING, logger="fastagent"):
        async with ServerRegistry(mcp_settings(hostile=hostile("--bad-tools"))) as registry:
            await add_server_tools(tools, registry, ["hostile"])
            names = tools.names()
            result = await tools.call(
                ToolCall(id="c", name="hostile__echo", arguments={"message": "z"})
            )
    assert "hostile__echo" in names
    assert "hostile__no_schema" not in names and "hostile__string_schema" not in names
    assert result.text == "echo: z"
    warnings = [r.getMessage() for r in caplog.records if "skipped tool" in r.getMessage()]
    assert warnings == [
        "MCP server 'hostile': skipped tool 'no_schema': inputSchema is missing",
        "MCP server 'hostile': skipped tool 'string_schema': inputSchema is not an object",
    ]


async def test_progress_for_a_token_nobody_issued_is_dropped() -> None:
    bus = EventBus()
    updates: list[ProgressUpdate] = []
    bus.subscribe(updates.append, ProgressUpdate)
    conn = connection(events=bus)
    try:
        started = time.monotonic()
        result = await conn.call_tool("progress_flood", {"n": 5000})
        assert text_of(result) == "ok"
        assert time.monotonic() - started < 20
    finally:
        await conn.aclose()
    assert updates == []


async def test_a_burst_of_list_changed_notifications_is_coalesced() -> None:
    tools = ToolSet()
    async with ServerRegistry(mcp_settings(hostile=hostile())) as registry:
        await add_server_tools(tools, registry, ["hostile"])
        conn = registry.connection("hostile")
        assert (await stats(conn))["tools_list"] == 1
        await conn.call_tool("list_changed_flood", {"n": 1000})
        deadline = time.monotonic() + 20
        previous = -1
        while time.monotonic() < deadline:
            await asyncio.sleep(0.5)
            current = await stats(conn)
            if current["tools_list"] == previous:
                break
            previous = current["tools_list"]
        assert time.monotonic() < deadline, "tool listings kept coming"
    # the listing at attach, one refresh in flight, at most one queued after it
    assert 2 <= current["tools_list"] <= 3, current
    assert current["max_in_flight"] == 1, current


# -- orphans --------------------------------------------------------------------------------


def helper_of(pidfile: Path) -> ProcessId:
    deadline = time.monotonic() + 10
    while not pidfile.exists() or not pidfile.read_text().endswith("\n"):
        assert time.monotonic() < deadline, "the server did not start its helper"
        time.sleep(0.02)
    pid, start = pidfile.read_text().split()
    return ProcessId(int(pid), int(start))


async def test_detached_sigterm_proof_helper_does_not_outlive_the_connection(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "helper.pid"
    conn = connection("--detached", str(pidfile))
    await conn.connect()
    helper = helper_of(pidfile)
    assert helper.alive()
    assert text_of(await conn.call_tool("echo", {"message": "hi"})) == "echo: hi"
    started = time.monotonic()
    await conn.aclose()
    assert time.monotonic() - started < 20
    assert not helper.alive(), f"detached helper {helper} survived"


async def test_a_helper_that_exits_after_its_server_is_reaped(tmp_path: Path) -> None:
    # Re-parented to us (a subreaper), a helper that ends by itself would stay a zombie.
    pidfile = tmp_path / "helper.pid"
    conn = connection("--detached", str(pidfile), "--helper-follows")
    await conn.connect()
    helper = helper_of(pidfile)
    assert helper.alive()
    await conn.aclose()
    assert helper.parent() is None, "the helper is still there (alive or a zombie of ours)"


async def test_exit_at_start_is_noticed_while_its_helper_holds_stdout(tmp_path: Path) -> None:
    pidfile = tmp_path / "helper.pid"
    conn = connection("--detached", str(pidfile), "--die-at-start", init_timeout=60)
    started = time.monotonic()
    with pytest.raises(MCPServerError, match="'hostile' exited during start-up") as info:
        await conn.connect()
    assert time.monotonic() - started < 20
    assert "cannot go on" in info.value.stderr_tail
    helper = helper_of(pidfile)
    await conn.aclose()
    assert not helper.alive()


async def test_server_exit_is_noticed_while_its_helper_holds_stdout(tmp_path: Path) -> None:
    bus = EventBus()
    lost: list[ServerDisconnected] = []
    bus.subscribe(lost.append, ServerDisconnected)
    pidfile = tmp_path / "helper.pid"
    conn = connection("--detached", str(pidfile), events=bus, tool_timeout=120)
    try:
        await conn.connect()
        helper = helper_of(pidfile)
        started = time.monotonic()
        with pytest.raises(MCPServerError, match="is not available: the server process exited"):
            await conn.call_tool("die", {})
        assert time.monotonic() - started < 20
        assert not conn.is_connected
        assert [e.reason for e in lost] == [
            "the server process exited (a process it started holds its stdout)"
        ]
    finally:
        await conn.aclose()
    assert not helper.alive()


def _is_subreaper() -> bool:
    import ctypes

    state = ctypes.c_int(0)
    assert ctypes.CDLL(None).prctl(37, ctypes.byref(state), 0, 0, 0) == 0  # PR_GET_CHILD_...
    return state.value != 0


async def test_the_process_is_a_subreaper_only_while_stdio_servers_run() -> None:
    assert not _is_subreaper()
    first, second = connection(), connection()
    await first.connect()
    await second.connect()
    assert _is_subreaper()
    await first.aclose()
    assert _is_subreaper()
    await second.aclose()
    assert not _is_subreaper()
