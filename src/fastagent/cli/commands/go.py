"""``fastagent go``: talk to an agent without writing Python.

One-shot with ``-m TEXT`` or ``--prompt-file FILE`` (the reply goes to stdout), otherwise a
read-send-print chat loop. ``--agent NAME`` talks to an agent declared under ``agents:`` in
fastagent.yaml; when no such agent exists, go declares one with that name (default ``agent``)
from ``--instruction`` and its MCP servers: ``--servers`` names configured ones, while
``--url``, ``--npx`` and ``--uvx`` add servers for this run only (no config needed):

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
        help=f"agent to talk to: one from fastagent.yaml, or a new one (default '{DEFAULT_AGENT}')",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument("-m", "--message", metavar="TEXT", help="send TEXT, print the reply, exit")
    source.add_argument(
        "--prompt-file", metavar="FILE", help="send the text of FILE, print the reply, exit"
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
    from fastagent.exceptions import UserError
    from fastagent.runtime import Runtime

    text = _message_text(args)
    configured = tuple(s.strip() for s in (args.servers or "").split(",") if s.strip())
    name = args.agent or DEFAULT_AGENT
    loaded = load_config(args.config)
    declared = loaded.settings.agents
    added = flag_servers(
        urls=args.url, npx=args.npx, uvx=args.uvx, taken=loaded.settings.mcp.servers.keys()
    )
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
    options = dataclasses.replace(fast.run_options(), model=args.model, agent=name)
    async with ending_on_signals(Runtime.open(options, config=loaded)) as runtime:
        app = await fast.build(runtime)
        agent = app[name]
        if text is not None:
            print(await agent.send(text), flush=True)
        else:
            await app.interactive(name)
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
    found: dict[str, dict[str, Any]] = {}

    def add(name: str, settings: dict[str, Any]) -> None:
        unique, number = name, 2
        while unique in found or unique in taken:
            unique, number = f"{name}_{number}", number + 1
        found[unique] = settings

    for value in urls:
        for url in (u.strip() for u in value.split(",")):
            if url:
                add(url_server_name(url), {"url": url})
    for flag, command, prefix in (("--npx", "npx", ["-y"]), ("--uvx", "uvx", [])):
        for value in npx if command == "npx" else uvx:
            words = _split_package(flag, value)
            add(package_server_name(words[0]), {"command": command, "args": [*prefix, *words]})
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
