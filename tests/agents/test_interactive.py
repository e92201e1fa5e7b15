from __future__ import annotations

from collections.abc import Callable, Iterator

from fastagent.agents import Agent
from fastagent.agents.interactive import chat_loop
from fastagent.llm import AugmentedLLM
from fastagent.providers import create_provider

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
