"""serve_app in-process: HTTP on a free port until the stop event, and its errors."""

from __future__ import annotations

import json

import anyio
import pytest

from fastagent import FastAgent
from fastagent.config import Settings
from fastagent.exceptions import UnknownAgentError
from fastagent.serve import serve_app
from mcp import Client


def make_app() -> FastAgent:
    fast = FastAgent("launch-test", settings=Settings(), argv=[], quiet=True)
    fast.agent("echo", "Echoes.", model="passthrough")(lambda: None)
    fast.agent("other", "Other.", model="passthrough")(lambda: None)
    return fast


async def test_http_serves_until_stopped() -> None:
    stop = anyio.Event()
    ready = anyio.Event()
    lines: list[str] = []

    def on_ready(line: str) -> None:
        lines.append(line)
        ready.set()

    async def use_it() -> None:
        await ready.wait()
        url = lines[0].split(" on ")[1]
        async with Client(url) as client:
            assert [t.name for t in (await client.list_tools()).tools] == ["echo"]
            result = await client.call_tool("echo", {"message": "hi"})
            assert result.content[0].text == "hi"  # type: ignore[union-attr]
            read = await client.read_resource("fastagent://history/echo")
            messages = json.loads(read.contents[0].text)["messages"]  # type: ignore[union-attr]
            assert [m["role"] for m in messages] == ["user", "assistant"]
        stop.set()

    with anyio.fail_after(30):
        async with anyio.create_task_group() as tg:
            tg.start_soon(use_it)
            await serve_app(
                make_app(),
                agents=["echo"],
                transport="http",
                port=0,
                stop=stop,
                handle_signals=False,
                on_ready=on_ready,
            )
    assert lines[0].startswith("serving echo on http://127.0.0.1:")


async def test_unknown_agent_is_raised_before_serving() -> None:
    ready: list[str] = []
    with pytest.raises(UnknownAgentError, match="'missing'"):
        await serve_app(make_app(), agents=["missing"], handle_signals=False, on_ready=ready.append)
    assert ready == []
