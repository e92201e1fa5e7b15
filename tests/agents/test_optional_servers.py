"""Optional MCP servers: a failed start is one warning, the agent runs without its tools."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import pytest

from fastagent import FastAgent
from fastagent.exceptions import MCPServerError
from fastagent.runtime import RunOptions

from ..ui.conftest import reader
from .conftest import settings
from .conftest_mcp import fixture_server, no_orphans

pytestmark = pytest.mark.usefixtures("no_orphans")
_ = no_orphans

CALL_ECHO = '***CALL_TOOL fixture__echo {"message": "hi"}'


def make_app(**servers: dict[str, Any]) -> FastAgent:
    return FastAgent(
        "optional-test",
        parse_cli_args=False,
        settings=settings(
            mcp={"servers": servers}, sessions={"enabled": False}, default_model="passthrough"
        ),
    )


def broken(**extra: Any) -> dict[str, Any]:
    return {**fixture_server("stderr_exit"), "init_timeout": 20, **extra}


async def test_an_optional_server_failing_is_one_warning_and_the_agent_runs(
    caplog: pytest.LogCaptureFixture,
) -> None:
    notices: list[str] = []
    fast = make_app(fixture=fixture_server(), db=broken(optional=True))
    fast.agent("a", servers=["fixture", "db"])
    async with fast.run(RunOptions(notify=notices.append)) as app:
        [notice] = notices
        assert notice.startswith(
            "warning: optional MCP server 'db' failed to start, running without its tools: "
            "MCP server 'db' closed the connection during start-up (command: "
        )
        assert notice.endswith("(stderr: fatal: cannot open database /nope.db)")
        assert "\n" not in notice
        [logged] = [r.getMessage() for r in caplog.records if "'db' failed to start" in r.message]
        assert "\nhint: " not in logged and "(hint: the server exited" in logged
        names = app.a.llm.tools.names()
        assert "fixture__echo" in names and not any(n.startswith("db__") for n in names)
        assert await app.a.send(CALL_ECHO) == "echo: hi"
        assert app.server_states() == {"fixture": "connected", "db": "failed"}
        assert [p.server for p in await app.a.list_prompts()] == []  # db is skipped


async def test_a_required_server_failing_still_aborts_the_run() -> None:
    fast = make_app(db=broken())
    fast.agent("a", servers=["db"])
    with pytest.raises(MCPServerError, match="fatal: cannot open database"):
        async with fast.run(RunOptions(quiet=True)):
            pass


async def test_reconnect_gives_the_tools_back(tmp_path: Path) -> None:
    flag = tmp_path / "ready"
    flaky = {
        "command": sys.executable,
        "args": [fixture_server()["args"][0], "needs_file", str(flag)],
        "optional": True,
    }
    fast = make_app(fixture=flaky)
    fast.agent("a", servers=["fixture"])
    fast.agent("b")
    async with fast.run(RunOptions(quiet=True)) as app:
        assert app.server_states() == {"fixture": "failed"}
        with pytest.raises(MCPServerError):
            await app.reconnect_server("fixture")  # still failing
        assert app.server_states() == {"fixture": "failed"}
        flag.touch()
        assert await app.reconnect_server("fixture") == ["a"]
        assert app.server_states() == {"fixture": "connected"}
        assert await app.a.send(CALL_ECHO) == "echo: hi"
        assert await app.reconnect_server("fixture") == ["a"]  # a live one restarts too
        assert app.a.llm.tools.names().count("fixture__echo") == 1
        assert await app.a.send(CALL_ECHO) == "echo: hi"


async def test_servers_command_shows_state_and_reconnects(tmp_path: Path) -> None:
    from fastagent.ui.chat import run_interactive

    flag = tmp_path / "ready"
    flaky = {
        "command": sys.executable,
        "args": [fixture_server()["args"][0], "needs_file", str(flag)],
        "optional": True,
    }
    fast = make_app(fixture=flaky)
    fast.agent("a", servers=["fixture"])
    out: list[str] = []
    async with fast.run(RunOptions(quiet=True, chat=run_interactive)) as app:
        await app.interactive(read=reader(["/servers"]), write=out.append)
        flag.touch()
        await app.interactive(
            read=reader(["/servers reconnect fixture", "/servers", CALL_ECHO]), write=out.append
        )
    assert out[0].startswith("  fixture  failed  MCP server 'fixture'")
    assert out[1:] == ["reconnected fixture for a", "  fixture  connected", "echo: hi"]
