"""Shutting ``serve`` down cancels the turns still running: none outlives the server."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import anyio
import mcp_types as types

from fastagent import FastAgent
from fastagent.config import Settings
from fastagent.serve import serve_app
from mcp import Client

ASK = '***CALL_TOOL human_input {"question": "Which color?"}'


def served_turns() -> list[asyncio.Task[Any]]:
    return [
        t
        for t in asyncio.all_tasks()
        if not t.done() and getattr(t.get_coro(), "__name__", "") == "_in_turn"
    ]


def make_app() -> FastAgent:
    fast = FastAgent("shutdown-test", settings=Settings(), argv=[], quiet=True)
    fast.agent("helper", "Asks.", model="passthrough", human_input=True)(lambda: None)
    return fast


async def test_stopping_cancels_a_turn_parked_for_a_retry() -> None:
    """2026-07-28: the call returned its question; the turn waits for a retry."""
    stop = anyio.Event()
    ready = anyio.Event()
    lines: list[str] = []
    waiting: list[int] = []

    def on_ready(line: str) -> None:
        lines.append(line)
        ready.set()

    async def never(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        raise AssertionError("the test drives the input loop itself")

    async def ask_then_stop() -> None:
        await ready.wait()
        url = lines[0].split(" on ")[1]
        async with Client(url, mode="2026-07-28", elicitation_callback=never) as client:
            first = await client.session.call_tool(
                "helper", {"message": ASK}, allow_input_required=True
            )
            assert isinstance(first, types.InputRequiredResult)
            waiting.append(len(served_turns()))  # parked: no request holds it any more
        stop.set()

    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ask_then_stop)
            await serve_app(
                make_app(),
                transport="http",
                port=0,
                stop=stop,
                handle_signals=False,
                on_ready=on_ready,
            )
    assert waiting == [1]
    assert served_turns() == []  # cancelled, and finished, when serve_app returned


async def test_stopping_cancels_a_turn_waiting_for_its_client() -> None:
    """Older protocols: the call is still open while the client is asked."""
    fast = make_app()
    stop = anyio.Event()
    ready = anyio.Event()
    lines: list[str] = []
    waiting: list[int] = []

    def on_ready(line: str) -> None:
        lines.append(line)
        ready.set()

    asked = anyio.Event()

    async def hold(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.set()
        await anyio.sleep_forever()
        raise AssertionError("unreachable")

    async def ask_then_stop() -> None:
        await ready.wait()
        url = lines[0].split(" on ")[1]
        with anyio.CancelScope() as scope:
            client = Client(url, elicitation_callback=hold)
            async with client, anyio.create_task_group() as tg:
                tg.start_soon(client.call_tool, "helper", {"message": ASK})
                await asked.wait()  # the turn now waits for the answer (600 s by default)
                waiting.append(len(served_turns()))
                stop.set()
                await anyio.sleep(1)
                scope.cancel()

    started = time.monotonic()
    with anyio.fail_after(60):
        async with anyio.create_task_group() as tg:
            tg.start_soon(ask_then_stop)
            await serve_app(
                fast, transport="http", port=0, stop=stop, handle_signals=False, on_ready=on_ready
            )
    assert waiting == [1]
    assert served_turns() == []  # cancelled and finished when serve_app returned
    assert time.monotonic() - started < 30
