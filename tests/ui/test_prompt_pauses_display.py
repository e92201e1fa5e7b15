"""A prompt on the terminal pauses the live progress display (read from a real terminal).

The app runs under pexpect in a pseudo-terminal, its screen drawn by a terminal emulator
(tests/terminal_screen.py); an MCP server's tool elicits two fields while the live display
is up (an agent is busy in the tool call). The screen must show the question and the field
prompt intact, with no progress row drawn over or after them, for as long as the user takes.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pexpect

from terminal_screen import PROGRESS_MARKS, Screen

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


def test_elicitation_prompt_is_not_drawn_over(tmp_path: Path) -> None:
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
    child = pexpect.spawn(
        sys.executable,
        ["app.py"],
        cwd=str(project),
        env=env,
        encoding="utf-8",
        dimensions=(40, 120),
    )
    terminal = Screen(child, rows=40, columns=120)
    try:
        terminal.wait_for(lambda: "Name *:" in terminal.text(), "the first field's prompt", 90)
        # The live display redraws 8 times a second while an agent is busy; give it many
        # chances.
        terminal.pump(2)
        shown = [line for line in terminal.from_row_with("Who is booking?") if line.strip()]
        assert shown[-1] == "Name *:", terminal.text()
        assert not any(mark in line for line in shown for mark in PROGRESS_MARKS), terminal.text()

        child.send("Ada\r")
        terminal.wait_for(lambda: "Seats" in terminal.text(), "the second field's prompt")
        child.send("\r")
        terminal.wait_for(lambda: terminal.ended, "the end of the run", 90)
        final = terminal.text()
        assert "REPLY: accept: Ada x2" in final, final
        child.close()
        assert child.exitstatus == 0, final
    finally:
        child.close(force=True)
