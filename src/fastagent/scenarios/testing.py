"""Scenarios in your own tests: `run_scenario` and `assert_scenario`.

```python
from fastagent.scenarios.testing import assert_scenario

def test_weather() -> None:
    assert_scenario("scenarios/weather.yaml")
```

In an ``async def`` test, ``await run_scenario_async(path)`` instead (`run_scenario` starts
its own event loop).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from fastagent.exceptions import UserError

if TYPE_CHECKING:
    from fastagent.scenarios.runner import ScenarioResult
    from fastagent.scenarios.scenario_file import Scenario

__all__ = ["assert_scenario", "run_scenario", "run_scenario_async"]


async def run_scenario_async(
    scenario: str | Path | Scenario, *, config_path: str | Path | None = None
) -> ScenarioResult:
    """Load (when given a path) and run a scenario.

    Args:
        scenario: A scenario file, or a loaded `Scenario`.
        config_path: The config file, for MCP servers and apps.

    Raises:
        ConfigValidationError: The scenario file is invalid.
        UserError: The scenario cannot be set up (imports, app, agent, recording).
    """
    from fastagent.scenarios.loader import load_scenario
    from fastagent.scenarios.runner import run

    loaded = load_scenario(scenario) if isinstance(scenario, str | Path) else scenario
    return await run(loaded, config_path=config_path)


def run_scenario(
    scenario: str | Path | Scenario, *, config_path: str | Path | None = None
) -> ScenarioResult:
    """Run a scenario in a new event loop and return its result (see `run_scenario_async`).

    Raises:
        UserError: Called while an event loop is running (use `run_scenario_async`), or the
            scenario cannot be set up.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(run_scenario_async(scenario, config_path=config_path))
    raise UserError(
        "run_scenario() was called inside a running event loop",
        hint="in async code, use: await run_scenario_async(path)",
    )


def assert_scenario(
    scenario: str | Path | Scenario, *, config_path: str | Path | None = None
) -> ScenarioResult:
    """Run a scenario and raise `AssertionError` listing its failures unless it passes.

    Returns:
        The result of the passing run.
    """
    result = run_scenario(scenario, config_path=config_path)
    if not result.passed:
        raise AssertionError(result.report())
    return result
