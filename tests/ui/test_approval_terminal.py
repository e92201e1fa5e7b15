"""Tool approval in a real terminal: ``fastagent go`` asks y / n / always under pexpect.

The screen is read through a terminal emulator: the question must stay intact, with no row
of the live progress display drawn over or after it, while it waits for the answer.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pexpect

from terminal_screen import PROGRESS_MARKS, Screen

from .test_chat_terminal import _NEW_PROMPT, _PROMPT, screen, spawn_go

FIXTURE = Path(__file__).resolve().parents[1] / "mcp" / "servers" / "fixture_server.py"


def call(message: str) -> str:
    return '***CALL_TOOL fixture__echo {"message": "' + message + '"}'


def test_ask_shows_the_call_and_takes_y_n_always(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "fastagent.yaml").write_text(
        "mcp:\n  servers:\n    fixture:\n"
        f"      command: {sys.executable}\n      args: [{str(FIXTURE)!r}]\n"
        "      approve: ask\n",
        encoding="utf-8",
    )
    child = spawn_go(
        tmp_path, project, "--model", "passthrough", "--servers", "fixture", timeout=40
    )
    terminal = Screen(child, rows=40, columns=120)
    try:
        child.expect_exact(_NEW_PROMPT)
        child.send(call("first") + "\r")
        child.expect_exact("Allow? [y]es / [n]o / [a]lways for this tool: ")
        question = screen(child.before)
        assert "agent wants to call fixture__echo with:" in question
        assert '"message": "first"' in question
        terminal.pump(2)  # the live display redraws 8 times a second while an agent is busy
        shown = terminal.from_row_with("agent wants to call fixture__echo with:")
        assert shown[0] == "agent wants to call fixture__echo with:", terminal.text()
        assert shown[-1] == "Allow? [y]es / [n]o / [a]lways for this tool:", terminal.text()
        assert '  "message": "first"' in shown, terminal.text()
        assert not any(mark in row for row in shown for mark in PROGRESS_MARKS), terminal.text()
        child.send("n\r")
        child.expect_exact("was denied: the user declined it")
        child.expect_exact(_PROMPT)

        child.send(call("second") + "\r")
        child.expect_exact("Allow? [y]es / [n]o / [a]lways for this tool: ")
        child.send("a\r")
        child.expect_exact("echo: second")
        child.expect_exact(_NEW_PROMPT)

        child.send(call("third") + "\r")  # always: not asked again
        index = child.expect_exact(["echo: third", "Allow?"])
        assert index == 0
        child.expect_exact(_NEW_PROMPT)
        child.send("/exit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)
