from __future__ import annotations

import pytest

from fastagent.cli.script_args import CliOptions, parse_cli_args


def test_reads_known_flags_and_leaves_the_rest() -> None:
    options = parse_cli_args(
        ["--model", "sonnet", "--verbose-mine", "--agent", "w", "--message", "hi", "--quiet", "x"]
    )
    assert options == CliOptions(model="sonnet", agent="w", message="hi", quiet=True)


def test_defaults_when_absent() -> None:
    assert parse_cli_args([]) == CliOptions()


def test_abbreviations_are_not_taken_as_ours() -> None:
    assert parse_cli_args(["--mod", "x", "--mess", "y"]) == CliOptions()


def test_missing_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_cli_args(["--model"], prog="agent.py")
    assert exited.value.code == 2
    assert "agent.py: error: argument --model: expected one argument" in capsys.readouterr().err
