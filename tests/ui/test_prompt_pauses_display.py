"""A prompt on the terminal pauses the live progress display (read from a real terminal).

The app runs in a tmux pane; an MCP server's tool elicits two fields while the live display
is up (an agent is busy in the tool call). The screen must show the question and the field
prompt intact, with no progress row drawn over or after them, for as long as the user takes.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="needs tmux")

SERVER = """\
from pydantic import BaseModel
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("asker")


class Booking(BaseModel):
    name: str
    seats: int = 2


@server.tool()
async def book(ctx: Context) -> str:
    \"\"\"Ask who books, then confirm.\"\"\"
    result = await ctx.elicit("Who is booking?", Booking)
    data = getattr(result, "data", None)
    return f"{result.action}: {data.name} x{data.seats}" if data else result.action


server.run()
"""

APP = """\
import asyncio
import sys

from fastagent import FastAgent

asker = {"command": sys.executable, "args": ["server.py"], "elicitation": {"mode": "prompt"}}
fast = FastAgent("ask", overrides={"mcp": {"servers": {"asker": asker}}})
fast.agent("helper", "Help.", servers=["asker"], model="passthrough")


async def main() -> None:
    async with fast.run() as app:
        print("REPLY:", await app.send("***CALL_TOOL asker__book {}"))


asyncio.run(main())
"""

_PROGRESS_MARKS = ("tokens", "calling tools", "thinking", "step ")


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Run ``tmux -L <private socket> ARGS``; the private server is killed afterwards."""
    socket = f"fastagent-test-{uuid.uuid4().hex[:8]}"

    def run(*args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", socket, *args], capture_output=True, text=True, timeout=30, check=True
        )
        return done.stdout

    try:
        yield run
    finally:
        subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=30)


def _wait_for(screen: Callable[[], str], text: str, *, seconds: float = 90) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.2)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{screen()}")


def test_elicitation_prompt_is_not_drawn_over(tmp_path: Path, tmux: Callable[..., str]) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "server.py").write_text(SERVER, encoding="utf-8")
    (project / "app.py").write_text(APP, encoding="utf-8")
    env = {
        "HOME": str(tmp_path),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
    }
    command = (
        f"cd {shlex.quote(str(project))} && env -i "
        + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
        + f" {shlex.quote(sys.executable)} app.py; echo EXIT=$?; sleep 600"
    )
    tmux("new-session", "-d", "-s", "app", "-x", "120", "-y", "40", command)

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "app")

    _wait_for(screen, "Who is booking?")
    _wait_for(screen, "Name *:")
    # The live display redraws 8 times a second while an agent is busy; give it many chances.
    time.sleep(2)
    shown = [line for line in screen().splitlines() if line.strip()]
    question = next(i for i, line in enumerate(shown) if "Who is booking?" in line)
    after = shown[question:]
    assert after[-1].rstrip() == "Name *:", "\n".join(shown)
    assert not any(mark in line for line in after for mark in _PROGRESS_MARKS), "\n".join(shown)

    tmux("send-keys", "-t", "app", "Ada", "Enter")
    _wait_for(screen, "Seats")
    tmux("send-keys", "-t", "app", "", "Enter")
    final = _wait_for(screen, "EXIT=")
    assert "REPLY: accept: Ada x2" in final, final
    assert "EXIT=0" in final, final
