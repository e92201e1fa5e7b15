"""Reading YAML config files while remembering the line of every key.

`read_yaml_mapping` returns the file's data and a map from key path (``("mcp", "servers",
"fetch")``, list items by index) to the 1-based line where that key or item starts, so
validation errors can point at the line to fix.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from fastagent._yaml_aliases import expands_beyond
from fastagent.exceptions import ConfigFileError

__all__ = ["MAX_EXPANDED_NODES", "KeyPath", "LineLoader", "read_yaml_mapping"]

KeyPath = tuple[str | int, ...]

MAX_EXPANDED_NODES = 100_000
"""Most values a config file may hold once its aliases (``*name``) are expanded.

Anchors and merge keys are fine; this only stops alias bombs ("billion laughs").
"""


class LineLoader(yaml.SafeLoader):
    """A `yaml.SafeLoader` that also records the line of each mapping key and list item."""

    def load_with_lines(self, path: Path) -> tuple[Any, dict[KeyPath, int]]:
        """Load the single document of the stream.

        Args:
            path: The file being read, for error messages.

        Returns:
            The document (None when empty) and key path -> 1-based line.

        Raises:
            ConfigFileError: The stream holds more than one document or a duplicate key, or
                its aliases expand beyond `MAX_EXPANDED_NODES` values.
        """
        node = self.get_single_node()
        if node is None:
            return None, {}
        if expands_beyond(node, MAX_EXPANDED_NODES):
            raise ConfigFileError(
                f"{path}: YAML aliases expand to more than {MAX_EXPANDED_NODES} values",
                path=str(path),
                hint="write the repeated settings out, or nest fewer aliases inside aliases",
            )
        lines: dict[KeyPath, int] = {}
        self._record_lines(node, (), lines, path, set())
        return self.construct_document(node), lines

    def _record_lines(
        self,
        node: yaml.Node,
        at: KeyPath,
        lines: dict[KeyPath, int],
        path: Path,
        on_path: set[int],
    ) -> None:
        if id(node) in on_path:  # a recursive alias
            return
        on_path = on_path | {id(node)}
        if isinstance(node, yaml.MappingNode):
            seen: set[str] = set()
            for key_node, value_node in node.value:
                if not isinstance(key_node, yaml.ScalarNode) or key_node.tag.endswith(":merge"):
                    continue
                key = str(key_node.value)
                line = key_node.start_mark.line + 1
                if key in seen:
                    dotted = ".".join(str(part) for part in (*at, key))
                    raise ConfigFileError(
                        f"duplicate key '{dotted}' in {path} at line {line}",
                        path=str(path),
                        line=line,
                        hint="remove one of the two entries",
                    )
                seen.add(key)
                lines[(*at, key)] = line
                self._record_lines(value_node, (*at, key), lines, path, on_path)
        elif isinstance(node, yaml.SequenceNode):
            for index, item in enumerate(node.value):
                lines[(*at, index)] = item.start_mark.line + 1
                self._record_lines(item, (*at, index), lines, path, on_path)


def read_yaml_mapping(path: Path) -> tuple[dict[str, Any], dict[KeyPath, int]]:
    """Read a YAML config file whose top level must be a mapping (or empty).

    Args:
        path: The file.

    Returns:
        The mapping (empty for an empty file) and key path -> 1-based line.

    Raises:
        ConfigFileError: The file cannot be read, is not valid YAML, or is not a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = error.strerror if isinstance(error, OSError) and error.strerror else str(error)
        raise ConfigFileError(
            f"cannot read {path}: {reason}",
            path=str(path),
            hint="check that the file exists, is readable and is UTF-8 text",
        ) from None
    loader = LineLoader(text)
    try:
        data, lines = loader.load_with_lines(path)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        where = f" at line {line}" if line is not None else ""
        problem = error.problem or error.context or "cannot parse"
        raise ConfigFileError(
            f"invalid YAML in {path}{where}: {problem}",
            path=str(path),
            line=line,
            hint="fix the YAML syntax at that line (check indentation, colons and quotes)",
        ) from None
    except yaml.YAMLError as error:
        raise ConfigFileError(
            f"invalid YAML in {path}: {error}",
            path=str(path),
            hint="fix the YAML syntax of the file",
        ) from None
    except RecursionError:
        raise ConfigFileError(
            f"{path}: the YAML is nested too deeply to read",
            path=str(path),
            hint="settings nest a few levels deep; check that this is the right file",
        ) from None
    finally:
        loader.dispose()
    if data is None:
        return {}, {}
    if not isinstance(data, dict):
        raise ConfigFileError(
            f"{path}: the top level must be a mapping of settings, not a {_yaml_kind(data)}",
            path=str(path),
            line=1,
            hint="write settings as 'key: value' lines, e.g. 'default_model: sonnet'",
        )
    return data, lines


def _yaml_kind(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    return type(value).__name__
