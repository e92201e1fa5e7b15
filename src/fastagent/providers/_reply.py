"""Check that a provider answered with a whole completion; say what is wrong when not.

An HTTP 200 is not yet a completion: a proxy or a lax server may send a body that is not
JSON, JSON without the completion in it (an error object, an empty object), or a stream
that stops before its finish reason. Each is a `ProviderResponseError` naming the provider,
the model and what was missing, so nothing half-made reaches the conversation.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Mapping
from typing import Any, Final

from fastagent._redact import redact
from fastagent.exceptions import ProviderResponseError
from fastagent.provider_defaults import settings_key

__all__ = [
    "error_detail",
    "is_malformed_body",
    "not_a_completion",
    "reading_reply",
    "reply_dict",
]

_PREVIEW: Final = 120
# what reading a reply raises when a field is missing or of the wrong type (pydantic's
# ValidationError is a ValueError)
_SHAPE_ERRORS: Final = (KeyError, IndexError, TypeError, ValueError, AttributeError)


def not_a_completion(provider: str, model: str, problem: str) -> ProviderResponseError:
    """The error for a reply of `provider` that is not a whole completion.

    Args:
        provider: The provider's name.
        model: The model called.
        problem: What was wrong, e.g. ``"answered without choices"``.
    """
    return ProviderResponseError(
        f"{provider} model {model} {problem}",
        provider=provider,
        hint=f"retrying may help; if it keeps happening, check that {settings_key(provider)}"
        ".base_url "
        "points at the model API and not at a proxy or web page",
    )


def is_malformed_body(exc: BaseException) -> bool:
    """Whether `exc` is the SDK failing to decode a reply body (or an event) as JSON."""
    return isinstance(exc, json.JSONDecodeError)


def reply_dict(obj: Any, *, provider: str, model: str) -> dict[str, Any]:
    """An SDK reply object as its JSON dict.

    Raises:
        ProviderResponseError: The SDK handed back raw text (the body was not JSON) or
            something else that is not a JSON object.
    """
    if isinstance(obj, Mapping):
        return dict(obj)
    dump = getattr(obj, "model_dump", None)
    if dump is not None:
        dumped: dict[str, Any] = dump(mode="json", warnings=False)
        return dumped
    shown = obj.decode("utf-8", "replace") if isinstance(obj, bytes) else str(obj)
    raise not_a_completion(
        provider, model, f"answered with a body that is not JSON: {_preview(shown)}"
    )


def error_detail(data: Mapping[str, Any]) -> str | None:
    """The message of an ``{"error": ...}`` object some servers send with HTTP 200."""
    error = data.get("error")
    if isinstance(error, Mapping):
        message = error.get("message")
        return _preview(str(message)) if message else _preview(json.dumps(dict(error)))
    if isinstance(error, str) and error:
        return _preview(error)
    return None


def _preview(text: str) -> str:
    flat = " ".join(redact(text).split())
    return repr(flat if len(flat) <= _PREVIEW else flat[:_PREVIEW] + "...")


@contextlib.contextmanager
def reading_reply(provider: str, model: str) -> Iterator[None]:
    """Read a reply (or one stream event) inside this: a bad field is a typed error.

    A field missing or of the wrong type becomes a `ProviderResponseError` naming it, not a
    `KeyError` or an `AttributeError`.

    Raises:
        ProviderResponseError: Reading the reply failed.
    """
    try:
        yield
    except _SHAPE_ERRORS as exc:
        raise not_a_completion(provider, model, f"answered with a {shape_problem(exc)}") from exc


def shape_problem(exc: BaseException) -> str:
    """One line saying what was wrong with a reply, from the error reading it raised."""
    detail = f"{type(exc).__name__}: {exc}"
    errors = getattr(exc, "errors", None)
    if callable(errors):  # a pydantic ValidationError: its first error, on one line
        with contextlib.suppress(Exception):
            first = errors()[0]
            where = ".".join(str(part) for part in first.get("loc", ()))
            detail = f"{where}: {first.get('msg', '')}"
    return f"reply of the wrong shape ({_preview(detail)[1:-1]})"
