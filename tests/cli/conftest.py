"""Helpers for running the real ``fastagent`` CLI in a subprocess, isolated from the host."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

CliRunner = Callable[..., subprocess.CompletedProcess[str]]

_HOST_VARIABLES = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GENERIC_API_KEY", "NO_COLOR")


def clean_env(home: Path, **extra: str) -> dict[str, str]:
    """The host environment without API keys or FASTAGENT_* settings, HOME set to `home`."""
    env = {
        name: value
        for name, value in os.environ.items()
        if name not in _HOST_VARIABLES and not name.upper().startswith("FASTAGENT_")
    }
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), COLUMNS="200")
    env.update(extra)
    return env


@pytest.fixture
def run_cli(project: Path, tmp_path: Path) -> CliRunner:
    """Run ``python -m fastagent ARGS`` in `project`; keyword args become env variables."""

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "fastagent", *args],
            cwd=project,
            env=clean_env(tmp_path, **env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run


@pytest.fixture
def run_python(project: Path, tmp_path: Path) -> CliRunner:
    """Run ``python -c CODE ARGS`` in `project` with the same isolated environment."""

    def run(code: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=project,
            env=clean_env(tmp_path, **env),
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    return run
