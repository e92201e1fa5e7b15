"""``human_input`` under ``fastagent serve``: the question reaches the MCP client as elicitation."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import mcp_types as types
from mcp.client.stdio import StdioServerParameters, stdio_client

from mcp import Client

from .conftest import serve_env

ASK = '***CALL_TOOL human_input {"question": "Which color?"}'


@contextlib.asynccontextmanager
async def serving(project: Path, **callbacks: Any) -> AsyncIterator[Client]:
    (project / "fastagent.yaml").write_text(
        "agents:\n  helper:\n    model: passthrough\n    human_input: true\n",
        encoding="utf-8",
    )
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "fastagent", "serve"],
        cwd=str(project),
        env=serve_env(project),
    )
    with (project / "serve-stderr.log").open("a") as errlog:
        async with Client(stdio_client(params, errlog=errlog), **callbacks) as client:
            yield client


async def test_the_question_is_elicited_from_the_client_and_answered(project: Path) -> None:
    asked: list[types.ElicitRequestParams] = []

    async def answer(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params)
        return types.ElicitResult(action="accept", content={"answer": "blue"})

    async with serving(project, elicitation_callback=answer) as client:
        result = await client.call_tool("helper", {"message": ASK})
    assert result.is_error is False, result
    assert result.content[0].text == "blue"  # type: ignore[union-attr]
    [params] = asked
    assert params.message == "helper asks: Which color?"
    assert params.requested_schema["required"] == ["answer"]  # type: ignore[union-attr]


async def test_a_declined_question_is_an_error_the_model_reads(project: Path) -> None:
    async def decline(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="decline")

    async with serving(project, elicitation_callback=decline) as client:
        result = await client.call_tool("helper", {"message": ASK})
    assert result.content[0].text == (  # type: ignore[union-attr]
        "the user could not be asked: the user chose to decline the question"
    )


async def test_a_client_without_elicitation_gets_a_clear_error_result(project: Path) -> None:
    async with serving(project) as client:
        result = await client.call_tool("helper", {"message": ASK})
    assert result.content[0].text == (  # type: ignore[union-attr]
        "the user could not be asked: the MCP client does not support elicitation"
    )
