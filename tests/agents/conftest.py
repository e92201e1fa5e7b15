"""Helpers for agent tests: offline apps with quiet settings."""

from __future__ import annotations

from typing import Any

import pytest

from fastagent import FastAgent
from fastagent.config import LoggerSettings, Settings


@pytest.fixture(autouse=True)
def _restore_logger(restore_fastagent_logger: None) -> None:
    """Every agent test restores the ``fastagent`` logger (tests/conftest.py)."""


def settings(**values: Any) -> Settings:
    """Settings that log nowhere, with `values` applied."""
    return Settings.model_validate({"logger": {"type": "none"}, **values})


def make_app(*argv: str, **values: Any) -> FastAgent:
    """A FastAgent that ignores sys.argv (or reads `argv`) and uses `settings(**values)`."""
    return FastAgent(
        "test",
        parse_cli_args=False,
        argv=list(argv) if argv else None,
        settings=settings(**values),
    )


__all__ = ["LoggerSettings", "make_app", "settings"]
