from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest

from fastagent.cli.commands.check import (
    EXTRAS,
    api_key_status,
    installed_extras,
    node_tools,
    uv_tools,
)
from fastagent.cli.main import main
from fastagent.config import load_config

ANTHROPIC_KEY = "sk-ant-api03-Zq8RkT4mW9xLp2VnB7cY"
OPENAI_KEY = "sk-proj-Hf3Jd8Ks1Ma6Qw0Eo5Tu"


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def fragments(secret: str, size: int = 8) -> set[str]:
    """Every run of `size` characters of the secret past its well-known prefix."""
    body = secret.split("-")[-1]
    return {body[i : i + size] for i in range(len(body) - size + 1)}


def test_keys_are_reported_by_source_but_never_printed(run_cli: Any, project: Path) -> None:
    write(project / "fastagent.yaml", "default_model: passthrough\n")
    write(project / "fastagent.secrets.yaml", f"openai:\n  api_key: {OPENAI_KEY}\n")
    result = run_cli("check", ANTHROPIC_API_KEY=ANTHROPIC_KEY)
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert "anthropic     set (from env ANTHROPIC_API_KEY)" in out
    assert "openai        set (from secrets file)" in out
    assert "generic       not set" in out
    for secret in (ANTHROPIC_KEY, OPENAI_KEY):
        for piece in fragments(secret):
            assert piece not in out + result.stderr


def test_verbose_check_never_prints_keys_either(run_cli: Any, project: Path) -> None:
    write(project / "fastagent.secrets.yaml", f"anthropic:\n  api_key: {ANTHROPIC_KEY}\n")
    result = run_cli("check", "-v", OPENAI_API_KEY=OPENAI_KEY)
    assert result.returncode == 0
    assert "searched" in result.stdout
    for secret in (ANTHROPIC_KEY, OPENAI_KEY):
        for piece in fragments(secret):
            assert piece not in result.stdout + result.stderr


def test_report_lists_files_versions_extras_and_node(run_cli: Any, project: Path) -> None:
    config = write(project / "fastagent.yaml", "default_model: haiku\n")
    result = run_cli("check", "--no-color")
    assert result.returncode == 0
    out = result.stdout
    assert out.startswith("fastagent ")
    assert f"file          {config}" in out
    assert "status        valid" in out
    assert "secrets       not found" in out
    assert "model         haiku" in out
    for package, installed in installed_extras().items():
        assert f"{package:<14}{'installed' if installed else 'not installed'}" in out
    assert "npx" in out and "node" in out
    assert out.rstrip().endswith("config OK")
    assert "\x1b[" not in out


def test_invalid_config_is_reported_with_its_hint(run_cli: Any, project: Path) -> None:
    config = write(project / "fastagent.yaml", "logger:\n  levl: debug\n")
    result = run_cli("check", ANTHROPIC_API_KEY=ANTHROPIC_KEY)
    assert result.returncode == 1
    out = result.stdout
    assert "status        invalid: " in out and str(config) in out and "levl" in out
    assert "hint          " in out
    assert "anthropic     set (from env ANTHROPIC_API_KEY)" in out
    assert "openai        unknown (config invalid)" in out
    assert out.rstrip().splitlines()[-1].startswith("config invalid")
    assert "Traceback" not in out + result.stderr
    assert result.stderr == ""


def test_missing_explicit_config(run_cli: Any, project: Path) -> None:
    result = run_cli("check", "--config", "nope.yaml")
    assert result.returncode == 1
    assert f"file          {project / 'nope.yaml'}" in result.stdout
    assert "does not exist" in result.stdout


def test_no_config_file_is_valid(run_cli: Any) -> None:
    result = run_cli("check")
    assert result.returncode == 0
    assert "none found, using defaults" in result.stdout


def test_check_does_not_import_the_optional_extras(run_python: Any) -> None:
    code = (
        "import sys, json\n"
        "from fastagent.cli.main import main\n"
        "code = main(['check'])\n"
        "sys.stderr.write(json.dumps([code, sorted(sys.modules)]))\n"
    )
    result = run_python(code)
    code_seen, modules = json.loads(result.stderr)
    assert code_seen == 0
    assert {name.split(".")[0] for name in modules} & set(EXTRAS) == set()


def test_api_key_status_names_the_variable_that_won(project: Path) -> None:
    write(project / ".env", "GENERIC_API_KEY=from-dotenv\n")
    env = {
        "ANTHROPIC_API_KEY": "a",
        "fastagent_anthropic__api_key": "b",
        "OPENAI_API_KEY": "",
        "AZURE_OPENAI_API_KEY": "az",
    }
    loaded = load_config(cwd=project, env=env, user_config_dir=project / "none")
    assert api_key_status(loaded, env) == {
        "anthropic": "set (from env fastagent_anthropic__api_key)",
        "openai": "not set",
        "google": "not set",
        "azure": "set (from env AZURE_OPENAI_API_KEY)",
        "generic": "set (from .env file)",
    }


def test_api_key_status_without_a_config() -> None:
    assert api_key_status(None, {"OPENAI_API_KEY": "x"}) == {
        "anthropic": "unknown (config invalid)",
        "openai": "set (from env OPENAI_API_KEY)",
        "google": "unknown (config invalid)",
        "azure": "unknown (config invalid)",
        "generic": "unknown (config invalid)",
    }


def test_api_key_status_names_the_second_variable_of_a_provider(project: Path) -> None:
    env = {"GOOGLE_API_KEY": "g"}
    loaded = load_config(cwd=project, env=env, user_config_dir=project / "none")
    assert api_key_status(loaded, env)["google"] == "set (from env GOOGLE_API_KEY)"
    assert api_key_status(None, env)["google"] == "set (from env GOOGLE_API_KEY)"


def test_node_tools_are_looked_up_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    node = write(tmp_path / "node", "#!/bin/sh\n")
    node.chmod(node.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert node_tools() == {"node": str(node), "npx": None}
    monkeypatch.setenv("PATH", os.devnull)
    assert node_tools() == {"node": None, "npx": None}


def test_uv_tools_are_looked_up_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uvx = write(tmp_path / "uvx", "#!/bin/sh\n")
    uvx.chmod(uvx.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert uv_tools() == {"uvx": str(uvx)}
    monkeypatch.setenv("PATH", os.devnull)
    assert uv_tools() == {"uvx": None}


@pytest.fixture
def in_project(project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run in-process commands inside `project` with a host-independent environment."""
    monkeypatch.chdir(project)
    for name in list(os.environ):
        if name.upper().startswith("FASTAGENT_") or name.endswith("_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / ".config"))
    return project


def test_every_problem_of_an_invalid_config_is_listed_and_aligned(
    in_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write(in_project / "fastagent.yaml", "logger:\n  levl: debug\ndefault_modle: x\n")
    assert main(["check", "--no-color"]) == 1
    lines = capsys.readouterr().out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("  status"))
    problems = [line for line in lines[start : start + 4] if "levl" in line or "modle" in line]
    assert len(problems) == 2
    assert all("line" in line for line in problems)
    continuation = next(line for line in problems if not line.startswith("  status"))
    assert continuation.startswith(" " * 16) and not continuation.startswith(" " * 17)


def test_check_in_process_with_a_valid_project(
    in_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A command on PATH: a missing one makes the config invalid (test_config_checks.py).
    write(in_project / "fastagent.yaml", "mcp:\n  servers:\n    time:\n      command: sh\n")
    assert main(["check", "--quiet"]) == 0
    out = capsys.readouterr().out
    assert "mcp servers   time" in out
    assert "anthropic     not set" in out


def test_a_feature_the_config_turns_on_without_its_extra_fails_the_check(
    in_project: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastagent.cli.commands import check

    write(in_project / "fastagent.yaml", "otel:\n  enabled: true\ndurable: {}\n")
    features = {
        "otel": ("no_such_otel_module_here", "otel.enabled"),
        "durable": ("json", "durable:"),
    }
    monkeypatch.setattr(check, "FEATURES", features)
    assert main(["check", "--no-color"]) == 1
    out = capsys.readouterr().out
    assert "durable       installed (on: durable:)" in out
    hint = "pip install 'fastagent[otel]'"
    assert f"otel          not installed, but otel.enabled is set ({hint})" in out
    assert out.rstrip().splitlines()[-1] == f"config valid, but otel.enabled needs {hint}"
    write(in_project / "fastagent.yaml", "default_model: haiku\n")  # not turned on: no failure
    assert main(["check", "--no-color"]) == 0
    assert f"otel          not installed ({hint})" in capsys.readouterr().out
