"""Checking a loaded configuration beyond its schema, starting nothing.

`config_problems` is what ``fastagent config validate`` and ``fastagent check`` add to
`load_config`: the ``agents:`` entries (validated by each agent type's declaration, and their
graph), every model string resolved (``default_model``, ``agents.*.model``,
``model_aliases.*``, sampling models), and every stdio server's command looked up on PATH.
Each problem names the file and line (or the source) and the key, with a "did you mean".
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from fastagent.config.locate import Locator, Problem
from fastagent.exceptions import ConfigValidationError, FastAgentError

if TYPE_CHECKING:
    from fastagent.config import LoadedConfig

__all__ = ["check_config", "config_problems"]


def check_config(loaded: LoadedConfig) -> None:
    """Raise when `config_problems` finds anything.

    Raises:
        ConfigValidationError: Listing every problem, one line each.
    """
    problems = config_problems(loaded)
    if problems:
        raise ConfigValidationError(
            "\n".join(_line(problem) for problem in problems),
            problems=problems,
            hint=_hint(problems),
        )


def config_problems(loaded: LoadedConfig) -> list[Problem]:
    """Every problem of `loaded` that its schema cannot see; starts no server or model.

    Args:
        loaded: A configuration `load_config` accepted.

    Returns:
        The problems, by file (or source) and line.
    """
    locate = Locator(loaded)
    problems = _agent_problems(loaded, locate)
    problems.extend(_model_problems(loaded, locate))
    problems.extend(_server_problems(loaded, locate))
    return sorted(problems, key=lambda problem: (problem[0], problem[2] or 0))


def _agent_problems(loaded: LoadedConfig, locate: Locator) -> list[Problem]:
    from fastagent.agents.config_agents import declarations_from_config

    agents = loaded.settings.agents
    try:
        declarations = declarations_from_config(agents, config_file=loaded.config_file)
    except ConfigValidationError as exc:
        return list(exc.problems)
    from fastagent.agents.graph import graph_problems
    from fastagent.agents.tool_catalog import ToolCatalog

    # YAML tools name @fast.tool functions of a script, unknown here: the graph is checked
    # without them (the script's run checks them).
    specs = [d.model_copy(update={"tools": ()}) for d in declarations]  # type: ignore[attr-defined]
    servers = loaded.settings.mcp.servers.keys()
    where = str(loaded.config_file) if loaded.config_file else "configuration"
    return [
        (where, "agents", None, f"agents: {problem}")
        for problem in graph_problems(specs, tools=ToolCatalog(), servers=servers)
    ]


def _model_strings(loaded: LoadedConfig) -> Iterator[tuple[str, str]]:
    settings = loaded.settings
    if settings.default_model:
        yield "default_model", settings.default_model
    for alias, target in settings.model_aliases.items():
        yield f"model_aliases.{alias}", target
    for name, entry in settings.agents.items():
        if isinstance(entry, Mapping) and isinstance(entry.get("model"), str):
            yield f"agents.{name}.model", entry["model"]
    for name, server in settings.mcp.servers.items():
        if server.sampling.model:
            yield f"mcp.servers.{name}.sampling.model", server.sampling.model


def _model_problems(loaded: LoadedConfig, locate: Locator) -> list[Problem]:
    from fastagent.providers.factory import ModelFactory

    try:
        factory = ModelFactory(loaded.settings, sources=loaded.sources)
    except FastAgentError as exc:
        return [locate("providers", f"providers: {exc.message}")]
    problems = []
    for key, text in _model_strings(loaded):
        try:
            factory.registry.parse(text)
        except FastAgentError as exc:
            guess = _did_you_mean(exc.hint)
            problem = locate(key, f"{key}: {exc.message}{guess}")
            if loaded.sources.get(key) == "env":  # name the variable the user set
                variable = "FASTAGENT_" + key.upper().replace(".", "__")
                problem = (f"environment variable {variable}", *problem[1:])
            problems.append(problem)
    return problems


def _server_problems(loaded: LoadedConfig, locate: Locator) -> list[Problem]:
    from fastagent.mcp.transports import find_command, install_hint

    problems = []
    for name, server in loaded.settings.mcp.servers.items():
        if server.transport != "stdio" or not server.command:
            continue
        if find_command(server) is None:
            key = f"mcp.servers.{name}.command"
            text = f"{key}: '{server.command}{_NOT_ON_PATH}{install_hint(server.command)})"
            problems.append(locate(key, text))
    return problems


_NOT_ON_PATH = "' is not on PATH ("
_FIX_KEYS = "fix the keys named above; fastagent config show lists every setting"
_INSTALL = "install the programs named above (or give each command's full path)"


def _hint(problems: list[Problem]) -> str:
    """The hint for `problems`: a missing program is installed, not fixed by editing keys."""
    missing = [problem for problem in problems if _NOT_ON_PATH in problem[3]]
    if len(missing) == len(problems):
        return _INSTALL
    return f"{_FIX_KEYS}; {_INSTALL}" if missing else _FIX_KEYS


def _did_you_mean(hint: str | None) -> str:
    found = re.match(r"did you mean [^?]+\?", hint or "")
    return f" ({found.group(0)})" if found else ""


def _line(problem: Problem) -> str:
    where, _key, line, text = problem
    return f"{where}: line {line}: {text}" if line is not None else f"{where}: {text}"
