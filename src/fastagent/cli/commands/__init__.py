"""One module per ``fastagent`` subcommand.

Every module here follows one contract, so the CLI can register it cheaply:

* its top-level imports are standard library only (``argparse``, ``typing`` …);
* ``register(subparsers)`` adds its subparser(s) to the ``fastagent`` parser;
* ``run(args) -> int`` does the work and returns the exit code, importing anything heavy
  inside the function.

Every parsed `argparse.Namespace` carries the global options ``config`` (``str | None``),
``verbose``, ``quiet`` and ``no_color`` (all ``bool``).
"""

from __future__ import annotations

__all__ = ["COMMAND_MODULES"]

COMMAND_MODULES: tuple[str, ...] = (
    "go",
    "run",
    "batch",
    "worker",
    "durable",
    "serve",
    "test",
    "sessions",
    "config",
    "setup",
    "check",
)
"""Subcommand modules in the order they appear in ``fastagent --help``."""

SCRIPT_IMPORTED = "imported, not run: its `if __name__ == '__main__':` block does not run"
"""How ``batch``, ``worker`` and ``serve`` use their SCRIPT, for its ``--help``."""
