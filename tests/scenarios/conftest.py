"""Helpers for scenario tests: scenario files and tool modules written into tmp folders."""

from __future__ import annotations

import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

TOOLS_SOURCE = '''
def get_weather(city: str) -> str:
    """Today's weather in a city."""
    forecasts = {"Paris": "sunny, 22 C", "Berlin": "cloudy, 17 C"}
    if city not in forecasts:
        raise ValueError(f"no forecast for {city}")
    return f"{city}: {forecasts[city]}"


def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b
'''

WriteScenario = Callable[..., Path]


@pytest.fixture
def tools_module(tmp_path: Path) -> str:
    """A uniquely named module of tools in `tmp_path` (get_weather, add); returns its name."""
    name = f"scenario_tools_{uuid.uuid4().hex[:8]}"
    (tmp_path / f"{name}.py").write_text(TOOLS_SOURCE, encoding="utf-8")
    return name


@pytest.fixture
def write_scenario(tmp_path: Path) -> WriteScenario:
    """Write YAML text (dedented) to ``tmp_path/<name>`` and return the path."""

    def write(text: str, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path

    return write
