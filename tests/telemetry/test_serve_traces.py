"""`fastagent serve` continues its MCP clients' traces (W3C trace context in ``_meta``)."""

from __future__ import annotations

from collections.abc import Mapping

import anyio
import httpx2
from mcp.client.session import ClientSession
from mcp.client.streamable_http import streamable_http_client

from fastagent import FastAgent
from fastagent.agents.base import BaseAgent
from fastagent.config import Settings
from fastagent.serve import serve_app
from fastagent.serve.server import build_server, served_agents, stdio_session_key
from fastagent.serve.sessions import SessionStore
from mcp import Client
from otlp_receiver import otlp_receiver

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
CALLER_SPAN = "00f067aa0ba902b7"


async def call_served_echo(receiver_url: str, traceparent: str, **otel: object) -> None:
    """Serve an ``echo`` agent in process and call it once with `traceparent` in ``_meta``."""
    settings = Settings.model_validate(
        {"logger": {"type": "none"}, "otel": {"enabled": True, "endpoint": receiver_url, **otel}}
    )
    fast = FastAgent("served", settings=settings, argv=[], quiet=True)
    fast.agent("echo", "Repeats what you say.", model="passthrough")(lambda: None)
    async with fast.run() as app:

        async def fresh() -> Mapping[str, BaseAgent]:
            return (await fast._build(app.context)).agents

        server = build_server(
            "served",
            served_agents(app.agents),
            SessionStore(fresh),
            session_key=stdio_session_key,
        )
        async with Client(server) as client:
            result = await client.call_tool(
                "echo", {"message": "hello"}, meta={"traceparent": traceparent}
            )
            assert result.is_error is False


async def test_a_served_agent_turn_is_a_child_of_the_callers_span() -> None:
    with otlp_receiver() as receiver:
        await call_served_echo(receiver.url, f"00-{TRACE_ID}-{CALLER_SPAN}-01")
        turn = receiver.one("invoke_agent echo")
        assert turn.trace_id == TRACE_ID
        assert turn.parent_span_id == CALLER_SPAN
        chat = receiver.one("chat passthrough")
        assert chat.parent_span_id == turn.span_id


async def test_sample_rate_zero_still_follows_a_sampled_caller() -> None:
    # The sampler is parent-based: a caller that records its trace gets fastagent's spans.
    with otlp_receiver() as receiver:
        await call_served_echo(receiver.url, f"00-{TRACE_ID}-{CALLER_SPAN}-01", sample_rate=0.0)
        turn = receiver.one("invoke_agent echo")
        assert (turn.trace_id, turn.parent_span_id) == (TRACE_ID, CALLER_SPAN)
        assert receiver.one("chat passthrough").parent_span_id == turn.span_id
    with otlp_receiver() as receiver:
        await call_served_echo(receiver.url, f"00-{TRACE_ID}-{CALLER_SPAN}-00", sample_rate=0.0)
        assert receiver.spans == []


async def test_an_http_callers_traceparent_header_is_continued() -> None:
    with otlp_receiver() as receiver:
        settings = Settings.model_validate(
            {"logger": {"type": "none"}, "otel": {"enabled": True, "endpoint": receiver.url}}
        )
        fast = FastAgent("served", settings=settings, argv=[], quiet=True)
        fast.agent("echo", "Echoes.", model="passthrough")(lambda: None)
        stop = anyio.Event()
        ready = anyio.Event()
        lines: list[str] = []

        def on_ready(line: str) -> None:
            lines.append(line)
            ready.set()

        async def call() -> None:
            await ready.wait()
            url = lines[0].split(" on ")[1]
            header = {"traceparent": f"00-{TRACE_ID}-{CALLER_SPAN}-01"}
            async with (
                httpx2.AsyncClient(headers=header) as http,
                streamable_http_client(url, http_client=http) as (read, write),
                ClientSession(read, write) as session,
            ):
                await session.initialize()
                result = await session.call_tool("echo", {"message": "hi"})
                assert result.is_error is False
            stop.set()

        with anyio.fail_after(60):
            async with anyio.create_task_group() as tg:
                tg.start_soon(call)
                await serve_app(
                    fast,
                    agents=["echo"],
                    transport="http",
                    port=0,
                    stop=stop,
                    handle_signals=False,
                    on_ready=on_ready,
                )
        turn = receiver.one("invoke_agent echo")
        assert (turn.trace_id, turn.parent_span_id) == (TRACE_ID, CALLER_SPAN)
