"""``fastagent batch`` in a real pseudo-terminal: a progress bar that leaves a clean screen.

The batch runs under pexpect; everything it wrote to the terminal is replayed into a terminal
emulator (pyte) to read the final screen: the bar was drawn while rows ran, then removed;
the screen holds the notes (above where the bar was) and the summary line, and the output
file holds only JSON lines.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pexpect
import pyte
import pytest

from durable.scripted_openai import ScriptedOpenAI

pytest.importorskip("dbos", reason="the durable extra is not installed")

APP = Path(__file__).with_name("batch_app.py")
_ROWS = 120
_COLUMNS, _LINES = 120, 30


def _run(folder: Path) -> tuple[int, str]:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(folder / "home"),
        "TERM": "xterm-256color",
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    child = pexpect.spawn(
        sys.executable,
        ["-m", "fastagent", "batch", str(APP), "rows.jsonl", "-o", "out.jsonl"],
        cwd=str(folder),
        env=env,
        encoding="utf-8",
        timeout=240,
        dimensions=(_LINES, _COLUMNS),
    )
    try:
        child.expect(pexpect.EOF)
        output = child.before or ""
    finally:
        child.close(force=True)
    return child.exitstatus or 0, output


def _screen(raw: str) -> list[str]:
    screen = pyte.Screen(_COLUMNS, _LINES)
    pyte.Stream(screen).feed(raw.replace("\n", "\r\n").replace("\r\r\n", "\r\n"))
    return [line.rstrip() for line in screen.display if line.strip()]


def test_the_bar_is_drawn_then_removed_leaving_the_summary(tmp_path: Path) -> None:
    with ScriptedOpenAI() as server:
        tmp_path.joinpath("fastagent.yaml").write_text(
            "default_model: generic.test-model\n"
            f"generic:\n  base_url: {server.base_url}\n  api_key: test-key\n"
        )
        rows = [json.dumps({"id": i, "prompt": f"row {i}"}) for i in range(_ROWS)]
        tmp_path.joinpath("rows.jsonl").write_text("\n".join(rows) + "\n")

        code, raw = _run(tmp_path)
        assert code == 0, raw[-3000:]
        assert "━" in raw and "in flight" in raw  # the bar was drawn
        final = _screen(raw)
        assert len(final) == 1, final
        assert final[0].startswith(f"batch: {_ROWS}/{_ROWS} rows in ")
        assert f" · {_ROWS} done · 0 failed · 0 in flight · " in final[0]
        out = tmp_path.joinpath("out.jsonl").read_text().splitlines()
        assert [json.loads(line)["text"] for line in out] == [
            f"echo: row {i}" for i in range(_ROWS)
        ]

        # A re-run: its note is printed above the bar and stays; the bar goes.
        code, raw = _run(tmp_path)
        assert code == 0, raw[-3000:]
        final = _screen(raw)
        assert final[0] == f"batch: {_ROWS} of {_ROWS} rows already done"
        assert final[1].startswith(f"batch: {_ROWS}/{_ROWS} rows in ")
        assert len(final) == 2, final
        assert server.requests == _ROWS
