"""Shared pytest configuration.

- `pytester` is enabled for the scenario plugin tests.
- `project`: an empty project folder under the test's tmp_path.
- `restore_fastagent_logger` (for the tests that configure logging) removes the handlers a
  test added to the ``fastagent`` logger and restores its level.
- Every test is checked for leaked child processes: a process started during a test (an MCP
  server, a model server, a subprocess) must be gone when the test ends. Processes that
  existed before the test (such as a session-wide model server) are not counted.
"""

from __future__ import annotations

import logging
import os
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from process_helpers import descendants, describe

pytest_plugins = ["pytester"]

_EXIT_GRACE_SECONDS = 3.0


@pytest.fixture(autouse=True)
def no_leaked_child_processes() -> Iterator[None]:
    """Fail a test that leaves a child process (or grandchild) of the test run alive."""
    before = descendants(os.getpid())
    yield
    deadline = time.monotonic() + _EXIT_GRACE_SECONDS
    while (leaked := descendants(os.getpid()) - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not leaked, f"child processes outlived the test: {describe(leaked)}"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """An empty project folder; its ``.git`` stops the config search from climbing out."""
    directory = tmp_path / "project"
    (directory / ".git").mkdir(parents=True)
    return directory


@pytest.fixture
def restore_fastagent_logger() -> Iterator[None]:
    """Remove the handlers the test added to the ``fastagent`` logger; restore its level."""
    logger = logging.getLogger("fastagent")
    handlers, level = list(logger.handlers), logger.level
    yield
    for handler in logger.handlers:
        if handler not in handlers:
            logger.removeHandler(handler)
            handler.close()
    logger.setLevel(level)


_PROGRESS_LINE = re.compile(
    r"^\[[^\]\n]+\] (calling tool|tool|model|retry|connected|disconnected|progress) "
)


def without_progress(stderr: str) -> str:
    """`stderr` without the plain progress lines a run prints when stderr is not a terminal.

    Those lines (``[agent] model passthrough 0.0s 7->1 tokens``) are the display's job and are
    tested in tests/ui; script and CLI tests compare the rest exactly.
    """
    kept = [line for line in stderr.splitlines(keepends=True) if not _PROGRESS_LINE.match(line)]
    return "".join(kept)
