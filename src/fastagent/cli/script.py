"""`FastAgent` for scripts: the library app plus the command line and the terminal.

``from fastagent import FastAgent`` gives this class. Over `fastagent.agents.fast_agent.FastAgent`
(the library, which never prints, exits or reads a terminal) it adds what a script run from
a shell expects:

- the script's flags, those of ``fastagent go``: ``--model``, ``-a/--agent``,
  ``-m/--message``, ``-q/--quiet`` and ``-v/--verbose``; an unknown flag is an error, status 2
  (`fastagent.cli.script_args`);
- a fastagent error the script does not catch printed as the CLI prints it, ``error:`` and
  ``hint:`` lines on standard error and status 1, with its traceback (secrets masked) only
  under ``-v`` (a `sys.excepthook`, set when the app is made by the script being run;
  other exceptions keep Python's traceback);
- runs opened with the terminal's progress display, elicitation asked on the terminal, the
  chat loop of ``app.interactive()`` and notices on standard error;
- with ``--message``: the reply printed on standard output and `SystemExit` raised after
  cleanup (status 0, or the one-line error's status), so the ``async with`` body never runs.
"""

from __future__ import annotations

import contextlib
import sys
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

from fastagent.agents.fast_agent import FastAgent as LibraryApp
from fastagent.cli import script_args
from fastagent.cli.script_args import CliOptions

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from fastagent.agents.agent_app import AgentApp
    from fastagent.config import Settings
    from fastagent.runtime import RunOptions, Runtime

__all__ = ["FastAgent", "install_error_hook", "terminal_run_options"]


class FastAgent(LibraryApp):
    """A script's app: agents and tools declared with decorators, run with ``fast.run()``.

    Args:
        name: The app's name.
        config_path: The config file; found from the working directory when None.
        parse_cli_args: Read the script flags (``--model``, ``-a/--agent``, ``-m/--message``,
            ``-q/--quiet``, ``-v/--verbose``) from ``sys.argv`` when the app is made by the
            script being run (``python agent.py``, ``python -m pkg.agent``, ``fastagent run
            agent.py``), not when its module is imported (by a test, ``fastagent serve`` or
            ``fastagent test``) or in a notebook. An unknown flag is an error; arguments that
            are not flags, and all after ``--``, are left to the script. False: read none (a
            script parsing its own flags may pass the rest as `argv`).
        settings: Ready settings instead of loading a config file.
        argv: Read the fastagent flags from these arguments instead of ``sys.argv[1:]``
            (even when `parse_cli_args` is False).
        quiet: Print only results and errors (as ``--quiet`` does).
        overrides: Config values that win over files and environment, as `load_config`
            takes them.
        save_session: Save every run's conversations as a session (docs/sessions.md).

    Raises:
        UserError: `settings` was given together with `config_path` or `overrides`.
        SystemExit: A flag is unknown or misses its value (``error:``/``hint:`` lines on
            standard error, status 2), or ``-h``/``--help`` printed the flags (status 0).
    """

    def __init__(
        self,
        name: str,
        *,
        config_path: str | Path | None = None,
        parse_cli_args: bool = True,
        settings: Settings | None = None,
        argv: Sequence[str] | None = None,
        quiet: bool = False,
        overrides: Mapping[str, Any] | None = None,
        save_session: bool = False,
    ) -> None:
        main_script = _made_by_main_script()
        if argv is not None:
            options = script_args.parse_cli_args(argv)
        elif parse_cli_args and main_script:
            options = script_args.parse_cli_args(sys.argv[1:], prog=Path(sys.argv[0]).name or None)
        else:
            options = CliOptions()
        super().__init__(
            name,
            config_path=config_path,
            settings=settings,
            quiet=quiet or options.quiet,
            overrides=overrides,
            save_session=save_session,
        )
        self.options = options
        if main_script:
            install_error_hook(verbose=options.verbose)

    def run(
        self,
        options: RunOptions | None = None,
        *,
        config_path: str | Path | None = None,
        resume: str | None = None,
    ) -> AbstractAsyncContextManager[AgentApp]:
        """Start the app: ``async with fast.run() as app:``.

        As `fastagent.agents.fast_agent.FastAgent.run`, opened by default with `run_options` (the
        script's flags and the terminal). With ``--message`` (and default options) the
        message is sent to the agent (``--agent`` or the default), the reply printed, and
        `SystemExit(0)` raised after cleanup, so the body never runs; a fastagent error then
        is one ``error:``/``hint:`` pair on standard error and a non-zero `SystemExit`.
        SIGTERM or SIGHUP while the run is open cancels it, cleans up, and raises `SystemExit`
        with code 143 or 129 (see `fastagent._signals`).

        Raises:
            AgentGraphError: As for the library `run`.
            ConfigError: As for the library `run`.
            UnknownModelError: As for the library `run`.
        """
        from fastagent._signals import ending_on_signals

        if options is not None or self.options.message is None:
            return ending_on_signals(super().run(options, config_path=config_path, resume=resume))
        return ending_on_signals(self._answer(self.options.message, config_path))

    def run_options(self) -> RunOptions:
        """The script's flags (``--model``, ``--agent``, ``--quiet``) and the terminal."""
        return terminal_run_options(
            model=self.options.model,
            agent=self.options.agent,
            quiet=self.quiet,
            save_session=self.save_session,
        )

    @contextlib.asynccontextmanager
    async def _answer(
        self, message: str, config_path: str | Path | None
    ) -> AsyncIterator[AgentApp]:
        from fastagent.cli.errors import report_exception
        from fastagent.exceptions import FastAgentError

        try:
            async with self.open_runtime(self.run_options(), config_path=config_path) as runtime:
                app = await self.build(runtime)
                reply = await app.send(message)
                sys.stdout.write(reply + "\n")
                sys.stdout.flush()
        except FastAgentError as exc:
            verbose = self.options.verbose
            raise SystemExit(report_exception(exc, verbose=verbose, stream=sys.stderr)) from None
        raise SystemExit(0)
        yield  # pragma: no cover  (never reached: the body does not run with --message)


def _made_by_main_script() -> bool:
    """Whether the code creating the app is the main module of a script run from a file.

    A module that is imported (pytest's, ``fastagent test``'s) is not: the command line is
    another program's. Neither is a notebook's or ``python -c``'s ``__main__`` (no file).
    """
    frame = sys._getframe(1)
    while frame.f_back is not None and frame.f_globals.get("__name__") == __name__:
        frame = frame.f_back
    return frame.f_globals.get("__name__") == "__main__" and "__file__" in frame.f_globals


_previous_hook: Callable[[type[BaseException], BaseException, TracebackType | None], Any] | None = (
    None
)
_verbose = False


def install_error_hook(*, verbose: bool) -> None:
    """Print an uncaught fastagent error as the CLI does: ``error:``/``hint:``, status 1.

    Sets `sys.excepthook` (once; later calls only update `verbose`). A `FastAgentError`
    (alone, or the one error inside nested exception groups) and Ctrl-C are reported by
    `fastagent.cli.errors.report_exception`, with the traceback only when `verbose`; any other
    exception goes to the hook that was there before (Python's traceback).

    Args:
        verbose: Also print the traceback of a fastagent error (secrets masked).
    """
    global _previous_hook, _verbose
    _verbose = verbose
    if sys.excepthook is not _report_uncaught:
        _previous_hook = sys.excepthook
        sys.excepthook = _report_uncaught


def _report_uncaught(
    kind: type[BaseException], exc: BaseException, traceback: TracebackType | None
) -> None:
    from fastagent.cli.errors import report_exception
    from fastagent.exceptions import FastAgentError

    inner = exc
    while isinstance(inner, BaseExceptionGroup) and len(inner.exceptions) == 1:
        inner = inner.exceptions[0]
    if isinstance(inner, FastAgentError | KeyboardInterrupt):
        report_exception(inner, verbose=_verbose, stream=sys.stderr)
        return
    (_previous_hook or sys.__excepthook__)(kind, exc, traceback)


def terminal_run_options(
    *,
    model: str | None = None,
    agent: str | None = None,
    quiet: bool = False,
    save_session: bool = False,
) -> RunOptions:
    """Run options for a terminal: display, elicitation, tool approval, chat, stderr notices.

    Args:
        model: ``--model``: overrides every agent's model.
        agent: ``--agent``: the default agent.
        quiet: ``--quiet``: no display, no notices.
        save_session: Save the run's conversations as a session.
    """
    from fastagent.runtime import RunOptions
    from fastagent.ui.approval import TerminalApprover
    from fastagent.ui.chat import run_interactive
    from fastagent.ui.elicitation import TerminalElicitor
    from fastagent.ui.human_input import TerminalHumanInput

    return RunOptions(
        model=model,
        agent=agent,
        quiet=quiet,
        elicitor=TerminalElicitor(),
        display=_terminal_display,
        notify=_stderr_line,
        chat=run_interactive,
        save_session=save_session,
        approver=TerminalApprover(),
        human_input=TerminalHumanInput(),
    )


def _terminal_display(runtime: Runtime) -> Callable[[], object]:
    from fastagent.ui.display import start_display

    return start_display(runtime, quiet=False)


def _stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
