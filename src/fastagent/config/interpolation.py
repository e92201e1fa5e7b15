"""``${VAR}`` substitution in the string values of config and secrets files.

``${VAR}`` is replaced by the variable's value, ``${VAR:-default}`` by the default when the
variable is unset or empty, and ``$${`` writes a literal ``${``. References may sit inside
longer strings (``"Bearer ${TOKEN}"``). Keys are never substituted.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from fastagent.exceptions import MissingEnvVarError

__all__ = ["substitute_env_vars"]

_REFERENCE = re.compile(r"\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def substitute_env_vars(
    data: Any, env: Mapping[str, str], *, path: Path | None = None, at: str = ""
) -> Any:
    """Return a copy of `data` with every ``${VAR}`` in string values replaced.

    Args:
        data: Parsed YAML: mappings, lists and scalars.
        env: The variables to substitute from.
        path: The file the data came from, named in errors.
        at: The dotted key of `data` itself, used in errors.

    Returns:
        The substituted copy.

    Raises:
        MissingEnvVarError: A reference without a default names an unset variable.
    """
    if isinstance(data, str):
        return _substitute_string(data, env, path=path, key=at or "<top level>")
    if isinstance(data, dict):
        return {
            key: substitute_env_vars(value, env, path=path, at=_join(at, str(key)))
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [
            substitute_env_vars(item, env, path=path, at=f"{at}[{index}]")
            for index, item in enumerate(data)
        ]
    return data


def _substitute_string(text: str, env: Mapping[str, str], *, path: Path | None, key: str) -> str:
    if "${" not in text:
        return text

    def replace(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name is None:
            return "${"
        value = env.get(name)
        if value:
            return value
        if default is not None:
            return default
        if value is not None:
            return value
        raise MissingEnvVarError(name, key=key, path=str(path) if path else None)

    return _REFERENCE.sub(replace, text)


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key
