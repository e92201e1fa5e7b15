"""The command line every fastagent script understands.

``python agent.py --model sonnet --agent writer --message "hi" --quiet`` picks the model of
every agent, the agent to talk to, sends one message, prints the reply and exits. Only these
flags are read; anything else on the command line is left alone for the script itself.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["CliOptions", "parse_cli_args"]


@dataclass(frozen=True, slots=True)
class CliOptions:
    """The fastagent flags of a script's command line.

    Attributes:
        model: ``--model``: overrides the model of every agent.
        agent: ``--agent``: the agent `--message` goes to (and `AgentApp.send` defaults to).
        message: ``--message``: send this, print the reply and exit without running the body.
        quiet: ``--quiet``: print only results and errors.
    """

    model: str | None = None
    agent: str | None = None
    message: str | None = None
    quiet: bool = False


def parse_cli_args(argv: Sequence[str], *, prog: str | None = None) -> CliOptions:
    """Read the fastagent flags from `argv` (without the program name), ignoring the rest.

    Flags must be spelled in full (no abbreviations), so a script's own flags are never
    mistaken for ours.

    Raises:
        SystemExit: A flag is missing its value (argparse prints the usage, exit code 2).
    """
    parser = argparse.ArgumentParser(prog=prog, add_help=False, allow_abbrev=False)
    parser.add_argument("--model", metavar="MODEL", help="model for every agent")
    parser.add_argument("--agent", metavar="NAME", help="the agent to talk to")
    parser.add_argument("--message", metavar="TEXT", help="send TEXT, print the reply and exit")
    parser.add_argument("--quiet", action="store_true", help="only results and errors")
    known, _rest = parser.parse_known_args(list(argv))
    return CliOptions(
        model=known.model, agent=known.agent, message=known.message, quiet=known.quiet
    )
