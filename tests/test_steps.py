"""`fastagent.steps`: the keys a step's tools read, and the deprecated setter."""

from __future__ import annotations

import pytest

from fastagent.steps import current_step, enter_step, idempotency_key, set_idempotency_key


def test_enter_step_sets_the_key_and_the_step_until_undone() -> None:
    undo = enter_step("turn-1", 3)
    try:
        assert idempotency_key() == "turn-1:3"
        step = current_step()
        assert step is not None
        assert (step.workflow_id, step.step) == ("turn-1", 3)
    finally:
        undo()
    assert idempotency_key() is None
    assert current_step() is None


def test_set_idempotency_key_is_deprecated_and_still_sets_the_key() -> None:
    with pytest.warns(DeprecationWarning, match="use enter_step") as caught:
        undo = set_idempotency_key("legacy-key")
    assert caught[0].filename == __file__  # the warning points at the caller
    try:
        assert idempotency_key() == "legacy-key"
        assert current_step() is None
    finally:
        undo()
    assert idempotency_key() is None
