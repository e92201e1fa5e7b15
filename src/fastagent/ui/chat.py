"""The interactive chat: read a line, run a command or send it, show the reply.

In a terminal `run_interactive` uses the prompt_toolkit prompt of `fastagent.ui.prompt`
(multi-line input, history, completion) and prints replies as markdown; otherwise (piped
input, or when `read`/`write` are given) it reads plain lines and writes plain replies, so
``echo hi | fastagent go`` answers and exits at end of input. Slash commands
(`fastagent.ui.commands`) work in both. A failed turn or command is reported as
``error: ...`` / ``hint: ...`` and the chat goes on. Ctrl-C during a turn cancels that turn
alone (the conversation stays as before it, servers stay up); Ctrl-D, or Ctrl-C twice at an
empty prompt, ends the chat.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console

    from fastagent.agents.agent_app import AgentApp
    from fastagent.agents.base import BaseAgent
    from fastagent.ui.commands import Command, DirectMessage
    from fastagent.ui.session import ChatSession

__all__ = ["Reader", "chat_loop", "run_chat", "run_interactive"]

Reader = Callable[[str], "str | Awaitable[str]"]
"""Returns the next line (or an awaitable of it); raises `EOFError` at end of input.

On Ctrl-C it raises `KeyboardInterrupt`, with the dropped text as its argument when the line
was not empty.
"""


async def chat_loop(
    agent: BaseAgent,
    *,
    read: Reader = input,
    write: Callable[[str], object] = print,
    error: Callable[[str], object] | None = None,
) -> int:
    """Chat with one agent using plain lines: `read` them, `write` the replies.

    Blank lines are skipped; slash commands work (``/exit`` ends the loop). A model or tool
    failure is reported with `error` and the loop goes on; the conversation is unchanged by
    a failed turn, so the line can be sent again.

    Args:
        agent: The agent to talk to.
        read: Returns the next line; raises `EOFError` at end of input. Called with the
            prompt (empty when standard input is not a terminal).
        write: Shows a reply or a line of command output.
        error: Shows a failure (default: standard error).

    Returns:
        How many messages were sent.
    """
    from fastagent.ui.session import ChatSession

    session = ChatSession(
        {agent.name: agent},
        agent.name,
        write=write,
        error=error if error is not None else _stderr_line,
    )
    return await run_chat(session, read)


async def run_chat(session: ChatSession, read: Reader, *, prompt: bool | None = None) -> int:
    """Run the chat loop of `session` until ``/exit`` or end of input.

    Args:
        session: The agents, the current one, and where output goes.
        read: Returns the next line (or an awaitable of it), given the prompt text.
        prompt: Whether to pass ``agent> `` as the prompt; by default only when standard
            input is a terminal.

    Returns:
        How many messages were sent.
    """
    from fastagent._signals import Interrupted, cancel_on_ctrl_c
    from fastagent.ui.commands import parse_input

    show_prompt = _stdin_is_terminal() if prompt is None else prompt
    sent = 0
    armed = False  # Ctrl-C at an empty prompt; a second one in a row ends the chat
    while not session.finished:
        try:
            line = read(f"{session.current}> " if show_prompt else "")
            if inspect.isawaitable(line):
                line = await line
        except EOFError:
            break
        except KeyboardInterrupt as interrupt:
            if interrupt.args and interrupt.args[0]:
                armed = False
                continue  # Ctrl-C on a typed line drops the line, as in a shell
            if armed:
                break
            armed = True
            session.error("press Ctrl-C again or Ctrl-D to exit")
            continue
        armed = False
        parsed = parse_input(line)
        if parsed is None:
            continue
        try:
            sent += await cancel_on_ctrl_c(_dispatch(session, parsed))
        except Interrupted:
            session.error("cancelled; the conversation is as it was before this message")
        except Exception as exc:
            _log_unexpected(exc)
            session.report(exc)
    return sent


async def _dispatch(session: ChatSession, parsed: Command | DirectMessage | str) -> int:
    """Run a command or send a message; returns how many messages were sent."""
    from fastagent.ui.commands import Command, DirectMessage, run_command

    if isinstance(parsed, Command):
        await run_command(session, parsed)
    elif isinstance(parsed, DirectMessage) and not parsed.text:
        session.switch(parsed.agent)
        session.write(f"talking to {session.current} [{session.agent.model}]")
    elif isinstance(parsed, DirectMessage):
        await session.send(session.resolve(parsed.agent), parsed.text)
        return 1
    else:
        await session.send(session.current, parsed)
        return 1
    return 0


async def run_interactive(
    app: AgentApp,
    agent: str | None = None,
    *,
    read: Reader | None = None,
    write: Callable[[str], object] | None = None,
    terminal: bool | None = None,
) -> int:
    """Chat with the agents of `app`, starting with `agent` (the default agent when None).

    With neither `read` nor `write` given and a terminal on both ends (or `terminal`
    True), the prompt_toolkit prompt and rich output are used, and the usage summary is
    printed at the end. Otherwise lines are read with `read` (``input``) and replies written
    with `write` (``print``).

    Returns:
        How many messages were sent.

    Raises:
        UnknownAgentError: `agent` names no agent of `app`.
    """
    from fastagent.ui.session import ChatSession

    start = app.default.name if agent is None else app[agent].name
    agents = {name: app[name] for name in app}
    use_terminal = _both_terminals() if terminal is None else terminal
    if read is not None or write is not None or not use_terminal:
        session = ChatSession(
            agents,
            start,
            write=write if write is not None else print,
            error=_stderr_line,
            usage_source=app,
            recorder=app.session,
            app=app,
        )
        return await run_chat(session, read if read is not None else input)
    return await _terminal_chat(app, agents, start)


async def _terminal_chat(app: AgentApp, agents: dict[str, BaseAgent], start: str) -> int:
    from rich.console import Console
    from rich.text import Text

    from fastagent.ui.chat_render import print_reply
    from fastagent.ui.prompt import PromptReader
    from fastagent.ui.session import ChatSession
    from fastagent.ui.usage_table import print_usage_summary

    out = Console(highlight=False)
    err = Console(stderr=True, highlight=False)

    def show_error(text: str) -> None:
        err.print(Text(text, style="red"))

    session = ChatSession(
        agents,
        start,
        write=lambda text: out.print(Text(text)),
        error=show_error,
        show_reply=lambda name, text: print_reply(out, name, text),
        show_usage=lambda: _print_usage(app, out),
        usage_source=app,
        recorder=app.session,
        app=app,
    )
    out.print(
        Text(f"fastagent chat with {start} [{session.agent.model}] — /help for commands", "dim")
    )
    reader = PromptReader(session)
    try:
        return await run_chat(session, reader.read, prompt=True)
    finally:
        print_usage_summary(app, console=out)


def _print_usage(app: AgentApp, console: Console) -> None:
    from fastagent.ui.usage_table import print_usage_summary

    if not print_usage_summary(app, console=console):
        console.print("no model calls yet")


def _both_terminals() -> bool:
    return _stdin_is_terminal() and sys.stdout is not None and sys.stdout.isatty()


def _stdin_is_terminal() -> bool:
    return sys.stdin is not None and sys.stdin.isatty()


def _log_unexpected(exc: Exception) -> None:
    from fastagent.exceptions import FastAgentError

    if not isinstance(exc, FastAgentError):
        from fastagent.logging import get_logger

        get_logger("interactive").debug("chat turn failed", exc_info=exc)


def _stderr_line(text: str) -> None:
    sys.stderr.write(text + "\n")
    sys.stderr.flush()
