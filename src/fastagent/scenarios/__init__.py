"""Test scenarios: scripted model turns replayed through an agent's real tool loop.

A scenario file names an agent, the model's turns, the user's inputs and what must hold at
the end; ``fastagent test`` and `fastagent.scenarios.testing` run them without an API key.
Names are imported lazily on first access. See docs/scenarios.md.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.scenarios.loader import find_scenario_files, is_scenario_file, load_scenario
    from fastagent.scenarios.runner import ScenarioResult
    from fastagent.scenarios.scenario_file import Scenario
    from fastagent.scenarios.testing import assert_scenario, run_scenario, run_scenario_async

__all__ = [
    "Scenario",
    "ScenarioResult",
    "assert_scenario",
    "find_scenario_files",
    "is_scenario_file",
    "load_scenario",
    "run_scenario",
    "run_scenario_async",
]

_LAZY: dict[str, str] = {
    "Scenario": "fastagent.scenarios.scenario_file",
    "ScenarioResult": "fastagent.scenarios.runner",
    "assert_scenario": "fastagent.scenarios.testing",
    "find_scenario_files": "fastagent.scenarios.loader",
    "is_scenario_file": "fastagent.scenarios.loader",
    "load_scenario": "fastagent.scenarios.loader",
    "run_scenario": "fastagent.scenarios.testing",
    "run_scenario_async": "fastagent.scenarios.testing",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
