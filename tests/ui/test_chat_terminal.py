"""The interactive chat in a real pseudo-terminal: ``fastagent go`` under pexpect."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b[()][A-Za-z0-9]|\r")
_PROMPT = "agent> "
# prompt_toolkit turns bracketed paste on each time it starts reading a new line; the prompt
# text itself is redrawn while typing, so it cannot tell a new prompt from an old one.
_NEW_PROMPT = "\x1b[?2004h"


def screen(text: str) -> str:
    return _ANSI.sub("", text)


def spawn_go(
    tmp_path: Path, project: Path, *args: str, timeout: float = 30, columns: int = 120
) -> pexpect.spawn:
    """``fastagent go ARGS`` in `project`, in a 40-row pseudo-terminal of `columns` columns.

    Its home, data and config folders are under `tmp_path`; nothing else of the host's
    environment but a minimal PATH reaches it.
    """
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color",
        # pexpect does not answer cursor-position requests; don't wait for the answer
        "PROMPT_TOOLKIT_NO_CPR": "1",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    return pexpect.spawn(
        sys.executable,
        ["-m", "fastagent", "go", *args],
        cwd=str(project),
        env=env,
        encoding="utf-8",
        timeout=timeout,
        dimensions=(40, columns),
    )


@pytest.fixture
def chat(tmp_path: Path) -> Iterator[pexpect.spawn]:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    child = spawn_go(tmp_path, project, "--model", "passthrough", columns=100)
    try:
        yield child
    finally:
        child.close(force=True)


def answer(child: pexpect.spawn, line: str) -> str:
    """Type `line`, press Enter, and return the screen text up to the next prompt."""
    child.send(line + "\r")
    child.expect_exact(_NEW_PROMPT)
    before = screen(child.before)
    child.expect_exact(_PROMPT)
    return before


def test_chat_commands_and_exit_in_a_real_terminal(chat: pexpect.spawn, tmp_path: Path) -> None:
    chat.expect_exact(_NEW_PROMPT)
    assert "fastagent chat with agent [passthrough]" in screen(chat.before)

    reply = answer(chat, "hello **world**")
    assert "agent ───" in reply  # the reply's header rule
    assert "hello world" in reply  # rendered markdown: the stars are gone
    assert "**" not in reply.split("agent ───")[-1]

    multi = answer(chat, "line one\x1b\rline two")  # Alt-Enter (Esc, Enter) adds a line
    assert "line one" in multi.split("agent ───")[-1]
    assert "line two" in multi.split("agent ───")[-1]

    assert "* agent  [passthrough]  You are a helpful AI agent." in answer(chat, "/agents")

    usage = answer(chat, "/usage")
    assert "Usage" in usage
    row = next(line for line in usage.splitlines() if line.startswith("agent │"))
    assert [cell.strip() for cell in row.split("│")[1:3]] == ["passthrough", "2"]  # two calls

    chat.send("/exit\r")
    chat.expect(pexpect.EOF)
    assert "total" in screen(chat.before)  # the summary is printed on the way out
    chat.close()
    assert chat.exitstatus == 0
    history = (tmp_path / "data" / "fastagent" / "history").read_text(encoding="utf-8")
    assert "+hello **world**" in history and "+/agents" in history


def test_ctrl_d_leaves_and_errors_keep_the_chat_going(chat: pexpect.spawn) -> None:
    chat.expect_exact(_NEW_PROMPT)
    failed = answer(chat, "***RAISE RateLimitError slow down")
    assert "error: slow down" in failed
    assert "hint: " in failed
    assert "agent ───" in answer(chat, "still here")
    chat.sendcontrol("d")
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0
