"""Hostile config YAML: alias bombs and deep nesting are one-line `ConfigFileError`s."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from fastagent.config.env_source import parse_env_value
from fastagent.config.yaml_source import MAX_EXPANDED_NODES, read_yaml_mapping
from fastagent.exceptions import ConfigFileError

# Nine levels of nine-fold aliases: 9**9 (387 million) values once expanded.
ALIAS_BOMB = (
    "".join(
        f"l{level}: &l{level} [{', '.join([f'*l{level - 1}' if level else 'lol'] * 9)}]\n"
        for level in range(9)
    )
    + "default_model: passthrough\n"
)


def test_alias_bomb_is_refused_in_bounded_time(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text(ALIAS_BOMB)
    started = time.monotonic()
    with pytest.raises(ConfigFileError) as caught:
        read_yaml_mapping(path)
    assert time.monotonic() - started < 5
    assert caught.value.message == (
        f"{path}: YAML aliases expand to more than {MAX_EXPANDED_NODES} values"
    )
    assert caught.value.path == str(path)


def test_recursive_alias_is_not_a_bomb(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text("loop: &loop [*loop]\n")
    data, _ = read_yaml_mapping(path)
    assert data["loop"][0] is data["loop"]


def test_many_ordinary_aliases_still_load(tmp_path: Path) -> None:
    servers = "".join(f"  s{i}:\n    <<: *base\n    args: [{i}]\n" for i in range(200))
    path = tmp_path / "fastagent.yaml"
    path.write_text(f"base: &base {{command: uvx, env: {{A: b}}}}\nservers:\n{servers}")
    data, _ = read_yaml_mapping(path)
    assert data["servers"]["s199"] == {"command": "uvx", "env": {"A": "b"}, "args": [199]}


def test_deep_nesting_is_a_config_file_error(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    path.write_text("x: " + "[" * 3000 + "]" * 3000 + "\n")
    with pytest.raises(ConfigFileError, match="nested too deeply"):
        read_yaml_mapping(path)


def test_cli_reports_a_bomb_in_one_line(tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "fastagent.yaml").write_text(ALIAS_BOMB)
    env = {k: v for k, v in os.environ.items() if not k.upper().startswith("FASTAGENT_")}
    env.update(HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path / ".config"))
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "fastagent", "config", "show"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert time.monotonic() - started < 30
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith("error: ") and "YAML aliases expand" in lines[0]
    assert "fastagent.yaml" in lines[0]
    assert lines[1].startswith("hint: ")
    assert "Traceback" not in done.stderr


def test_alias_bomb_in_an_environment_value_stays_text() -> None:
    bomb = "[" + ", ".join(["&a [x, x, x, x, x, x, x, x, x]"] + ["*a"] * 8) + "]"
    started = time.monotonic()
    assert parse_env_value(bomb, ("mcp", "servers")) == bomb
    assert parse_env_value("[" * 5000 + "]" * 5000, ("mcp", "servers")).startswith("[[[")
    assert time.monotonic() - started < 5
    assert parse_env_value("[1, 2]", ("mcp", "servers")) == [1, 2]
