"""Typed errors through the database: what a failed workflow raised, back as the same error.

DBOS stores a failed workflow's error in its portable JSON form (type name, ``str()`` and a
JSON ``data`` field) and gives it back, in any process that reads it, as a
``PortableWorkflowError``: the type, the message/hint split and the fields of a fastagent
error would be lost. `mark` puts them in ``data`` before DBOS stores the error (DBOS takes an
exception's ``data`` attribute as that field); `restore` rebuilds the error from what was
stored: the same class, ``message``, ``hint`` and JSON fields (a `WorkflowTimeoutError`'s
``member``, an HTTP error's ``status``...), so ``str()`` ends with the ``hint:`` line again.

Nothing here imports ``dbos``.
"""

from __future__ import annotations

import builtins
import importlib
from typing import Any, Final

from fastagent.exceptions import FastAgentError, RuntimeFailure

__all__ = [
    "ERROR_KEY",
    "from_record",
    "mark",
    "mark_from_record",
    "portable",
    "restore",
    "restored",
]

ERROR_KEY: Final = "fastagent_error"
"""The key of a fastagent error's description in the stored error's ``data``."""

_SCALARS = (str, int, float, bool, type(None))
_FROM_RECORD: Final = "_fastagent_from_record"


def portable(error: FastAgentError) -> dict[str, Any]:
    """The JSON description of `error`: its class, message, hint and JSON-valued fields."""
    cls = type(error)
    fields = {
        name: value
        for name, value in vars(error).items()
        if not name.startswith("_") and name not in ("message", "hint", "data") and _json(value)
    }
    return {
        ERROR_KEY: {
            "type": f"{cls.__module__}:{cls.__qualname__}",
            "message": error.message,
            "hint": error.hint,
            "fields": fields,
        }
    }


def mark(error: BaseException) -> None:
    """Give a fastagent `error` the ``data`` that DBOS stores with it (others: nothing)."""
    if isinstance(error, FastAgentError):
        error.data = portable(error)  # type: ignore[attr-defined]


def restore(name: str, message: str, data: Any) -> Exception:
    """The error a workflow raised, from its stored type `name`, `message` and `data`.

    A fastagent error comes back as its own class with its message, hint and fields; a
    built-in exception (``ValueError``...) as itself with the message; anything else as a
    `RuntimeFailure` reading ``<Type>: <message>``.
    """
    described = data.get(ERROR_KEY) if isinstance(data, dict) else None
    if isinstance(described, dict):
        rebuilt = _fastagent_error(described)
        if rebuilt is not None:
            return rebuilt
    found = getattr(builtins, name, None)
    if isinstance(found, type) and issubclass(found, Exception):
        try:
            return found(message)
        except Exception:  # a built-in whose constructor wants more than a message
            pass
    return RuntimeFailure(f"{name}: {message}")


def restored(error: BaseException) -> BaseException:
    """`error` itself, or, when it is DBOS's portable stand-in, the error it stands for."""
    if type(error).__name__ != "PortableWorkflowError":
        return error
    return restore(
        str(getattr(error, "name", "Error")),
        str(getattr(error, "message", error)),
        getattr(error, "data", None),
    )


def _fastagent_error(described: dict[str, Any]) -> FastAgentError | None:
    module, _, qualname = str(described.get("type", "")).partition(":")
    if module != "fastagent" and not module.startswith("fastagent."):
        return None
    try:
        cls = getattr(importlib.import_module(module), qualname, None)
    except ImportError:
        return None
    if not (isinstance(cls, type) and issubclass(cls, FastAgentError)):
        return None
    message = str(described.get("message", ""))
    hint = described.get("hint")
    # Not cls(...): subclasses take their own arguments; the stored fields are set instead.
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    fields = described.get("fields")
    if isinstance(fields, dict):
        error.__dict__.update(fields)
    error.message = message
    error.hint = hint if isinstance(hint, str) else None
    return error


def mark_from_record(error: BaseException) -> None:
    """Note that `error` is a turn's own recorded failure, read back by sending its key again."""
    error.__dict__[_FROM_RECORD] = True


def from_record(error: BaseException) -> bool:
    """Whether `error` is a turn's recorded failure read back (`mark_from_record`)."""
    return bool(getattr(error, _FROM_RECORD, False))


def _json(value: Any) -> bool:
    if isinstance(value, _SCALARS):
        return True
    if isinstance(value, list | tuple):
        return all(isinstance(item, _SCALARS) for item in value)
    return False
