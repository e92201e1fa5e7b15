from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import FileHistory, InMemoryHistory
from prompt_toolkit.input import PipeInput, create_pipe_input
from prompt_toolkit.output import DummyOutput

from fastagent.ui.prompt import ChatCompleter, PromptReader, history_path
from fastagent.ui.session import ChatSession

from .conftest import Recorder, echo, priced


@pytest.fixture
def pipe() -> Iterator[PipeInput]:
    with create_pipe_input() as pipe_input:
        yield pipe_input


def reader_for(
    session: ChatSession, pipe: PipeInput, history: InMemoryHistory | None = None
) -> PromptReader:
    return PromptReader(
        session, history=history or InMemoryHistory(), input=pipe, output=DummyOutput()
    )


async def test_enter_sends_and_alt_enter_adds_a_line(pipe: PipeInput) -> None:
    reader = reader_for(Recorder().session(echo()), pipe)
    pipe.send_text("hello\r")
    assert await reader.read("echo> ") == "hello"
    pipe.send_text("line one\x1b\rline two\r")  # Alt-Enter arrives as Esc, Enter
    assert await reader.read("echo> ") == "line one\nline two"


async def test_ctrl_d_is_end_of_input_and_ctrl_c_interrupts(pipe: PipeInput) -> None:
    reader = reader_for(Recorder().session(echo()), pipe)
    pipe.send_text("\x04")
    with pytest.raises(EOFError):
        await reader.read("echo> ")
    pipe.send_text("abc\x03")
    with pytest.raises(KeyboardInterrupt):
        await reader.read("echo> ")


async def test_lines_are_kept_in_the_history(pipe: PipeInput, tmp_path: Path) -> None:
    history = FileHistory(str(tmp_path / "history"))
    reader = PromptReader(
        Recorder().session(echo()), history=history, input=pipe, output=DummyOutput()
    )
    pipe.send_text("remember me\r")
    await reader.read("> ")
    pipe.send_text("\x1b[A\r")  # Up recalls the previous line
    assert await reader.read("> ") == "remember me"
    assert "+remember me" in (tmp_path / "history").read_text(encoding="utf-8")


def test_history_path_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert history_path() == tmp_path / "fastagent" / "history"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert history_path() == tmp_path / "home" / ".local" / "share" / "fastagent" / "history"


def completions(session: ChatSession, text: str) -> list[str]:
    completer = ChatCompleter(session)
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


def test_completion_of_commands_agents_and_paths(tmp_path: Path) -> None:
    session = Recorder().session(echo("alpha"), priced("albert"), echo("beta"))
    assert completions(session, "/a") == ["/agents", "/agent", "/attach"]
    assert completions(session, "/HIS") == ["/history"]
    assert completions(session, "@al") == ["@alpha", "@albert"]
    assert completions(session, "/agent b") == ["beta"]
    assert completions(session, "hello /a") == []
    (tmp_path / "chat.json").write_text("[]", encoding="utf-8")
    assert completions(session, f"/load {tmp_path}/ch") == ["at.json"]
