"""Real scripts in subprocesses: CLI flags of any script, the examples, the setup template."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from fastagent.agents.model_choice import FALLBACK_NOTICE
from fastagent.cli.commands.setup import scaffold

from ..conftest import without_progress

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

SCRIPT = textwrap.dedent(
    """
    import asyncio
    from fastagent import FastAgent

    fast = FastAgent("script")

    @fast.tool
    def shout(text: str) -> str:
        return text.upper()

    @fast.agent("first", "First.", tools=[shout])
    @fast.agent("second", "Second.", model="passthrough.second")
    async def main() -> None:
        async with fast.run() as app:
            print("body ran:", await app.send("from body"), app.default.model)

    if __name__ == "__main__":
        asyncio.run(main())
    """
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / ".git").mkdir()  # stops the config search here
    return directory


def run(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FASTAGENT_") and not k.endswith("_API_KEY")
    }
    env["HOME"] = str(cwd)
    return subprocess.run(
        [sys.executable, *argv],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_script_body_runs_without_flags(project: Path) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = run(["agent.py"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "body ran: from body passthrough\n"
    assert without_progress(result.stderr) == FALLBACK_NOTICE + "\n"


def test_message_agent_model_and_quiet_flags(project: Path) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = run(
        ["agent.py", "--agent", "first", "--message", '***CALL_TOOL shout {"text": "hey"}'],
        project,
    )
    assert (result.returncode, result.stdout) == (0, "HEY\n"), result.stderr
    assert FALLBACK_NOTICE in result.stderr
    quiet = run(["agent.py", "--agent", "second", "--message", "hi", "--quiet"], project)
    assert (quiet.returncode, quiet.stdout, without_progress(quiet.stderr)) == (0, "hi\n", "")
    # --model wins over every agent's own model, so nothing falls back
    forced = run(["agent.py", "--model", "passthrough.cli", "--message", "x"], project)
    assert (forced.returncode, forced.stdout, without_progress(forced.stderr)) == (0, "x\n", "")


def test_unknown_agent_flag_is_a_clean_error(project: Path) -> None:
    (project / "agent.py").write_text(SCRIPT, encoding="utf-8")
    result = run(["agent.py", "--agent", "thrid", "--message", "hi", "--quiet"], project)
    assert result.returncode == 1
    assert result.stdout == ""
    assert "error: invalid agent graph (1 problem(s)):" in result.stderr
    assert "--agent 'thrid' names no agent (agents: first, second)" in result.stderr
    assert "Traceback" not in result.stderr


def test_hello_example(project: Path) -> None:
    result = run([str(EXAMPLES / "hello.py"), "--message", "Hi there", "--quiet"], project)
    assert (result.returncode, result.stdout, without_progress(result.stderr)) == (
        0,
        "Hi there\n",
        "",
    )


def test_hello_example_chats_over_stdin(project: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "hello.py"), "--quiet"],
        cwd=project,
        input="first\nsecond\n/exit\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert (result.returncode, result.stdout) == (0, "first\nsecond\n"), result.stderr


def test_tools_example_runs_offline(project: Path) -> None:
    result = run([str(EXAMPLES / "tools.py")], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Sunny and 22°C in Paris\n71.6\nmodel calls: 4\n"
    call = '***CALL_TOOL get_weather {"city": "Oslo"}'
    one_shot = run([str(EXAMPLES / "tools.py"), "--message", call], project)
    assert (one_shot.returncode, one_shot.stdout) == (0, "Sunny and 22°C in Oslo\n")


def test_setup_template_runs(project: Path) -> None:
    scaffold(project)
    result = run(["agent.py"], project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Hello from fastagent!\n"
