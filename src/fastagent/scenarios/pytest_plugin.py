"""A pytest plugin that collects ``scenario_*.yaml`` files as tests.

Enable it with ``pytest -p fastagent.scenarios.pytest_plugin`` (or ``addopts`` in your
pytest configuration). Each file becomes one test item named after the scenario; a failing
scenario shows its failure sentences, an invalid one its problems and hint, without a
traceback.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from fastagent.exceptions import FastAgentError
from fastagent.scenarios.loader import SCENARIO_SUFFIXES

if TYPE_CHECKING:
    from _pytest._code.code import ExceptionInfo, TerminalRepr

    from fastagent.scenarios.scenario_file import Scenario

__all__ = [
    "SCENARIO_FILE_PREFIX",
    "ScenarioFailed",
    "ScenarioFile",
    "ScenarioItem",
    "pytest_addoption",
    "pytest_collect_file",
]

SCENARIO_FILE_PREFIX = "scenario_"
"""Files named ``scenario_*.yaml`` (or ``.yml``) are collected."""


class ScenarioFailed(AssertionError):
    """A scenario ran and at least one expectation failed (the message lists them)."""


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    """Collect ``scenario_*.yaml`` / ``scenario_*.yml`` files.

    Args:
        file_path: A file pytest found.
        parent: The collector of its folder.

    Returns:
        A collector for scenario files, None for every other file.
    """
    if file_path.suffix in SCENARIO_SUFFIXES and file_path.name.startswith(SCENARIO_FILE_PREFIX):
        collector: ScenarioFile = ScenarioFile.from_parent(parent, path=file_path)
        return collector
    return None


class ScenarioFile(pytest.File):
    """One scenario file: yields one `ScenarioItem`."""

    def collect(self) -> Iterator[ScenarioItem]:
        """Load the scenario; an invalid file still yields an item, which fails with the error."""
        from fastagent.scenarios.loader import load_scenario

        try:
            scenario: Scenario | None = load_scenario(self.path)
            error: FastAgentError | None = None
        except FastAgentError as exc:
            scenario, error = None, exc
        name = (scenario.name if scenario is not None else None) or self.path.stem
        yield ScenarioItem.from_parent(self, name=name, scenario=scenario, error=error)


class ScenarioItem(pytest.Item):
    """Runs one scenario; fails with its failure sentences.

    Args:
        scenario: The loaded scenario, or None when loading failed.
        error: Why loading failed.
        **kwargs: What pytest passes to items.
    """

    def __init__(
        self,
        *,
        scenario: Scenario | None,
        error: FastAgentError | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario
        self.error = error

    def runtest(self) -> None:
        """Run the scenario.

        Raises:
            ScenarioFailed: An expectation failed.
            FastAgentError: The scenario is invalid or cannot be set up.
        """
        from fastagent.scenarios.testing import run_scenario

        if self.scenario is None:
            assert self.error is not None
            raise self.error
        config = self.config.getoption("fastagent_config", None)
        result = run_scenario(self.scenario, config_path=config)
        if not result.passed:
            raise ScenarioFailed("\n".join(f"- {failure}" for failure in result.failures))

    def repr_failure(
        self, excinfo: ExceptionInfo[BaseException], style: Any = None
    ) -> str | TerminalRepr:
        """The failure sentences, or the error and its hint, instead of a traceback."""
        error = excinfo.value
        if isinstance(error, ScenarioFailed):
            return f"scenario '{self.name}' failed:\n{error}"
        if isinstance(error, FastAgentError):
            hint = f"\nhint: {error.hint}" if error.hint else ""
            return f"error: {error.message}{hint}"
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int | None, str]:
        """Where the test is: the scenario file."""
        return self.path, None, f"scenario: {self.name}"


def pytest_addoption(parser: pytest.Parser) -> None:
    """Add ``--fastagent-config PATH``: the config file scenarios use (servers, apps).

    Args:
        parser: pytest's option parser.
    """
    parser.addoption(
        "--fastagent-config",
        dest="fastagent_config",
        default=None,
        metavar="PATH",
        help="fastagent config file for scenario tests (default: found from the working dir)",
    )
