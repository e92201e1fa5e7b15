"""Ctrl-C in the interactive chat, in a real pseudo-terminal (``fastagent go`` under pexpect).

Ctrl-C during a turn (here: a tool call blocked on a FIFO of a real MCP server) cancels that
turn alone: the chat says so, the conversation is as before the turn, the same server process
answers the next call. Ctrl-C twice at an empty prompt ends the chat.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest

from ..agents.test_signals import start_time
from .test_chat_terminal import answer, screen, spawn_go

SERVER = Path(__file__).parents[1] / "agents" / "servers" / "blocking_server.py"
NEW_PROMPT = "\x1b[?2004h"


@pytest.fixture
def state(tmp_path: Path) -> Path:
    directory = tmp_path / "state"
    directory.mkdir()
    return directory


@pytest.fixture
def chat(tmp_path: Path, state: Path) -> Iterator[pexpect.spawn]:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "fastagent.yaml").write_text(
        "mcp:\n  servers:\n    blocker:\n"
        f"      command: {sys.executable}\n"
        f"      args: [{str(SERVER)!r}, {str(state)!r}]\n"
    )
    child = spawn_go(
        tmp_path, project, "--model", "passthrough", "--servers", "blocker", timeout=60
    )
    try:
        yield child
    finally:
        child.close(force=True)


def wait_for(path: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not path.exists():
        assert time.monotonic() < deadline, f"{path} did not appear within {timeout}s"
        time.sleep(0.05)


def test_ctrl_c_cancels_the_turn_only(chat: pexpect.spawn, state: Path) -> None:
    chat.expect_exact(NEW_PROMPT)
    assert "agent ───" in answer(chat, "first message")
    first_pid = answer(chat, "***CALL_TOOL blocker__pid {}")
    assert "server pid" in first_pid
    server_pid = int(first_pid.split("server pid ")[-1].split()[0])

    chat.send("***CALL_TOOL blocker__block {}\r")
    wait_for(state / "started")
    started = time.monotonic()
    chat.sendintr()
    chat.expect_exact(NEW_PROMPT)
    assert time.monotonic() - started < 20
    shown = screen(chat.before)
    assert "cancelled; the conversation is as it was before this message" in shown
    assert "Traceback" not in shown
    chat.expect_exact("agent> ")

    # The server was not stopped: unblock its tool thread, then the same process answers.
    fifo = os.open(state / "fifo", os.O_WRONLY)
    os.write(fifo, b"done\n")
    os.close(fifo)
    assert f"server pid {server_pid}" in answer(chat, "***CALL_TOOL blocker__pid {}")

    # The cancelled turn left nothing in the conversation.
    history = answer(chat, "/history")
    assert "first message" in history
    assert "assistant: calls blocker__pid" in history
    assert "blocker__block" not in history

    chat.sendintr()  # at an empty prompt: a hint, the chat goes on
    chat.expect_exact(NEW_PROMPT)
    assert "press Ctrl-C again or Ctrl-D to exit" in screen(chat.before)
    chat.sendintr()  # the second one in a row ends the chat
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0


def test_ctrl_c_on_a_typed_line_drops_the_line_only(chat: pexpect.spawn) -> None:
    chat.expect_exact(NEW_PROMPT)
    chat.send("half typed")
    chat.sendintr()
    chat.expect_exact(NEW_PROMPT)
    chat.sendintr()  # the first Ctrl-C at an empty prompt: only a hint
    chat.expect_exact(NEW_PROMPT)
    assert "press Ctrl-C again or Ctrl-D to exit" in screen(chat.before)
    assert "agent ───" in answer(chat, "still chatting")  # any input disarms the exit
    chat.sendintr()
    chat.expect_exact(NEW_PROMPT)
    chat.sendcontrol("d")
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 0


def test_sigterm_during_a_chat_turn_ends_the_chat_with_143(
    chat: pexpect.spawn, state: Path
) -> None:
    chat.expect_exact(NEW_PROMPT)
    chat.send("***CALL_TOOL blocker__block {}\r")
    wait_for(state / "started")
    server_pid, helper_pid = map(int, (state / "started").read_text().split())
    run = {pid: start_time(pid) for pid in (server_pid, helper_pid)}
    assert None not in run.values()
    os.kill(chat.pid, signal.SIGTERM)
    chat.expect(pexpect.EOF)
    chat.close()
    assert chat.exitstatus == 143
    assert "Traceback" not in screen(chat.before)
    deadline = time.monotonic() + 5
    while (alive := [p for p, t in run.items() if start_time(p) == t]) and (
        time.monotonic() < deadline
    ):
        time.sleep(0.05)
    assert not alive, f"processes of the chat survived SIGTERM: {alive}"
