"""Helpers for agent tests: offline apps with quiet settings."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from fastagent import FastAgent
from fastagent.config import LoggerSettings, Settings


@pytest.fixture(autouse=True)
def restore_fastagent_logger() -> Iterator[None]:
    logger = logging.getLogger("fastagent")
    handlers, level = list(logger.handlers), logger.level
    yield
    for handler in logger.handlers:
        if handler not in handlers:
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(level)


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
