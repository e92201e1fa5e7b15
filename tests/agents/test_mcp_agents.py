"""Agents with real MCP servers: tools, shared sessions, prompts, resources, sampling."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from fastagent import FastAgent
from fastagent.agents.agent import Agent
from fastagent.agents.declaration import AgentDeclaration
from fastagent.agents.mcp_wiring import sampling_models, servers_used
from fastagent.agents.model_choice import FALLBACK_NOTICE
from fastagent.cli.commands.go import flag_servers, package_server_name, url_server_name
from fastagent.exceptions import UserError
from fastagent.messages import EmbeddedResource, Message
from fastagent.providers.reliability import ReliableProvider
from fastagent.runtime import RunOptions, Runtime

from .conftest import settings
from .conftest_mcp import (
    EVERYTHING_SERVER,
    TIME_SERVER_SETTINGS,
    clean_env,
    descendants,
    fixture_server,
    no_orphans,
)

pytestmark = pytest.mark.usefixtures("no_orphans")
_ = no_orphans  # the fixture is found by name in this module

CALL_ECHO = '***CALL_TOOL everything__echo {"message": "hi"}'


def make_app(**servers: dict[str, Any]) -> FastAgent:
    return FastAgent(
        "mcp-test",
        parse_cli_args=False,
        quiet=True,
        settings=settings(mcp={"servers": servers}),
    )


@pytest.fixture
def everything_app() -> Iterator[FastAgent]:
    yield make_app(everything=EVERYTHING_SERVER)


async def test_agent_calls_a_server_tool_through_passthrough(everything_app: FastAgent) -> None:
    everything_app.agent("echoer", servers=["everything"])
    async with everything_app.run() as app:
        agent = app.echoer
        assert isinstance(agent, Agent)
        assert agent.servers == ["everything"]
        assert "everything__echo" in agent.llm.tools.names()
        assert await agent.send(CALL_ECHO) == "Echo: hi"


async def test_two_agents_share_one_server_process(everything_app: FastAgent) -> None:
    everything_app.agent("a", servers=["everything"])
    everything_app.agent("b", servers=["everything"])
    async with everything_app.run() as app:
        registry = app.runtime.servers
        children = descendants()
        assert await app.a.send(CALL_ECHO) == "Echo: hi"
        assert await app.b.send(CALL_ECHO) == "Echo: hi"
        tool_a = app.a.llm.tools.get("everything__echo")
        tool_b = app.b.llm.tools.get("everything__echo")
        assert tool_a.connection is tool_b.connection is registry.connection("everything")
        assert descendants() == children
        node = [pid for pid in children if "node" in _cmdline(pid)]
        assert len(node) == 1, children


async def test_load_on_start_servers_connect_before_agents_use_them() -> None:
    fast = make_app(
        everything=EVERYTHING_SERVER,
        time={**TIME_SERVER_SETTINGS, "load_on_start": False},
        unused=fixture_server(),
    )
    fast.agent("a", servers=["everything", "time"])
    async with fast.run() as app:
        registry = app.runtime.servers
        assert registry.connection("everything").is_connected
        assert registry.connection("time").is_connected  # attached by the agent's build
        assert "unused" not in registry._connections
        assert "time__get_current_time" in app.a.llm.tools.names()


async def test_apply_prompt_with_arguments_sends_its_turns(everything_app: FastAgent) -> None:
    everything_app.agent("p", servers=["everything"])
    async with everything_app.run() as app:
        prompts = {p.name: p for p in await app.p.list_prompts()}
        reply = await app.p.apply_prompt("args-prompt", {"city": "Lisbon"})
        history = app.p.history
    assert "args-prompt" in prompts
    assert "Lisbon" in reply
    assert history[0].role == "user" and "Lisbon" in history[0].text
    assert history[-1].role == "assistant"


async def test_attached_resource_is_sent_with_the_message(everything_app: FastAgent) -> None:
    everything_app.agent("r", servers=["everything"])
    uri = "demo://resource/dynamic/text/3"
    async with everything_app.run() as app:
        listed = {r.uri for r in await app.r.list_resources()}
        block = await app.r.attach(uri)
        echoed = await app.r.send(Message.user("Summarize:", block))
        via_send = await app.r.send("Again:", resources=[uri])
    assert "demo://resource/static/document/features.md" in listed
    assert isinstance(block, EmbeddedResource) and block.resource.uri == uri
    assert "Summarize:" in echoed and "Resource 3:" in echoed
    assert via_send.startswith("Again:") and "Resource 3:" in via_send


async def test_unknown_resource_and_foreign_server_are_user_errors(
    everything_app: FastAgent,
) -> None:
    everything_app.agent("r", servers=["everything"])
    async with everything_app.run() as app:
        with pytest.raises(UserError, match="no MCP server of agent 'r' has resource"):
            await app.r.attach("demo://no/such/thing")
        with pytest.raises(UserError, match="does not use MCP server 'time'") as caught:
            await app.r.apply_prompt("args-prompt", {"city": "x"}, server="time")
    assert caught.value.hint


async def test_server_sampling_is_answered_by_the_agents_model() -> None:
    fast = make_app(everything=EVERYTHING_SERVER)
    fast.agent("s", servers=["everything"], model="passthrough.sampler-model")
    call = '***CALL_TOOL everything__trigger-sampling-request {"prompt": "ping", "maxTokens": 9}'
    async with fast.run() as app:
        reply = await app.s.send(call)
        usage = app.context.usage
    assert reply.startswith("LLM sampling result:")
    result = json.loads(reply.split("\n", 1)[1])
    assert result["model"] == "sampler-model"
    assert "context: ping" in result["content"]["text"]
    assert "sampling:everything" in usage


async def test_configured_sampling_model_wins_over_the_agents() -> None:
    server = {**EVERYTHING_SERVER, "sampling": {"model": "passthrough.configured"}}
    fast = make_app(everything=server)
    fast.agent("s", servers=["everything"], model="passthrough.agent")
    call = '***CALL_TOOL everything__trigger-sampling-request {"prompt": "x"}'
    async with fast.run() as app:
        reply = await app.s.send(call)
    assert json.loads(reply.split("\n", 1)[1])["model"] == "configured"


async def test_agent_without_servers_says_so_with_a_hint() -> None:
    fast = make_app()
    fast.agent("plain")
    async with fast.run() as app:
        assert app.plain.servers == []
        assert not app.runtime.servers_opened
        for call in (
            app.plain.list_prompts(),
            app.plain.list_resources(),
            app.plain.attach("demo://x"),
            app.plain.apply_prompt("p"),
        ):
            with pytest.raises(UserError, match="agent 'plain' has no MCP servers") as caught:
                await call
            assert "servers=" in (caught.value.hint or "")


async def test_exception_in_the_body_still_stops_the_servers() -> None:
    fast = make_app(fixture=fixture_server())
    fast.agent("a", servers=["fixture"])
    before = descendants()
    started: set[int] = set()
    with pytest.raises(RuntimeError, match="boom"):
        async with fast.run() as app:
            await app.a.send("***CALL_TOOL fixture__spawn {}")
            started = descendants() - before
            raise RuntimeError("boom")
    assert len(started) >= 2  # the server and its sleeping grandchild
    assert not (descendants() & started)


async def test_unknown_server_is_reported_before_anything_starts() -> None:
    fast = make_app(everything=EVERYTHING_SERVER)
    fast.agent("a", servers=["nope"])
    with pytest.raises(UserError, match="nope"):
        async with fast.run():
            pass


async def test_providers_come_from_the_model_factory() -> None:
    async with Runtime.open(settings=settings(default_model="passthrough.d")) as runtime:
        provider, model, fell_back = runtime.provider_for(None)
        assert isinstance(provider, ReliableProvider)
        assert (model, fell_back) == ("passthrough.d", False)
    options = RunOptions(model="passthrough.c")
    async with Runtime.open(options, settings=settings(default_model="passthrough.d")) as runtime:
        again, model, _ = runtime.provider_for("x")
        assert (again.model, model) == ("c", "passthrough.c")


async def test_builtin_fallback_is_flagged(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FASTAGENT_DEFAULT_MODEL", raising=False)
    async with Runtime.open(settings=settings()) as runtime:
        _, model, fell_back = runtime.provider_for(None)
    assert (model, fell_back) == ("passthrough", True)
    assert "passthrough" in FALLBACK_NOTICE


def test_servers_used_and_sampling_models_follow_declaration_order() -> None:
    specs = [
        AgentDeclaration(name="a", servers=("x",)),
        AgentDeclaration(name="b", servers=("y", "x"), model="m1"),
        AgentDeclaration(name="c", servers=("y",), model="m2"),
    ]
    assert servers_used(specs) == ["x", "y"]
    assert sampling_models(specs) == {"x": "m1", "y": "m1"}


@pytest.mark.parametrize(
    ("url", "name"),
    [
        ("http://127.0.0.1:8080/mcp", "127_0_0_1_8080"),
        ("https://tools.example.com/mcp", "tools_example_com"),
        ("http://[::1]:9000/mcp", "1_9000"),
    ],
)
def test_url_server_names(url: str, name: str) -> None:
    assert url_server_name(url) == name


def test_bad_url_is_a_user_error() -> None:
    with pytest.raises(UserError, match="not an http"):
        url_server_name("ftp://x")


@pytest.mark.parametrize(
    ("package", "name"),
    [
        ("@modelcontextprotocol/server-everything", "server-everything"),
        ("@scope/pkg@1.2.3", "pkg"),
        ("mcp-server-time==2025.1", "mcp-server-time"),
        ("mcp-server-fetch[extra]", "mcp-server-fetch"),
    ],
)
def test_package_server_names(package: str, name: str) -> None:
    assert package_server_name(package) == name


def test_flag_servers_build_settings_and_avoid_taken_names() -> None:
    servers = flag_servers(
        urls=["http://127.0.0.1:1/mcp,http://127.0.0.1:2/mcp", "http://127.0.0.1:1/other"],
        npx=['@modelcontextprotocol/server-everything "stdio"'],
        uvx=["mcp-server-time --local-timezone UTC"],
        taken=["server-everything"],
    )
    assert servers == {
        "127_0_0_1_1": {"url": "http://127.0.0.1:1/mcp"},
        "127_0_0_1_2": {"url": "http://127.0.0.1:2/mcp"},
        "127_0_0_1_1_2": {"url": "http://127.0.0.1:1/other"},
        "server-everything_2": {
            "command": "npx",
            "args": ["-y", "@modelcontextprotocol/server-everything", "stdio"],
        },
        "mcp-server-time": {
            "command": "uvx",
            "args": ["mcp-server-time", "--local-timezone", "UTC"],
        },
    }


@pytest.mark.parametrize("value", ["", '"unclosed'])
def test_bad_package_values_are_user_errors(value: str) -> None:
    with pytest.raises(UserError, match="--npx"):
        flag_servers(npx=[value])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def test_an_app_without_servers_never_imports_mcp(tmp_path: Path) -> None:
    code = (
        "import asyncio, sys\n"
        "from fastagent import FastAgent\n"
        "fast = FastAgent('t', parse_cli_args=False, quiet=True)\n"
        "fast.agent('a')\n"
        "async def main():\n"
        "    async with fast.run() as app:\n"
        "        await app.send('hi')\n"
        "asyncio.run(main())\n"
        "print('mcp' in sys.modules, 'fastagent.mcp.registry' in sys.modules)\n"
    )
    (tmp_path / ".git").mkdir()
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env=clean_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (0, "False False\n"), result.stderr
