"""``human_input`` in a real terminal: ``fastagent go`` shows the question and takes the answer.

The screen is read through a terminal emulator: the question must stay intact, with no row
of the live progress display drawn over or after it, while it waits for the answer.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pexpect

from terminal_screen import Screen

from .test_chat_terminal import _NEW_PROMPT, spawn_go

ASK = '***CALL_TOOL human_input {"question": "Which color?"}'
CONFIG = "agents:\n  helper:\n    model: passthrough\n    human_input: true\n"


def test_the_question_is_asked_on_the_terminal(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "fastagent.yaml").write_text(CONFIG, encoding="utf-8")
    child = spawn_go(tmp_path, project, "--agent", "helper", timeout=40)
    terminal = Screen(child, rows=40, columns=120)
    try:
        child.expect_exact(_NEW_PROMPT)
        child.send(ASK + "\r")
        child.expect_exact("helper asks: Which color?")
        child.expect_exact("your answer: ")
        terminal.pump(2)  # the live display redraws 8 times a second while an agent is busy
        shown = terminal.from_row_with("helper asks: Which color?")
        assert shown == ["helper asks: Which color?", "your answer:"], terminal.text()
        child.send("deep blue\r")
        child.expect_exact("deep blue")
        child.expect_exact(_NEW_PROMPT)
        child.send("/exit\r")
        child.expect(pexpect.EOF)
    finally:
        child.close(force=True)


def test_without_a_terminal_the_model_reads_why(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "fastagent.yaml").write_text(CONFIG, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "fastagent", "go", "--agent", "helper", "-m", ASK, "-q"],
        cwd=project,
        env={
            "PATH": "/usr/bin:/bin",
            "HOME": str(tmp_path),
            "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
        },
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (
        0,
        "the user could not be asked: standard input is not a terminal\n",
    ), result.stderr
