from __future__ import annotations

import pytest

from fastagent.exceptions import UserError
from fastagent.scenarios.loader import load_scenario
from fastagent.scenarios.testing import assert_scenario, run_scenario, run_scenario_async

from .conftest import WriteScenario

PASSING = "turns: [{text: Hello there}]\ninputs: [hi]\nexpect: {final_text_contains: Hello}\n"
FAILING = "turns: [{text: Hello there}]\ninputs: [hi]\nexpect: {final_text_contains: Bye}\n"


def test_run_scenario_from_a_path_or_a_scenario(write_scenario: WriteScenario) -> None:
    path = write_scenario(PASSING)
    assert run_scenario(path).passed
    assert run_scenario(str(path)).passed
    assert run_scenario(load_scenario(path)).passed
    assert not run_scenario(write_scenario(FAILING, "failing.yaml")).passed


def test_assert_scenario_raises_with_the_failure_text(write_scenario: WriteScenario) -> None:
    assert assert_scenario(write_scenario(PASSING)).passed
    path = write_scenario(FAILING, "failing.yaml")
    with pytest.raises(AssertionError) as caught:
        assert_scenario(path)
    assert str(caught.value) == (
        f"scenario 'failing' ({path}) failed\n"
        "  - expected the final reply to contain 'Bye'; it was 'Hello there'"
    )


async def test_inside_an_event_loop_use_the_async_form(write_scenario: WriteScenario) -> None:
    path = write_scenario(PASSING)
    with pytest.raises(UserError, match="inside a running event loop"):
        run_scenario(path)
    assert (await run_scenario_async(path)).passed
