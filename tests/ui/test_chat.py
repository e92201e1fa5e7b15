from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from fastagent.agents import Agent
from fastagent.agents.base import BaseAgent
from fastagent.exceptions import UnknownAgentError
from fastagent.llm import AugmentedLLM
from fastagent.llm.augmented import MessageInput
from fastagent.llm.params import RequestParams
from fastagent.messages import Message
from fastagent.providers import create_provider
from fastagent.ui.chat import chat_loop

from ..conftest import without_progress
from .conftest import make_app


def reader(lines: list[str]) -> Callable[[str], str]:
    remaining: Iterator[str] = iter(lines)

    def read(prompt: str) -> str:
        assert prompt == ""  # stdin is not a terminal under pytest
        try:
            return next(remaining)
        except StopIteration:
            raise EOFError from None

    return read


def echo() -> Agent:
    return Agent("echo", AugmentedLLM(create_provider("passthrough")))


async def test_sends_each_line_until_end_of_input_skipping_blank_lines() -> None:
    out: list[str] = []
    sent = await chat_loop(echo(), read=reader(["one", "  ", "two"]), write=out.append)
    assert sent == 2
    assert out == ["one", "two"]


async def test_exit_command_ends_the_loop() -> None:
    out: list[str] = []
    sent = await chat_loop(echo(), read=reader(["one", "/exit", "never"]), write=out.append)
    assert (sent, out) == (1, ["one"])


async def test_failures_are_reported_and_the_loop_goes_on() -> None:
    out: list[str] = []
    errors: list[str] = []
    agent = echo()
    sent = await chat_loop(
        agent,
        read=reader(["***RAISE ProviderServerError down", "after"]),
        write=out.append,
        error=errors.append,
    )
    assert sent == 1 and out == ["after"]
    assert errors[0].startswith("error: down\nhint: raised on purpose")
    assert len(agent.history) == 2


async def test_app_interactive_talks_to_the_named_agent() -> None:
    fast = make_app()
    fast.agent("a")
    fast.agent("b")
    out: list[str] = []
    async with fast.run() as app:
        assert await app.interactive("b", read=reader(["hi"]), write=out.append) == 1
        assert out == ["hi"]
        assert app.a.history == [] and len(app.b.history) == 2


async def test_slash_commands_work_in_the_plain_loop() -> None:
    out: list[str] = []
    agent = echo()
    sent = await chat_loop(
        agent, read=reader(["hello", "/model", "/agents", "/clear", "/history"]), write=out.append
    )
    assert sent == 1
    assert out == [
        "hello",
        "echo: passthrough",
        "* echo  [passthrough]",
        "cleared the conversation of echo",
        "echo has no conversation yet",
    ]


async def test_command_errors_are_reported_and_the_loop_goes_on() -> None:
    out: list[str] = []
    errors: list[str] = []
    sent = await chat_loop(
        echo(),
        read=reader(["/nope", "/prompts", "still here"]),
        write=out.append,
        error=errors.append,
    )
    assert (sent, out) == (1, ["still here"])
    assert errors == [
        "error: unknown command /nope\nhint: type /help to list the commands",
        "error: agent 'echo' has no MCP servers, so it cannot list prompts\n"
        "hint: leave with /exit and start the chat with servers: fastagent go --servers NAME "
        "(from mcp.servers; or --url, --npx, --uvx); a script declares them with servers=[...]",
    ]


class Broken(BaseAgent):
    name = "broken"
    model = "none"

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        raise ValueError("boom")


async def test_unexpected_failures_are_reported_too() -> None:
    errors: list[str] = []
    sent = await chat_loop(Broken(), read=reader(["hi"]), write=print, error=errors.append)
    assert sent == 0 and errors == ["error: unexpected ValueError: boom"]


async def test_async_reader_and_ctrl_c_at_the_prompt() -> None:
    lines = iter(["one", KeyboardInterrupt(), "two"])

    async def read(prompt: str) -> str:
        item = next(lines, None)
        if item is None:
            raise EOFError
        if isinstance(item, BaseException):
            raise item
        return item

    out: list[str] = []
    assert await chat_loop(echo(), read=read, write=out.append) == 2
    assert out == ["one", "two"]


async def test_at_agent_sends_without_switching_and_bare_at_switches(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = make_app(default_model="passthrough")
    fast.agent("a")
    fast.agent("b")
    out: list[str] = []
    async with fast.run() as app:
        lines = ["@b to b", "to a", "@c nobody", "@b", "now b", "/agent a", "/usage"]
        assert await app.interactive(read=reader(lines), write=out.append) == 3
        assert [m.text for m in app.a.history] == ["to a", "to a"]
        assert [m.text for m in app.b.history] == ["to b", "to b", "now b", "now b"]
    assert out[:4] == ["to b", "to a", "talking to b [passthrough]", "now b"]
    assert out[4] == "talking to a [passthrough]"
    table = out[5].splitlines()
    assert [line.split()[:3] for line in table[2:4]] == [
        ["a", "passthrough", "1"],
        ["b", "passthrough", "2"],
    ]
    assert without_progress(capsys.readouterr().err) == (
        "error: unknown agent 'c' (agents: a, b)\nhint: type /agents to list them\n"
    )


async def test_interactive_rejects_an_unknown_start_agent() -> None:
    fast = make_app()
    fast.agent("a")
    async with fast.run() as app:
        with pytest.raises(UnknownAgentError):
            await app.interactive("zz", read=reader([]))
