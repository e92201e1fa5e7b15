"""``fastagent config``: show, validate and locate the configuration.

``config show [--json]`` prints every effective setting with its value (secrets as ``***``)
and source; ``config validate [PATH]`` checks a config file: its schema, its ``agents:``
entries, every model string and every stdio server's command (starting nothing);
``config path`` lists the files found and the search order.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from fastagent.config.loader import LoadedConfig

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``config`` command and its subcommands.

    Args:
        subparsers: The ``fastagent`` command's subparsers.
    """
    parser = subparsers.add_parser(
        "config",
        help="show, validate and locate the configuration",
        description="Show, validate and locate the fastagent configuration.",
    )
    commands = parser.add_subparsers(dest="config_command", metavar="COMMAND", required=True)
    show = commands.add_parser(
        "show",
        help="print the effective configuration and the source of each value",
        description="Print every effective setting, its value (secrets as ***) and its "
        "source: default, file, secrets, dotenv, env or cli.",
    )
    show.add_argument("--json", action="store_true", dest="as_json", help="print JSON")
    validate = commands.add_parser(
        "validate",
        help="check a config file and the environment",
        description="Load and validate the configuration (settings, agents:, model strings, "
        "MCP server commands on PATH; nothing is started); print 'valid: PATH' or the "
        "problems.",
    )
    validate.add_argument("path", nargs="?", default=None, help="config file (default: search)")
    commands.add_parser(
        "path",
        help="list the config files found and the search order",
        description="List the config, secrets and .env files found, and every place searched.",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``fastagent config <command>``.

    Args:
        args: Parsed arguments (``config_command`` and the global ``config``, ``quiet``).

    Returns:
        The exit code.
    """
    command = getattr(args, "config_command", None) or "show"
    config_path: str | None = getattr(args, "config", None)
    if command == "path":
        return _print_paths(config_path)
    from fastagent.config.loader import load_config

    if command == "validate":
        from fastagent.agents.config_check import check_config

        loaded = load_config(getattr(args, "path", None) or config_path)
        check_config(loaded)
        if not getattr(args, "quiet", False):
            print(f"valid: {_describe_file(loaded)}")
        return 0
    loaded = load_config(config_path)
    if getattr(args, "as_json", False):
        _print_json(loaded)
    else:
        _print_table(loaded)
    return 0


def _describe_file(loaded: LoadedConfig) -> str:
    if loaded.config_file is not None:
        return str(loaded.config_file)
    return "no config file found, defaults and environment only"


def _print_json(loaded: LoadedConfig) -> None:
    import json

    from fastagent.config.redaction import redacted

    document = {
        "config_file": _path_text(loaded.config_file),
        "secrets_file": _path_text(loaded.secrets_file),
        "dotenv_file": _path_text(loaded.dotenv_file),
        "config": redacted(loaded),
        "sources": loaded.sources,
    }
    print(json.dumps(document, indent=2, default=str))


def _print_table(loaded: LoadedConfig) -> None:
    from fastagent.config.loader import flatten_leaves
    from fastagent.config.problems import dotted_key
    from fastagent.config.redaction import redacted

    print(f"config file:  {_path_text(loaded.config_file) or 'none'}")
    print(f"secrets file: {_path_text(loaded.secrets_file) or 'none'}")
    print(f".env file:    {_path_text(loaded.dotenv_file) or 'none'}")
    print()
    rows = [("KEY", "VALUE", "SOURCE")]
    for path, value in flatten_leaves(redacted(loaded)):
        key = dotted_key(path)
        rows.append((key, _value_text(value), loaded.sources.get(key, "default")))
    key_width = max(len(row[0]) for row in rows)
    value_width = max(len(row[1]) for row in rows)
    for key, value, source in rows:
        print(f"{key:<{key_width}}  {value:<{value_width}}  {source}".rstrip())


def _value_text(value: Any) -> str:
    import json

    return json.dumps(value, default=str)


def _print_paths(config_path: str | None) -> int:
    import os
    from pathlib import Path

    from fastagent.config.discovery import (
        find_config_file,
        find_dotenv_file,
        find_secrets_file,
    )

    cwd = Path.cwd()
    config_file, searched = find_config_file(cwd, os.environ, config_path)
    secrets_file, secrets_searched = find_secrets_file(config_file, cwd)
    dotenv_file, dotenv_searched = find_dotenv_file(cwd)
    print(f"config file:  {_path_text(config_file) or 'not found'}")
    print(f"secrets file: {_path_text(secrets_file) or 'not found'}")
    print(f".env file:    {_path_text(dotenv_file) or 'not found'}")
    print()
    print("search order:")
    found = {config_file, secrets_file, dotenv_file}
    for index, candidate in enumerate([*searched, *secrets_searched, *dotenv_searched], 1):
        mark = "  (found)" if candidate in found else ""
        print(f"  {index:>2}. {candidate}{mark}")
    return 0


def _path_text(path: Path | None) -> str | None:
    return str(path) if path is not None else None
