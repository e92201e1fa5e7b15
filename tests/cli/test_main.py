from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from fastagent._version import __version__
from fastagent.cli.commands import COMMAND_MODULES
from fastagent.cli.main import _command_name, _parser_for, build_parser, load_commands, main
from fastagent.exceptions import ConfigError, ProviderServerError

HEAVY_MODULES = {"pydantic", "yaml", "rich", "mcp", "anthropic", "openai", "asyncio"}


class FakeCommand:
    """A command object obeying the module contract, recording what it was run with."""

    def __init__(self, name: str = "fake", action: Any = 0, alias: str = "fk") -> None:
        self.name = name
        self.alias = alias
        self.action = action
        self.seen: list[argparse.Namespace] = []

    def register(self, subparsers: argparse._SubParsersAction[Any]) -> None:
        parser = subparsers.add_parser(self.name, help="a fake command", aliases=[self.alias])
        parser.add_argument("--level", default="low")

    def run(self, args: argparse.Namespace) -> int:
        self.seen.append(args)
        if isinstance(self.action, BaseException):
            raise self.action
        return int(self.action)


# -- the real CLI in a subprocess ------------------------------------------------------------


def test_help_lists_the_commands_and_global_options(run_cli: Any) -> None:
    result = run_cli("--help")
    assert result.returncode == 0
    for text in ("setup", "check", "--config PATH", "--verbose", "--quiet", "--no-color"):
        assert text in result.stdout
    assert result.stderr == ""


def test_help_says_how_to_build_and_open_the_docs(run_cli: Any) -> None:
    result = run_cli("--help")
    assert "'scripts/docs --serve'" in result.stdout
    assert "http://127.0.0.1:8000" in result.stdout
    # the hint is true: the script exists and serves on that address
    script = Path(__file__).resolve().parents[2] / "scripts" / "docs"
    assert "127.0.0.1:8000" in script.read_text(encoding="utf-8")


def test_version(run_cli: Any) -> None:
    result = run_cli("--version")
    assert (result.returncode, result.stdout.strip()) == (0, f"fastagent {__version__}")


@pytest.mark.parametrize(
    "args", [["no-such-command"], ["--no-such-flag"], ["setup", "--no-such-flag"]]
)
def test_usage_errors_exit_2_without_traceback(run_cli: Any, args: list[str]) -> None:
    result = run_cli(*args)
    assert result.returncode == 2
    assert "usage: fastagent" in result.stderr
    assert "Traceback" not in result.stderr


_LOAD_CONFIG_COMMAND = """
import sys
from fastagent.cli.main import main
from fastagent.config import load_config

class LoadConfig:
    def register(self, subparsers):
        subparsers.add_parser("load")

    def run(self, args):
        load_config(args.config)
        return 0

raise SystemExit(main(sys.argv[1:], commands=[LoadConfig()]))
"""


@pytest.fixture
def bad_config(project: Path) -> Path:
    path = project / "fastagent.yaml"
    path.write_text("default_model: passthrough\nlogger:\n  levl: debug\n", encoding="utf-8")
    return path


def test_bad_config_is_one_error_line_and_a_hint(run_python: Any, bad_config: Path) -> None:
    result = run_python(_LOAD_CONFIG_COMMAND, "load")
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("error: ") and str(bad_config) in lines[0]
    assert "levl" in lines[0] and "line 3" in lines[0]
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in result.stderr


def test_verbose_adds_the_traceback_after_the_subcommand_too(
    run_python: Any, bad_config: Path
) -> None:
    result = run_python(_LOAD_CONFIG_COMMAND, "load", "--verbose")
    assert result.returncode == 1
    assert "Traceback (most recent call last)" in result.stderr
    assert "ConfigValidationError" in result.stderr
    assert result.stderr.rstrip().splitlines()[-1].startswith("hint: ")


def test_explicit_config_flag_reaches_the_command(run_python: Any, project: Path) -> None:
    result = run_python(_LOAD_CONFIG_COMMAND, "--config", "missing.yaml", "load")
    assert result.returncode == 1
    assert result.stderr.startswith(f"error: the config file {project / 'missing.yaml'}")


@pytest.mark.parametrize("args", [["--help"], ["setup", "--help"], ["check", "--help"], []])
def test_help_imports_no_heavy_module(run_python: Any, args: list[str]) -> None:
    code = (
        "import sys, json\n"
        "from fastagent.cli.main import main\n"
        "code = main(sys.argv[1:])\n"
        "sys.stderr.write(json.dumps([code, sorted(sys.modules)]))\n"
    )
    result = run_python(code, *args)
    code_seen, modules = json.loads(result.stderr)
    assert code_seen == 0
    # The parser really was built: the named command's, or every command's.
    named = args[0] if args and not args[0].startswith("-") else "setup"
    assert f"fastagent.cli.commands.{named}" in modules
    assert {name.split(".")[0] for name in modules} & HEAVY_MODULES == set()


# -- main() in process with fake commands ----------------------------------------------------


def test_global_flags_before_and_after_the_subcommand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    before, after = FakeCommand(), FakeCommand()
    assert main(["-v", "--config", "a.yaml", "fake"], commands=[before]) == 0
    assert main(["fake", "--quiet", "--no-color", "--config", "b.yaml"], commands=[after]) == 0
    first, second = before.seen[0], after.seen[0]
    assert (first.verbose, first.quiet, first.no_color, first.config) == (
        True,
        False,
        False,
        "a.yaml",
    )
    assert (second.verbose, second.quiet, second.no_color, second.config) == (
        False,
        True,
        True,
        "b.yaml",
    )
    assert first.command == "fake" and first.level == "low"


def test_a_flag_given_before_survives_the_subcommand(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    command = FakeCommand()
    assert main(["--no-color", "fk", "--level", "high"], commands=[command]) == 0
    args = command.seen[0]
    assert (args.no_color, args.level, args.config) == (True, "high", None)


def test_no_color_environment_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    command = FakeCommand()
    monkeypatch.setenv("NO_COLOR", "1")
    main(["fake"], commands=[command])
    monkeypatch.setenv("NO_COLOR", "")
    main(["fake"], commands=[command])
    assert [args.no_color for args in command.seen] == [True, False]


def test_exit_code_of_the_command_is_returned() -> None:
    assert main(["fake"], commands=[FakeCommand(action=3)]) == 3


def test_no_command_prints_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert main([], commands=[FakeCommand()]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: fastagent") and "fake" in out


def test_user_error_and_runtime_failure_render_alike(capsys: pytest.CaptureFixture[str]) -> None:
    user = ConfigError("bad key 'x' in fastagent.yaml", hint="remove it")
    runtime = ProviderServerError("anthropic answered 529", status_code=529, hint="retry later")
    assert main(["fake"], commands=[FakeCommand(action=user)]) == 1
    assert capsys.readouterr().err == "error: bad key 'x' in fastagent.yaml\nhint: remove it\n"
    assert main(["fake"], commands=[FakeCommand(action=runtime)]) == 1
    assert capsys.readouterr().err == "error: anthropic answered 529\nhint: retry later\n"


def test_unexpected_exception(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fake"], commands=[FakeCommand(action=ValueError("boom"))]) == 1
    err = capsys.readouterr().err
    assert err.splitlines() == [
        "error: unexpected ValueError: boom",
        "hint: re-run with --verbose to see the traceback, and report it if it looks like a bug",
    ]
    assert main(["-v", "fake"], commands=[FakeCommand(action=ValueError("boom"))]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Traceback (most recent call last)")
    assert err.splitlines()[-1] == "error: unexpected ValueError: boom"


def test_keyboard_interrupt(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-v", "fake"], commands=[FakeCommand(action=KeyboardInterrupt())]) == 130
    assert capsys.readouterr().err == "interrupted\n"


def test_build_parser_maps_names_and_aliases_to_their_command() -> None:
    fake, other = FakeCommand(), FakeCommand(name="other", alias="ot")
    _parser, owners = build_parser([fake, other])
    assert owners == {"fake": fake, "fk": fake, "other": other, "ot": other}


# -- loading command modules -----------------------------------------------------------------


def test_builtin_commands_load() -> None:
    names = [getattr(module, "__name__", "").rsplit(".", 1)[-1] for module in load_commands()]
    assert {"setup", "check"} <= set(names)
    assert names == [name for name in COMMAND_MODULES if name in names]


def make_package(root: Path, name: str, modules: dict[str, str]) -> str:
    package = root / name
    package.mkdir()
    (package / "__init__.py").write_text("", encoding="utf-8")
    for module, source in modules.items():
        (package / f"{module}.py").write_text(source, encoding="utf-8")
    return name


_MODULE = """
def register(subparsers):
    subparsers.add_parser("hello")

def run(args):
    return 7
"""


def test_missing_command_module_is_skipped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = make_package(tmp_path, f"cmds_{tmp_path.name}", {"hello": _MODULE})
    monkeypatch.syspath_prepend(str(tmp_path))
    commands = load_commands(["not_written_yet", "hello"], package=package)
    assert len(commands) == 1
    assert main(["hello"], commands=commands) == 7


def test_command_module_with_a_missing_dependency_is_not_hidden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = "import fastagent_no_such_dependency\n" + _MODULE
    package = make_package(tmp_path, f"broken_{tmp_path.name}", {"hello": broken})
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ModuleNotFoundError, match="fastagent_no_such_dependency"):
        load_commands(["hello"], package=package)


def test_global_defaults_when_no_flag_is_given(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    command = FakeCommand()
    main(["fake"], commands=[command])
    args = vars(command.seen[0])
    assert {k: args[k] for k in ("config", "verbose", "quiet", "no_color")} == {
        "config": None,
        "verbose": False,
        "quiet": False,
        "no_color": False,
    }


def test_usage_error_in_process(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["fake", "--level"], commands=[FakeCommand()]) == 2
    assert "expected one argument" in capsys.readouterr().err
    assert main(["--version"], commands=[]) == 0
    assert capsys.readouterr().out == f"fastagent {__version__}\n"


_FLOOD = """
import argparse, sys
from fastagent.cli.main import main

class Flood:
    def register(self, sub):
        sub.add_parser("flood")
    def run(self, args):
        for _ in range(20000):
            print("x" * 100)
        return 0

sys.exit(main(["flood"], commands=[Flood()]))
"""


def test_closed_pipe_is_not_an_error(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = tmp_path / "flood.py"
    script.write_text(_FLOOD)
    proc = subprocess.run(
        f"set -o pipefail; {sys.executable} {script} | head -c 10 >/dev/null",
        shell=True,
        executable="/bin/bash",
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.stderr == ""
    assert proc.returncode == 0


@pytest.mark.parametrize(
    ("typo", "hint", "followed"),
    [
        (
            ["go", "--modle", "passthrough", "-m", "hi", "-q"],
            "did you mean '--model'? 'fastagent go --help' lists its flags",
            ["go", "--model", "passthrough", "-m", "hi", "-q"],
        ),
        (
            ["goo", "--model", "passthrough", "-m", "hi", "-q"],
            "did you mean 'go'? 'fastagent --help' shows its usage",
            ["go", "--model", "passthrough", "-m", "hi", "-q"],
        ),
        (
            ["config", "valdate"],
            "did you mean 'validate'? 'fastagent config --help' shows its usage",
            ["config", "validate"],
        ),
    ],
    ids=["flag", "command", "subcommand"],
)
def test_a_typo_in_the_command_line_gets_did_you_mean_and_the_hint_works(
    run_cli: Any, typo: list[str], hint: str, followed: list[str]
) -> None:
    result = run_cli(*typo)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith("usage: fastagent"), result.stderr
    assert result.stderr.splitlines()[-1] == f"hint: {hint}"
    assert result.stderr.splitlines()[-2].startswith("error: fastagent")
    fixed = run_cli(*followed)
    assert fixed.returncode == 0, fixed.stderr


def test_a_scripts_own_flag_gets_no_far_fetched_guess_and_the_hint_works(
    project: Path, tmp_path: Path
) -> None:
    import subprocess
    import sys

    from .conftest import clean_env

    (project / "agent.py").write_text(
        "import asyncio, sys\n"
        "from fastagent import FastAgent\n"
        "fast = FastAgent('a')\n"
        "@fast.agent(instruction='x')\n"
        "async def main() -> None:\n"
        "    async with fast.run() as app:\n"
        "        print(sys.argv[sys.argv.index('--') + 1:], await app.send('hi'))\n"
        "asyncio.run(main())\n",
        encoding="utf-8",
    )

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "agent.py", *args],
            cwd=project,
            env=clean_env(tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    own = run("-q", "--city", "Oslo")
    assert own.returncode == 2
    assert own.stderr.splitlines()[0] == "error: agent.py: unknown flag '--city'"
    assert "did you mean" not in own.stderr  # '--quiet' only shares the dashes
    assert own.stderr.rstrip().endswith("put its own arguments after --")
    followed = run("-q", "--", "--city", "Oslo")  # the hint, followed
    assert (followed.returncode, followed.stdout) == (0, "['--city', 'Oslo'] hi\n")
    typo = run("--mesage", "hi")
    assert "hint: did you mean '--message'?" in typo.stderr


def test_run_a_script_that_does_not_compile_shows_it_as_python_does(
    run_cli: Any, project: Path
) -> None:
    script = project / "agent.py"
    good = (
        "import asyncio\n"
        "from fastagent import FastAgent\n"
        "fast = FastAgent('a')\n"
        "@fast.agent(instruction='x')\n"
        "async def main() -> None:\n"
        "    async with fast.run() as app:\n"
        "        print(await app.send('hi'))\n"
        "asyncio.run(main())\n"
    )
    script.write_text(good.replace("send('hi'))", "send('hi')"), encoding="utf-8")
    result = run_cli("run", "agent.py", "-q")
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[0] == '  File "agent.py", line 7'
    assert result.stderr.splitlines()[-1] == "SyntaxError: '(' was never closed"
    assert "unexpected" not in result.stderr and "report it" not in result.stderr
    script.write_text(good, encoding="utf-8")  # fixed at the line it names
    fixed = run_cli("run", "agent.py", "-q")
    assert (fixed.returncode, fixed.stdout) == (0, "hi\n"), fixed.stderr


# -- only the invoked command is registered ---------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "name"),
    [
        (["go", "-m", "hi"], "go"),
        (["-v", "--config", "run", "go"], "go"),
        (["--conf", "x.yaml", "-q", "sessions", "list"], "sessions"),
        (["--config=x.yaml", "check"], "check"),
        (["--help"], None),
        ([], None),
        (["--", "go"], None),
    ],
)
def test_the_command_name_is_found_past_global_options(argv: list[str], name: str | None) -> None:
    assert _command_name(argv) == name


def test_a_named_command_parses_as_with_every_command_registered() -> None:
    argv = ["-v", "--config", "a.yaml", "go", "--model", "passthrough", "-m", "hi", "-q"]
    parser, owners = _parser_for(argv)
    assert sorted(owners) == ["go"]
    full_parser, _ = build_parser(load_commands())
    assert parser.parse_args(argv) == full_parser.parse_args(argv)
    assert parser.format_usage() == full_parser.format_usage()


@pytest.mark.parametrize("argv", [["--help"], ["nosuch"], ["--config", "go"], []])
def test_anything_else_gets_every_command(argv: list[str]) -> None:
    _parser, owners = _parser_for(argv)
    assert set(COMMAND_MODULES) <= set(owners)


def test_an_unknown_command_is_matched_against_every_command(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # An unknown name builds every command's parser, so the guess can be any of them.
    assert main(["sesions"]) == 2
    err = capsys.readouterr().err
    assert "unknown command 'sesions'" in err
    assert "did you mean 'sessions'?" in err


def _subparsers(
    parser: argparse.ArgumentParser, path: str = "fastagent"
) -> list[tuple[str, argparse.ArgumentParser]]:
    found: list[tuple[str, argparse.ArgumentParser]] = []
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in dict.fromkeys(action.choices.items()):
                if child.prog.split()[-1] != name:
                    continue  # an alias of a command listed under its own name
                found.append((f"{path} {name}", child))
                found.extend(_subparsers(child, f"{path} {name}"))
    return found


def test_every_command_and_action_says_what_it_does_and_what_each_argument_is() -> None:
    parser, _ = build_parser(load_commands())
    missing: list[str] = []
    for path, command in _subparsers(parser):
        if not command.description:
            missing.append(f"{path}: no description (its --help would show only the usage)")
        for action in command._actions:
            subcommands = isinstance(action, argparse._SubParsersAction)
            if not action.option_strings and action.help is None and not subcommands:
                missing.append(f"{path}: positional {action.metavar or action.dest} has no help")
    assert missing == []


@pytest.mark.parametrize("command", ["batch", "worker", "serve"])
def test_commands_importing_a_script_say_its_main_block_does_not_run(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([command, "--help"]) == 0
    help_text = " ".join(capsys.readouterr().out.split())
    assert "imported, not run: its `if __name__ == '__main__':` block does not run" in help_text
