"""``fastagent go``: talk to an agent without writing Python.

One-shot with ``-m TEXT`` or ``--prompt-file FILE`` (the reply goes to stdout), otherwise a
read-send-print chat loop. ``--agent NAME`` talks to an agent declared under ``agents:`` in
fastagent.yaml; when no such agent exists, go declares one with that name (default ``agent``)
from ``--instruction`` and ``--servers``.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

__all__ = ["DEFAULT_AGENT", "DEFAULT_GO_INSTRUCTION", "register", "run"]

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


def run(args: argparse.Namespace) -> int:
    """Run ``fastagent go``; returns the exit code."""
    import asyncio

    return asyncio.run(_go(args))


async def _go(args: argparse.Namespace) -> int:
    from fastagent.agents.app import FastAgent
    from fastagent.agents.spec import BasicAgentSpec
    from fastagent.config import load_config
    from fastagent.exceptions import UserError

    text = _message_text(args)
    servers = tuple(s.strip() for s in (args.servers or "").split(",") if s.strip())
    name = args.agent or DEFAULT_AGENT
    declared = load_config(args.config).settings.agents
    argv = ["--model", args.model] if args.model else []
    fast = FastAgent("go", config_path=args.config, argv=argv, quiet=args.quiet)
    if name not in declared:
        fast.add_spec(
            BasicAgentSpec(
                name=name,
                instruction=args.instruction or DEFAULT_GO_INSTRUCTION,
                servers=servers,
                source="fastagent go",
            )
        )
    elif args.instruction or servers:
        raise UserError(
            f"agent '{name}' is declared in fastagent.yaml; --instruction and --servers "
            "cannot change it",
            hint=f"edit agents.{name} in fastagent.yaml, or choose another --agent name",
        )
    async with fast.run() as app:
        agent = app[name]
        if text is not None:
            print(await agent.send(text), flush=True)
        else:
            await app.interactive(name)
    return 0


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
