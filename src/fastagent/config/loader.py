"""`load_config`: discovery, files, ``${VAR}``, environment and overrides -> `Settings`.

Precedence, lowest first: defaults < config file < secrets file < ``.env`` < environment <
command-line overrides. The conventional API key variables (``ANTHROPIC_API_KEY``, ...) fill
a provider's ``api_key`` only when no layer set it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastagent.config.discovery import find_config_file, find_dotenv_file, find_secrets_file
from fastagent.config.env_source import settings_from_env
from fastagent.config.interpolation import substitute_env_vars
from fastagent.config.layers import LayeredConfig, Origin, SourceName
from fastagent.config.problems import dotted_key, to_config_error
from fastagent.config.settings import Settings
from fastagent.config.yaml_source import KeyPath, read_yaml_mapping

__all__ = ["LoadedConfig", "flatten_leaves", "load_config"]


@dataclass
class LoadedConfig:
    """The validated settings and where they came from.

    Attributes:
        settings: The effective settings.
        sources: Dotted key of every leaf value -> ``default``, ``file``, ``secrets``,
            ``dotenv``, ``env`` or ``cli``.
        config_file: The config file used, if any.
        secrets_file: The secrets file used, if any.
        dotenv_file: The ``.env`` file used, if any.
        searched: Every candidate path looked at, in order: config files, secrets files,
            then ``.env``.
    """

    settings: Settings
    sources: dict[str, str]
    config_file: Path | None
    secrets_file: Path | None
    dotenv_file: Path | None
    searched: list[Path]


def load_config(
    config_path: str | Path | None = None,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
    user_config_dir: Path | None = None,
) -> LoadedConfig:
    """Find, read, merge and validate the configuration.

    Args:
        config_path: An explicit config file (``--config``); it must exist.
        cwd: The working directory; defaults to the process's.
        env: The environment; defaults to ``os.environ``. It is never modified.
        overrides: Command-line values, nested (``{"logger": {"level": "debug"}}``) or dotted
            (``{"logger.level": "debug"}``). None values mean "not given" and are skipped.
        user_config_dir: Replaces ``~/.config/fastagent`` (tests).

    Returns:
        The settings with the source of every value and the files used.

    Raises:
        ConfigFileError: A file is missing, unreadable, not YAML or not a mapping.
        MissingEnvVarError: A ``${VAR}`` without default names an unset variable.
        ConfigValidationError: Unknown keys or invalid values (every problem, one per line).
    """
    from pydantic import ValidationError

    cwd = (cwd or Path.cwd()).absolute()
    env = os.environ if env is None else env
    config_file, searched = find_config_file(cwd, env, config_path, user_config_dir)
    secrets_file, secrets_searched = find_secrets_file(config_file, cwd)
    dotenv_file, dotenv_searched = find_dotenv_file(cwd)
    dotenv = _read_dotenv(dotenv_file) if dotenv_file is not None else {}
    variables = {**dotenv, **env}

    layers = LayeredConfig()
    if config_file is not None:
        _merge_file(layers, config_file, "file", variables)
    if secrets_file is not None:
        _merge_file(layers, secrets_file, "secrets", variables)
    if dotenv_file is not None:
        _merge_env(layers, dotenv, "dotenv", f"{dotenv_file}: ")
    _merge_env(layers, env, "env", "environment variable ")
    _fill_provider_keys(layers, env, dotenv, dotenv_file)
    if overrides:
        for path, value in _override_items(overrides):
            layers.set(path, value, Origin("cli", f"command-line override {dotted_key(path)}"))

    try:
        settings = Settings.model_validate(layers.data)
    except ValidationError as error:
        raise to_config_error(error, layers) from None
    sources: dict[str, str] = {
        dotted_key(path): layers.source_of(path)
        for path, _value in flatten_leaves(settings.model_dump())
    }
    return LoadedConfig(
        settings=settings,
        sources=sources,
        config_file=config_file,
        secrets_file=secrets_file,
        dotenv_file=dotenv_file,
        searched=[*searched, *secrets_searched, *dotenv_searched],
    )


def flatten_leaves(data: Any, at: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    """List the leaf values of nested mappings (lists and empty mappings are leaves).

    Args:
        data: Nested mappings.
        at: The key path of `data`.

    Returns:
        (key path, value) for each leaf, in mapping order.
    """
    if isinstance(data, Mapping) and data:
        leaves: list[tuple[KeyPath, Any]] = []
        for key, value in data.items():
            leaves.extend(flatten_leaves(value, (*at, key)))
        return leaves
    return [(at, data)]


def _merge_file(
    layers: LayeredConfig, path: Path, source: SourceName, variables: Mapping[str, str]
) -> None:
    data, lines = read_yaml_mapping(path)
    data = substitute_env_vars(data, variables, path=path)

    def origin_of(key_path: KeyPath) -> Origin:
        for end in range(len(key_path), 0, -1):
            line = lines.get(key_path[:end])
            if line is not None:
                return Origin(source, str(path), line)
        return Origin(source, str(path))

    layers.merge(data, origin_of)


def _merge_env(
    layers: LayeredConfig, env: Mapping[str, str], source: SourceName, where: str
) -> None:
    for setting in settings_from_env(env, layers.data):
        layers.set(setting.path, setting.value, Origin(source, f"{where}{setting.variable}"))


def _fill_provider_keys(
    layers: LayeredConfig,
    env: Mapping[str, str],
    dotenv: Mapping[str, str],
    dotenv_file: Path | None,
) -> None:
    from fastagent.provider_defaults import PROVIDER_DEFAULTS

    for provider, entry in PROVIDER_DEFAULTS.items():
        if layers.get((provider, "api_key")) is not None:
            continue
        found = next((v for v in entry.api_key_vars if env.get(v)), None)
        if found is not None:
            origin = Origin("env", f"environment variable {found}")
            layers.set((provider, "api_key"), env[found], origin)
            continue
        found = next((v for v in entry.api_key_vars if dotenv.get(v)), None)
        if found is not None:
            origin = Origin("dotenv", f"{dotenv_file}: {found}")
            layers.set((provider, "api_key"), dotenv[found], origin)


def _read_dotenv(path: Path) -> dict[str, str]:
    from dotenv import dotenv_values

    return {key: value for key, value in dotenv_values(path).items() if value is not None}


def _override_items(overrides: Mapping[str, Any], at: KeyPath = ()) -> list[tuple[KeyPath, Any]]:
    items: list[tuple[KeyPath, Any]] = []
    for key, value in overrides.items():
        path = (*at, *str(key).split("."))
        if isinstance(value, Mapping) and value:
            items.extend(_override_items(value, path))
        elif value is not None:
            items.append((path, value))
    return items
