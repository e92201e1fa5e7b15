"""Merging configuration layers while remembering where every value came from.

Layers are applied lowest first (defaults < file < secrets < .env < environment < command
line). Mappings merge key by key (an empty mapping over a mapping changes nothing); any other
value, lists included, replaces what was there.
For each key path the merge keeps the `Origin` that last wrote it (for error messages) and,
for leaf values, the source name (for ``fastagent config show``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from fastagent.config.yaml_source import KeyPath

__all__ = ["LayeredConfig", "Origin", "SourceName"]

SourceName = Literal["default", "file", "secrets", "dotenv", "env", "cli"]


@dataclass(frozen=True)
class Origin:
    """Where a value was written.

    Attributes:
        source: The layer: file, secrets, dotenv, env or cli.
        where: The file, or the variable / flag that set it.
        line: 1-based line in the file, when known.
    """

    source: SourceName
    where: str
    line: int | None = None


@dataclass
class LayeredConfig:
    """The merged configuration data and the origin of every key path.

    Attributes:
        data: The merged data, ready for validation.
        origins: Key path -> the origin that last wrote it (mappings and leaves).
        leaf_sources: Key path of each leaf value -> its source name.
    """

    data: dict[str, Any] = field(default_factory=dict)
    origins: dict[KeyPath, Origin] = field(default_factory=dict)
    leaf_sources: dict[KeyPath, SourceName] = field(default_factory=dict)

    def merge(self, values: Mapping[Any, Any], origin_of: Callable[[KeyPath], Origin]) -> None:
        """Merge a layer's mapping over the data.

        Args:
            values: The layer's (nested) values.
            origin_of: Gives the origin of each key path of the layer.
        """
        self._merge_into(self.data, (), values, origin_of)

    def set(self, path: KeyPath, value: Any, origin: Origin) -> None:
        """Set one value at `path`, creating mappings on the way.

        Args:
            path: The key path (at least one key).
            value: The value; a mapping merges like a layer would.
            origin: Where it came from.
        """
        nested: Any = value
        for key in reversed(path):
            nested = {key: nested}
        self.merge(nested, lambda _path: origin)

    def get(self, path: KeyPath) -> Any:
        """Return the merged value at `path`, or None when nothing is set there.

        Args:
            path: The key path.

        Returns:
            The value or None.
        """
        level: Any = self.data
        for key in path:
            if not isinstance(level, dict) or key not in level:
                return None
            level = level[key]
        return level

    def origin_at(self, path: KeyPath) -> Origin | None:
        """Return the origin of `path`, or of its nearest ancestor that has one.

        Args:
            path: The key path, as found in a validation error.

        Returns:
            The origin, or None for values nobody wrote (defaults).
        """
        for end in range(len(path), 0, -1):
            origin = self.origins.get(path[:end])
            if origin is not None:
                return origin
        return None

    def source_of(self, path: KeyPath) -> SourceName:
        """Return the source of a leaf of the validated config.

        Args:
            path: The leaf's key path.

        Returns:
            The layer that wrote it or a mapping/list holding it, else ``"default"``.
        """
        for end in range(len(path), 0, -1):
            source = self.leaf_sources.get(path[:end])
            if source is not None:
                return source
        return "default"

    def _merge_into(
        self,
        target: dict[Any, Any],
        at: KeyPath,
        values: Mapping[Any, Any],
        origin_of: Callable[[KeyPath], Origin],
    ) -> None:
        for key, value in values.items():
            path = (*at, key)
            if isinstance(value, Mapping) and (value or isinstance(target.get(key), dict)):
                if not isinstance(target.get(key), dict):
                    self._forget(path)
                    target[key] = {}
                if value:
                    self.leaf_sources.pop(path, None)
                self.origins[path] = origin_of(path)
                self._merge_into(target[key], path, value, origin_of)
            else:
                self._forget(path)
                target[key] = dict(value) if isinstance(value, Mapping) else value
                origin = origin_of(path)
                self.leaf_sources[path] = origin.source
                self._record_origins(path, value, origin_of)

    def _record_origins(
        self, path: KeyPath, value: Any, origin_of: Callable[[KeyPath], Origin]
    ) -> None:
        self.origins[path] = origin_of(path)
        if isinstance(value, list):
            for index, item in enumerate(value):
                self._record_origins((*path, index), item, origin_of)
        elif isinstance(value, Mapping):
            for key, item in value.items():
                self._record_origins((*path, key), item, origin_of)

    def _forget(self, path: KeyPath) -> None:
        size = len(path)
        for table in (self.origins, self.leaf_sources):
            for known in [known for known in table if known[:size] == path]:
                del table[known]
