"""The MCP server built from an app's agents, talked to in-process with the SDK's Client."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from mcp.shared.exceptions import MCPError

from fastagent import FastAgent
from fastagent.agents.base import BaseAgent
from fastagent.config import Settings
from fastagent.exceptions import UnknownAgentError
from fastagent.serve.server import (
    HISTORY_URI_PREFIX,
    MESSAGE_SCHEMA,
    STDIO_SESSION,
    http_session_key,
    served_agents,
    stdio_session_key,
)
from mcp import Client

from .conftest import stdio_server


def make_app() -> FastAgent:
    fast = FastAgent("test-app", settings=Settings(), argv=[], quiet=True)
    fast.agent("echo", "Repeats what you say.", model="passthrough")(lambda: None)
    fast.agent("helper", "Helps.", model="passthrough")(lambda: None)
    return fast


@contextlib.asynccontextmanager
async def connected() -> AsyncIterator[Client]:
    fast = make_app()
    async with fast.run() as app, Client(stdio_server(fast, app)) as connected:
        yield connected


async def history_texts(client: Client, agent: str) -> list[str]:
    result = await client.read_resource(HISTORY_URI_PREFIX + agent)
    document = json.loads(result.contents[0].text)  # type: ignore[union-attr]
    return [m["content"][0]["text"] for m in document["messages"]]


async def test_each_agent_is_a_tool_with_a_message_argument() -> None:
    async with connected() as client:
        tools = (await client.list_tools()).tools
        assert [(t.name, t.description) for t in tools] == [
            ("echo", "Repeats what you say."),
            ("helper", "Helps."),
        ]
        assert all(t.input_schema == MESSAGE_SCHEMA for t in tools)


async def test_call_returns_the_reply_and_keeps_the_conversation() -> None:
    async with connected() as client:
        result = await client.call_tool("echo", {"message": "hello"})
        assert result.is_error is False
        assert [c.text for c in result.content] == ["hello"]  # type: ignore[union-attr]
        await client.call_tool("echo", {"message": "again"})
        assert await history_texts(client, "echo") == ["hello", "hello", "again", "again"]
        assert await history_texts(client, "helper") == []


async def test_history_resources_are_listed() -> None:
    async with connected() as client:
        resources = (await client.list_resources()).resources
        assert [str(r.uri) for r in resources] == [
            "fastagent://history/echo",
            "fastagent://history/helper",
        ]
        assert {r.mime_type for r in resources} == {"application/json"}


async def test_unknown_tool_is_a_protocol_error() -> None:
    async with connected() as client:
        with pytest.raises(MCPError, match=r"unknown tool 'nope' \(tools: echo, helper\)"):
            await client.call_tool("nope", {"message": "x"})


async def test_unknown_resource_is_a_protocol_error() -> None:
    async with connected() as client:
        with pytest.raises(MCPError, match="unknown resource 'fastagent://history/nope'"):
            await client.read_resource("fastagent://history/nope")


@pytest.mark.parametrize("arguments", [{}, {"message": 3}, None])
async def test_missing_message_is_a_tool_error(arguments: dict[str, Any] | None) -> None:
    async with connected() as client:
        result = await client.call_tool("echo", arguments)
    assert result.is_error is True
    text = result.content[0].text  # type: ignore[union-attr]
    assert text == "tool 'echo' needs the argument 'message' (a string)"


async def test_agent_failure_is_a_tool_error_with_its_message() -> None:
    async with connected() as client:
        result = await client.call_tool("echo", {"message": "***RAISE RateLimitError slow down"})
        assert result.is_error is True
        text = result.content[0].text  # type: ignore[union-attr]
        assert text.startswith("agent 'echo' failed: ")
        assert "slow down" in text


def test_served_agents_picks_named_agents_in_order() -> None:
    class Named(BaseAgent):
        def __init__(self, name: str, instruction: str | None) -> None:
            self.name, self.model, self._instruction = name, "m", instruction

        @property
        def instruction(self) -> str | None:
            return self._instruction

        async def generate(self, messages: object, params: object = None) -> Any:
            raise AssertionError

    agents = {"a": Named("a", "Does A."), "b": Named("b", None)}
    assert [(s.name, s.description) for s in served_agents(agents, ["b", "a", "b"])] == [
        ("b", "Talk to agent b."),
        ("a", "Does A."),
    ]
    with pytest.raises(UnknownAgentError, match=r"unknown agent\(s\) 'c', 'd' \(agents: a, b\)"):
        served_agents(agents, ["c", "a", "d"])
    with pytest.raises(UnknownAgentError, match="no agents to serve"):
        served_agents({})


def test_session_keys() -> None:
    with_session = SimpleNamespace(request=SimpleNamespace(headers={"mcp-session-id": "abc"}))
    without = SimpleNamespace(request=SimpleNamespace(headers={}))
    no_request = SimpleNamespace(request=None)
    assert http_session_key(with_session) == "abc"  # type: ignore[arg-type]
    assert http_session_key(without) is None  # type: ignore[arg-type]
    assert http_session_key(no_request) is None  # type: ignore[arg-type]
    assert stdio_session_key(no_request) == STDIO_SESSION  # type: ignore[arg-type]
