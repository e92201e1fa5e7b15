from __future__ import annotations

import pytest

from fastagent.cli.script_args import CliOptions, parse_cli_args


def test_reads_long_flags_and_leaves_other_arguments() -> None:
    options = parse_cli_args(
        ["--model", "sonnet", "notes.txt", "--agent", "w", "--message", "hi", "--quiet", "-v"]
    )
    assert options == CliOptions(model="sonnet", agent="w", message="hi", quiet=True, verbose=True)


def test_reads_the_short_flags_of_go() -> None:
    options = parse_cli_args(["-a", "w", "-m", "hi", "-qv", "--model=haiku"])
    assert options == CliOptions(model="haiku", agent="w", message="hi", quiet=True, verbose=True)


def test_defaults_when_absent() -> None:
    assert parse_cli_args([]) == CliOptions()


def test_everything_after_double_dash_is_the_scripts() -> None:
    options = parse_cli_args(["-m", "hi", "--", "--topic", "x", "-q"])
    assert options == CliOptions(message="hi")


def test_negative_numbers_and_a_lone_dash_are_values() -> None:
    assert parse_cli_args(["-3", "-", "-0.5"]) == CliOptions()


@pytest.mark.parametrize(
    ("argv", "flag", "guess"),
    [
        (["--mesage", "hi"], "--mesage", "did you mean '--message'? "),
        (["--mess", "hi"], "--mess", "did you mean '--message'? "),  # no abbreviations
        (["--quite"], "--quite", "did you mean '--quiet'? "),
        (["--modle=sonnet"], "--modle", "did you mean '--model'? "),
        (["-x"], "-x", ""),
    ],
)
def test_unknown_flag_is_a_usage_error_with_did_you_mean(
    argv: list[str], flag: str, guess: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_cli_args(argv, prog="agent.py")
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"error: agent.py: unknown flag '{flag}'\n"
        f"hint: {guess}a script takes -m/--message, -q/--quiet, -a/--agent, --model, "
        "-v/--verbose, -h/--help; put its own arguments after --\n"
    )


def test_missing_value_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_cli_args(["--model"], prog="agent.py")
    assert exited.value.code == 2
    assert capsys.readouterr().err == (
        "error: agent.py: argument --model: expected one argument\n"
        "hint: the flags of a script: -m/--message, -q/--quiet, -a/--agent, --model, "
        "-v/--verbose, -h/--help\n"
    )


def test_help_lists_the_flags_and_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        parse_cli_args(["--help"], prog="agent.py")
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: agent.py [-h] [--model MODEL] [-a NAME] [-m TEXT] [-q] [-v]\n")
    assert "-m TEXT, --message TEXT" in out
