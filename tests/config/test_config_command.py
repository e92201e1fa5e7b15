"""Tests of src/fastagent/cli/commands/config.py (kept beside the config tests it relies on)."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from fastagent.cli.commands import config as config_command
from fastagent.exceptions import ConfigFileError, ConfigValidationError

Write = Callable[[Path, str], Path]


def parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="fastagent")
    parser.add_argument("--config", default=None)
    parser.add_argument("--quiet", action="store_true")
    subparsers = parser.add_subparsers(dest="command")
    config_command.register(subparsers)
    return parser.parse_args(argv)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = config_command.run(parse(*argv))
    return code, capsys.readouterr().out


def test_show_lists_key_value_and_source(
    clean_environ: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = write(clean_environ / "fastagent.yaml", "default_model: sonnet\n")
    write(clean_environ / "fastagent.secrets.yaml", "anthropic:\n  api_key: sk-very-secret\n")
    monkeypatch.setenv("FASTAGENT_LOGGER__LEVEL", "debug")
    code, out = run(capsys, "config", "show")
    assert code == 0
    assert "sk-very-secret" not in out
    lines = out.splitlines()
    assert lines[0] == f"config file:  {config}"
    assert lines[1] == f"secrets file: {clean_environ / 'fastagent.secrets.yaml'}"
    assert lines[2] == ".env file:    none"
    rows = {line.split()[0]: line.split()[1:] for line in lines[4:]}
    assert rows["KEY"] == ["VALUE", "SOURCE"]
    assert rows["default_model"] == ['"sonnet"', "file"]
    assert rows["anthropic.api_key"] == ['"***"', "secrets"]
    assert rows["logger.level"] == ['"debug"', "env"]
    assert rows["logger.type"] == ['"console"', "default"]
    assert rows["openai.api_key"] == ["null", "default"]


def test_show_columns_are_aligned(clean_environ: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _code, out = run(capsys, "config", "show")
    table = out.splitlines()[4:]
    value_column = table[0].index("VALUE")
    source_column = table[0].index("SOURCE")
    for row in table[1:]:
        assert row[value_column - 2 : value_column] == "  "
        assert row[source_column - 2 : source_column] == "  "
        assert row[source_column:] == "default"


def test_show_json(
    clean_environ: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    write(
        clean_environ / "fastagent.yaml",
        "mcp:\n  servers:\n    gh:\n      url: http://x/mcp\n"
        "      headers: {Authorization: Bearer ghp-secret}\n",
    )
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-secret")
    code, out = run(capsys, "config", "show", "--json")
    assert code == 0
    assert "ghp-secret" not in out
    assert "sk-openai-secret" not in out
    document = json.loads(out)
    assert document["config_file"] == str(clean_environ / "fastagent.yaml")
    assert document["secrets_file"] is None
    assert document["config"]["openai"]["api_key"] == "***"
    assert document["config"]["mcp"]["servers"]["gh"]["headers"]["Authorization"] == "***"
    assert document["sources"]["openai.api_key"] == "env"
    assert document["sources"]["mcp.servers.gh.url"] == "file"


def test_show_uses_the_global_config_option(
    clean_environ: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write(clean_environ / "fastagent.yaml", "default_model: searched\n")
    other = write(clean_environ / "other.yaml", "default_model: chosen\n")
    _code, out = run(capsys, "--config", str(other), "config", "show", "--json")
    assert json.loads(out)["config"]["default_model"] == "chosen"


def test_validate_prints_valid_and_the_path(
    clean_environ: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(clean_environ / "fastagent.yaml", "default_model: sonnet\n")
    assert run(capsys, "config", "validate") == (0, f"valid: {config}\n")
    other = write(clean_environ / "conf" / "prod.yaml", "logger: {level: info}\n")
    assert run(capsys, "config", "validate", "conf/prod.yaml") == (0, f"valid: {other}\n")


def test_validate_quiet_prints_nothing(
    clean_environ: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    write(clean_environ / "fastagent.yaml", "default_model: sonnet\n")
    assert run(capsys, "--quiet", "config", "validate") == (0, "")


def test_validate_without_a_config_file_says_so(
    clean_environ: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "config", "validate") == (
        0,
        "valid: no config file found, defaults and environment only\n",
    )


def test_validate_raises_the_precise_error(
    clean_environ: Path, write: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = write(clean_environ / "bad.yaml", "logger:\n  levl: debug\n")
    with pytest.raises(ConfigValidationError) as caught:
        run(capsys, "config", "validate", str(bad))
    assert (
        caught.value.message == f"{bad}: line 2: unknown key 'logger.levl' (did you mean 'level'?)"
    )
    with pytest.raises(ConfigFileError, match="does not exist"):
        run(capsys, "config", "validate", "missing.yaml")


def test_path_lists_files_and_search_order(
    clean_environ: Path,
    write: Write,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    nested = clean_environ / "pkg"
    nested.mkdir()
    config = write(clean_environ / "fastagent.yaml", "logger: {levl: bad}\n")  # invalid is fine
    dotenv = write(nested / ".env", "X=1\n")
    monkeypatch.chdir(nested)
    code, out = run(capsys, "config", "path")
    assert code == 0
    assert out.splitlines() == [
        f"config file:  {config}",
        "secrets file: not found",
        f".env file:    {dotenv}",
        "",
        "search order:",
        f"   1. {nested / 'fastagent.yaml'}",
        f"   2. {nested / 'fastagent.config.yaml'}",
        f"   3. {config}  (found)",
        f"   4. {clean_environ / 'fastagent.secrets.yaml'}",
        f"   5. {clean_environ / 'fastagent.config.secrets.yaml'}",
        f"   6. {dotenv}  (found)",
    ]


def test_path_without_any_file_ends_in_the_user_dir(
    clean_environ: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _code, out = run(capsys, "config", "path")
    assert "config file:  not found" in out
    assert f"{tmp_path / 'xdg' / 'fastagent' / 'fastagent.config.yaml'}" in out


def test_a_subcommand_is_required(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        parse("config")
    assert caught.value.code == 2
    assert "COMMAND" in capsys.readouterr().err


def test_command_module_imports_only_the_standard_library() -> None:
    probe = (
        "import sys; import fastagent.cli.commands.config; "
        "print(sorted(m for m in ('pydantic', 'yaml', 'rich', 'dotenv') if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
