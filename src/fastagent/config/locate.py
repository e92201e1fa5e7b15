"""Where a configuration value came from: the file and line, or the source's name.

Errors about a value name where the user wrote it (``/p/fastagent.yaml: line 3``), or the
source it came from (``environment``, ``.env file``, ``command line``) when no file holds it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastagent.config.loader import LoadedConfig

__all__ = ["Locator", "Problem", "key_path", "where_set"]

Problem = tuple[str, str, int | None, str]
"""(file or source, dotted key, line or None, text), as `ConfigValidationError.problems`."""

_SOURCE_NAMES = {"env": "environment", "dotenv": ".env file", "cli": "command line"}


def where_set(loaded: LoadedConfig, key: str) -> str:
    """Where `key`'s value came from, as errors start: ``/p/fastagent.yaml: line 3``.

    Args:
        loaded: The loaded configuration.
        key: A dotted key (``default_model``, ``agents.writer.model``).

    Returns:
        The file and line, the file alone, or the source's name (``environment``, ...).
    """
    where, _key, line, _text = Locator(loaded)(key, "")
    return f"{where}: line {line}" if line is not None else where


class Locator:
    """Where a key's value came from: the file and line, or the source's name.

    Args:
        loaded: The loaded configuration.
    """

    def __init__(self, loaded: LoadedConfig) -> None:
        self.loaded = loaded
        self._lines: dict[Path, Mapping[tuple[str | int, ...], int]] = {}

    def __call__(self, key: str, text: str) -> Problem:
        """The problem `text` about `key`, placed where the key's value was written."""
        source = self.loaded.sources.get(key, "file")
        file = {"file": self.loaded.config_file, "secrets": self.loaded.secrets_file}.get(source)
        if file is None:
            return (_SOURCE_NAMES.get(source, "configuration"), key, None, text)
        return (str(file), key, self._lines_of(file).get(key_path(key)), text)

    def _lines_of(self, file: Path) -> Mapping[tuple[str | int, ...], int]:
        if file not in self._lines:
            from fastagent.config.yaml_source import read_yaml_mapping
            from fastagent.exceptions import ConfigError

            try:
                self._lines[file] = read_yaml_mapping(file)[1]
            except (ConfigError, OSError):
                self._lines[file] = {}
        return self._lines[file]


def key_path(key: str) -> tuple[str | int, ...]:
    """A dotted key (``agents.a.servers[0]``) as a path into the parsed YAML."""
    path: list[str | int] = []
    for part in key.split("."):
        name, _, rest = part.partition("[")
        path.append(name)
        for index in rest.rstrip("]").split("][") if rest else ():
            path.append(int(index))
    return tuple(path)
