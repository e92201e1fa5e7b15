"""The hostile stdio server under the whole app: from the API (`fast.run()`) and the CLI.

What a user sees: the model gets an error result naming server, tool and timeout; garbage on
stdout is one warning line without a traceback; a detached, SIGTERM-proof helper the server
started is gone when the run ends (checked by pid and start time).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from fastagent.agents import FastAgent
from fastagent.config import Settings
from fastagent.mcp.reaper import ProcessId

pytestmark = pytest.mark.e2e

HOSTILE = Path(__file__).parent / "servers" / "hostile_stdio.py"


def helper_of(pidfile: Path) -> ProcessId:
    pid, start = pidfile.read_text().split()
    return ProcessId(int(pid), int(start))


def app_with(server: dict[str, Any]) -> FastAgent:
    settings = Settings.model_validate(
        {"logger": {"type": "none"}, "mcp": {"servers": {"hostile": server}}}
    )
    fast = FastAgent("hostile-test", quiet=True, settings=settings)
    fast.agent("agent", servers=["hostile"], model="passthrough")
    return fast


async def test_api_run_gives_the_model_a_timeout_result_and_leaves_no_helper(
    tmp_path: Path,
) -> None:
    pidfile = tmp_path / "helper.pid"
    fast = app_with(
        {
            "command": sys.executable,
            "args": [str(HOSTILE), "--detached", str(pidfile)],
            "tool_timeout": 0.5,
        }
    )
    started = time.monotonic()
    async with fast.run() as app:
        helper = helper_of(pidfile)
        assert helper.alive()
        reply = await app.agent.send("***CALL_TOOL hostile__never {}")
        echoed = await app.agent.send('***CALL_TOOL hostile__echo {"message": "still up"}')
    assert time.monotonic() - started < 30
    assert "tool 'never' on MCP server 'hostile' timed out after 0.5s" in reply
    assert echoed == "echo: still up"
    assert not helper.alive(), f"detached helper {helper} survived fast.run()"


def _cli(project: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FASTAGENT_")}
    env.update(HOME=str(project), XDG_CONFIG_HOME=str(project / ".config"), COLUMNS="200")
    return subprocess.run(
        [sys.executable, "-m", "fastagent", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / ".git").mkdir()
    return directory


def _configure(project: Path, *flags: str) -> None:
    server = {"command": sys.executable, "args": [str(HOSTILE), *flags]}
    config = {"mcp": {"servers": {"hostile": server}}}
    (project / "fastagent.yaml").write_text(json.dumps(config), encoding="utf-8")


def test_cli_go_leaves_no_detached_helper(project: Path) -> None:
    pidfile = project / "helper.pid"
    _configure(project, "--detached", str(pidfile))
    message = '***CALL_TOOL hostile__echo {"message": "hi"}'
    result = _cli(project, "go", "--model", "passthrough", "--servers", "hostile", "-m", message)
    assert (result.returncode, result.stdout) == (0, "echo: hi\n"), result.stderr
    helper = helper_of(pidfile)
    assert not helper.alive(), f"detached helper {helper} survived `fastagent go`"


def test_cli_garbage_on_stdout_is_one_line_without_traceback(project: Path) -> None:
    _configure(project)
    message = '***CALL_TOOL hostile__garbage {"lines": 300}'
    result = _cli(project, "go", "--model", "passthrough", "--servers", "hostile", "-m", message)
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if "Failed to parse" in line]
    assert lines == [
        "warning fastagent.mcp.sdk: MCP server 'hostile': Failed to parse JSONRPC message "
        "from server (ValidationError: Invalid JSON: expected value at line 1 column 1)"
    ], result.stderr


def test_cli_progress_flood_for_an_unknown_token_prints_nothing(project: Path) -> None:
    _configure(project)
    message = '***CALL_TOOL hostile__progress_flood {"n": 10000}'
    result = _cli(project, "go", "--model", "passthrough", "--servers", "hostile", "-m", message)
    assert (result.returncode, result.stdout) == (0, "ok\n"), result.stderr
    assert " progress " not in result.stderr
    assert len(result.stderr.splitlines()) < 10, result.stderr
