"""Errors read back from a workflow's record come back as fastagent errors (one line, hint)."""

from __future__ import annotations

import pytest

from fastagent.durable.errors import DurableError, restored_error
from fastagent.exceptions import (
    FastAgentError,
    MissingAPIKeyError,
    RateLimitError,
    RuntimeFailure,
    ToolError,
    UserError,
)

dbos = pytest.importorskip("dbos", reason="the durable extra is not installed")


def _recorded(error: BaseException) -> BaseException:
    """What DBOS gives back for `error` stored with the portable JSON serializer."""
    from dbos._serialization import DBOSPortableJSON, deserialize_exception, serialize_exception

    text, kind = serialize_exception(error, DBOSPortableJSON.name(), DBOSPortableJSON)
    return deserialize_exception(text, kind, DBOSPortableJSON)


@pytest.mark.parametrize(
    ("original", "kind"),
    [
        (ToolError("the tool failed", hint="check it"), ToolError),
        (DurableError("no such queue", hint="check durable.queues"), DurableError),
        # Classes with attributes of their own come back as their nearest plain base, and
        # reading their hint does not reach for an attribute that was not recorded.
        (MissingAPIKeyError("anthropic", "ANTHROPIC_API_KEY"), UserError),
        (RateLimitError("slow down", provider="openai", status_code=429), RuntimeFailure),
    ],
)
def test_a_recorded_fastagent_error_keeps_its_message_and_hint(
    original: FastAgentError, kind: type[FastAgentError]
) -> None:
    recorded = _recorded(original)
    assert type(recorded).__name__ == "PortableWorkflowError"
    restored = restored_error(recorded)
    assert type(restored) is kind
    assert isinstance(restored, FastAgentError)
    assert restored.message == original.message
    assert restored.hint == original.hint
    assert str(restored) == str(original)


def test_other_errors_are_left_as_they_are() -> None:
    plain = ValueError("not ours")
    assert restored_error(plain) is plain
    recorded = _recorded(KeyError("x"))
    assert restored_error(recorded) is recorded
