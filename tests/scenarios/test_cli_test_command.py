"""``fastagent test`` in a subprocess: output, exit codes, transcripts, and the examples."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from fastagent.history import load_history

from .conftest import WriteScenario

REPO = Path(__file__).resolve().parents[2]

REPLY = "turns: [{text: Hello there}]\ninputs: [hi]\n"
PASSING = f"name: greets\n{REPLY}expect: {{final_text_contains: Hello}}\n"
FAILING = f"name: says bye\n{REPLY}expect: {{final_text_contains: Bye}}\n"


def fastagent(*args: str, cwd: Path, home: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FASTAGENT_")}
    env.update(NO_COLOR="1", COLUMNS="200", HOME=str(home or cwd))
    return subprocess.run(
        [sys.executable, "-m", "fastagent", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_all_passing_exits_0(write_scenario: WriteScenario, tmp_path: Path) -> None:
    write_scenario(PASSING, "suite/a.yaml")
    result = fastagent("test", "suite", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("PASS  greets  (")
    assert lines[0].endswith(f"s)  {Path('suite/a.yaml')}")
    assert lines[-1] == "1 passed, 0 failed"
    assert result.stderr == ""


def test_failures_and_errors_exit_1_with_details(
    write_scenario: WriteScenario, tmp_path: Path
) -> None:
    write_scenario(PASSING, "suite/a.yaml")
    write_scenario(FAILING, "suite/b.yaml")
    write_scenario("turns: []\ninputs: [hi]\nexpct: {}\n", "suite/c.yaml")
    write_scenario("default_model: sonnet\n", "suite/fastagent.yaml")
    result = fastagent("test", "suite", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith("PASS  greets")
    assert lines[1].startswith("FAIL  says bye")
    assert lines[2] == "      - expected the final reply to contain 'Bye'; it was 'Hello there'"
    assert lines[3] == f"ERROR {Path('suite/c.yaml')}"
    assert lines[4] == (
        f"      error: {Path('suite/c.yaml')}: line 3: unknown key 'expct' (did you mean 'expect'?)"
    )
    assert lines[5] == "      hint: fix the keys named above (a misspelt key gets a did-you-mean)"
    assert lines[-1] == "1 passed, 2 failed"


def test_exitfirst_and_quiet(write_scenario: WriteScenario, tmp_path: Path) -> None:
    write_scenario(FAILING, "suite/a.yaml")
    write_scenario(PASSING, "suite/b.yaml")
    result = fastagent("test", "suite", "-x", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stdout.splitlines()[-1] == "0 passed, 1 failed"
    quiet = fastagent("test", "suite", "--quiet", cwd=tmp_path)
    assert [line[:4] for line in quiet.stdout.splitlines()] == ["FAIL", "    ", "1 pa"]


def test_save_transcripts(write_scenario: WriteScenario, tmp_path: Path) -> None:
    write_scenario(PASSING, "one/greet.yaml")
    write_scenario(FAILING, "two/greet.yaml")
    result = fastagent("test", "one", "two", "--save-transcripts", "runs", cwd=tmp_path)
    assert result.returncode == 1
    first = load_history(tmp_path / "runs" / "greet.json")
    second = load_history(tmp_path / "runs" / "greet_2.json")
    assert [m.role for m in first] == ["user", "assistant"]
    assert first[1].text == second[1].text == "Hello there"


def test_missing_path_and_empty_folder(tmp_path: Path) -> None:
    result = fastagent("test", "nowhere", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no such file or folder: nowhere\nhint: ")
    (tmp_path / "empty").mkdir()
    result = fastagent("test", "empty", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("error: no scenario files found in empty\n")


def test_help_lists_the_command(tmp_path: Path) -> None:
    result = fastagent("test", "--help", cwd=tmp_path)
    assert result.returncode == 0
    assert "--save-transcripts DIR" in result.stdout


def test_the_examples_pass_from_the_project_root(tmp_path: Path) -> None:
    result = fastagent("test", "examples/scenarios", cwd=REPO, home=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1] == "4 passed, 0 failed"


def test_multi_line_tool_errors_print_as_lines_not_a_repr(
    write_scenario: WriteScenario, tmp_path: Path
) -> None:
    (tmp_path / "multiline_tools.py").write_text(
        "def lookup(city: str) -> str:\n"
        '    """Look a city up."""\n'
        "    raise ValueError('no forecast\\nstation offline')\n",
        encoding="utf-8",
    )
    write_scenario(
        "name: multi\n"
        "agent: {tools: ['multiline_tools:lookup']}\n"
        "turns:\n"
        "  - tool_calls: [{name: lookup, arguments: {city: Oslo}}]\n"
        "  - text: done\n"
        "inputs: [hi]\n"
        "expect: {no_tool_errors: true}\n",
        "multi.yaml",
    )
    result = fastagent("test", "multi.yaml", cwd=tmp_path)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[1] == "      - expected no tool errors; lookup returned an error:"
    assert lines[2] == "      | tool 'lookup' failed: ValueError: no forecast"
    assert lines[3] == "      | station offline"
    assert "\\n" not in result.stdout
