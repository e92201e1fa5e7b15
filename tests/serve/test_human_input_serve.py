"""``human_input`` under ``fastagent serve``: the question reaches the MCP client as elicitation."""

from __future__ import annotations

import contextlib
import json
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp.client.stdio import StdioServerParameters, stdio_client

from mcp import Client

from .conftest import serve_env

ASK = '***CALL_TOOL human_input {"question": "Which color?"}'


HELPER = "agents:\n  helper:\n    model: passthrough\n    human_input: true\n"
FIXTURE = Path(__file__).resolve().parents[1] / "mcp" / "servers" / "fixture_server.py"
GUARDED = (
    "mcp:\n  servers:\n    fixture:\n"
    f"      command: {json.dumps(sys.executable)}\n      args: [{json.dumps(str(FIXTURE))}]\n"
    "agents:\n  helper:\n    model: passthrough\n    servers: [fixture]\n    approve: ask\n"
)
ECHO = '***CALL_TOOL fixture__echo {"message": "hi"}'


@contextlib.asynccontextmanager
async def serving(
    project: Path, config: str = HELPER, mode: str = "auto", **callbacks: Any
) -> AsyncIterator[Client]:
    (project / "fastagent.yaml").write_text(config, encoding="utf-8")
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "fastagent", "serve"],
        cwd=str(project),
        env=serve_env(project),
    )
    with (project / "serve-stderr.log").open("a") as errlog:
        transport = stdio_client(params, errlog=errlog)
        async with Client(transport, mode=mode, **callbacks) as client:  # type: ignore[arg-type]
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


async def test_an_older_protocol_client_is_asked_with_a_related_request(project: Path) -> None:
    async def answer(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        return types.ElicitResult(action="accept", content={"answer": "green"})

    async with serving(project, mode="legacy", elicitation_callback=answer) as client:
        assert client.protocol_version == "2025-11-25"
        result = await client.call_tool("helper", {"message": ASK})
    assert result.content[0].text == "green"  # type: ignore[union-attr]


async def test_an_older_protocol_client_without_elicitation_gets_a_clear_error(
    project: Path,
) -> None:
    async with serving(project, mode="legacy") as client:
        result = await client.call_tool("helper", {"message": ASK})
    assert result.content[0].text == (  # type: ignore[union-attr]
        "the user could not be asked: the MCP client does not support elicitation"
    )


async def test_an_unanswered_question_times_out_after_serve_answer_timeout(project: Path) -> None:
    async def never(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        raise AssertionError("the test drives the input loop itself")

    config = HELPER + "serve:\n  answer_timeout: 1\n"
    with anyio.fail_after(60):
        async with serving(project, config, elicitation_callback=never) as client:
            # The client takes the question and never retries with an answer.
            first = await client.session.call_tool(
                "helper", {"message": ASK}, allow_input_required=True
            )
            assert isinstance(first, types.InputRequiredResult)
            history: list[dict[str, Any]] = []
            while len(history) < 4:  # the turn goes on without the answer, and completes
                await anyio.sleep(0.2)
                read = await client.read_resource("fastagent://history/helper")
                history = json.loads(read.contents[0].text)["messages"]  # type: ignore[union-attr]
    [result] = history[2]["toolResults"]
    assert result["content"][0]["text"] == (
        "the user could not be asked: the client did not answer within 1s"
    )


@pytest.mark.parametrize(
    ("mode", "decision", "expected"),
    [
        ("auto", "yes", "echo: hi"),
        ("legacy", "yes", "echo: hi"),
        ("auto", "no", "tool 'fixture__echo' was denied: the user declined it"),
    ],
)
async def test_approve_ask_reaches_the_client_as_elicitation(
    project: Path, mode: str, decision: str, expected: str
) -> None:
    asked: list[types.ElicitRequestParams] = []

    async def approve(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        asked.append(params)
        return types.ElicitResult(action="accept", content={"decision": decision})

    async with serving(project, GUARDED, mode, elicitation_callback=approve) as client:
        result = await client.call_tool("helper", {"message": ECHO})
    assert result.content[0].text == expected  # type: ignore[union-attr]
    [params] = asked
    assert params.message == 'helper wants to call fixture__echo with {"message": "hi"}. Allow it?'
    schema = params.requested_schema  # type: ignore[union-attr]
    assert schema["properties"]["decision"]["enum"] == ["yes", "no", "always"]


async def test_approve_ask_without_elicitation_is_a_clear_denial(project: Path) -> None:
    async with serving(project, GUARDED) as client:
        result = await client.call_tool("helper", {"message": ECHO})
    assert result.content[0].text == (  # type: ignore[union-attr]
        "tool 'fixture__echo' was denied: it needs the user's approval and the MCP client "
        "could not be asked: the MCP client does not support elicitation"
    )
