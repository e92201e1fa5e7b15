"""Client callbacks against the real server-everything over stdio: sampling, elicitation,
roots, server logs and progress events."""

from __future__ import annotations

import io
import json
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import mcp_types
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from fastagent.config.mcp_settings import MCPServerSettings
from fastagent.events import Event, EventBus, ModelRequest, ModelResponse, ProgressUpdate
from fastagent.mcp.callbacks import LOG_LEVELS, ClientCallbacks, build_client_callbacks
from fastagent.mcp.sampling import ProviderSampler
from fastagent.ui.elicitation import TerminalElicitor

pytestmark = pytest.mark.e2e

EVERYTHING = Path(__file__).resolve().parents[2] / "node_modules" / ".bin" / "mcp-server-everything"


def settings(**values: Any) -> MCPServerSettings:
    return MCPServerSettings.model_validate({"command": str(EVERYTHING), **values})


@asynccontextmanager
async def everything(callbacks: ClientCallbacks) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=str(EVERYTHING))
    with open(os.devnull, "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write, **callbacks.session_kwargs()) as session,
        ):
            await session.initialize()
            yield session


def text_of(result: mcp_types.CallToolResult) -> str:
    return "\n".join(b.text for b in result.content if isinstance(b, mcp_types.TextContent))


def recorded(bus: EventBus) -> list[Event]:
    seen: list[Event] = []
    bus.subscribe(seen.append)
    return seen


async def test_sampling_is_answered_by_the_configured_model() -> None:
    bus = EventBus()
    seen = recorded(bus)
    callbacks = build_client_callbacks(
        "everything",
        settings(sampling={"model": "passthrough"}),
        sampler=ProviderSampler(None),
        elicitor=None,
        events=bus,
    )
    async with everything(callbacks) as session:
        result = await session.call_tool("trigger-sampling-request", {"prompt": "hello sampler"})

    text = text_of(result)
    assert not result.is_error
    payload = json.loads(text.split("\n", 1)[1])
    assert payload["content"] == {
        "type": "text",
        "text": "Resource trigger-sampling-request context: hello sampler",
    }
    assert payload["model"] == "passthrough"
    assert payload["stopReason"] == "endTurn"
    [request] = [e for e in seen if isinstance(e, ModelRequest)]
    [response] = [e for e in seen if isinstance(e, ModelResponse)]
    assert request.agent == response.agent == "sampling:everything"
    assert response.output_tokens > 0


async def test_sampling_falls_back_to_the_agents_model() -> None:
    callbacks = build_client_callbacks(
        "everything",
        settings(),
        sampler=ProviderSampler("passthrough?fixed_response=from the agent model"),
        elicitor=None,
        events=None,
    )
    async with everything(callbacks) as session:
        result = await session.call_tool("trigger-sampling-request", {"prompt": "x"})
    assert '"text": "from the agent model"' in text_of(result)


async def test_sampling_refused_by_policy(caplog: pytest.LogCaptureFixture) -> None:
    callbacks = build_client_callbacks(
        "everything",
        settings(sampling={"enabled": False}),
        sampler=ProviderSampler("passthrough"),
        elicitor=None,
        events=None,
    )
    with caplog.at_level(logging.WARNING, logger="fastagent.mcp"):
        async with everything(callbacks) as session:
            result = await session.call_tool("trigger-sampling-request", {"prompt": "x"})
    assert result.is_error
    assert "sampling disabled for server everything" in text_of(result)
    assert "sampling disabled for server everything; told the server" in caplog.text


async def test_sampling_failure_reaches_the_server_as_an_error() -> None:
    callbacks = build_client_callbacks(
        "everything",
        settings(),
        sampler=ProviderSampler("no-such-provider.model"),
        elicitor=None,
        events=None,
    )
    async with everything(callbacks) as session:
        result = await session.call_tool("trigger-sampling-request", {"prompt": "x"})
    assert result.is_error
    assert (
        "sampling failed for server everything: unknown model 'no-such-provider.model'"
        in text_of(result)
    )


ANSWERS = "\n".join(
    [
        "Ada Lovelace",  # name
        "maybe",  # check: invalid, asked again
        "y",
        "",  # firstLine: default
        "not-an-email",  # invalid, asked again
        "ada@example.com",
        "https://ada.example",  # homepage
        "1815-12-10",  # birthdate
        "500",  # integer: above maximum, asked again
        "7",
        "",  # number: default
        "2",  # untitled single select by number -> Rachel
        "Piano, 1",  # untitled multiple select -> Piano, Guitar
        "Wonder Woman",  # titled single select by title -> hero-3
        "",  # titled multiple select: default
        "Dogs",  # legacy titled enum by enumName -> pet-2
        "",
    ]
)


async def test_elicitation_accepted_with_typed_answers() -> None:
    output = io.StringIO()
    elicitor = TerminalElicitor(io.StringIO(ANSWERS), output)
    callbacks = build_client_callbacks(
        "everything",
        settings(elicitation={"mode": "prompt"}),
        sampler=None,
        elicitor=elicitor,
        events=None,
    )
    async with everything(callbacks) as session:
        result = await session.call_tool("trigger-elicitation-request", {})

    text = text_of(result)
    raw = json.loads(text.split("Raw result: ", 1)[1])
    assert raw["action"] == "accept"
    assert raw["content"] == {
        "name": "Ada Lovelace",
        "check": True,
        "firstLine": "It was a dark and stormy night.",
        "email": "ada@example.com",
        "homepage": "https://ada.example",
        "birthdate": "1815-12-10",
        "integer": 7,
        "number": 3.14,
        "untitledSingleSelectEnum": "Rachel",
        "untitledMultipleSelectEnum": ["Piano", "Guitar"],
        "titledSingleSelectEnum": "hero-3",
        "titledMultipleSelectEnum": ["fish-1"],
        "legacyTitledEnum": "pet-2",
    }
    asked = output.getvalue()
    assert "Server 'everything' asks: Please provide inputs" in asked
    assert "answer y or n" in asked
    assert "enter an email address" in asked
    assert "enter a number of at most 100" in asked


async def test_elicitation_declined_when_not_interactive(caplog: pytest.LogCaptureFixture) -> None:
    output = io.StringIO()
    elicitor = TerminalElicitor(io.StringIO("never read\n"), output)
    callbacks = build_client_callbacks(
        "everything", settings(), sampler=None, elicitor=elicitor, events=None
    )
    with caplog.at_level(logging.WARNING, logger="fastagent.mcp"):
        async with everything(callbacks) as session:
            result = await session.call_tool("trigger-elicitation-request", {})
    assert "User declined" in text_of(result)
    assert "declined elicitation from server everything (non-interactive)" in caplog.text
    assert output.getvalue() == ""


async def test_elicitation_cancelled_by_the_user() -> None:
    elicitor = TerminalElicitor(io.StringIO("/cancel\n"), io.StringIO(), interactive=True)
    callbacks = build_client_callbacks(
        "everything", settings(), sampler=None, elicitor=elicitor, events=None
    )
    async with everything(callbacks) as session:
        result = await session.call_tool("trigger-elicitation-request", {})
    assert "User cancelled" in text_of(result)


async def test_roots_are_listed_to_the_server_and_its_logs_arrive(
    caplog: pytest.LogCaptureFixture,
) -> None:
    logged = anyio.Event()

    async def on_notification(message: Any) -> None:
        if isinstance(message, mcp_types.LoggingMessageNotification):
            logged.set()

    callbacks = build_client_callbacks(
        "everything",
        settings(
            roots=[
                {"uri": "file:///srv/project", "name": "project"},
                {"uri": "file:///srv/data"},
            ]
        ),
        sampler=None,
        elicitor=None,
        events=None,
        on_notification=on_notification,
    )
    with caplog.at_level(logging.DEBUG, logger="fastagent.mcp.everything"):
        async with everything(callbacks) as session:
            result = await session.call_tool("get-roots-list", {})
            with anyio.fail_after(10):
                await logged.wait()

    text = text_of(result)
    assert "Current MCP Roots (2 total)" in text
    assert "1. project\n   URI: file:///srv/project" in text
    assert "2. Unnamed Root\n   URI: file:///srv/data" in text
    records = [r for r in caplog.records if r.name == "fastagent.mcp.everything"]
    assert any(
        r.levelno == logging.INFO
        and r.getMessage() == "[everything-server] Roots updated: 2 root(s) received from client"
        for r in records
    )


async def test_server_log_levels_are_mapped(caplog: pytest.LogCaptureFixture) -> None:
    logged = anyio.Event()

    async def on_notification(message: Any) -> None:
        if isinstance(message, mcp_types.LoggingMessageNotification):
            logged.set()

    callbacks = build_client_callbacks(
        "everything",
        settings(),
        sampler=None,
        elicitor=None,
        events=None,
        on_notification=on_notification,
    )
    with caplog.at_level(logging.DEBUG, logger="fastagent.mcp.everything"):
        async with everything(callbacks) as session:
            await session.call_tool("toggle-simulated-logging", {})
            with anyio.fail_after(10):
                await logged.wait()
            await session.call_tool("toggle-simulated-logging", {})

    [record, *_] = [r for r in caplog.records if hasattr(r, "mcp_level")]
    assert record.name == "fastagent.mcp.everything"
    mcp_level = record.mcp_level  # type: ignore[attr-defined]
    assert record.levelno == LOG_LEVELS[mcp_level]
    assert record.getMessage().lower().startswith(mcp_level.split("-")[0])


async def test_progress_notifications_become_events() -> None:
    bus = EventBus()
    updates: list[ProgressUpdate] = []
    done = anyio.Event()

    def on_update(update: ProgressUpdate) -> None:
        updates.append(update)
        if len(updates) == 4:
            done.set()

    bus.subscribe(on_update, ProgressUpdate)
    callbacks = build_client_callbacks(
        "everything", settings(), sampler=None, elicitor=None, events=bus
    )
    async with everything(callbacks) as session:

        async def ignore(progress: float, total: float | None, message: str | None) -> None:
            return None

        await session.call_tool(
            "trigger-long-running-operation",
            {"duration": 0.4, "steps": 4},
            progress_callback=ignore,
        )
        with anyio.fail_after(5):
            await done.wait()

    assert [u.progress for u in updates] == [1, 2, 3, 4]
    assert all(u.source == "everything" and u.total == 4 for u in updates)


async def test_callbacks_factory_plugs_into_the_server_registry() -> None:
    from fastagent.config.mcp_settings import MCPSettings
    from fastagent.mcp.features import list_prompts
    from fastagent.mcp.registry import ServerRegistry

    bus = EventBus()
    sampler = ProviderSampler("passthrough")

    def factory(name: str, server: MCPServerSettings) -> ClientCallbacks:
        return build_client_callbacks(name, server, sampler=sampler, elicitor=None, events=bus)

    mcp = MCPSettings.model_validate(
        {"servers": {"everything": {"command": str(EVERYTHING), "roots": [{"uri": "file:///r"}]}}}
    )
    async with ServerRegistry(mcp, events=bus, callbacks_factory=factory) as registry:
        connection = await registry.get("everything")
        session = connection.session
        sampled = await session.call_tool("trigger-sampling-request", {"prompt": "via registry"})
        roots = await session.call_tool("get-roots-list", {})
        prompts = await list_prompts(session, "everything")

    assert "context: via registry" in text_of(sampled)
    assert "URI: file:///r" in text_of(roots)
    assert "args-prompt" in {p.name for p in prompts}
