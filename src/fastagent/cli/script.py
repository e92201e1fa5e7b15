"""`FastAgent` for scripts: the library app plus the command line and the terminal.

``from fastagent import FastAgent`` gives this class. Over `fastagent.agents.fast_agent.FastAgent`
(the library, which never prints, exits or reads a terminal) it adds what a script run from
a shell expects:

- the script's flags, ``--model``, ``--agent``, ``--message`` and ``--quiet``
  (`fastagent.cli.script_args`);
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
from typing import TYPE_CHECKING, Any

from fastagent.agents.fast_agent import FastAgent as LibraryApp
from fastagent.cli import script_args
from fastagent.cli.script_args import CliOptions

if TYPE_CHECKING:
    from contextlib import AbstractAsyncContextManager

    from fastagent.agents.agent_app import AgentApp
    from fastagent.config import Settings
    from fastagent.runtime import RunOptions, Runtime

__all__ = ["FastAgent", "terminal_run_options"]


class FastAgent(LibraryApp):
    """A script's app: agents and tools declared with decorators, run with ``fast.run()``.

    Args:
        name: The app's name.
        config_path: The config file; found from the working directory when None.
        parse_cli_args: Read ``--model``, ``--agent``, ``--message`` and ``--quiet`` from
            ``sys.argv`` (other arguments are left alone).
        settings: Ready settings instead of loading a config file.
        argv: Read the fastagent flags from these arguments instead of ``sys.argv[1:]``
            (even when `parse_cli_args` is False).
        quiet: Print only results and errors (as ``--quiet`` does).
        overrides: Config values that win over files and environment, as `load_config`
            takes them.

    Raises:
        UserError: `settings` was given together with `config_path` or `overrides`.
        SystemExit: A flag is missing its value (argparse prints the usage, status 2).
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
    ) -> None:
        if argv is not None:
            options = script_args.parse_cli_args(argv)
        elif parse_cli_args:
            options = script_args.parse_cli_args(sys.argv[1:], prog=Path(sys.argv[0]).name or None)
        else:
            options = CliOptions()
        super().__init__(
            name,
            config_path=config_path,
            settings=settings,
            quiet=quiet or options.quiet,
            overrides=overrides,
        )
        self.options = options

    def run(
        self, options: RunOptions | None = None, *, config_path: str | Path | None = None
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
            return ending_on_signals(super().run(options, config_path=config_path))
        return ending_on_signals(self._answer(self.options.message, config_path))

    def run_options(self) -> RunOptions:
        """The script's flags (``--model``, ``--agent``, ``--quiet``) and the terminal."""
        return terminal_run_options(
            model=self.options.model, agent=self.options.agent, quiet=self.quiet
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
            raise SystemExit(report_exception(exc, verbose=False, stream=sys.stderr)) from None
        raise SystemExit(0)
        yield  # pragma: no cover  (never reached: the body does not run with --message)


def terminal_run_options(
    *, model: str | None = None, agent: str | None = None, quiet: bool = False
) -> RunOptions:
    """Run options for a terminal: progress display, terminal elicitation, chat, stderr notices.

    Args:
        model: ``--model``: overrides every agent's model.
        agent: ``--agent``: the default agent.
        quiet: ``--quiet``: no display, no notices.
    """
    from fastagent.runtime import RunOptions
    from fastagent.ui.chat import run_interactive
    from fastagent.ui.elicitation import TerminalElicitor

    return RunOptions(
        model=model,
        agent=agent,
        quiet=quiet,
        elicitor=TerminalElicitor(),
        display=_terminal_display,
        notify=_stderr_line,
        chat=run_interactive,
    )


def _terminal_display(runtime: Runtime) -> Callable[[], object]:
    from fastagent.ui.display import start_display

    return start_display(runtime, quiet=False)


def _stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
