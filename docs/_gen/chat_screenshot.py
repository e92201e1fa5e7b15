"""Take a screenshot of a real ``fastagent go`` chat for the docs (assets/generated/chat.svg).

Run by the mkdocs ``gen-files`` plugin. The chat runs in a pseudo-terminal (pexpect) on the
offline ``passthrough`` model, in a temporary project whose fastagent.yaml declares the npm
``server-everything`` MCP server (installed by ``scripts/env.sh``), so the picture shows a
tool call with its progress lines. The output goes through a VT100 emulator (pyte); the
final screen, colours included, is drawn as SVG by rich. Nothing is staged: what the picture
shows is what the current code prints.
"""

from __future__ import annotations

import io
import os
import sys
import tempfile
from pathlib import Path

import mkdocs_gen_files
import pexpect
import pyte
from rich.console import Console
from rich.style import Style
from rich.text import Text

ROOT = Path(__file__).resolve().parents[2]
COLUMNS, ROWS = 96, 34
# prompt_toolkit turns bracketed paste on each time it starts reading a line.
NEW_PROMPT = "\x1b[?2004h"
EVERYTHING = ROOT / "node_modules" / ".bin" / "mcp-server-everything"
CONFIG = f"""\
mcp:
  servers:
    everything:
      command: {EVERYTHING}
      args: [stdio]
"""
LINES = [
    "hello **world**, what can you do?",
    '***CALL_TOOL everything__echo {"message": "hi from an MCP server"}',
    "/usage",
]
COLOURS = {"default": None, "brown": "yellow"}


def record() -> str:
    """Run the chat and return everything it wrote to the terminal."""
    if not EVERYTHING.exists():
        raise SystemExit(f"docs: {EVERYTHING} is missing; run `npm ci` (scripts/env.sh does)")
    with tempfile.TemporaryDirectory() as tmp:
        project = Path(tmp) / "project"
        (project / ".git").mkdir(parents=True)
        (project / "fastagent.yaml").write_text(CONFIG, encoding="utf-8")
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": tmp,
            "XDG_DATA_HOME": tmp,
            "XDG_CONFIG_HOME": tmp,
            "TERM": "xterm-256color",
            "PROMPT_TOOLKIT_NO_CPR": "1",
            "PYTHONPATH": str(ROOT / "src"),
        }
        child = pexpect.spawn(
            sys.executable,
            ["-m", "fastagent", "go", "--model", "passthrough", "--servers", "everything"],
            cwd=str(project),
            env=env,
            encoding="utf-8",
            timeout=60,
            dimensions=(ROWS, COLUMNS),
        )
        output: list[str] = []
        try:
            child.expect_exact(NEW_PROMPT)
            output.append(child.before + NEW_PROMPT)
            for line in LINES:
                child.send(line + "\r")
                child.expect_exact(NEW_PROMPT)
                output.append(child.before + NEW_PROMPT)
            child.expect_exact("> ")
            output.append(child.before + "> ")
            # leave the way a user does, so the chat stops its MCP server itself
            child.send("/exit\r")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        return "".join(output)


def colour(name: str) -> str | None:
    """A pyte colour name or hex as a rich colour."""
    if name in COLOURS:
        return COLOURS[name]
    if len(name) == 6 and all(c in "0123456789abcdefABCDEF" for c in name):
        return f"#{name}"
    return name


def style_of(key: tuple[str, str, bool, bool, bool, bool] | None) -> Style:
    """The rich style of a run of cells with pyte's (fg, bg, bold, italics, underscore, reverse)."""
    if key is None:
        return Style()
    fg, bg, bold, italics, underscore, reverse = key
    return Style(
        color=colour(fg),
        bgcolor=colour(bg),
        bold=bold,
        italic=italics,
        underline=underscore,
        reverse=reverse,
    )


def screenshot(raw: str) -> str:
    """The terminal screen after ``raw``, as an SVG drawn by rich."""
    screen = pyte.Screen(COLUMNS, ROWS)
    stream = pyte.Stream(screen)
    stream.feed(raw)
    text = Text()
    last = max(
        (y for y in range(ROWS) if "".join(c.data for c in screen.buffer[y].values()).strip()),
        default=0,
    )
    for y in range(last + 1):
        row = screen.buffer[y]
        run, run_key = "", None
        for x in range(COLUMNS):
            char = row[x]
            key = (char.fg, char.bg, char.bold, char.italics, char.underscore, char.reverse)
            if key != run_key and run:
                text.append(run, style_of(run_key))
                run = ""
            run, run_key = run + char.data, key
        text.append(run.rstrip(), style_of(run_key))
        text.append("\n")
    console = Console(record=True, width=COLUMNS, file=io.StringIO())
    console.print(text, end="", crop=True, overflow="crop", no_wrap=True)
    return console.export_svg(title="fastagent go --model passthrough --servers everything")


with mkdocs_gen_files.open("assets/generated/chat.svg", "w") as out:
    out.write(screenshot(record()))
