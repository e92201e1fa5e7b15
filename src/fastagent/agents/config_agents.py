"""Agents declared in ``fastagent.yaml``, so a simple agent needs no Python.

```yaml
agents:
  helper:
    instruction: You answer in one sentence.
    model: sonnet
    servers: [fetch]
    tools: [get_weather]      # names of @fast.tool functions
    agents: [researcher]      # other agents, offered as tools
  post:
    type: chain               # chain, parallel, router, orchestrator, evaluator_optimizer
    sequence: [helper, writer]
```

Each entry is validated by the declaration model of its ``type:`` (`AgentDeclaration` when
there is none), the same model the matching decorator builds, so its keys are the
decorator's keyword arguments. Problems name the file, line and config key
(``agents.helper.instruction``), with a "did you mean" for a misspelt key.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from pydantic import ValidationError

from fastagent.agents.declaration import AgentDeclaration
from fastagent.agents.declare import validation_problems
from fastagent.agents.workflows.declarations import WORKFLOW_DECLARATIONS
from fastagent.config.locate import key_path
from fastagent.exceptions import ConfigValidationError, UserError

if TYPE_CHECKING:
    from fastagent.agents.declaration import BaseDeclaration, Declaration

__all__ = ["declarations_from_config"]

_RESERVED = ("name", "source")
"""Declaration fields the loader fills in, so not YAML keys."""


def declarations_from_config(
    agents: Mapping[str, Any], *, config_file: Path | None = None
) -> list[Declaration]:
    """Validate the config's ``agents:`` mapping and turn it into agent declarations.

    Args:
        agents: ``settings.agents``.
        config_file: The file it came from, named in errors (and read for line numbers
            when there are problems).

    Raises:
        ConfigValidationError: Listing every invalid key as ``agents.<name>.<key>``.
    """
    where = str(config_file) if config_file is not None else "configuration"
    declarations: list[Declaration] = []
    problems: list[tuple[str, str]] = []
    for name, raw in agents.items():
        prefix = f"agents.{name}"
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            problems.append((prefix, f"{prefix}: must be a mapping of settings"))
            continue
        kind = raw.get("type", "agent")
        model = _declaration_model(kind)
        if model is None:
            key = f"{prefix}.type"
            kinds = ["agent", *WORKFLOW_DECLARATIONS]
            close = difflib.get_close_matches(str(kind), kinds, n=1)
            guess = f" (did you mean '{close[0]}'?)" if close else ""
            valid = ", ".join(kinds)
            problems.append((key, f"{key}: unknown type {kind!r} (valid: {valid}){guess}"))
            continue
        reserved = [k for k in _RESERVED if k in raw]
        values = {k: v for k, v in raw.items() if k not in _RESERVED}
        try:
            declared = model.model_validate(
                {**values, "name": str(name), "source": f"{where}: {prefix}"}
            )
        except ValidationError as exc:
            found = validation_problems(exc, model, prefix)
            if "type" not in raw:
                found = [(key, text + _other_type_guess(key, prefix)) for key, text in found]
            problems.extend(found)
            declared = None
        except UserError as exc:
            problems.append((prefix, f"{prefix}: {exc.message}"))
            declared = None
        for key in reserved:
            problems.append((f"{prefix}.{key}", f"unknown key '{prefix}.{key}'"))
        if declared is not None and not reserved:
            declarations.append(cast("Declaration", declared))
    if problems:
        lines = _lines(config_file)
        located = [(where, key, lines.get(key_path(key)), text) for key, text in problems]
        raise ConfigValidationError(
            "\n".join(
                f"{w}: line {line}: {text}" if line is not None else f"{w}: {text}"
                for w, _key, line, text in located
            ),
            problems=located,
            hint="fix the agents: entries named above; an entry takes the keyword arguments of its "
            "decorator (type: chain -> @fast.chain), listed with each unknown key",
        )
    return declarations


def _other_type_guess(key: str, prefix: str) -> str:
    """For an unknown key of an untyped entry, the workflow type it (nearly) belongs to.

    ``sequense: [a, b]`` under an entry with no ``type:`` is a chain's ``sequence``:
    `` (did you mean 'sequence' with type: chain?)``; ``fan_out`` alone gets
    `` ('fan_out' needs type: parallel)``; "" when no workflow has such a key.
    """
    bad = key.removeprefix(f"{prefix}.")
    if not key.startswith(f"{prefix}.") or bad in AgentDeclaration.model_fields:
        return ""
    owners = {
        field: kind
        for kind, declaration in WORKFLOW_DECLARATIONS.items()
        for field in declaration.model_fields
        if field not in AgentDeclaration.model_fields
    }
    if bad in owners:
        return f" ('{bad}' needs type: {owners[bad]})"
    close = difflib.get_close_matches(bad, list(owners), n=1)
    return f" (did you mean '{close[0]}' with type: {owners[close[0]]}?)" if close else ""


def _declaration_model(kind: object) -> type[BaseDeclaration] | None:
    if kind == "agent":
        return AgentDeclaration
    return WORKFLOW_DECLARATIONS.get(kind) if isinstance(kind, str) else None


def _lines(config_file: Path | None) -> Mapping[tuple[str | int, ...], int]:
    """Key path -> line of the config file (empty when it cannot be read again)."""
    if config_file is None:
        return {}
    from fastagent.config.yaml_source import read_yaml_mapping
    from fastagent.exceptions import ConfigError

    try:
        return read_yaml_mapping(config_file)[1]
    except (ConfigError, OSError):
        return {}
