"""Durable turns in one process: steps stored as history JSON, usage, memory, re-attach."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from durable.scripted_openai import ScriptedOpenAI
from fastagent.agents import FastAgent
from fastagent.config import Settings
from fastagent.config.durable_settings import DurableSettings
from fastagent.config.settings import GenericSettings
from fastagent.events import ModelResponse, StepReplayed
from fastagent.exceptions import BadRequestError, FastAgentError, RuntimeFailure, UserError
from fastagent.messages import Message
from fastagent.runtime import current_runtime
from fastagent.steps import idempotency_key

pytest.importorskip("dbos", reason="the durable extra is not installed")


def _settings(server: ScriptedOpenAI, database: Path) -> Settings:
    return Settings(
        default_model="generic.test-model",
        generic=GenericSettings(base_url=server.base_url, api_key="test-key"),
        durable=DurableSettings(database=str(database)),
    )


def _app(server: ScriptedOpenAI, database: Path, keys: list[str | None]) -> FastAgent:
    fast = FastAgent("durable-inproc", settings=_settings(server, database))

    @fast.tool
    def lookup(ticket: str) -> str:
        """Look a ticket up."""
        keys.append(idempotency_key())
        return f"ticket {ticket} is open"

    fast.agent("desk", "Answer with the tool.", tools=[lookup])(lambda: None)
    return fast


async def test_a_keyed_turn_records_each_call_as_a_json_step(tmp_path: Path) -> None:
    database = tmp_path / "durable.sqlite"
    keys: list[str | None] = []
    with ScriptedOpenAI(tool="lookup", arguments={"ticket": "9"}) as server:
        fast = _app(server, database, keys)
        async with fast.run() as app:
            responses: list[ModelResponse] = []
            current_runtime().events.subscribe(responses.append, ModelResponse)
            answer = await app.send("status of 9?", key="ticket-9")
            history = app["desk"].history
            usage = app["desk"].usage
            runtime_usage = current_runtime().usage.total
        assert answer == "answer: ticket 9 is open"
        assert server.requests == 2
        assert keys == ["ticket-9:2"]  # the tool read its step's idempotency key
        assert [m.role for m in history] == ["user", "assistant", "user", "assistant"]
        assert history[-1].text == answer
        assert usage.requests == 2 and runtime_usage.requests == 2 and len(responses) == 2

    rows = sqlite3.connect(database).execute(
        "select function_id, function_name, output, serialization from operation_outputs "
        "where workflow_uuid = 'ticket-9' order by function_id"
    )
    steps = [(n, name, json.loads(out), ser) for n, name, out, ser in rows]
    assert [(n, name, ser) for n, name, _, ser in steps] == [
        (1, "model test-model", "portable_json"),
        (2, "tool lookup", "portable_json"),
        (3, "model test-model", "portable_json"),
    ]
    # Our lossless history format, readable back as messages.
    assert Message.from_dict(steps[0][2]).tool_calls[0].name == "lookup"
    assert steps[1][2]["content"] == [{"type": "text", "text": "ticket 9 is open"}]
    assert Message.from_dict(steps[2][2]).text == "answer: ticket 9 is open"


async def test_the_same_key_again_returns_the_recorded_turn_without_calls(tmp_path: Path) -> None:
    database = tmp_path / "durable.sqlite"
    keys: list[str | None] = []
    with ScriptedOpenAI(tool="lookup", arguments={"ticket": "3"}) as server:
        fast = _app(server, database, keys)
        async with fast.run() as app:
            first = await app.send("status of 3?", key="ticket-3")
            again = await app.send("status of 3?", key="ticket-3")
            history = app["desk"].history
        assert first == again == "answer: ticket 3 is open"
        assert server.requests == 2 and keys == ["ticket-3:2"]
        assert len(history) == 4  # the turn is in memory once

        # A new process (a new app) re-attaching: the turn lands in its fresh memory.
        async with _app(server, database, keys).run() as app:
            replayed: list[StepReplayed] = []
            current_runtime().events.subscribe(replayed.append, StepReplayed)
            third = await app.send("status of 3?", key="ticket-3")
            assert [m.role for m in app["desk"].history] == [
                "user",
                "assistant",
                "user",
                "assistant",
            ]
            assert current_runtime().usage.total.requests == 0
        assert third == first and server.requests == 2


async def test_a_failed_turn_sent_again_raises_its_error_typed_with_a_new_key_hint(
    tmp_path: Path,
) -> None:
    database = tmp_path / "durable.sqlite"
    with ScriptedOpenAI(fail_on="ticket 4") as server:
        async with _app(server, database, []).run() as app:
            with pytest.raises(BadRequestError) as first:
                await app.send("close ticket 4", key="ticket-4")
        # Another process: the failure is read back from its record, not run again. It is
        # a fastagent error with the same message (one line from the CLI or a script), not
        # DBOS's PortableWorkflowError, and its hint says why the key keeps failing.
        async with _app(server, database, []).run() as app:
            with pytest.raises(FastAgentError) as again:
                await app.send("close ticket 4", key="ticket-4")
        assert server.requests == 1
        assert isinstance(again.value, RuntimeFailure)
        assert again.value.message == first.value.message
        assert again.value.hint is not None
        assert "the turn 'ticket-4' is recorded as failed" in again.value.hint
        assert "send with a new key to try again" in again.value.hint


@pytest.mark.parametrize(
    ("key", "got"), [(42, "got 42 (int)"), ("", "got an empty one"), ("  ", "got '  ' (str)")]
)
async def test_a_key_that_is_not_a_non_empty_string_is_one_typed_line(
    tmp_path: Path, key: object, got: str
) -> None:
    with ScriptedOpenAI() as server:
        async with _app(server, tmp_path / "durable.sqlite", []).run() as app:
            with pytest.raises(UserError) as caught:
                await app.send("close ticket 4", key=key)  # type: ignore[arg-type]
        assert caught.value.message == f"a durable turn's key must be a non-empty string, {got}"
        assert server.requests == 0


async def test_a_queue_without_a_key_is_refused_instead_of_ignored(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        async with _app(server, tmp_path / "durable.sqlite", []).run() as app:
            for send in (app.send, app["desk"].send):
                with pytest.raises(UserError) as caught:
                    await send("close ticket 4", queue="tickets")
                assert caught.value.message == (
                    "send(queue='tickets') needs a key: a queued turn is a durable workflow"
                )
        assert server.requests == 0


async def test_the_next_turn_continues_the_conversation(tmp_path: Path) -> None:
    keys: list[str | None] = []
    with ScriptedOpenAI() as server:  # no tool: echoes
        async with _app(server, tmp_path / "d.sqlite", keys).run() as app:
            assert await app.send("one", key="t-1") == "echo: one"
            assert await app.send("two", key="t-2") == "echo: two"
        sent = server.bodies[-1]["messages"]
        assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]


async def test_an_agent_used_as_a_tool_runs_inside_its_tool_step(tmp_path: Path) -> None:
    database = tmp_path / "durable.sqlite"
    with ScriptedOpenAI(tool="helper", arguments={"message": "look it up"}) as server:
        fast = FastAgent("nested", settings=_settings(server, database))
        fast.agent("helper", "Help.")(lambda: None)
        fast.agent("lead", "Ask the helper.", agents=["helper"], default=True)(lambda: None)
        async with fast.run() as app:
            answer = await app.send("go", key="nested-1")
        assert answer.startswith("answer: answer: ")
        assert server.requests == 4  # lead, helper twice (inside the tool step), lead
    rows = sqlite3.connect(database).execute(
        "select function_id, function_name from operation_outputs "
        "where workflow_uuid = 'nested-1' order by function_id"
    )
    assert list(rows) == [(1, "model test-model"), (2, "tool helper"), (3, "model test-model")]


async def test_the_loop_still_runs_threads_after_a_durable_run_closes(tmp_path: Path) -> None:
    import asyncio

    with ScriptedOpenAI() as server:
        async with _app(server, tmp_path / "d.sqlite", []).run() as app:
            assert await app.send("one", key="t-1") == "echo: one"
        assert await asyncio.to_thread(lambda: "thread ok") == "thread ok"
        plain = FastAgent("plain", settings=_settings(server, tmp_path / "d.sqlite"))
        plain.agent("a", "Echo.")(lambda: None)
        async with plain.run() as app:
            assert await app.send("two") == "echo: two"


async def test_a_chain_sent_with_a_key_records_its_agents_calls_in_order(tmp_path: Path) -> None:
    database = tmp_path / "durable.sqlite"
    with ScriptedOpenAI() as server:  # echoes
        fast = FastAgent("chained", settings=_settings(server, database))
        fast.agent("first", "One.")(lambda: None)
        fast.agent("second", "Two.")(lambda: None)
        fast.chain("both", sequence=["first", "second"], default=True)(lambda: None)
        async with fast.run() as app:
            answer = await app.send("go", key="chain-1")
            again = await app.send("go", key="chain-1")
        assert answer == again == "echo: echo: go"
        assert server.requests == 2
    rows = sqlite3.connect(database).execute(
        "select function_id, function_name from operation_outputs "
        "where workflow_uuid = 'chain-1' order by function_id"
    )
    assert list(rows) == [(1, "model test-model"), (2, "model test-model")]


async def test_a_keyed_turn_sent_to_a_queue_runs_there_and_is_appended_once(
    tmp_path: Path,
) -> None:
    database = tmp_path / "durable.sqlite"
    keys: list[str | None] = []
    with ScriptedOpenAI(tool="lookup", arguments={"ticket": "3"}) as server:
        queues = {"desk": {"concurrency": 1, "partition_by_provider": True}}
        durable = DurableSettings.model_validate({"database": str(database), "queues": queues})
        settings = _settings(server, database).model_copy(update={"durable": durable})
        fast = FastAgent("durable-queued", settings=settings)

        @fast.tool
        def lookup(ticket: str) -> str:
            """Look a ticket up."""
            keys.append(idempotency_key())
            return f"ticket {ticket} is open"

        fast.agent("desk", "Answer with the tool.", tools=[lookup])(lambda: None)
        async with fast.run() as app:
            answer = await app.send("status of 3?", key="ticket-3", queue="desk")
            again = await app.send("status of 3?", key="ticket-3", queue="desk")
            history = app["desk"].history
        assert answer == again == "answer: ticket 3 is open"
        assert server.requests == 2 and keys == ["ticket-3:2"]
        assert [m.role for m in history] == ["user", "assistant", "user", "assistant"]
    row = sqlite3.connect(database).execute(
        "select queue_name, queue_partition_key, status from workflow_status "
        "where workflow_uuid = 'ticket-3'"
    )
    assert row.fetchone() == ("desk", "generic", "SUCCESS")


async def test_a_model_calls_retries_stay_inside_its_one_recorded_step(tmp_path: Path) -> None:
    """The step wraps the provider's retry policy: two 503s and a success are one step."""
    database = tmp_path / "durable.sqlite"
    with ScriptedOpenAI(unavailable_first=2) as server:
        fast = FastAgent("retried", settings=_settings(server, database))
        fast.agent("desk", "Echo.")(lambda: None)
        async with fast.run() as app:
            answer = await app.send("hi", key="retry-1")
            usage = current_runtime().usage.total
            again = await app.send("hi", key="retry-1")
        assert answer == again == "echo: hi"
        assert server.requests == 3  # two refused, one answered; nothing on the re-attach
        assert usage.requests == 1
    rows = sqlite3.connect(database).execute(
        "select function_id, function_name, error from operation_outputs "
        "where workflow_uuid = 'retry-1' order by function_id"
    )
    assert list(rows) == [(1, "model test-model", None)]


async def test_a_replayed_turn_costs_nothing_in_the_usage_summary(tmp_path: Path) -> None:
    """Cost is priced from the agent's usage: a replayed model call adds none of it."""
    from fastagent.config.settings import OpenAISettings
    from fastagent.ui.usage_table import usage_rows

    database = tmp_path / "durable.sqlite"
    with ScriptedOpenAI() as server:
        settings = Settings(
            default_model="openai.gpt-4.1-mini",
            openai=OpenAISettings(base_url=server.base_url, api_key="test-key"),
            durable=DurableSettings(database=str(database)),
        )

        def app() -> FastAgent:
            fast = FastAgent("priced", settings=settings)
            fast.agent("desk", "Echo.")(lambda: None)
            return fast

        async with app().run() as first:
            await first.send("hi", key="priced-1")
            paid = usage_rows(first)
        # 10 input tokens at $0.40 and 2 output tokens at $1.60 per million.
        assert paid[-1].cost == pytest.approx(7.2e-6)
        async with app().run() as second:  # another process re-attaching: all replayed
            assert await second.send("hi", key="priced-1") == "echo: hi"
            replayed = usage_rows(second)
        assert [row.agent for row in replayed] == ["total"]
        assert replayed[-1].usage.requests == 0 and not replayed[-1].cost
        assert server.requests == 1


async def test_an_mcp_tool_call_is_a_recorded_step_like_a_function_tools(tmp_path: Path) -> None:
    """A real MCP server (stdio subprocess): its tool call is step 2, stored as history JSON."""
    import sys

    server_script = Path(__file__).parents[1] / "mcp" / "servers" / "fixture_server.py"
    database = tmp_path / "durable.sqlite"
    with ScriptedOpenAI(tool="fx__echo", arguments={"message": "ping"}) as server:
        settings = _settings(server, database).model_copy(
            update={
                "mcp": Settings.model_validate(
                    {
                        "mcp": {
                            "servers": {
                                "fx": {
                                    "command": sys.executable,
                                    "args": [str(server_script), "ok"],
                                }
                            }
                        }
                    }
                ).mcp
            }
        )
        fast = FastAgent("mcp-durable", settings=settings)
        fast.agent("desk", "Use the tool.", servers=["fx"])(lambda: None)
        async with fast.run() as app:
            answer = await app.send("go", key="mcp-1")
            again = await app.send("go", key="mcp-1")
        assert answer == again
        assert "ping" in answer and answer.startswith("answer: ")
        assert server.requests == 2
    rows = sqlite3.connect(database).execute(
        "select function_id, function_name, output from operation_outputs "
        "where workflow_uuid = 'mcp-1' order by function_id"
    )
    steps = [(n, name, json.loads(out)) for n, name, out in rows]
    assert [(n, name) for n, name, _ in steps] == [
        (1, "model test-model"),
        (2, "tool fx__echo"),
        (3, "model test-model"),
    ]
    assert "ping" in json.dumps(steps[1][2]["content"])  # the MCP result, as history JSON
