"""Fixtures for configuration tests: an isolated project directory and environment."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from fastagent.config import LoadedConfig, load_config


@pytest.fixture
def user_dir(tmp_path: Path) -> Path:
    return tmp_path / "user-config" / "fastagent"


@pytest.fixture
def load(project: Path, user_dir: Path) -> Callable[..., LoadedConfig]:
    """load_config isolated from the real environment, home and working directory."""

    def _load(
        config_path: str | Path | None = None,
        *,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> LoadedConfig:
        return load_config(
            config_path,
            cwd=cwd or project,
            env=dict(env or {}),
            overrides=overrides,
            user_config_dir=user_dir,
        )

    return _load


@pytest.fixture
def clean_environ(monkeypatch: pytest.MonkeyPatch, project: Path, tmp_path: Path) -> Iterator[Path]:
    """Run in `project` with no fastagent/provider variables and an empty user config dir."""
    for name in list(os.environ):
        upper = name.upper()
        if upper.startswith("FASTAGENT_") or upper.endswith("_API_KEY"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    monkeypatch.chdir(project)
    yield project


@pytest.fixture
def write() -> Callable[[Path, str], Path]:
    """Write a UTF-8 file, creating its directory."""

    def _write(path: Path, text: str) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    return _write
