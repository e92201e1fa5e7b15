"""Questions parked for a client's retry (2026-07-28+) are bounded and never re-run a turn.

Each test serves a real app in-process over streamable HTTP (or builds the server and talks
to it over the SDK's in-memory transport) and drives it with the SDK's real client.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp.server import Server
from mcp.shared.exceptions import MCPError

from fastagent import FastAgent
from fastagent.config import Settings
from fastagent.config.settings import ServeSettings
from fastagent.messages import Message
from fastagent.providers.base import CompletionRequest
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.runtime import RunOptions
from fastagent.serve import serve_app
from fastagent.serve.human_input import EXPIRED_STATE_REASON, PendingTurns, elicit_human_input
from mcp import Client

from .conftest import stdio_server

ASK = '***CALL_TOOL human_input {"question": "Which color?"}'


class CountingPassthrough(PassthroughProvider):
    """The passthrough model, counting the calls made to it."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    async def complete(self, request: CompletionRequest) -> Message:
        self.calls += 1
        return await super().complete(request)


def served_turns() -> list[asyncio.Task[Any]]:
    return [
        t
        for t in asyncio.all_tasks()
        if not t.done() and getattr(t.get_coro(), "__name__", "") == "_in_turn"
    ]


def make_app(**serve: Any) -> FastAgent:
    settings = Settings(serve=ServeSettings(**serve))
    fast = FastAgent("questions-test", settings=settings, argv=[], quiet=True)
    fast.agent("helper", "Asks.", model="passthrough", human_input=True)(lambda: None)
    fast.agent("other", "Echoes.", model="passthrough")(lambda: None)
    return fast


@contextlib.asynccontextmanager
async def serving(fast: FastAgent, model: PassthroughProvider) -> AsyncIterator[str]:
    """Serve `fast` over streamable HTTP on a free port; yield its URL."""
    stop = anyio.Event()
    ready = anyio.Event()
    lines: list[str] = []

    def on_ready(line: str) -> None:
        lines.append(line)
        ready.set()

    async def serve() -> None:
        await serve_app(
            fast,
            options=RunOptions(provider=model, quiet=True),
            transport="http",
            port=0,
            stop=stop,
            handle_signals=False,
            on_ready=on_ready,
        )

    async with anyio.create_task_group() as tg:
        tg.start_soon(serve)
        await ready.wait()
        try:
            yield lines[0].split(" on ")[1]
        finally:
            stop.set()


def new_client(server: str | Server[Any]) -> Client:
    """A 2026-07-28 client of `server` (a URL, or the server itself, in-process)."""

    async def never(context: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        raise AssertionError("the test drives the input loop itself")

    return Client(server, mode="2026-07-28", elicitation_callback=never)


async def ask(client: Client) -> types.InputRequiredResult:
    first = await client.session.call_tool("helper", {"message": ASK}, allow_input_required=True)
    assert isinstance(first, types.InputRequiredResult), first
    return first


async def retry(
    client: Client, state: str | None, answer: str = "blue"
) -> types.CallToolResult | types.InputRequiredResult:
    reply = types.ElicitResult(action="accept", content={"answer": answer})
    return await client.session.call_tool(
        "helper",
        {"message": ASK},
        input_responses={"human_input": reply},
        request_state=state,
        allow_input_required=True,
    )


def assert_expired(error: pytest.ExceptionInfo[MCPError]) -> None:
    assert error.value.code == types.INVALID_PARAMS
    assert "has expired or was already answered" in error.value.message
    assert "call the tool again without request_state" in error.value.message
    assert error.value.data == {"reason": EXPIRED_STATE_REASON}


async def test_an_abandoned_question_expires_and_its_turn_is_cancelled() -> None:
    model = CountingPassthrough()
    with anyio.fail_after(60):
        async with serving(make_app(answer_timeout=1), model) as url, new_client(url) as client:
            first = await ask(client)
            [turn] = served_turns()  # parked: no request holds it
            started = time.monotonic()
            await asyncio.wait({turn}, timeout=30)
            assert turn.cancelled()
            assert time.monotonic() - started < 20
            assert served_turns() == []
            with pytest.raises(MCPError) as error:  # forgotten: the late retry is refused
                await retry(client, first.request_state)
            assert_expired(error)
    assert model.calls == 1  # the question's call; the late retry ran nothing


async def test_an_unknown_request_state_is_an_error_and_never_runs_the_turn_again() -> None:
    model = CountingPassthrough()
    with anyio.fail_after(60):
        async with serving(make_app(), model) as url, new_client(url) as client:
            first = await ask(client)
            assert model.calls == 1
            with pytest.raises(MCPError) as error:
                await retry(client, "no-such-state")
            assert_expired(error)
            assert "no-such-state" not in error.value.message  # a token is never echoed
            with pytest.raises(MCPError) as error:  # another tool's retry cannot take it
                await client.session.call_tool(
                    "other", {"message": "hi"}, request_state=first.request_state
                )
            assert error.value.code == types.INVALID_PARAMS
            assert error.value.message == (
                "tool 'other': this request_state answers a question of tool 'helper'; "
                "retry that tool with it"
            )
            assert model.calls == 1
            assert len(served_turns()) == 1  # the parked turn is untouched
            done = await retry(client, first.request_state)
            assert isinstance(done, types.CallToolResult)
            assert done.content[0].text == "blue"  # type: ignore[union-attr]
            assert model.calls == 2
            with pytest.raises(MCPError) as error:  # answered already: not a second turn
                await retry(client, first.request_state, "red")
            assert_expired(error)
    assert model.calls == 2


async def test_past_max_open_questions_the_oldest_turn_is_cancelled() -> None:
    model = CountingPassthrough()
    with anyio.fail_after(60):
        async with (
            serving(make_app(max_open_questions=2), model) as url,
            new_client(url) as one,
            new_client(url) as two,
            new_client(url) as three,
        ):
            oldest = await ask(one)
            [oldest_turn] = served_turns()
            second = await ask(two)
            third = await ask(three)  # one too many: the oldest is dropped
            await asyncio.wait({oldest_turn}, timeout=30)
            assert oldest_turn.cancelled()
            assert len(served_turns()) == 2
            with pytest.raises(MCPError) as error:
                await retry(one, oldest.request_state)
            assert_expired(error)
            for client, question in ((two, second), (three, third)):
                done = await retry(client, question.request_state)
                assert done.content[0].text == "blue"  # type: ignore[union-attr]
            assert served_turns() == []
    assert model.calls == 5  # three questions, two answers; the dropped turn never re-ran


class ObservedTurns(PendingTurns):
    """Records what the tool's cleanup had done when each call's handler returned."""

    def __init__(self, cleaned: list[str]) -> None:
        super().__init__()
        self.cleaned = cleaned
        self.at_return: list[list[str]] = []
        self.returned = anyio.Event()

    async def run_with_input(self, *args: Any) -> Any:
        try:
            return await super().run_with_input(*args)
        finally:
            self.at_return.append(list(self.cleaned))
            self.returned.set()


async def test_a_cancelled_call_returns_after_its_turn_has_cleaned_up() -> None:
    started = anyio.Event()
    cleaned: list[str] = []
    fast = FastAgent("cancel-test", settings=Settings(), argv=[], quiet=True)

    @fast.tool
    async def slow() -> str:
        """Works until cancelled."""
        started.set()
        try:
            await anyio.sleep_forever()
        finally:
            await anyio.lowlevel.checkpoint()  # cleanup that awaits, as closing things does
            cleaned.append("slow")
        return "unreachable"

    fast.agent("worker", "Works.", model="passthrough", tools=[slow])(lambda: None)
    turns = ObservedTurns(cleaned)
    with anyio.fail_after(60):
        async with fast.run() as app:
            server = stdio_server(fast, app, pending=turns)
            scope = anyio.CancelScope()

            async def call(client: Client) -> None:
                with scope:  # cancelling it sends notifications/cancelled
                    await client.call_tool("worker", {"message": "***CALL_TOOL slow {}"})

            async with Client(server) as client, anyio.create_task_group() as tg:
                tg.start_soon(call, client)
                await started.wait()
                scope.cancel()
                await turns.returned.wait()
            await turns.aclose()
    assert turns.at_return == [["slow"]]


class RecordedParking(PendingTurns):
    """Keeps the expiry timer of every question it parks."""

    def __init__(self) -> None:
        super().__init__(answer_timeout=600)  # far beyond the test: only an answer clears it
        self.timers: list[asyncio.TimerHandle] = []

    def _park(self, state: str, turn: Any) -> None:
        super()._park(state, turn)
        self.timers.append(turn.expiry)


async def test_an_answered_question_is_forgotten_at_once_not_at_its_timeout() -> None:
    fast = make_app()
    turns = RecordedParking()
    options = RunOptions(quiet=True, human_input=elicit_human_input)
    with anyio.fail_after(60):
        async with fast.run(options) as app:
            async with new_client(stdio_server(fast, app, pending=turns)) as client:
                first = await ask(client)
                assert turns.parked == 1
                [timer] = turns.timers
                assert not timer.cancelled()
                done = await retry(client, first.request_state)
                assert isinstance(done, types.CallToolResult)
                assert done.content[0].text == "blue"  # type: ignore[union-attr]
                assert turns.parked == 0  # removed on the answer, not left for its timeout
                assert timer.cancelled()
                with pytest.raises(MCPError) as error:
                    await retry(client, first.request_state, "red")
                assert_expired(error)
            await turns.aclose()
    assert turns.running == 0
