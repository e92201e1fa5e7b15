"""Turn an exception escaping a subcommand into a short message and an exit code.

A `FastAgentError` becomes ``error: <message>`` plus ``hint: <hint>``; anything else is an
unexpected failure that says how to see the traceback. The traceback itself is printed only
with ``--verbose``. Everything written is passed through `fastagent._redact.redact`.
"""

from __future__ import annotations

from typing import TextIO

__all__ = [
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "report_exception",
]

EXIT_OK = 0
"""The command succeeded."""
EXIT_ERROR = 1
"""The command failed (a user mistake or a runtime failure)."""
EXIT_USAGE = 2
"""The command line itself was wrong (argparse's convention)."""
EXIT_INTERRUPTED = 130
"""The user pressed Ctrl-C (128 + SIGINT)."""

_VERBOSE_HINT = "re-run with --verbose to see the traceback, and report it if it looks like a bug"


def report_exception(exc: BaseException, *, verbose: bool, stream: TextIO) -> int:
    """Write a failure the way the CLI shows it and return the exit code.

    Args:
        exc: The exception that escaped a subcommand.
        verbose: Also write the traceback (not for Ctrl-C).
        stream: Where to write, normally ``sys.stderr``.

    Returns:
        `EXIT_INTERRUPTED` for `KeyboardInterrupt`, `EXIT_ERROR` for anything else.
    """
    from fastagent._redact import redact
    from fastagent.exceptions import FastAgentError

    if isinstance(exc, KeyboardInterrupt):
        stream.write("interrupted\n")
        return EXIT_INTERRUPTED
    if verbose:
        _write_traceback(exc, stream)
    if isinstance(exc, FastAgentError):
        stream.write(redact(f"error: {exc.message}") + "\n")
        if exc.hint:
            stream.write(redact(f"hint: {exc.hint}") + "\n")
    else:
        detail = str(exc)
        suffix = f": {detail}" if detail else ""
        stream.write(redact(f"error: unexpected {type(exc).__name__}{suffix}") + "\n")
        if not verbose:
            stream.write(f"hint: {_VERBOSE_HINT}\n")
    stream.flush()
    return EXIT_ERROR


def _write_traceback(exc: BaseException, stream: TextIO) -> None:
    """The traceback with its whole ``__cause__``/``__context__`` chain, secrets masked.

    An SDK error's text (a provider echoing the key it rejected, a URL with a password) is
    usually deep in that chain.
    """
    import traceback

    from fastagent._redact import redact

    stream.write(redact("".join(traceback.format_exception(exc))))
