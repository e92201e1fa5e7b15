"""Turn pydantic validation errors into text a model can act on."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import ValidationError

__all__ = ["describe_json_type", "format_argument_errors", "format_output_errors"]

_MAX_INPUT_CHARS = 80


def format_argument_errors(
    tool_name: str, error: ValidationError, input_schema: dict[str, Any]
) -> str:
    """Describe every bad argument of one call: which, what was wrong, which type is expected.

    Args:
        tool_name: The tool the model called.
        error: The validation error of its arguments.
        input_schema: The tool's input schema (for the expected types).
    """
    properties: dict[str, Any] = input_schema.get("properties", {})
    defs: dict[str, Any] = input_schema.get("$defs", {})
    lines = [f"invalid arguments for tool '{tool_name}':"]
    for problem in error.errors(include_url=False):
        location = _location(problem["loc"])
        if problem["type"] == "missing":
            text = "required argument is missing"
        elif problem["type"] == "extra_forbidden" and len(problem["loc"]) == 1:
            valid = ", ".join(properties) or "none"
            text = f"unknown argument (valid arguments: {valid})"
        else:
            text = f"{problem['msg']} (got {_short(problem['input'])})"
        top = problem["loc"][0] if problem["loc"] else None
        if len(problem["loc"]) == 1 and isinstance(top, str) and top in properties:
            text += f"; expected {describe_json_type(properties[top], defs)}"
        lines.append(f"  - {location}: {text}")
    lines.append(f"Call '{tool_name}' again with corrected arguments.")
    return "\n".join(lines)


def format_output_errors(tool_name: str, error: ValidationError) -> str:
    """Describe why a tool's return value does not match its declared output schema."""
    lines = [f"tool '{tool_name}' returned a value that does not match its output schema:"]
    for problem in error.errors(include_url=False):
        lines.append(f"  - {_location(problem['loc'])}: {problem['msg']}")
    return "\n".join(lines)


def describe_json_type(schema: dict[str, Any], defs: dict[str, Any] | None = None) -> str:
    """A short human reading of a JSON schema: ``integer``, ``array of string``, ``"a" or "b"``."""
    defs = defs or {}
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        target = defs.get(name, {})
        if "enum" in target:
            return describe_json_type(target, defs)
        return f"object ({name})"
    if "const" in schema:
        return json.dumps(schema["const"])
    if "enum" in schema:
        return "one of " + ", ".join(json.dumps(value) for value in schema["enum"])
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            parts = [describe_json_type(part, defs) for part in schema[combinator]]
            return " or ".join(dict.fromkeys(parts))
    kind = schema.get("type")
    if kind == "array" and isinstance(schema.get("items"), dict):
        return f"array of {describe_json_type(schema['items'], defs)}"
    if isinstance(kind, list):
        return " or ".join(str(k) for k in kind)
    return str(kind) if kind else "any JSON value"


def _location(loc: Sequence[int | str]) -> str:
    return ".".join(str(part) for part in loc) or "(arguments)"


def _short(value: Any) -> str:
    try:
        text = json.dumps(value, ensure_ascii=False, default=repr)
    except ValueError:  # circular structures
        text = repr(value)
    if len(text) > _MAX_INPUT_CHARS:
        return text[: _MAX_INPUT_CHARS - 3] + "..."
    return text
