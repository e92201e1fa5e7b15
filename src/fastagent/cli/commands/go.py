"""``fastagent go``: talk to an agent without writing Python.

One-shot with ``-m TEXT`` or ``--prompt-file FILE`` (the reply goes to stdout), otherwise a
read-send-print chat loop. ``--agent NAME`` talks to an agent declared under ``agents:`` in
fastagent.yaml (without ``--agent``: the one marked ``default: true``); with ``--instruction``,
a name no agent has declares a new agent (default ``agent``) from the instruction and its MCP
servers (an unknown ``--agent`` without ``--instruction`` is an error). ``--servers`` names
configured ones, while ``--url``, ``--npx`` and ``--uvx`` add servers for this run only (no
config needed):

- ``--url http://127.0.0.1:8080/mcp``: an HTTP server named after its host and port
  (``127_0_0_1_8080``);
- ``--npx "@scope/pkg args"``: a stdio server started by ``npx -y @scope/pkg args``, named
  after the package (``pkg``);
- ``--uvx "pkg args"``: a stdio server started by ``uvx pkg args`` (named ``pkg``).

Each flag may repeat; ``--url`` also takes comma-separated URLs. A name already taken gets a
``_2``, ``_3``... suffix.
"""

from __future__ import annotations

import argparse
import re
import shlex
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from fastagent.config import LoadedConfig

__all__ = [
    "DEFAULT_AGENT",
    "DEFAULT_GO_INSTRUCTION",
    "flag_servers",
    "package_server_name",
    "register",
    "run",
    "unattached_servers_notice",
    "url_server_name",
]

DEFAULT_AGENT = "agent"
"""The name of the agent go declares when ``--agent`` is not given."""

DEFAULT_GO_INSTRUCTION = "You are a helpful AI agent."
"""The instruction of go's agent when ``--instruction`` is not given."""

_DESCRIPTION = (
    "Talk to an agent without writing Python: one message with -m or --prompt-file (the "
    "reply goes to stdout), otherwise a chat loop (end it with /exit or Ctrl-D). --agent "
    "picks an agent from fastagent.yaml, or names a new one built from --instruction and "
    "--servers."
)

_EPILOG = """\
examples:
  fastagent go                                  chat with the default model
  fastagent go --model sonnet -m "hello"        one message, reply on stdout
  fastagent go --prompt-file task.md            send a file's text
  fastagent go --resume                         continue the last saved session
  fastagent go --agent helper                   chat with agents.helper from fastagent.yaml
  fastagent go --instruction "Be brief." --servers fetch,time
  fastagent go --url http://127.0.0.1:8080/mcp  tools of an HTTP server (127_0_0_1_8080__*)
  fastagent go --npx "@modelcontextprotocol/server-everything" --uvx mcp-server-time
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``go`` subcommand."""
    parser = subparsers.add_parser(
        "go",
        help="chat with an agent, or send it one message",
        description=_DESCRIPTION,
        epilog=_EPILOG,
    )
    parser.add_argument("--model", metavar="MODEL", help="model string or alias (wins over all)")
    parser.add_argument("--instruction", metavar="TEXT", help="the agent's system prompt")
    parser.add_argument(
        "--agent",
        metavar="NAME",
        help="agent to talk to: one from fastagent.yaml (default: the one marked default: "
        f"true), or a new one defined by --instruction (default name '{DEFAULT_AGENT}')",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("-m", "--message", metavar="TEXT", help="send TEXT, print the reply, exit")
    source.add_argument(
        "--prompt-file", metavar="FILE", help="send the text of FILE, print the reply, exit"
    )
    parser.add_argument(
        "--resume",
        metavar="ID",
        nargs="?",
        const="last",
        help="continue the last saved session (or session ID) and keep appending to it",
    )
    parser.add_argument(
        "--servers", metavar="A,B", help="comma-separated MCP servers from mcp.servers"
    )
    parser.add_argument(
        "--url",
        metavar="URL",
        action="append",
        default=[],
        help="an HTTP MCP server for this run, named host_port (repeatable, or comma-separated)",
    )
    parser.add_argument(
        "--npx",
        metavar='"PKG ARGS"',
        action="append",
        default=[],
        help="a stdio MCP server started with 'npx -y PKG ARGS' (repeatable)",
    )
    parser.add_argument(
        "--uvx",
        metavar='"PKG ARGS"',
        action="append",
        default=[],
        help="a stdio MCP server started with 'uvx PKG ARGS' (repeatable)",
    )


def run(args: argparse.Namespace) -> int:
    """Run ``fastagent go``; returns the exit code."""
    import asyncio

    return asyncio.run(_go(args))


async def _go(args: argparse.Namespace) -> int:
    import dataclasses

    from fastagent._signals import ending_on_signals
    from fastagent.agents.declaration import AgentDeclaration
    from fastagent.cli.script import FastAgent
    from fastagent.config import load_config
    from fastagent.exceptions import MCPServerError, UserError
    from fastagent.runtime import Runtime

    text = _message_text(args)
    configured = tuple(s.strip() for s in (args.servers or "").split(",") if s.strip())
    loaded = load_config(args.config)
    declared = loaded.settings.agents
    taken = loaded.settings.mcp.servers.keys()
    _check_server_names(configured, taken, loaded.config_file)
    name = _agent_name(args.agent, declared, defines=args.instruction is not None)
    flagged = _flag_entries(args.url, args.npx, args.uvx, taken=taken)
    added = {server: settings for server, (_flag, settings) in flagged.items()}
    servers = (*configured, *added)
    if added:
        loaded = _with_servers(loaded, added)
    fast = FastAgent("go", parse_cli_args=False, quiet=args.quiet)
    if name not in declared:
        fast.add_declaration(
            AgentDeclaration(
                name=name,
                instruction=args.instruction or DEFAULT_GO_INSTRUCTION,
                servers=servers,
                source="fastagent go",
            )
        )
    elif args.instruction or servers:
        raise UserError(
            f"agent '{name}' is declared in fastagent.yaml; --instruction and server flags "
            "(--servers, --url, --npx, --uvx) cannot change it",
            hint=f"edit agents.{name} in fastagent.yaml, or choose another --agent name",
        )
    options = dataclasses.replace(
        fast.run_options(),
        model=args.model,
        agent=name,
        save_session=loaded.settings.sessions.enabled,
        resume=args.resume,
    )
    try:
        async with ending_on_signals(Runtime.open(options, config=loaded)) as runtime:
            app = await fast.build(runtime)
            agent = app[name]
            if name not in declared and not servers and taken:
                runtime.notice(unattached_servers_notice(list(taken)))
            if text is not None:
                print(await agent.send(text), flush=True)
            else:
                await app.interactive(name)
    except MCPServerError as exc:
        if exc.server in flagged:
            exc.hint = _flag_hint(*flagged[exc.server])
        raise
    return 0


def _with_servers(loaded: LoadedConfig, added: Mapping[str, Mapping[str, Any]]) -> LoadedConfig:
    """`loaded` with the servers of go's flags added for this run."""
    import dataclasses

    from fastagent.config.mcp_settings import MCPServerSettings

    settings = loaded.settings
    servers = {
        **settings.mcp.servers,
        **{n: MCPServerSettings.model_validate(v) for n, v in added.items()},
    }
    mcp = settings.mcp.model_copy(update={"servers": servers})
    return dataclasses.replace(loaded, settings=settings.model_copy(update={"mcp": mcp}))


def _check_server_names(
    names: Sequence[str], configured: Collection[str], config_file: Path | None
) -> None:
    """Refuse a ``--servers`` name that ``mcp.servers`` does not have, naming the flag."""
    import difflib

    from fastagent.exceptions import UserError

    for name in names:
        if name in configured:
            continue
        known = ", ".join(configured) or "none"
        where = f"mcp.servers of {config_file}" if config_file else "mcp.servers (no config file)"
        close = difflib.get_close_matches(name, list(configured), n=1, cutoff=0.6)
        guess = f"did you mean '{close[0]}'? " if close else ""
        raise UserError(
            f"--servers: unknown MCP server '{name}' (configured: {known})",
            hint=f"{guess}--servers names servers declared under {where}; "
            "--url, --npx or --uvx add one for this run",
        )


def _flag_hint(flag: str, settings: dict[str, Any]) -> str:
    """The hint of a failed server that a flag added: name the flag, not mcp.servers.*."""
    if "url" in settings:
        return f"check {flag} and that the server is running"
    import shutil

    from fastagent.mcp.transports import install_hint

    command = str(settings["command"])
    if shutil.which(command) is None:
        return f"{install_hint(command)}; the server comes from {flag}"
    return f"fix {flag}: check that the package exists and starts as an MCP server"


def unattached_servers_notice(names: list[str]) -> str:
    """The notice when the config declares MCP servers and go's agent has none of them.

    ``fastagent go`` attaches only the servers ``--servers`` names, so without the notice the
    model's tool calls fail with "no tools are available" and the user gets no hint.
    """
    count = f"{len(names)} MCP server{'s are' if len(names) != 1 else ' is'}"
    return (
        f"{count} configured ({', '.join(names)}) but none is attached; "
        f"attach them with --servers {','.join(names)}"
    )


def _agent_name(requested: str | None, declared: Mapping[str, Any], *, defines: bool) -> str:
    """The agent go talks to: ``--agent``, else the YAML agent marked ``default: true``.

    Raises:
        UnknownAgentError: ``--agent`` names no declared agent and ``--instruction`` does not
            define it.
    """
    if requested is None:
        defaults = [
            str(name)
            for name, entry in declared.items()
            if isinstance(entry, Mapping) and entry.get("default") is True
        ]
        return defaults[0] if defaults else DEFAULT_AGENT
    if requested in declared or defines:
        return requested
    import difflib

    from fastagent.exceptions import UnknownAgentError

    names = [str(name) for name in declared]
    close = difflib.get_close_matches(requested, names, n=1, cutoff=0.6)
    where = "the config declares no agents" if not names else f"agents: {', '.join(names)}"
    guess = f"did you mean '{close[0]}'? " if close else ""
    raise UnknownAgentError(
        f"unknown agent '{requested}' ({where})",
        hint=f"{guess}to define a new agent named '{requested}', also pass --instruction TEXT",
    )


def _message_text(args: argparse.Namespace) -> str | None:
    if args.message is not None:
        return str(args.message)
    if args.prompt_file is None:
        return None
    from fastagent.exceptions import UserError

    path = Path(args.prompt_file)
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise UserError(
            f"cannot read --prompt-file {path}: {reason}",
            hint="pass the path of a UTF-8 text file",
        ) from exc


def url_server_name(url: str) -> str:
    """The server name of ``--url URL``: its host and port, e.g. ``127_0_0_1_8080``.

    Raises:
        UserError: `url` is not an http(s) URL with a host.
    """
    from fastagent.exceptions import UserError

    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UserError(
            f"--url {url!r} is not an http(s) URL",
            hint="give the server's endpoint, e.g. --url http://127.0.0.1:8080/mcp",
        )
    host = parts.hostname if parts.port is None else f"{parts.hostname}_{parts.port}"
    return re.sub(r"[^A-Za-z0-9]+", "_", host).strip("_") or "server"


def package_server_name(package: str) -> str:
    """The server name of a package: without scope, version or extras.

    ``@modelcontextprotocol/server-everything@1.0`` is ``server-everything``;
    ``mcp-server-time==1.2`` is ``mcp-server-time``.
    """
    bare = package.rsplit("/", 1)[-1]
    bare = re.split(r"[@=<>!~\[;]", bare, maxsplit=1)[0]
    return re.sub(r"[^A-Za-z0-9_-]+", "_", bare).strip("_") or "server"


def flag_servers(
    *,
    urls: Sequence[str] = (),
    npx: Sequence[str] = (),
    uvx: Sequence[str] = (),
    taken: Collection[str] = (),
) -> dict[str, dict[str, Any]]:
    """The ``mcp.servers`` entries of go's ``--url``, ``--npx`` and ``--uvx`` flags.

    Args:
        urls: ``--url`` values (each may hold comma-separated URLs).
        npx: ``--npx`` values: a package and its arguments, shell-quoted.
        uvx: ``--uvx`` values: a package and its arguments, shell-quoted.
        taken: Server names already configured; a clash gets a ``_2``... suffix.

    Returns:
        Server settings by name, in flag order (urls, then npx, then uvx).

    Raises:
        UserError: A URL is not http(s), or a package value is empty or badly quoted.
    """
    entries = _flag_entries(urls, npx, uvx, taken=taken)
    return {name: settings for name, (_flag, settings) in entries.items()}


def _flag_entries(
    urls: Sequence[str], npx: Sequence[str], uvx: Sequence[str], *, taken: Collection[str]
) -> dict[str, tuple[str, dict[str, Any]]]:
    """Like `flag_servers`, with the flag each server came from (``--uvx 'pkg'``)."""
    found: dict[str, tuple[str, dict[str, Any]]] = {}

    def add(name: str, flag: str, settings: dict[str, Any]) -> None:
        unique, number = name, 2
        while unique in found or unique in taken:
            unique, number = f"{name}_{number}", number + 1
        found[unique] = (flag, settings)

    for value in urls:
        for url in (u.strip() for u in value.split(",")):
            if url:
                add(url_server_name(url), f"--url {url}", {"url": url})
    for flag, command, prefix in (("--npx", "npx", ["-y"]), ("--uvx", "uvx", [])):
        for value in npx if command == "npx" else uvx:
            words = _split_package(flag, value)
            settings = {"command": command, "args": [*prefix, *words]}
            add(package_server_name(words[0]), f"{flag} {shlex.quote(value)}", settings)
    return found


def _split_package(flag: str, value: str) -> list[str]:
    from fastagent.exceptions import UserError

    try:
        words = shlex.split(value)
    except ValueError as exc:
        raise UserError(
            f"{flag} {value!r}: {exc}", hint=f'quote it as one argument: {flag} "PKG ARGS"'
        ) from exc
    if not words:
        raise UserError(f"{flag} needs a package name", hint=f'e.g. {flag} "PKG ARGS"')
    return words
