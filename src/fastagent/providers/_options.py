"""Model-string options (``?max_tokens=512&reasoning=low``) checked and converted by type.

Query parameters arrive as strings; code may pass values. `parse_options` checks the names
against what a provider accepts and converts each value, raising a one-line `UserError`
naming the provider, the option and a valid example.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastagent.exceptions import UserError
from fastagent.model_params import REASONING_LEVELS

__all__ = ["parse_options"]

_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def parse_options(
    provider: str, options: Mapping[str, Any], types: Mapping[str, type]
) -> dict[str, Any]:
    """The options converted to their types; ``reasoning`` must be a known level.

    Args:
        provider: The provider's name, for messages.
        options: The options as given (strings or values).
        types: Accepted option -> its type (``int``, ``float``, ``bool`` or ``str``).

    Raises:
        UserError: An unknown option, or a value that does not convert.
    """
    unknown = sorted(set(options) - set(types))
    if unknown:
        raise UserError(
            f"{provider}: unknown option(s) {', '.join(repr(u) for u in unknown)}",
            hint=f"valid options: {', '.join(sorted(types))}",
        )
    parsed: dict[str, Any] = {}
    for name, value in options.items():
        if value is None or value == "":
            continue
        parsed[name] = _convert(provider, name, value, types[name])
    level = parsed.get("reasoning")
    if level is not None and level not in REASONING_LEVELS:
        raise UserError(
            f"{provider}: unknown reasoning level {level!r}",
            hint=f"use one of: {', '.join(REASONING_LEVELS)}",
        )
    return parsed


def _convert(provider: str, name: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE or text in _FALSE:
            return text in _TRUE
        example = "true"
    else:
        try:
            return kind(value)
        except (TypeError, ValueError):
            example = {int: "1024", float: "0.2"}.get(kind, "value")
    raise UserError(
        f"{provider}: option {name} must be {kind.__name__}, got {value!r}",
        hint=f"write e.g. ?{name}={example}",
    )
