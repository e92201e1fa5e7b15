"""``human_input=True``: the agent's tool asks through the injected handler, or says why not."""

from __future__ import annotations

import pytest

from fastagent import FastAgent
from fastagent.events import UserInputFinished, UserInputRequested
from fastagent.runtime import RunOptions
from fastagent.tools.human_input import HumanInputRequest, HumanInputUnavailable

from .conftest import settings

ASK = '***CALL_TOOL human_input {"question": "Which color?"}'


def make_app() -> FastAgent:
    fast = FastAgent(
        "human",
        parse_cli_args=False,
        settings=settings(default_model="passthrough", sessions={"enabled": False}),
    )
    fast.agent("asker", human_input=True)
    fast.agent("plain")
    return fast


async def test_the_injected_handler_answers_and_the_display_is_told() -> None:
    asked: list[HumanInputRequest] = []
    events: list[str] = []

    async def handler(request: HumanInputRequest) -> str:
        asked.append(request)
        return "blue"

    async with make_app().run(RunOptions(quiet=True, human_input=handler)) as app:
        app.runtime.events.subscribe(lambda e: events.append(type(e).__name__), UserInputRequested)
        app.runtime.events.subscribe(lambda e: events.append(type(e).__name__), UserInputFinished)
        assert "human_input" in app.asker.llm.tools.names()
        assert "human_input" not in app.plain.llm.tools.names()
        assert await app.asker.send(ASK) == "blue"
    assert asked == [HumanInputRequest("asker", "Which color?")]
    assert events == ["UserInputRequested", "UserInputFinished"]


async def test_nothing_to_ask_is_a_clear_error_result() -> None:
    async with make_app().run(RunOptions(quiet=True)) as app:
        reply = await app.asker.send(ASK)
        assert reply.startswith("nobody can be asked here (no terminal, no MCP client")
        [result] = [r for m in app.asker.history for r in m.tool_results]
        assert result.is_error


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (None, "the user gave no answer"),
        (
            HumanInputUnavailable("standard input is not a terminal"),
            "the user could not be asked: standard input is not a terminal",
        ),
    ],
)
async def test_no_answer_is_an_error_result(answer: object, expected: str) -> None:
    def handler(request: HumanInputRequest) -> str | None:
        if isinstance(answer, Exception):
            raise answer
        return None

    async with make_app().run(RunOptions(quiet=True, human_input=handler)) as app:
        assert await app.asker.send(ASK) == expected
