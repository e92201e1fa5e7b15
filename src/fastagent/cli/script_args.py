"""The command line every fastagent script understands.

``python agent.py --model sonnet -a writer -m "hi" -q`` picks the model of every agent, the
agent to talk to, sends one message, prints the reply and exits; ``-v`` shows tracebacks. The
flags are those of ``fastagent go``. Any other flag is an error (with the closest flag as a
hint, exit status 2), so a typo such as ``--mesage`` is never silently ignored. Arguments
that are not flags, and everything after ``--``, are left to the script itself; a script
with flags of its own parses them first and hands the rest over (``FastAgent(name,
argv=rest)``), or opts out with ``parse_cli_args=False``.
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NoReturn

from fastagent.cli.errors import EXIT_USAGE

__all__ = ["FLAGS", "CliOptions", "parse_cli_args"]

FLAGS = ("-m/--message", "-q/--quiet", "-a/--agent", "--model", "-v/--verbose", "-h/--help")
"""The flags of a script, as the hint of an unknown one lists them."""


@dataclass(frozen=True, slots=True)
class CliOptions:
    """The fastagent flags of a script's command line.

    Attributes:
        model: ``--model``: overrides the model of every agent.
        agent: ``-a/--agent``: the agent `--message` goes to (and `AgentApp.send` defaults to).
        message: ``-m/--message``: send this, print the reply and exit without running the body.
        quiet: ``-q/--quiet``: print only results and errors.
        verbose: ``-v/--verbose``: a fastagent error shows its traceback (secrets masked).
    """

    model: str | None = None
    agent: str | None = None
    message: str | None = None
    quiet: bool = False
    verbose: bool = False


class _ScriptParser(argparse.ArgumentParser):
    """argparse, with its usage errors written as the CLI writes errors: two lines, status 2."""

    def error(self, message: str) -> NoReturn:
        _usage_error(f"{self.prog}: {message}", f"the flags of a script: {', '.join(FLAGS)}")


def parse_cli_args(argv: Sequence[str], *, prog: str | None = None) -> CliOptions:
    """Read the fastagent flags from `argv` (without the program name).

    Flags must be spelled in full (no abbreviations). Arguments that are not flags, and all
    after ``--``, are the script's. ``-h``/``--help`` prints the flags and exits (status 0).

    Args:
        argv: The command line after the program name.
        prog: The script's name, for messages.

    Raises:
        SystemExit: Status 2 after ``error:``/``hint:`` lines on standard error, when a flag
            is unknown (the hint names the closest flag) or misses its value.
    """
    arguments = list(argv)
    if "--" in arguments:  # the rest is the script's own
        arguments = arguments[: arguments.index("--")]
    parser = _build_parser(prog)
    known, rest = parser.parse_known_args(arguments)
    unknown = [arg for arg in rest if _is_flag(arg)]
    if unknown:
        _reject(parser, unknown[0])
    return CliOptions(
        model=known.model,
        agent=known.agent,
        message=known.message,
        quiet=known.quiet,
        verbose=known.verbose,
    )


def _build_parser(prog: str | None) -> argparse.ArgumentParser:
    parser = _ScriptParser(
        prog=prog,
        allow_abbrev=False,
        description="The flags fastagent reads from a script's command line.",
        epilog="Arguments that are not flags, and all after --, are left to the script.",
    )
    parser.add_argument("--model", metavar="MODEL", help="model string or alias for every agent")
    parser.add_argument("-a", "--agent", metavar="NAME", help="the agent to talk to")
    parser.add_argument("-m", "--message", metavar="TEXT", help="send TEXT, print the reply, exit")
    parser.add_argument("-q", "--quiet", action="store_true", help="only results and errors")
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="tracebacks of errors (secrets masked)"
    )
    return parser


def _is_flag(arg: str) -> bool:
    """``-x``/``--xyz`` (``--x=1`` too); a lone ``-`` and negative numbers are values."""
    if not arg.startswith("-") or arg == "-":
        return False
    try:
        float(arg)
    except ValueError:
        return True
    return False


def _reject(parser: argparse.ArgumentParser, flag: str) -> NoReturn:
    name = flag.split("=", 1)[0]
    known = [option for action in parser._actions for option in action.option_strings]
    # Compared without the dashes, which every flag shares: '--city' is not near '--quiet'.
    long_flags = {o.lstrip("-"): o for o in known if o.startswith("--")}
    close = difflib.get_close_matches(name.lstrip("-"), list(long_flags), n=1)
    guess = f"did you mean '{long_flags[close[0]]}'? " if close else ""
    _usage_error(
        f"{parser.prog}: unknown flag '{name}'",
        f"{guess}a script takes {', '.join(FLAGS)}; put its own arguments after --",
    )


def _usage_error(message: str, hint: str) -> NoReturn:
    sys.stderr.write(f"error: {message}\nhint: {hint}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_USAGE)
