"""The rich console subcommands print through, honouring ``--quiet`` and ``--no-color``.

Import this module inside a command's ``run`` only: it imports rich.
"""

from __future__ import annotations

import argparse

from rich.console import Console

__all__ = ["make_console"]


def make_console(args: argparse.Namespace, *, stderr: bool = False) -> Console:
    """Return a console configured by the global options.

    ``--no-color`` (or ``NO_COLOR``) turns off every style, not only colours; ``--quiet``
    silences the console. Long lines are never wrapped, so paths stay copyable.

    Args:
        args: Parsed arguments carrying ``quiet`` and ``no_color``.
        stderr: Write to standard error instead of standard output.

    Returns:
        A rich `Console`.
    """
    return Console(
        stderr=stderr,
        quiet=bool(args.quiet),
        color_system=None if args.no_color else "auto",
        no_color=bool(args.no_color),
        highlight=False,
        soft_wrap=True,
    )
