"""A workflow's error through DBOS's portable JSON form comes back as the same typed error."""

from __future__ import annotations

import pytest

from fastagent.durable.portable_errors import mark, restore, restored
from fastagent.exceptions import (
    BadRequestError,
    FastAgentError,
    MissingDependencyError,
    RuntimeFailure,
    UnknownAgentError,
    WorkflowTimeoutError,
)

pytest.importorskip("dbos", reason="the durable extra is not installed")


def _through_dbos(error: Exception) -> BaseException:
    """What a process reading the workflow's record gets: DBOS's stand-in, restored."""
    from dbos._serialization import DBOSPortableJSON, deserialize_exception, serialize_exception

    mark(error)
    text, serialization = serialize_exception(error, None, DBOSPortableJSON)
    stand_in = deserialize_exception(text, serialization, DBOSPortableJSON)
    assert type(stand_in).__name__ == "PortableWorkflowError"
    return restored(stand_in)


@pytest.mark.parametrize(
    "error",
    [
        BadRequestError(
            "openai: 400 refused: boom",
            status_code=400,
            body='{"error": "refused"}',
            provider="openai",
            hint="check the request",
        ),
        WorkflowTimeoutError(
            "parallel 'p': branch 'b' gave no answer within 1 s",
            workflow="p",
            member="b",
            timeout=1.0,
            hint="raise branch_timeout= of parallel 'p'",
        ),
        MissingDependencyError("dbos", "durable"),
        UnknownAgentError("no agent 'wrtier'", hint="did you mean 'writer'?", agent="wrtier"),
        RuntimeFailure("a failure without a hint"),
    ],
    ids=type,
)
def test_a_fastagent_error_keeps_its_type_message_hint_and_fields(error: FastAgentError) -> None:
    back = _through_dbos(error)
    assert type(back) is type(error)
    assert isinstance(back, FastAgentError)
    assert (back.message, back.hint, str(back)) == (error.message, error.hint, str(error))
    fields = {k: v for k, v in vars(error).items() if k != "data"}
    assert {k: v for k, v in vars(back).items() if k in fields} == fields


def test_other_errors_keep_their_builtin_type_or_name() -> None:
    value = _through_dbos(ValueError("bad value"))
    assert type(value) is ValueError and str(value) == "bad value"

    class Odd(Exception):
        pass

    odd = _through_dbos(Odd("strange"))
    assert type(odd) is RuntimeFailure and str(odd) == "Odd: strange"


def test_only_fastagent_error_classes_are_rebuilt() -> None:
    forged = {"fastagent_error": {"type": "subprocess:Popen", "message": "x", "hint": None}}
    assert type(restore("Popen", "x", forged)) is RuntimeFailure
    not_an_error = {"fastagent_error": {"type": "fastagent.messages:Message", "message": "x"}}
    assert type(restore("Message", "x", not_an_error)) is RuntimeFailure


def test_a_wait_recorded_by_the_earlier_code_replays() -> None:
    from fastagent.durable.engine import _replayed

    done = _replayed({"result": {"final": {"role": "assistant"}}})
    assert done.result == {"final": {"role": "assistant"}} and done.error is None
    failed = _replayed({"error": "BadRequestError: refused: boom"})
    assert failed.result is None
    assert str(failed.error) == "BadRequestError: refused: boom"
