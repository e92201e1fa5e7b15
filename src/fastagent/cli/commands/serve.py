"""``fastagent serve [SCRIPT]``: offer an app's agents to MCP hosts as tools.

With SCRIPT, the FastAgent app defined in that Python file is served (the script is imported,
its ``if __name__ == "__main__":`` block does not run); without it, the agents declared under
``agents:`` in fastagent.yaml. Each agent is one tool, ``{"message": string}`` in, the reply
text out; each client session has its own conversation. Stops on end of input (stdio),
Ctrl-C or SIGTERM, closing every MCP server the agents used.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from fastagent.cli.commands import SCRIPT_IMPORTED

if TYPE_CHECKING:
    from fastagent.agents.fast_agent import FastAgent

__all__ = ["DEFAULT_PORT", "load_served_app", "register", "run"]

DEFAULT_PORT = 8000
"""The HTTP port when ``--port`` is not given."""

_EPILOG = """\
examples:
  fastagent serve agent.py                         stdio, for an MCP host to launch
  fastagent serve agent.py --transport http        http://127.0.0.1:8000/mcp
  fastagent serve --agent helper --port 9000 --transport http
  fastagent serve agent.py --agent writer --model sonnet
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``serve`` subcommand."""
    parser = subparsers.add_parser(
        "serve",
        help="serve agents to MCP hosts as tools (stdio or HTTP)",
        description=(
            "Serve agents as an MCP server: each agent is a tool taking a message and "
            "returning the reply. SCRIPT is a Python file defining a FastAgent app; without "
            "it the agents under agents: in fastagent.yaml are served. Each client session "
            "has its own conversation with the agents."
        ),
        epilog=_EPILOG,
    )
    parser.add_argument(
        "script", nargs="?", metavar="SCRIPT", help=f"a FastAgent app script, {SCRIPT_IMPORTED}"
    )
    parser.add_argument(
        "--agent",
        dest="agents",
        action="append",
        default=[],
        metavar="NAME",
        help="serve only this agent (repeat for several; default: all)",
    )
    parser.add_argument(
        "--transport", choices=("stdio", "http"), default="stdio", help="default: stdio"
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="HTTP address to listen on (default 127.0.0.1)"
    )
    parser.add_argument(
        "--port",
        type=int,
        default=DEFAULT_PORT,
        help=f"HTTP port (default {DEFAULT_PORT}; 0 picks a free one)",
    )
    parser.add_argument("--model", metavar="MODEL", help="model for every agent (wins over all)")


def run(args: argparse.Namespace) -> int:
    """Serve until stopped; returns the exit code."""
    import asyncio
    import sys

    from fastagent.runtime import RunOptions
    from fastagent.serve import serve_app

    if args.transport == "stdio":
        from fastagent.serve.stdout_guard import stdout_to_stderr

        # stdout is the protocol stream: the script's prints at import go to stderr.
        with stdout_to_stderr():
            fast = load_served_app(args.script, config=args.config)
    else:
        fast = load_served_app(args.script, config=args.config)

    def ready(line: str) -> None:
        if not args.quiet:
            sys.stderr.write(line + "\n")
            sys.stderr.flush()

    asyncio.run(
        serve_app(
            fast,
            options=RunOptions(model=args.model, quiet=fast.quiet),
            config_path=args.config,
            agents=args.agents,
            transport=args.transport,
            host=args.host,
            port=args.port,
            on_ready=ready,
        )
    )
    return 0


def load_served_app(script: str | None, *, config: str | None = None) -> FastAgent:
    """The app to serve: SCRIPT's FastAgent, or one built from the config's ``agents:``.

    The script is imported with ``sys.argv`` set to just its path, so its app does not read
    the serve command's flags (``--model`` and ``--config`` are given to `serve_app`).

    Raises:
        UserError: The script is missing, fails to import, or defines no (or several) apps.
    """
    import sys
    from pathlib import Path

    from fastagent.agents.fast_agent import FastAgent
    from fastagent.scenarios.imports import load_app

    if script is None:
        return FastAgent("fastagent", config_path=config)
    saved = sys.argv
    sys.argv = [script]
    try:
        return load_app(
            script,
            base_dir=Path.cwd(),
            where="fastagent serve",
            missing_hint=f"give the path of a FastAgent script (relative to {Path.cwd()}), "
            "or run fastagent serve without one to serve the agents of fastagent.yaml",
        )
    finally:
        sys.argv = saved
