"""Chat hints name slash commands, not Python APIs (a chat user never sees the code)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from fastagent import FastAgent
from fastagent.exceptions import UserError
from fastagent.ui.commands import parse_input, run_command

from .conftest import Recorder

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"command": sys.executable, "args": [str(ROOT / "examples" / "units_server.py")]}
FIXTURE = {
    "command": sys.executable,
    "args": [str(ROOT / "tests" / "mcp" / "servers" / "fixture_server.py"), "ok"],
}


async def _run(session: object, line: str) -> None:
    parsed = parse_input(line)
    await run_command(session, parsed)  # type: ignore[arg-type]


async def test_chat_hints_name_slash_commands(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    fast = FastAgent(
        "chat",
        parse_cli_args=False,
        overrides={"mcp": {"servers": {"units": UNITS, "fx": FIXTURE}}, "logger": {"type": "none"}},
    )
    fast.agent("helper", "Help.", servers=["units", "fx"], model="passthrough")
    async with fast.run() as app:
        rec = Recorder()
        session = rec.session(app["helper"])
        with pytest.raises(UserError) as unknown_prompt:
            await _run(session, "/prompt nothere")
        assert "offers prompt 'nothere'" in unknown_prompt.value.message
        assert unknown_prompt.value.hint is not None
        assert unknown_prompt.value.hint.startswith("type /prompts to list the prompts")
        with pytest.raises(UserError) as unknown_resource:
            await _run(session, "/attach file:///nothere")
        assert unknown_resource.value.hint == "type /resources to list the resources on offer"
        with pytest.raises(UserError) as bad_format:
            await _run(session, f"/save {tmp_path / 'chat.xyz'}")
        hint = bad_format.value.hint or ""
        assert hint.startswith("name the file with .json") and "/save chat.json" in hint
        for shown in (unknown_prompt.value, unknown_resource.value, bad_format.value):
            assert "agent." not in (shown.hint or "") and "format=" not in (shown.hint or "")
        # Following the hint works: /prompts runs, /save chat.json saves.
        await _run(session, "/prompts")
        await _run(session, f"/save {tmp_path / 'chat.json'}")
        assert (tmp_path / "chat.json").is_file()
