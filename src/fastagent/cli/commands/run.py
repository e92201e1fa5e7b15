"""``fastagent run SCRIPT [ARGS...]``: run a Python script as ``python SCRIPT ARGS...`` would.

The script runs in this process as ``__main__`` with ``sys.argv`` set to ``[SCRIPT, *ARGS]``
and its folder first on ``sys.path``, so a FastAgent app in it reads its flags (``--model``,
``-a``, ``-m``, ``-q``, ``-v``) from ARGS as usual: every argument after SCRIPT is the
script's. An exception the script does not catch is shown as ``python SCRIPT`` would show
it: by the script's `sys.excepthook` when it set one (a FastAgent app does: ``error:`` and
``hint:`` lines, the traceback with the script's ``-v``), else as any fastagent error.
"""

from __future__ import annotations

import argparse
from typing import Any

__all__ = ["register", "run"]

_EPILOG = """\
examples:
  fastagent run agent.py                          chat with the script's default agent
  fastagent run agent.py -m hi -q                 one message, reply on stdout
  fastagent run agent.py --model sonnet --agent writer
"""


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``run`` subcommand."""
    parser = subparsers.add_parser(
        "run",
        help="run a FastAgent script (like python SCRIPT ARGS...)",
        description=(
            "Run a Python script as 'python SCRIPT ARGS...' would, in this process. Every "
            "argument after SCRIPT goes to the script."
        ),
        epilog=_EPILOG,
    )
    parser.add_argument("script", metavar="SCRIPT", help="the Python file to run")
    parser.add_argument(
        "script_args", nargs=argparse.REMAINDER, metavar="ARGS", help="arguments for the script"
    )


def run(args: argparse.Namespace) -> int:
    """Run the script; returns its exit status.

    Raises:
        UserError: SCRIPT is not a file.
    """
    import runpy
    import sys
    from pathlib import Path

    from fastagent.cli.errors import EXIT_ERROR
    from fastagent.exceptions import UserError

    script = Path(args.script)
    if not script.is_file():
        raise UserError(
            f"the script {script} does not exist",
            hint="give the path of a Python file, e.g. fastagent run agent.py",
        )
    saved_argv, saved_path, saved_hook = sys.argv, list(sys.path), sys.excepthook
    sys.argv = [str(script), *args.script_args]
    sys.path.insert(0, str(script.resolve().parent))
    try:
        runpy.run_path(str(script), run_name="__main__")
    except SystemExit as exit_:
        return _exit_status(exit_.code)
    except Exception as exc:
        if args.verbose or sys.excepthook is saved_hook:
            raise  # shown by `fastagent.cli.main` (with fastagent's own -v)
        sys.excepthook(type(exc), exc, exc.__traceback__)  # as Python would at exit
        return EXIT_ERROR
    finally:
        sys.argv = saved_argv
        sys.path[:] = saved_path
        sys.excepthook = saved_hook
    return 0


def _exit_status(code: object) -> int:
    """The process status ``sys.exit(code)`` would give (a message is printed, status 1)."""
    import sys

    if code is None:
        return 0
    if isinstance(code, int):
        return code
    sys.stderr.write(f"{code}\n")
    return 1
