"""A real model decides the tool calls: Qwen2.5-Coder-1.5B on llama.cpp's server engine.

The model (fetched by scripts/env.sh into ``.cache/models``, served once per session by the
``realmodel_server`` fixture) reads the tool list, decides on its own to call a tool, reads
the result and answers: nothing forces ``tool_choice``. It runs at ~10 tokens/s on 2 shared
cores, so every scenario is one short question with a small ``max_tokens``. Temperature 0
makes replies repeat. The assertions are on the calls the model made (names and arguments)
and on values that only a tool result can supply (a made-up code, a conversion at a made-up
rate, the current time in another zone), never on wording.

``pytest -m realmodel`` runs only these. They fail, never skip, when the model file is
missing or its server does not start.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fastagent import FastAgent
from fastagent.messages import Message, StopReason
from fastagent.streaming import (
    StreamDone,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    ToolResultEvent,
)
from file_modules import load_module

pytestmark = [pytest.mark.e2e, pytest.mark.realmodel, pytest.mark.timeout(900)]

MODEL = "generic.qwen2.5-coder-1.5b?temperature=0&max_tokens=160"
INSTRUCTION = "You are a helpful assistant. Use the tools to answer. Answer in one sentence."
VAULT_CODE = "QX-7391-ZEBRA"  # what get_vault_code returns: no model can guess it
EUR_TO_USD = 1.0873  # a made-up rate: the converted amount can only come from the tool


mcp_helpers = load_module(
    "fastagent_tests_conftest_mcp",
    Path(__file__).resolve().parents[1] / "agents" / "conftest_mcp.py",
)


def make_app(base_url: str, name: str, servers: dict[str, Any] | None = None) -> FastAgent:
    """An app whose ``generic`` provider talks to the session's real-model server."""
    overrides: dict[str, Any] = {
        "logger": {"type": "none"},
        # generous: 5 engineers share 2 cores; retries would only hide a slow or dead server
        "generic": {"base_url": base_url, "timeout": 600, "max_retries": 0},
    }
    if servers:
        overrides["mcp"] = {"servers": servers}
    return FastAgent(name, parse_cli_args=False, quiet=True, overrides=overrides)


def declare(decorator: Callable[[Callable[[], None]], object]) -> None:
    """Apply an ``@fast.agent(...)`` / ``@fast.chain(...)`` decorator to a placeholder."""
    decorator(lambda: None)


def tool_rounds(history: list[Message]) -> list[tuple[str, dict[str, Any], str, bool]]:
    """(tool name, arguments, result text, is_error) for every call the model made."""
    results = {r.call_id: r for m in history for r in m.tool_results}
    rounds = []
    for message in history:
        for call in message.tool_calls:
            result = results[call.id]
            rounds.append((call.name, call.arguments, result.text, result.is_error))
    return rounds


async def test_agent_calls_a_function_tool_on_its_own_and_uses_the_result(
    realmodel_base_url: str,
) -> None:
    fast = make_app(realmodel_base_url, "vault")
    asked: list[str] = []

    @fast.tool
    def get_vault_code(vault: str) -> str:
        """Return the secret access code of a named vault."""
        asked.append(vault)
        return VAULT_CODE

    declare(fast.agent("clerk", INSTRUCTION, tools=[get_vault_code], model=MODEL))
    async with fast.run() as app:
        reply = await app.clerk.send("What is the secret code of the vault named 'north'?")
        history = app.clerk.history
        usage = app.usage["clerk"]

    assert asked == ["north"]
    assert tool_rounds(history) == [("get_vault_code", {"vault": "north"}, VAULT_CODE, False)]
    assert VAULT_CODE in reply  # read from the tool result
    final = history[-1]
    assert final.role == "assistant" and not final.tool_calls
    assert final.stop_reason == StopReason.END_TURN
    assert usage.requests == 2  # call the tool, then answer


async def test_agent_calls_a_real_mcp_server_tool_on_its_own(realmodel_base_url: str) -> None:
    # only the tool that knows the time: convert_time would need the time as an argument
    servers = {"time": {**mcp_helpers.TIME_SERVER_SETTINGS, "include_tools": ["get_current_time"]}}
    fast = make_app(realmodel_base_url, "clock", servers)
    declare(fast.agent("clock", INSTRUCTION, servers=["time"], model=MODEL))

    async with fast.run() as app:
        reply = await app.clock.send("What time is it now in Tokyo? Use the IANA timezone name.")
        history = app.clock.history

    ((name, arguments, result, is_error),) = tool_rounds(history)
    assert (name, arguments, is_error) == (
        "time__get_current_time",
        {"timezone": "Asia/Tokyo"},
        False,
    )
    now = datetime.fromisoformat(json.loads(result)["datetime"])  # mcp-server-time's answer
    assert now.utcoffset() == timedelta(hours=9)
    assert abs(datetime.now(ZoneInfo("Asia/Tokyo")) - now) < timedelta(minutes=15)
    # the clock time only the server knew, as 19:49 or 7:49
    assert f"{now:%H:%M}" in reply or f"{now.hour % 12 or 12}:{now:%M}" in reply


async def test_streamed_turn_with_a_tool_call_the_model_chose(realmodel_base_url: str) -> None:
    fast = make_app(realmodel_base_url, "stream")
    asked: list[str] = []

    @fast.tool
    def get_vault_code(vault: str) -> str:
        """Return the secret access code of a named vault."""
        asked.append(vault)
        return VAULT_CODE

    declare(fast.agent("clerk", INSTRUCTION, tools=[get_vault_code], model=MODEL))
    async with fast.run() as app:
        message = "What is the secret code of the vault named 'south'?"
        events = [event async for event in app.clerk.stream(message)]
        history = app.clerk.history

    assert asked == ["south"]
    start, *rest = events
    assert isinstance(start, ToolCallStart) and start.name == "get_vault_code"
    fragments = [e.arguments_json_fragment for e in rest if isinstance(e, ToolCallDelta)]
    assert len(fragments) > 1  # the server streamed the arguments in pieces
    assert json.loads("".join(fragments)) == {"vault": "south"}
    (end,) = [e for e in events if isinstance(e, ToolCallEnd)]
    assert (end.call.id, end.call.arguments) == (start.id, {"vault": "south"})
    (result,) = [e.result for e in events if isinstance(e, ToolResultEvent)]
    assert (result.call_id, result.text) == (start.id, VAULT_CODE)
    texts = [e.text for e in events[events.index(end) :] if isinstance(e, TextDelta)]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert len(texts) > 1 and "".join(texts) == done.message.text
    assert VAULT_CODE in done.message.text
    assert tool_rounds(history) == [("get_vault_code", {"vault": "south"}, VAULT_CODE, False)]


async def test_two_agent_chain_passes_a_tool_result_to_the_next_agents_tool(
    realmodel_base_url: str,
) -> None:
    fast = make_app(realmodel_base_url, "billing")
    orders: list[str] = []
    amounts: list[float] = []

    @fast.tool
    def get_order_total(order_id: str) -> str:
        """Return the total of an order, in euros."""
        orders.append(order_id)
        return "1234.56 EUR"

    @fast.tool
    def convert_eur_to_usd(amount: float) -> float:
        """Convert an amount of euros to US dollars at today's rate."""
        amounts.append(amount)
        return round(amount * EUR_TO_USD, 2)

    declare(fast.agent("cashier", INSTRUCTION, tools=[get_order_total], model=MODEL))
    converter = "Convert the euro amount in the message to US dollars with the tool. " + (
        INSTRUCTION
    )
    declare(fast.agent("converter", converter, tools=[convert_eur_to_usd], model=MODEL))
    declare(fast.chain("billing", sequence=["cashier", "converter"], default=True))
    async with fast.run() as app:
        reply = await app.send("What is the total of order A-17?")
        cashier, converter_history = app.cashier.history, app.converter.history

    assert orders == ["A-17"]
    assert amounts == [1234.56]  # the first agent's tool result, passed on by the chain
    usd = f"{round(1234.56 * EUR_TO_USD, 2):.2f}"  # 1342.34
    ((name, arguments, result, is_error),) = tool_rounds(converter_history)
    assert (name, arguments, result, is_error) == (
        "convert_eur_to_usd",
        {"amount": 1234.56},
        usd,
        False,
    )
    assert "1234.56" in cashier[-1].text.replace(",", "")  # answered from its tool
    assert converter_history[0].text == cashier[-1].text  # the chain passed that answer on
    assert usd in reply.replace(",", "")
