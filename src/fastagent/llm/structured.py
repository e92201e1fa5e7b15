"""Structured output: ask for JSON matching a pydantic model, then parse and validate it.

There is one path. A caller sets `RequestParams.response_format`; the tool loop passes it to
providers that enforce schemas natively (``native_structured_output``) and, for the others,
appends `json_instruction` to the system prompt (never to the user's message, so echo models
still work); the caller then parses the reply with `parse_structured`.
"""

from __future__ import annotations

import functools
import json
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from fastagent.exceptions import ModelOutputError

__all__ = ["json_instruction", "parse_structured", "strip_code_fence"]

M = TypeVar("M", bound=BaseModel)

_MAX_PROBLEMS = 5


def json_instruction(response_format: type[BaseModel] | dict[str, Any]) -> str:
    """The system-prompt text asking for JSON that matches `response_format`.

    Args:
        response_format: A pydantic model class (its text is cached per class) or a JSON
            Schema dict.
    """
    if isinstance(response_format, dict):
        return _instruction(json.dumps(response_format, separators=(",", ":")))
    return _model_instruction(response_format)


@functools.lru_cache(maxsize=128)
def _model_instruction(model_cls: type[BaseModel]) -> str:
    return _instruction(json.dumps(model_cls.model_json_schema(), separators=(",", ":")))


def _instruction(schema: str) -> str:
    return (
        "Reply with one JSON object only, no prose and no code fence. "
        f"It must match this JSON Schema:\n{schema}"
    )


def strip_code_fence(text: str) -> str:
    """The text without surrounding whitespace and a Markdown code fence (```json ... ```)."""
    stripped = text.strip()
    if not stripped.startswith("```"):
        return stripped
    first_newline = stripped.find("\n")
    if first_newline == -1:
        return stripped.strip("`").strip()
    body = stripped[first_newline + 1 :]
    if body.rstrip().endswith("```"):
        body = body.rstrip()[:-3]
    return body.strip()


def parse_structured(text: str, model_cls: type[M]) -> M:
    """Parse the model's reply as JSON and validate it against `model_cls`.

    Raises:
        ModelOutputError: The reply is not valid JSON or does not match the model; the
            message names the problems and `raw` holds the reply.
    """
    candidate = strip_code_fence(text)
    try:
        return model_cls.model_validate_json(candidate)
    except ValidationError as exc:
        problem = exc
        embedded = _embedded_object(candidate)
        if embedded is not None and _is_json_error(exc):
            try:
                return model_cls.model_validate_json(embedded)
            except ValidationError as inner:
                if not _is_json_error(inner):  # JSON inside the prose: say what it lacks
                    problem = inner
        errors = problem.errors(include_url=False, include_input=False)
        problems = [
            f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}"
            for e in errors[:_MAX_PROBLEMS]
        ]
        more = len(errors) - _MAX_PROBLEMS
        if more > 0:
            problems.append(f"... and {more} more")
        raise ModelOutputError(
            f"the model's reply does not match {model_cls.__name__}: {'; '.join(problems)}",
            raw=text,
            hint="check the model supports JSON output, or simplify the schema / prompt",
        ) from None


def _is_json_error(exc: ValidationError) -> bool:
    return any(e["type"] == "json_invalid" for e in exc.errors(include_url=False))


def _embedded_object(text: str) -> str | None:
    """The span from the first ``{`` to the last ``}``, when the text has prose around it."""
    start, end = text.find("{"), text.rfind("}")
    if start <= 0 and end in (-1, len(text) - 1):
        return None
    if start == -1 or end < start:
        return None
    return text[start : end + 1]
