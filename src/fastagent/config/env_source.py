"""Settings from environment variables.

``FASTAGENT_<KEY>__<SUBKEY>=value`` sets ``key.subkey``: the prefix is stripped, ``__``
separates levels, and names match case-insensitively (an existing key of any case is reused;
new keys are lower-cased). ``FASTAGENT_CONFIG`` names the config file and is not a setting.
Values of text settings are kept as written; other values are parsed as YAML, so ``true``,
``3``, ``1.5``, ``[a, b]`` and ``{"k": "v"}`` become booleans, numbers, lists and mappings.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import yaml

from fastagent._yaml_aliases import first_alias
from fastagent.config.discovery import CONFIG_ENV_VAR
from fastagent.config.key_paths import annotation_at, is_text_annotation
from fastagent.config.settings import Settings

__all__ = [
    "ENV_PREFIX",
    "EnvSetting",
    "parse_env_value",
    "settings_from_env",
]

ENV_PREFIX = "FASTAGENT_"


@dataclass(frozen=True)
class EnvSetting:
    """One setting taken from an environment variable.

    Attributes:
        variable: The variable's name as written.
        path: The key path it sets.
        value: The parsed value.
    """

    variable: str
    path: tuple[str, ...]
    value: Any


def settings_from_env(env: Mapping[str, str], existing: Mapping[str, Any]) -> list[EnvSetting]:
    """Collect the ``FASTAGENT_*`` settings of an environment, shallowest keys first.

    Args:
        env: The variables.
        existing: The configuration merged so far, whose key spelling is reused.

    Returns:
        One entry per setting variable, ordered so a mapping set by one variable is refined
        by variables naming keys inside it.
    """
    found: list[EnvSetting] = []
    for variable, raw in env.items():
        upper = variable.upper()
        if not upper.startswith(ENV_PREFIX) or upper == CONFIG_ENV_VAR:
            continue
        parts = variable[len(ENV_PREFIX) :].split("__")
        path = _match_case(parts, existing)
        found.append(EnvSetting(variable, path, parse_env_value(raw, path)))
    found.sort(key=lambda setting: (len(setting.path), setting.variable))
    return found


def parse_env_value(raw: str, path: tuple[str, ...]) -> Any:
    """Parse an environment value for the setting at `path`.

    Args:
        raw: The value as written.
        path: The key path it sets.

    Returns:
        `raw` for text settings; otherwise its YAML value, or `raw` when that is not a
        boolean, number, null, list or mapping, or when it uses YAML aliases.
    """
    if is_text_annotation(annotation_at(Settings, path)):
        return raw
    loader = yaml.SafeLoader(raw)
    try:
        node = loader.get_single_node()
        if node is not None and first_alias(node) is not None:
            return raw  # no aliases in one value; an alias bomb stays plain text
        value = loader.construct_document(node) if node is not None else None
    except (yaml.YAMLError, RecursionError):
        return raw
    finally:
        loader.dispose()
    if isinstance(value, str | datetime.date):
        return raw
    return value


def _match_case(parts: list[str], existing: Mapping[str, Any]) -> tuple[str, ...]:
    path: list[str] = []
    level: Any = existing
    for part in parts:
        key = part.lower()
        if isinstance(level, Mapping):
            key = next((k for k in level if isinstance(k, str) and k.lower() == key), key)
            level = level.get(key)
        path.append(key)
    return tuple(path)
