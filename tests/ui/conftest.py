"""Helpers for UI tests: echo agents on the passthrough model, chat sessions over them, and
a chat reader of scripted lines."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

from fastagent import FastAgent
from fastagent.agents import Agent
from fastagent.config import Settings
from fastagent.llm import AugmentedLLM
from fastagent.providers import create_provider
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.tools import ToolSet, tool
from fastagent.ui.session import ChatSession


def echo(name: str = "echo", *, instruction: str | None = None) -> Agent:
    return Agent(
        name, AugmentedLLM(create_provider("passthrough"), name=name), instruction=instruction
    )


def priced(name: str = "writer") -> Agent:
    """An echo agent whose provider reports a catalogued, priced model."""
    provider = PassthroughProvider("claude-sonnet-4-5")
    provider.name = "anthropic"
    return Agent(name, AugmentedLLM(provider, name=name), model="anthropic.claude-sonnet-4-5")


@tool
def shout(text: str) -> str:
    """Return TEXT in capitals."""
    return text.upper()


def with_tools(name: str = "helper") -> Agent:
    tools = ToolSet()
    tools.add(shout)
    return Agent(name, AugmentedLLM(create_provider("passthrough"), name=name, tools=tools))


class Recorder:
    """Collects what a session writes, errors and replies."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.errors: list[str] = []
        self.replies: list[tuple[str, str]] = []

    def session(self, *agents: Agent, current: str | None = None) -> ChatSession:
        return ChatSession(
            {a.name: a for a in agents},
            current or agents[0].name,
            write=self.lines.append,
            error=self.errors.append,
            show_reply=lambda agent, text: self.replies.append((agent, text)),
        )

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def quiet_settings(**logger: object) -> Settings:
    return Settings.model_validate({"logger": {"type": "none", **logger}})


def make_app(*argv: str, **values: Any) -> FastAgent:
    """A script FastAgent that ignores sys.argv (or reads `argv`), logging nowhere."""
    return FastAgent(
        "test",
        parse_cli_args=False,
        argv=list(argv) if argv else None,
        settings=Settings.model_validate(
            {"logger": {"type": "none"}, "sessions": {"enabled": False}, **values}
        ),
    )


def reader(lines: list[str]) -> Callable[[str], str]:
    """A chat `Reader` returning `lines` one by one, then end of input (`EOFError`)."""
    remaining: Iterator[str] = iter(lines)

    def read(prompt: str) -> str:
        try:
            return next(remaining)
        except StopIteration:
            raise EOFError from None

    return read
