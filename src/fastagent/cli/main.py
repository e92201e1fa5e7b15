"""The ``fastagent`` entry point: global options, lazy subcommands, error rendering.

Building the parser imports only the standard library and the small command modules listed
in `fastagent.cli.commands.COMMAND_MODULES`; a command imports its heavy dependencies when it
runs, so ``fastagent --help`` stays fast.
"""

from __future__ import annotations

import argparse
import importlib
import os
import re
import sys
from collections.abc import Iterable, Sequence
from typing import Any, NoReturn, Protocol, cast

from fastagent._version import __version__
from fastagent.cli.commands import COMMAND_MODULES
from fastagent.cli.errors import EXIT_OK, EXIT_USAGE, report_exception

__all__ = ["Command", "add_global_options", "build_parser", "load_commands", "main"]

COMMANDS_PACKAGE = "fastagent.cli.commands"

_DESCRIPTION = "Define, run, test and serve MCP-native LLM agents and workflows."
_EPILOG = """\
examples:
  fastagent setup my-agent     scaffold a starter project in ./my-agent
  fastagent check              diagnose config, API keys and optional extras

Run 'fastagent COMMAND --help' for the options of one command.

documentation:
  In a clone of the repository, 'scripts/docs --serve' builds the docs site (guides, API
  reference) and serves it at http://127.0.0.1:8000; 'scripts/docs' builds it into build/site.
"""

# Global options are declared on every (sub)parser with SUPPRESS defaults, so a flag given
# before the subcommand is not reset by the subparser's default; the real defaults are
# filled in after parsing.
_GLOBAL_DEFAULTS: dict[str, Any] = {
    "config": None,
    "verbose": False,
    "quiet": False,
    "no_color": False,
}


class Command(Protocol):
    """What a subcommand module provides (see `fastagent.cli.commands`)."""

    def register(self, subparsers: argparse._SubParsersAction[Any]) -> None:
        """Add this command's subparser(s)."""

    def run(self, args: argparse.Namespace) -> int:
        """Run the command and return its exit code."""


def add_global_options(parser: argparse.ArgumentParser) -> None:
    """Add ``--config``, ``--verbose``, ``--quiet`` and ``--no-color`` to a parser.

    Args:
        parser: The main parser or a subcommand's parser.
    """
    group = parser.add_argument_group("global options")
    suppress = argparse.SUPPRESS
    group.add_argument(
        "--config",
        metavar="PATH",
        default=suppress,
        help="use this config file instead of searching for fastagent.yaml",
    )
    group.add_argument(
        "-v", "--verbose", action="store_true", default=suppress, help="more output, tracebacks"
    )
    group.add_argument(
        "-q", "--quiet", action="store_true", default=suppress, help="only errors and results"
    )
    group.add_argument(
        "--no-color",
        action="store_true",
        default=suppress,
        help="plain output without colour (also: NO_COLOR=1)",
    )


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors as ``error:``/``hint:`` lines (a did-you-mean for a typo)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        hint = f"'{self.prog} --help' shows its usage"
        choice = re.match(r"argument COMMAND: invalid choice: '([^']*)'", message)
        if choice:
            message = f"unknown command '{choice.group(1)}'"
            hint = _guess(choice.group(1), self._commands()) + hint
        _usage_error(f"{self.prog}: {message}", hint)

    def reject(self, extras: Sequence[str]) -> NoReturn:
        """Stop on arguments this (sub)command does not take, naming the closest flag."""
        flags = [arg for arg in extras if arg.startswith("-") and arg != "-"]
        if not flags:
            self.error(f"unexpected argument '{extras[0]}'")
        self.print_usage(sys.stderr)
        name = flags[0].split("=", 1)[0]
        known = [o for action in self._actions for o in action.option_strings if o[:2] == "--"]
        _usage_error(
            f"{self.prog}: unknown flag '{name}'",
            f"{_guess(name, known)}'{self.prog} --help' lists its flags",
        )

    def _commands(self) -> list[str]:
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction):
                return list(action.choices)
        return []


class _CommandParser(_Parser):
    """A subcommand parser that also accepts the global options after the subcommand."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)
        add_global_options(self)


def _guess(word: str, choices: Sequence[str]) -> str:
    import difflib

    # Compared without the dashes, which every flag shares: '--city' is not near '--quiet'.
    bare = {choice.lstrip("-"): choice for choice in choices}
    close = difflib.get_close_matches(word.lstrip("-"), list(bare), n=1)
    return f"did you mean '{bare[close[0]]}'? " if close else ""


def _usage_error(message: str, hint: str) -> NoReturn:
    sys.stderr.write(f"error: {message}\nhint: {hint}\n")
    sys.stderr.flush()
    raise SystemExit(EXIT_USAGE)


def load_commands(
    names: Iterable[str] = COMMAND_MODULES, *, package: str = COMMANDS_PACKAGE
) -> list[Command]:
    """Import the command modules, skipping those that do not exist (yet).

    Args:
        names: Module names inside ``package``.
        package: The package holding the command modules.

    Returns:
        The modules found, in the order of ``names``.

    Raises:
        ModuleNotFoundError: A command module exists but imports a module that does not.
    """
    commands: list[Command] = []
    for name in names:
        qualified = f"{package}.{name}"
        try:
            module = importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise
            continue
        commands.append(cast(Command, module))
    return commands


def build_parser(
    commands: Sequence[Command],
) -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    """Build the ``fastagent`` parser with every command registered.

    Args:
        commands: Command modules (or objects) to register, in help order.

    Returns:
        The parser, and which command owns each subcommand name (aliases included).
    """
    parser = _Parser(
        prog="fastagent",
        description=_DESCRIPTION,
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"fastagent {__version__}")
    add_global_options(parser)
    subparsers = parser.add_subparsers(
        dest="command", metavar="COMMAND", title="commands", parser_class=_CommandParser
    )
    owners: dict[str, Command] = {}
    for command in commands:
        before = set(subparsers.choices)
        command.register(subparsers)
        for name in set(subparsers.choices) - before:
            owners[name] = command
    return parser, owners


def main(argv: list[str] | None = None, *, commands: Sequence[Command] | None = None) -> int:
    """Run the ``fastagent`` command line.

    Args:
        argv: Arguments without the program name; ``sys.argv[1:]`` when None.
        commands: Command modules to offer; the built-in list when None.

    Returns:
        The exit code: 0 success, 1 error, 2 usage error, 130 interrupted.
    """
    if argv is None:
        argv = sys.argv[1:]
    if commands is None:
        parser, owners = _parser_for(argv)
    else:
        parser, owners = build_parser(commands)
    try:
        args, extras = parser.parse_known_args(argv)
        if extras:
            _reject(parser, args, extras)
    except SystemExit as exit_:  # --help, --version and usage errors
        return _exit_code(exit_.code)
    _fill_global_defaults(args)
    command = owners.get(args.command) if args.command else None
    if command is None:
        parser.print_help()
        return EXIT_OK
    try:
        return command.run(args)
    except BrokenPipeError:
        # The reader went away (`fastagent config show | head`): not a failure of ours.
        _silence_stdout()
        return EXIT_OK
    except (Exception, KeyboardInterrupt) as exc:
        return report_exception(exc, verbose=args.verbose, stream=sys.stderr)


def _reject(parser: argparse.ArgumentParser, args: argparse.Namespace, extras: list[str]) -> None:
    """Stop on unknown arguments, with the usage and flags of the subcommand they follow."""
    target = parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and args.command in action.choices:
            target = action.choices[args.command]
    if isinstance(target, _Parser):
        target.reject(extras)
    target.error(f"unrecognized arguments: {' '.join(extras)}")


def _parser_for(argv: Sequence[str]) -> tuple[argparse.ArgumentParser, dict[str, Command]]:
    """The parser for `argv`: with only the named command when argv names a built-in one.

    Importing and registering the other ten commands would cost a one-shot ``fastagent go``
    about as much as defining its 31 event classes. The parse is the same: the main parser's
    usage names no command (``COMMAND``), and anything else (no command, ``--help``, an
    unknown name) gets every command.
    """
    name = _command_name(argv)
    if name in COMMAND_MODULES:
        parser, owners = build_parser(load_commands([name]))
        if name in owners:
            return parser, owners
    return build_parser(load_commands())


def _command_name(argv: Sequence[str]) -> str | None:
    """The first argument that is neither an option nor the value of ``--config``."""
    after_config = False
    for arg in argv:
        if after_config:
            after_config = False
        elif arg == "--":
            return None
        elif arg.startswith("-"):
            # argparse accepts any unambiguous prefix of a long option: --conf PATH.
            after_config = len(arg) > 2 and "--config".startswith(arg)
        else:
            return arg
    return None


def _silence_stdout() -> None:
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def _fill_global_defaults(args: argparse.Namespace) -> None:
    for name, default in _GLOBAL_DEFAULTS.items():
        if not hasattr(args, name):
            setattr(args, name, default)
    if os.environ.get("NO_COLOR"):
        args.no_color = True


def _exit_code(code: str | int | None) -> int:
    if code is None:
        return EXIT_OK
    if isinstance(code, int):
        return code
    return 1
