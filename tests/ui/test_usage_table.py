from __future__ import annotations

import io

from rich.console import Console

from fastagent import FastAgent
from fastagent.events import ModelResponse
from fastagent.providers.model_catalogue import cost, lookup
from fastagent.runtime import Context
from fastagent.ui.usage_table import (
    format_cost,
    print_usage_summary,
    usage_rows,
    usage_table,
)

from .conftest import echo, priced, quiet_settings


async def test_rows_per_agent_with_cost_from_the_catalogue() -> None:
    writer, plain, idle = priced("writer"), echo("plain"), echo("idle")
    await writer.send("x" * 400)
    await plain.send("hello")
    rows = usage_rows({"writer": writer, "plain": plain, "idle": idle})
    assert [row.agent for row in rows] == ["writer", "plain", "total"]
    expected = cost(lookup("anthropic", "claude-sonnet-4-5"), writer.usage)
    assert expected > 0
    assert rows[0].cost == expected
    assert rows[0].model == "anthropic.claude-sonnet-4-5"
    assert rows[1].cost is None and rows[1].model == "passthrough"
    assert rows[2].usage.requests == 2
    assert rows[2].cost == expected  # unpriced agents add nothing
    assert rows[1].cells()[-1] == "-"


async def test_text_table_is_aligned() -> None:
    writer, plain = priced("writer"), echo("plain")
    await writer.send("x" * 4000)
    await plain.send("hello")
    table = usage_table({"writer": writer, "plain": plain})
    lines = table.splitlines()
    assert lines[0].split() == ["agent", "model", "calls", "input", "output", "total", "cost"]
    assert lines[1].startswith("------")
    expected_cost = format_cost(cost(lookup("anthropic", "claude-sonnet-4-5"), writer.usage))
    assert lines[2].split() == [
        "writer",
        "anthropic.claude-sonnet-4-5",
        "1",
        "1,000",
        "1,000",
        "2,000",
        expected_cost,
    ]
    assert lines[3].split()[0:3] == ["plain", "passthrough", "1"]
    assert lines[-1].split()[0] == "total" and lines[-1].split()[1] == "2"
    assert len({len(line) for line in lines[:2]}) == 1  # header as wide as the rule


def test_format_cost() -> None:
    assert format_cost(None) == "-"
    assert format_cost(0.01234) == "$0.0123"


async def test_context_rows_know_names_only_and_nothing_prints_without_calls() -> None:
    stream = io.StringIO()
    async with Context.create(quiet_settings()) as ctx:
        assert print_usage_summary(ctx, stream=stream) is False
        assert usage_table(ctx) == "no model calls yet"
        ctx.events.publish(ModelResponse(agent="a", model="m", input_tokens=7, output_tokens=3))
        assert print_usage_summary(ctx, stream=stream) is True
    lines = stream.getvalue().splitlines()
    assert lines[2].split() == ["a", "-", "1", "7", "3", "10", "-"]


async def test_rich_summary_for_an_app() -> None:
    fast = FastAgent("usage", parse_cli_args=False, settings=quiet_settings())
    fast.agent("a", model="passthrough")
    console = Console(record=True, width=100, file=io.StringIO())
    async with fast.run() as app:
        await app.send("hello there")
        assert print_usage_summary(app, console=console) is True
    text = console.export_text()
    assert "Usage" in text and "passthrough" in text and "total" in text
