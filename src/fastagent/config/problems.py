"""Turning pydantic validation errors into one `ConfigValidationError`.

Each problem names its file (or variable), line and key, with a suggestion for misspelt keys.
"""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING

from fastagent._key_path import dotted_key
from fastagent.config.key_paths import field_names_at
from fastagent.config.layers import LayeredConfig
from fastagent.config.settings import Settings
from fastagent.exceptions import ConfigValidationError

if TYPE_CHECKING:
    from pydantic import ValidationError

__all__ = ["dotted_key", "to_config_error"]

_VALUE_ERROR_PREFIX = "Value error, "


def to_config_error(error: ValidationError, layers: LayeredConfig) -> ConfigValidationError:
    """Describe every problem of a failed `Settings` validation, one line each.

    Args:
        error: The pydantic error.
        layers: The merged layers, to find the file/variable and line of each key.

    Returns:
        The error to raise.
    """
    problems: list[tuple[str, str, int | None, str]] = []
    for detail in error.errors(include_url=False):
        path = tuple(detail["loc"])
        key = dotted_key(path)
        origin = layers.origin_at(path)
        where = origin.where if origin is not None else "configuration"
        line = origin.line if origin is not None else None
        if detail["type"] == "extra_forbidden":
            text = f"unknown key '{key}'{_suggestion(path)}"
        else:
            message = detail["msg"].removeprefix(_VALUE_ERROR_PREFIX)
            text = f"{key}: {message}" if key else message
        problems.append((where, key, line, text))
    problems.sort(key=lambda problem: (problem[0], problem[2] or 0))
    lines = [
        f"{where}: line {line}: {text}" if line is not None else f"{where}: {text}"
        for where, _key, line, text in problems
    ]
    return ConfigValidationError(
        "\n".join(lines),
        problems=problems,
        hint="fix the keys named above; fastagent config show lists every setting",
    )


def _suggestion(path: tuple[str | int, ...]) -> str:
    allowed = field_names_at(Settings, path[:-1])
    matches = difflib.get_close_matches(str(path[-1]), allowed, n=1)
    return f" (did you mean '{matches[0]}'?)" if matches else ""
