"""Helpers for the serve tests: the real CLI in a subprocess, its process tree, a project."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "serve_agents.py"
PID_SERVER = Path(__file__).parent / "servers" / "pid_server.py"


def serve_env(home: Path) -> dict[str, str]:
    """The host environment without API keys or FASTAGENT_* settings."""
    hidden = ("ANTHROPIC_API_KEY", "OPENAI_API_KEY", "GENERIC_API_KEY")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in hidden and not k.upper().startswith("FASTAGENT_")
    }
    env.update(HOME=str(home), NO_COLOR="1", COLUMNS="200")
    return env


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder; its ``.git`` stops the config search from climbing out."""
    directory = tmp_path / "project"
    directory.mkdir()
    (directory / ".git").mkdir()
    return directory


def fastagent(*args: str, cwd: Path, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run ``python -m fastagent ARGS`` to completion."""
    return subprocess.run(
        [sys.executable, "-m", "fastagent", *args],
        cwd=cwd,
        env=serve_env(cwd),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Popen objects to kill (and reap) if a test leaves them running."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=10)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
