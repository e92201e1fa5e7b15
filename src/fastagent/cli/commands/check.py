"""``fastagent check``: diagnose the environment without crashing on a bad config.

Reports the fastagent and Python versions, the config, secrets and ``.env`` files found,
whether the config is valid, where each provider's API key comes from (never any part of the
key), which optional extras are installed (without importing them), whether the durable and
otel features are installed (and needed by the config), and whether Node.js is available
for npx-based MCP servers and uv's ``uvx`` for uvx-based ones. The config check includes the
``agents:`` entries, every model string and every stdio server's command
(`fastagent.agents.config_check`; nothing is started). Exits 0 when the config is valid and
every feature it turns on is installed, 1 otherwise.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from fastagent.provider_defaults import PROVIDER_DEFAULTS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rich.console import Console

    from fastagent.config import LoadedConfig
    from fastagent.exceptions import ConfigError

__all__ = [
    "EXTRAS",
    "FEATURES",
    "NODE_TOOLS",
    "PROVIDERS",
    "UV_TOOLS",
    "api_key_status",
    "feature_status",
    "installed_extras",
    "node_tools",
    "register",
    "run",
    "uv_tools",
]

PROVIDERS: dict[str, str] = {
    name: entry.api_key_vars[0]
    for name, entry in PROVIDER_DEFAULTS.items()
    if entry.api_key_vars and not entry.settings
}
"""Each provider whose key is reported, with its conventional environment variable (a
provider reading another's settings section, as ``responses`` reads ``openai``, shares its
key and is not listed again)."""

EXTRAS: dict[str, str] = {defaults.sdk: defaults.extra for defaults in PROVIDER_DEFAULTS.values()}
"""Optional import name -> the fastagent extra that installs it (``mcp`` is a core dependency)."""

FEATURES: dict[str, tuple[str, str]] = {
    "durable": ("dbos", "durable:"),
    "otel": ("opentelemetry.exporter.otlp.proto.http", "otel.enabled"),
}
"""Feature extra -> (the import it brings, the setting that needs it): durable runs and
batches need ``dbos``, traces the OpenTelemetry SDK and its OTLP/HTTP exporter."""

NODE_TOOLS = ("node", "npx")
"""Programs npx-based MCP servers need on PATH."""

UV_TOOLS = ("uvx",)
"""Programs uvx-based MCP servers (Python packages such as mcp-server-time) need on PATH."""

_SOURCE_TEXT = {
    "secrets": "from secrets file",
    "file": "from config file",
    "dotenv": "from .env file",
    "cli": "from command line",
}
_LABEL_WIDTH = 14


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``check`` subcommand.

    Args:
        subparsers: The ``fastagent`` subparsers.
    """
    subparsers.add_parser(
        "check",
        help="diagnose config, API keys, optional extras, Node.js and uv",
        description=(
            "Print a diagnostic report: versions, the config and secrets files found and "
            "whether the config is valid, where each API key comes from (never the key), "
            "installed extras and features (durable, otel), Node.js for npx-based and uvx "
            "for uvx-based MCP servers. Exit status 0 when the config is valid and every "
            "feature it turns on is installed, 1 otherwise."
        ),
    )


def run(args: argparse.Namespace) -> int:
    """Print the report.

    Args:
        args: Parsed arguments (``config``, ``verbose`` and the output options).

    Returns:
        0 when the config is valid and its features are installed, 1 otherwise.
    """
    import os

    from fastagent.agents.config_check import check_config
    from fastagent.cli.console import make_console
    from fastagent.config import load_config
    from fastagent.exceptions import ConfigError

    console = make_console(args, stderr=False)
    console.quiet = False  # the report is this command's result
    _print_versions(console)

    loaded: LoadedConfig | None = None
    error: ConfigError | None = None
    try:
        loaded = load_config(args.config)
        check_config(loaded)
    except ConfigError as exc:
        error = exc
    _print_config(console, loaded, error, verbose=args.verbose)
    _print_section(console, "API keys")
    for provider, status in api_key_status(loaded, os.environ).items():
        style = "red" if status == "not set" else "green"
        _print_row(console, provider, status, style)
    _print_section(console, "optional extras")
    for package, installed in installed_extras().items():
        if installed:
            _print_row(console, package, "installed", "green")
        else:
            text = f"not installed (pip install 'fastagent[{EXTRAS[package]}]')"
            _print_row(console, package, text, "yellow")
    _print_section(console, "features")
    missing = []
    for extra, (status, needed) in feature_status(loaded).items():
        install = f"pip install 'fastagent[{extra}]'"
        if status == "installed":
            _print_row(console, extra, status + (f" (on: {needed})" if needed else ""), "green")
        elif needed:
            missing.append(f"{needed} needs {install}")
            _print_row(console, extra, f"not installed, but {needed} is set ({install})", "red")
        else:
            _print_row(console, extra, f"not installed ({install})", "yellow")
    _print_tools(console, "Node.js (for npx-based MCP servers)", node_tools(), "install Node.js")
    _print_tools(console, "uv (for uvx-based MCP servers)", uv_tools(), "pip install uv")
    console.print()
    if error is None and missing:
        from rich.text import Text

        console.print(Text(f"config valid, but {'; '.join(missing)}", style="red"))
        return 1
    if error is None:
        console.print("[green]config OK[/]")
        return 0
    console.print("[red]config invalid[/]: fix the error above, then re-run fastagent check")
    return 1


def api_key_status(loaded: LoadedConfig | None, env: Mapping[str, str]) -> dict[str, str]:
    """Say for each provider whether an API key is set and where it came from.

    The key itself is never read beyond checking that it is not empty.

    Args:
        loaded: The loaded config, or None when it failed to load.
        env: The environment, for the conventional variables.

    Returns:
        Provider -> ``set (from env ANTHROPIC_API_KEY)``, ``set (from secrets file)``, …,
        ``not set``, or, without a config, ``unknown (config invalid)`` for keys not in env.
    """
    statuses: dict[str, str] = {}
    for provider, first in PROVIDERS.items():
        variables = PROVIDER_DEFAULTS[provider].api_key_vars
        variable = next((v for v in variables if env.get(v)), first)
        if loaded is None:
            from_env = bool(env.get(variable))
            statuses[provider] = (
                f"set (from env {variable})" if from_env else "unknown (config invalid)"
            )
            continue
        key = getattr(loaded.settings, provider).api_key
        if key is None or not key.get_secret_value():
            statuses[provider] = "not set"
            continue
        source = loaded.sources.get(f"{provider}.api_key", "")
        if source == "env":
            where = f"from env {_env_variable_for(provider, variable, env)}"
        else:
            where = _SOURCE_TEXT.get(source, "")
        statuses[provider] = f"set ({where})" if where else "set"
    return statuses


def _env_variable_for(provider: str, variable: str, env: Mapping[str, str]) -> str:
    """Name the variable that set a provider's key: FASTAGENT_* wins over the convention."""
    setting = f"FASTAGENT_{provider}__API_KEY".upper()
    return next((name for name in env if name.upper() == setting and env[name]), variable)


def installed_extras() -> dict[str, bool]:
    """Say which optional packages are importable, without importing them.

    Returns:
        Import name -> whether `importlib.util.find_spec` finds it.
    """
    from importlib.util import find_spec

    def found(package: str) -> bool:
        try:
            return find_spec(package) is not None
        except ModuleNotFoundError:  # the parent of a dotted name (google.genai) is missing
            return False

    return {package: found(package) for package in EXTRAS}


def feature_status(loaded: LoadedConfig | None) -> dict[str, tuple[str, str]]:
    """Say for each feature extra whether it is installed and which setting needs it.

    Returns:
        Extra -> (``installed`` or ``not installed``, the setting that turns the feature on
        (``durable:``, ``otel.enabled``) when the config does, else ``""``).
    """
    from importlib.util import find_spec

    settings = loaded.settings if loaded is not None else None
    on = {
        "durable": settings is not None
        and settings.durable is not None
        and settings.durable.enabled,
        "otel": settings is not None and settings.otel.enabled,
    }
    statuses: dict[str, tuple[str, str]] = {}
    for extra, (module, setting) in FEATURES.items():
        try:
            found = find_spec(module) is not None
        except ModuleNotFoundError:  # a parent package is missing
            found = False
        statuses[extra] = ("installed" if found else "not installed", setting if on[extra] else "")
    return statuses


def node_tools() -> dict[str, str | None]:
    """Find Node.js programs on PATH.

    Returns:
        Program -> its path, or None when it is not on PATH.
    """
    import shutil

    return {tool: shutil.which(tool) for tool in NODE_TOOLS}


def uv_tools() -> dict[str, str | None]:
    """Find uv's programs on PATH.

    Returns:
        Program -> its path, or None when it is not on PATH.
    """
    import shutil

    return {tool: shutil.which(tool) for tool in UV_TOOLS}


def _print_versions(console: Console) -> None:
    import platform
    import sys

    from fastagent._version import __version__

    console.print(f"[bold]fastagent {__version__}[/]")
    _print_row(console, "python", f"{platform.python_version()} ({sys.executable})")
    _print_row(console, "platform", platform.platform())


def _print_config(
    console: Console, loaded: LoadedConfig | None, error: ConfigError | None, *, verbose: bool
) -> None:
    _print_section(console, "config")
    if loaded is not None and error is None:
        if loaded.config_file is None:
            _print_row(console, "file", "none found, using defaults (fastagent setup makes one)")
        else:
            _print_row(console, "file", str(loaded.config_file))
        _print_row(console, "status", "valid", "green")
        _print_row(console, "secrets", _path_or_none(loaded.secrets_file))
        _print_row(console, ".env", _path_or_none(loaded.dotenv_file))
        _print_row(console, "model", loaded.settings.default_model or "(none set)")
        servers = sorted(loaded.settings.mcp.servers)
        _print_row(console, "mcp servers", ", ".join(servers) if servers else "(none)")
        if verbose:
            for path in loaded.searched:
                _print_row(console, "searched", str(path))
        return
    assert error is not None
    error_file = getattr(error, "path", None) or (loaded.config_file if loaded else None)
    if error_file:
        _print_row(console, "file", str(error_file))
    _print_row(console, "status", f"invalid: {error.message}", "red")
    if error.hint:
        _print_row(console, "hint", error.hint)


def _path_or_none(path: object | None) -> str:
    return "not found" if path is None else str(path)


def _print_section(console: Console, title: str) -> None:
    console.print()
    console.print(f"[bold]{title}[/]")


def _print_tools(
    console: Console, title: str, tools: Mapping[str, str | None], install: str
) -> None:
    """A section of command-line tools: each one's path, or how to install it."""
    _print_section(console, title)
    for tool, path in tools.items():
        if path:
            _print_row(console, tool, path, "green")
        else:
            _print_row(console, tool, f"not found on PATH ({install})", "yellow")


def _print_row(console: Console, label: str, value: str, style: str = "") -> None:
    from rich.text import Text

    from fastagent._redact import redact

    indent = " " * (2 + _LABEL_WIDTH)
    line = Text(f"  {label:<{_LABEL_WIDTH}}")
    line.append(redact(value).replace("\n", "\n" + indent), style=style)
    console.print(line)
