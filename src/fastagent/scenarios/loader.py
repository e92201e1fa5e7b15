"""Reading scenario files: validation with file, key and line, and finding them in folders.

A problem is reported like a config problem: ``weather.yaml: line 7: unknown key
'expect.final_text_contain' (did you mean 'final_text_contains'?)``, every problem at once.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastagent.exceptions import ConfigValidationError, UserError

if TYPE_CHECKING:
    from pydantic import ValidationError

    from fastagent.config.yaml_source import KeyPath
    from fastagent.scenarios.scenario_file import Scenario

__all__ = ["SCENARIO_SUFFIXES", "find_scenario_files", "is_scenario_file", "load_scenario"]

SCENARIO_SUFFIXES = (".yaml", ".yml")
"""File extensions of scenario files."""

_SCENARIO_MARKER = re.compile(r"^(turns|recording)\s*:|^model\s*:\s*['\"]?passthrough\b", re.M)
_HINT = "fix the keys named above; docs/scenarios.md lists every key"


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file.

    Args:
        path: The YAML file.

    Returns:
        The scenario, remembering its file.

    Raises:
        ConfigFileError: The file cannot be read or is not a YAML mapping.
        ConfigValidationError: Keys are unknown, missing, of the wrong type or contradict
            each other (each problem with its line).
    """
    from pydantic import ValidationError

    from fastagent.config.yaml_source import read_yaml_mapping
    from fastagent.scenarios.scenario_file import Scenario

    file = Path(path)
    data, lines = read_yaml_mapping(file)
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as error:
        raise _validation_error(file, error, data, lines) from None
    contradictions = _contradictions(scenario)
    if contradictions:
        from fastagent.config.problems import dotted_key

        problems = [(dotted_key(key), _line(lines, key), text) for key, text in contradictions]
        raise _error(file, problems)
    return scenario.with_source(str(file))


def is_scenario_file(path: Path) -> bool:
    """Tell whether a YAML file is a scenario: a top-level ``turns`` or ``recording`` key.

    A passthrough scenario (``model: passthrough``) needs no turns, so that line marks a
    scenario too. The text is scanned, not parsed, so a broken scenario is still found (and
    its problem reported).
    """
    if path.suffix not in SCENARIO_SUFFIXES:
        return False
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return _SCENARIO_MARKER.search(text) is not None


def find_scenario_files(paths: Iterable[str | Path]) -> list[Path]:
    """Expand files and folders into scenario files, sorted within each folder.

    Files named explicitly are taken as they are; folders are searched recursively for
    ``*.yaml`` / ``*.yml`` files that `is_scenario_file` accepts (hidden folders skipped).

    Raises:
        UserError: A path does not exist.
    """
    found: list[Path] = []
    for entry in paths:
        path = Path(entry)
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found.extend(
                candidate
                for candidate in sorted(path.rglob("*"))
                if candidate.is_file()
                and not _hidden(candidate.relative_to(path))
                and is_scenario_file(candidate)
            )
        else:
            raise UserError(
                f"no such file or folder: {path}",
                hint="pass scenario files (*.yaml) or folders that contain them",
            )
    return list(dict.fromkeys(found))


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts[:-1])


def _validation_error(
    file: Path, error: ValidationError, data: dict[str, Any], lines: dict[KeyPath, int]
) -> ConfigValidationError:
    from fastagent.config.problems import dotted_key

    problems: list[tuple[str, int | None, str]] = []
    for detail in error.errors(include_url=False):
        path = _data_path(tuple(detail["loc"]), data)
        key = dotted_key(path)
        if detail["type"] == "extra_forbidden":
            text = f"unknown key '{key}'{_suggestion(path)}"
        else:
            message = detail["msg"].removeprefix("Value error, ")
            text = f"{key}: {message}" if key else message
        problems.append((key, _line(lines, path), text))
    return _error(file, problems)


def _data_path(loc: tuple[str | int, ...], data: Any) -> tuple[str | int, ...]:
    """The key path of an error location, without pydantic's validator tags."""
    path: list[str | int] = []
    current = data
    for index, part in enumerate(loc):
        found, child = _child(current, part)
        if found:
            current = child
        elif index < len(loc) - 1 or not isinstance(part, str) or "[" in part:
            continue  # a tag naming a union member or validator, not a key of the file
        path.append(part)
    return tuple(path)


def _child(container: Any, part: str | int) -> tuple[bool, Any]:
    if isinstance(container, dict) and part in container:
        return True, container[part]
    if isinstance(container, list) and isinstance(part, int) and 0 <= part < len(container):
        return True, container[part]
    return False, None


def _suggestion(path: Sequence[str | int]) -> str:
    from fastagent.config.key_paths import field_names_at
    from fastagent.scenarios.scenario_file import Scenario

    allowed = field_names_at(Scenario, path[:-1])
    matches = difflib.get_close_matches(str(path[-1]), allowed, n=1)
    return f" (did you mean '{matches[0]}'?)" if matches else ""


def _contradictions(scenario: Scenario) -> list[tuple[tuple[str, ...], str]]:
    problems: list[tuple[tuple[str, ...], str]] = []
    if scenario.model == "playback":
        if scenario.turns is None and scenario.recording is None:
            problems.append(((), "a playback scenario needs 'turns' or 'recording'"))
        elif scenario.turns is not None and scenario.recording is not None:
            problems.append((("recording",), "'turns' and 'recording' are both set; keep one"))
    elif scenario.turns or scenario.recording is not None:
        key = "recording" if scenario.recording is not None else "turns"
        problems.append(((key,), f"'{key}' is only used with model: playback (passthrough echoes)"))
    if scenario.app is not None:
        for field in sorted(scenario.agent.model_fields_set - {"name"}):
            problems.append(
                (
                    ("agent", field),
                    f"agent.{field} cannot be set with 'app' (the app declares its agents); "
                    "give only the agent's name",
                )
            )
    return problems


def _line(lines: dict[KeyPath, int], path: Sequence[str | int]) -> int | None:
    """The line of `path`, or of its nearest ancestor that has one."""
    for end in range(len(path), 0, -1):
        line = lines.get(tuple(path[:end]))
        if line is not None:
            return line
    return None


def _error(file: Path, problems: list[tuple[str, int | None, str]]) -> ConfigValidationError:
    problems.sort(key=lambda problem: problem[1] or 0)
    where = str(file)
    text = "\n".join(
        f"{where}: line {line}: {message}" if line is not None else f"{where}: {message}"
        for _key, line, message in problems
    )
    return ConfigValidationError(
        text,
        problems=[(where, key, line, message) for key, line, message in problems],
        hint=_HINT,
    )
