from __future__ import annotations

import argparse
import io

import pytest

from fastagent.cli.console import make_console


def options(**overrides: bool) -> argparse.Namespace:
    values = {"quiet": False, "no_color": False, **overrides}
    return argparse.Namespace(**values)


def render(args: argparse.Namespace) -> str:
    console = make_console(args)
    console.file = io.StringIO()
    console.print("[bold red]alert[/] " + "x" * 300)
    return console.file.getvalue()


@pytest.fixture
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make rich believe it writes to a colour terminal."""
    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("TERM", "xterm-256color")
    monkeypatch.delenv("NO_COLOR", raising=False)


@pytest.mark.usefixtures("terminal")
def test_colour_on_a_terminal_and_none_with_no_color() -> None:
    assert "\x1b[" in render(options())
    assert make_console(options(no_color=True)).color_system is None
    assert "\x1b[" not in render(options(no_color=True))


@pytest.mark.usefixtures("terminal")
def test_long_lines_are_not_wrapped() -> None:
    assert render(options(no_color=True)).count("\n") == 1


def test_quiet_console_prints_nothing() -> None:
    console = make_console(options(quiet=True))
    console.file = io.StringIO()
    console.print("hello")
    assert console.file.getvalue() == ""
