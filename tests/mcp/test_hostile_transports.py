"""One hostile server behaviour, three transports: stdio, streamable HTTP and SSE.

The same tools misbehave the same way over each transport (servers/hostile_stdio.py speaks raw
JSON-RPC on stdio, servers/hostile_http.py raw HTTP/1.1 for streamable HTTP and, with
``--sse``, the legacy SSE transport). Each test checks what the model or the caller sees: a
bounded time, an error result or a typed error naming server (and tool), whether the server
stays usable, and the `ServerDisconnected` events. No process outlives a test (the global
fixture checks).
"""

from __future__ import annotations

import asyncio
import json
import logging
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, ExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from fastagent.events import EventBus, ProgressUpdate, ServerDisconnected
from fastagent.exceptions import MCPServerError
from fastagent.mcp.aggregator import add_server_tools
from fastagent.mcp.callbacks import build_client_callbacks
from fastagent.mcp.connection import ServerConnection
from fastagent.mcp.registry import ServerRegistry
from fastagent.messages import ToolCall, ToolResult
from fastagent.tools import ToolSet

from .conftest import free_port, hostile_http_server, mcp_settings, server_settings

pytestmark = pytest.mark.e2e

HOSTILE_STDIO = Path(__file__).parent / "servers" / "hostile_stdio.py"
TRANSPORTS = ["stdio", "http", "sse"]


@contextmanager
def server_config(transport: str, *flags: str, **values: Any) -> Iterator[dict[str, Any]]:
    """The settings of the hostile server over `transport` (an HTTP one runs meanwhile)."""
    if transport == "stdio":
        yield {"command": sys.executable, "args": [str(HOSTILE_STDIO), *flags], **values}
        return
    extra = ("--sse",) if transport == "sse" else ()
    with hostile_http_server(*flags, *extra) as port:
        path = "sse" if transport == "sse" else "mcp"
        url = f"http://127.0.0.1:{port}/{path}"
        yield {"url": url, "transport": transport, **values}


@dataclass
class Attached:
    """The hostile server's tools in a `ToolSet`, and what the run published."""

    tools: ToolSet
    registry: ServerRegistry
    lost: list[str] = field(default_factory=list)

    async def call(self, tool: str, **arguments: Any) -> ToolResult:
        return await self.tools.call(
            ToolCall(id=tool, name=f"bad__{tool}", arguments=dict(arguments))
        )

    async def echo_works(self) -> bool:
        result = await self.call("echo", message="still there")
        return (result.is_error, result.text) == (False, "echo: still there")


@asynccontextmanager
async def attached(transport: str, *flags: str, **values: Any) -> AsyncIterator[Attached]:
    with server_config(transport, *flags, **values) as config:
        async with attached_to(config) as state:
            yield state


@asynccontextmanager
async def attached_to(config: dict[str, Any]) -> AsyncIterator[Attached]:
    bus = EventBus()
    async with AsyncExitStack() as stack:
        registry = await stack.enter_async_context(
            ServerRegistry(mcp_settings(bad=config), events=bus)
        )
        state = Attached(ToolSet(), registry)
        bus.subscribe(lambda e: state.lost.append(e.reason), ServerDisconnected)
        await add_server_tools(state.tools, registry, ["bad"])
        yield state


def assert_one_line_naming(result: ToolResult, tool: str) -> None:
    assert result.is_error
    assert f"tool '{tool}' " in result.text and "MCP server 'bad'" in result.text
    assert "\n" not in result.text, result.text


# -- the server lies ----------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_reply_to_the_wrong_id_is_a_timeout_and_the_server_stays_up(
    transport: str,
) -> None:
    async with attached(transport, tool_timeout=1) as bad:
        started = time.monotonic()
        result = await bad.call("wrong_id")
        assert time.monotonic() - started < 20
        assert_one_line_naming(result, "wrong_id")
        assert "timed out after 1s" in result.text
        assert await bad.echo_works()
    assert bad.lost == [""]  # only the clean close at the end


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_result_breaking_the_schema_is_one_line_naming_the_problem(
    transport: str,
) -> None:
    async with attached(transport, tool_timeout=60) as bad:
        started = time.monotonic()
        result = await bad.call("bad_result")
        assert time.monotonic() - started < 20
        assert_one_line_naming(result, "bad_result")
        assert "the server's result is not a valid tools/call result: content:" in result.text
        assert "pydantic" not in result.text
        assert await bad.echo_works()
    assert bad.lost == [""]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_malformed_reply_is_one_line_at_once(transport: str) -> None:
    async with attached(transport, tool_timeout=120) as bad:
        started = time.monotonic()
        result = await bad.call("malformed")
        assert time.monotonic() - started < 20
        assert result.text == (
            "tool 'malformed' of MCP server 'bad' failed: the server sent a malformed reply "
            "to tools/call (JSON-RPC error -32603)"
        )
        assert await bad.echo_works()
    assert bad.lost == [""]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_messages_that_are_not_json_rpc_are_skipped(transport: str) -> None:
    # stdio: lines on stdout; SSE: events on the stream; HTTP: events in the call's response
    async with attached(transport, tool_timeout=120) as bad:
        result = await bad.call("garbage", lines=50)
        assert (result.is_error, result.text) == (False, "ok")
        assert await bad.echo_works()
    assert bad.lost == [""]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_huge_tool_list_is_attached(transport: str) -> None:
    started = time.monotonic()
    async with attached(transport, "--huge-list", "5000") as bad:
        names = bad.tools.names()
        assert "bad__tool_4999" in names and len(names) > 5000
        assert await bad.echo_works()
    assert time.monotonic() - started < 60


# -- the server hangs ---------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_hang_on_initialize_is_a_typed_error_within_the_init_timeout(
    transport: str,
) -> None:
    started = time.monotonic()
    with pytest.raises(MCPServerError) as info:
        async with attached(transport, "--hang-init", init_timeout=1):
            pass
    assert time.monotonic() - started < 20
    assert info.value.server == "bad"
    assert info.value.message.startswith("MCP server 'bad' did not finish initializing within 1s")
    assert "mcp.servers.bad.init_timeout" in (info.value.hint or "")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_hang_on_tools_list_is_a_typed_error_within_the_request_timeout(
    transport: str,
) -> None:
    started = time.monotonic()
    with pytest.raises(MCPServerError) as info:
        async with attached(transport, "--slow-list", request_timeout=1):
            pass
    assert time.monotonic() - started < 20
    assert info.value.message.startswith("tools/list on MCP server 'bad' timed out after 1s")


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_hang_on_a_tool_call_is_an_error_result_and_the_server_stays_up(
    transport: str,
) -> None:
    async with attached(transport, tool_timeout=1) as bad:
        started = time.monotonic()
        result = await bad.call("never")
        assert time.monotonic() - started < 20
        assert_one_line_naming(result, "never")
        assert "timed out after 1s" in result.text
        assert await bad.echo_works()


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_slow_loris_reply_is_a_timeout_and_the_late_reply_is_harmless(
    transport: str,
) -> None:
    async with attached(transport, tool_timeout=1) as bad:
        started = time.monotonic()
        result = await bad.call("slow_loris", seconds=3)
        assert time.monotonic() - started < 20
        assert_one_line_naming(result, "slow_loris")
        assert "timed out after 1s" in result.text
        # The trickle goes on for two more seconds, then its reply comes for nobody.
        deadline = time.monotonic() + 20
        while not await bad.echo_works():
            assert time.monotonic() < deadline, "the server stayed unusable"
    assert bad.lost == [""]


# -- the server floods --------------------------------------------------------------------------


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_flood_of_log_messages_is_rate_limited(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG, logger="fastagent.mcp.bad"):
        async with attached(transport, tool_timeout=60) as bad:
            started = time.monotonic()
            result = await bad.call("log_flood", n=3000)
            assert (result.is_error, result.text) == (False, "ok")
            assert time.monotonic() - started < 30
    lines = [r.getMessage() for r in caplog.records if r.name == "fastagent.mcp.bad"]
    logged = [line for line in lines if "log line" in line]
    assert 20 <= len(logged) < 1000, len(logged)  # 20 a second: the flood lasts a few seconds
    notices = [line for line in lines if "sends more than 20 log messages a second" in line]
    assert 1 <= len(notices) <= 4, notices  # at most one per 10 s


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_progress_for_a_token_nobody_issued_is_dropped(transport: str) -> None:
    bus = EventBus()
    updates: list[ProgressUpdate] = []
    bus.subscribe(updates.append, ProgressUpdate)
    with server_config(transport, tool_timeout=60) as config:
        settings = server_settings(**config)
        callbacks = build_client_callbacks("bad", settings, sampler=None, elicitor=None, events=bus)
        connection = ServerConnection("bad", settings, events=bus, callbacks=callbacks)
        try:
            started = time.monotonic()
            result = await connection.call_tool("progress_flood", {"n": 3000})
            assert [getattr(b, "text", "") for b in result.content] == ["ok"]
            assert time.monotonic() - started < 30
            guard = connection._guard  # they did arrive, and were dropped
            assert guard is not None and guard.dropped_progress == 3000
        finally:
            await connection.aclose()
    assert updates == []


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_tools_with_a_bad_input_schema_are_skipped_with_a_warning_each(
    transport: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="fastagent"):
        async with attached(transport, "--bad-tools") as bad:
            names = bad.tools.names()
            assert await bad.echo_works()
    assert "bad__echo" in names
    assert "bad__no_schema" not in names and "bad__string_schema" not in names
    warnings = [r.getMessage() for r in caplog.records if "skipped tool" in r.getMessage()]
    assert warnings == [
        "MCP server 'bad': skipped tool 'no_schema': inputSchema is missing",
        "MCP server 'bad': skipped tool 'string_schema': inputSchema is not an object",
    ]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_a_burst_of_list_changed_is_coalesced(transport: str) -> None:
    tool = "list_changed" if transport != "stdio" else "list_changed_flood"
    async with attached(transport, tool_timeout=60) as bad:
        assert (await tools_listed(bad)) == 1
        assert (await bad.call(tool, n=200)).text == "ok"
        deadline = time.monotonic() + 20
        previous = -1
        while (current := await tools_listed(bad)) != previous:
            assert time.monotonic() < deadline, "tool listings kept coming"
            previous = current
            await asyncio.sleep(0.5)
    # One refresh at a time, at most one queued: the listings follow the burst's duration, not
    # its size (over stdio it arrives at once: one or two listings; over HTTP, one event at a
    # time, while listings are fast: ~20).
    assert 2 <= current <= 50, current


async def tools_listed(bad: Attached) -> int:
    count: int = json.loads((await bad.call("stats")).text)["tools_list"]
    return count


@pytest.mark.parametrize(("transport", "mb"), [("stdio", 100), ("http", 100), ("sse", 50)])
async def test_a_huge_result_arrives_whole(transport: str, mb: int) -> None:
    # Over SSE one event holds at most 64 MiB (the next test). stdio used to take minutes for
    # 100 MB (the SDK's reader was quadratic in the length of a line).
    async with attached(transport, tool_timeout=120) as bad:
        started = time.monotonic()
        result = await bad.call("huge", mb=mb)
        assert time.monotonic() - started < 60
        assert (result.is_error, len(result.text)) == (False, mb * 2**20)
        assert await bad.echo_works()


async def test_an_sse_event_beyond_the_limit_loses_the_server_saying_why() -> None:
    async with attached("sse", tool_timeout=120) as bad:
        started = time.monotonic()
        result = await bad.call("huge", mb=65)
        assert time.monotonic() - started < 60
        assert result.is_error
        assert result.text.startswith(
            "MCP server 'bad' is not available: the event stream failed (SSEError: "
            "Server-sent event exceeded the 67108864 byte limit.)"
        )
    assert bad.lost[0].startswith("the event stream failed (SSEError")


async def test_an_endless_stderr_leaves_calls_working_and_the_tail_bounded() -> None:
    async with attached("stdio", tool_timeout=120) as bad:
        started = time.monotonic()
        result = await bad.call("stderr_flood", mb=20)
        assert (result.is_error, result.text) == (False, "ok")
        assert time.monotonic() - started < 60
        assert await bad.echo_works()
        tail = bad.registry.connection("bad").stderr_tail
        assert 0 < len(tail) < 200_000


# -- the server dies mid-call -------------------------------------------------------------------


@pytest.mark.parametrize("tool", ["die", "sigkill", "close_stdout"])
async def test_a_stdio_server_dying_mid_call_is_lost_naming_it(tool: str) -> None:
    async with attached("stdio", tool_timeout=120) as bad:
        started = time.monotonic()
        result = await bad.call(tool)
        assert time.monotonic() - started < 20
        assert result.is_error
        assert result.text.startswith("MCP server 'bad' is not available: the connection closed")
        assert "reconnect: true" in result.text
        assert not bad.registry.connection("bad").is_connected
    assert bad.lost == ["the connection closed (the server exited or crashed)"]


async def test_an_http_server_dying_mid_call_fails_that_call_and_the_next_ones() -> None:
    # Streamable HTTP has no stream that ends: each request finds out for itself.
    async with attached("http", tool_timeout=120) as bad:
        started = time.monotonic()
        died = await bad.call("die")
        after = await bad.call("echo", message="anyone?")
        assert time.monotonic() - started < 20
        assert_one_line_naming(died, "die")
        assert "HTTP exchange failed (RemoteProtocolError" in died.text
        assert_one_line_naming(after, "echo")
        # ConnectError, or ReadError when the port still took the connection as the process died
        assert "HTTP exchange failed (" in after.text


async def test_an_sse_server_dying_mid_call_is_lost_naming_it() -> None:
    async with attached("sse", tool_timeout=120) as bad:
        started = time.monotonic()
        result = await bad.call("die")
        # Its POST fails and its event stream ends: whichever the call hears of first.
        assert result.is_error and "MCP server 'bad'" in result.text
        while bad.registry.connection("bad").is_connected:
            assert time.monotonic() - started < 20, "the dead server was not noticed"
            await asyncio.sleep(0.05)
        after = await bad.call("echo", message="anyone?")
        assert after.text.startswith("MCP server 'bad' is not available: ")
    assert len(bad.lost) == 1 and bad.lost[0]


@pytest.mark.parametrize("transport", ["http", "sse"])
async def test_http_500_to_a_call_is_one_error_result_and_the_server_stays_up(
    transport: str,
) -> None:
    async with attached(transport, tool_timeout=120) as bad:
        started = time.monotonic()
        for _ in range(2):
            result = await bad.call("http_500")
            assert_one_line_naming(result, "http_500")
            assert "HTTP 500 from the server" in result.text
        assert time.monotonic() - started < 20
        assert await bad.echo_works()
        assert bad.registry.connection("bad").is_connected
    assert bad.lost == [""]


async def test_a_reset_http_exchange_is_one_error_result() -> None:
    async with attached("http", tool_timeout=120) as bad:
        result = await bad.call("reset")
        assert_one_line_naming(result, "reset")
        assert "HTTP exchange failed (" in result.text
        assert await bad.echo_works()
    assert bad.lost == [""]


async def test_a_reset_event_stream_loses_the_server_saying_why() -> None:
    async with attached("sse", tool_timeout=120) as bad:
        started = time.monotonic()
        result = await bad.call("reset")
        assert time.monotonic() - started < 20
        assert result.text.startswith(
            "MCP server 'bad' is not available: the event stream failed (ReadError"
        )
    assert bad.lost == ["the event stream failed (ReadError)"]


@pytest.mark.parametrize("reconnect", [True, False])
async def test_a_restarted_http_server_is_a_new_session(reconnect: bool) -> None:
    # The new process answers 404 to the old session id (as the spec has it): the server is
    # lost, and with reconnect the next call starts a new session.
    port = free_port()
    with ExitStack() as servers:
        servers.enter_context(hostile_http_server(port=port))
        config = {"url": f"http://127.0.0.1:{port}/mcp", "transport": "http"}
        async with attached_to({**config, "tool_timeout": 60, "reconnect": reconnect}) as bad:
            assert await bad.echo_works()
            servers.close()  # stopped, then started again on the same port
            servers.enter_context(hostile_http_server(port=port))
            started = time.monotonic()
            first = await bad.call("echo", message="who?")
            assert first.text.startswith(
                "MCP server 'bad' is not available: the server ended the session (HTTP 404)"
            )
            if reconnect:
                assert await bad.echo_works()
            else:
                assert "reconnect: true" in (await bad.call("echo", message="?")).text
            assert time.monotonic() - started < 20
    assert bad.lost[0] == "the server ended the session (HTTP 404)"


# -- what the agent keeps -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("transport", "tool"), [("stdio", "sigkill"), ("http", "die"), ("sse", "reset")]
)
async def test_a_server_failing_mid_call_leaves_the_whole_turn_in_the_history(
    transport: str, tool: str
) -> None:
    from fastagent.agents import FastAgent
    from fastagent.config import Settings

    with server_config(transport, tool_timeout=60) as config:
        settings = Settings.model_validate(
            {"logger": {"type": "none"}, "mcp": {"servers": {"bad": config}}}
        )
        fast = FastAgent("hostile-transports", quiet=True, settings=settings)
        fast.agent("agent", servers=["bad"], model="passthrough")
        started = time.monotonic()
        async with fast.run() as app:
            first = await app.agent.send('***CALL_TOOL bad__echo {"message": "before"}')
            reply = await app.agent.send(f"***CALL_TOOL bad__{tool} {{}}")
            history = app.agent.history
            later = await app.agent.send("***FIXED_RESPONSE still talking")
        assert time.monotonic() - started < 30
    assert first == "echo: before"
    assert "MCP server 'bad'" in reply
    # user, call, result, answer: for each of the two turns, in order
    roles = [m.role for m in history]
    assert roles == ["user", "assistant", "user", "assistant"] * 2, roles
    [call] = history[5].tool_calls
    [result] = history[6].tool_results
    assert (call.name, result.call_id, result.is_error) == (f"bad__{tool}", call.id, True)
    assert "MCP server 'bad'" in result.text
    assert later == "still talking"
