"""Slash commands of the interactive prompt, and how a typed line is understood.

A line is one of: a command (``/name argument``), a message for one agent without switching
(``@agent text``; a bare ``@agent`` switches), or a message for the current agent.
Commands that need MCP features call the agent's ``list_prompts``, ``apply_prompt``,
``list_resources`` and ``attach`` methods when it has them, and say "not available" when not.
"""

from __future__ import annotations

import difflib
import inspect
import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from fastagent.exceptions import FastAgentError, HistoryFormatError, UserError

if TYPE_CHECKING:
    from fastagent.agents.session_recording import SessionRecorder
    from fastagent.ui.session import ChatSession

__all__ = [
    "COMMANDS",
    "EXIT_WORDS",
    "Command",
    "CommandSpec",
    "DirectMessage",
    "parse_input",
    "run_command",
]

EXIT_WORDS: Final = frozenset({"exit", "quit"})
"""Plain words that end the chat like ``/exit`` (kept for muscle memory)."""


@dataclass(frozen=True, slots=True)
class Command:
    """A typed ``/name argument`` line.

    Attributes:
        name: The command name, lower case, without the slash.
        argument: The rest of the line, stripped.
    """

    name: str
    argument: str = ""


@dataclass(frozen=True, slots=True)
class DirectMessage:
    """A typed ``@agent text`` line: `text` goes to `agent` only (empty `text`: switch).

    Attributes:
        agent: The agent's name.
        text: The message.
    """

    agent: str
    text: str


def parse_input(line: str) -> Command | DirectMessage | str | None:
    """Understand one typed line.

    Returns:
        None for a blank line; a `Command` for ``/name ...`` (and for ``exit``/``quit``);
        a `DirectMessage` for ``@agent ...``; otherwise the message text, stripped.
    """
    text = line.strip()
    if not text:
        return None
    if text.lower() in EXIT_WORDS:
        return Command("exit")
    if text[0] in "/@" and len(text) > 1 and not text[1].isspace():
        head, *rest = text[1:].split(maxsplit=1)
        argument = rest[0].strip() if rest else ""
        if text[0] == "/":
            return Command(head.lower(), argument)
        return DirectMessage(head, argument)
    return text


Handler = Callable[["ChatSession", str], Awaitable[None]]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    """One slash command.

    Attributes:
        name: Its name, without the slash.
        usage: How to type it, e.g. ``/agent NAME``.
        help: What it does, in one line.
        handler: Runs it: ``await handler(session, argument)``.
    """

    name: str
    usage: str
    help: str
    handler: Handler


async def run_command(session: ChatSession, command: Command) -> None:
    """Run `command` in `session`.

    Raises:
        UserError: The command is unknown, or its argument is wrong.
        FastAgentError: What the command's work raised (reported by the chat loop).
    """
    spec = COMMANDS.get(command.name)
    if spec is None:
        close = difflib.get_close_matches(command.name, list(COMMANDS), n=1, cutoff=0.6)
        hint = f"did you mean /{close[0]}?" if close else "type /help to list the commands"
        raise UserError(f"unknown command /{command.name}", hint=hint)
    if command.argument and " " not in spec.usage and spec.name not in _ANY_ARGUMENT:
        # `/model sonnet` would silently show the model: say the argument is not taken.
        raise UserError(
            f"/{spec.name} takes no argument (got '{command.argument}')",
            hint=_NO_ARGUMENT_HINTS.get(spec.name, f"type /{spec.name} alone"),
        )
    await spec.handler(session, command.argument)


_ANY_ARGUMENT: Final = frozenset({"help", "exit", "quit"})
"""Commands that ignore an argument rather than refuse it (``/help save``, ``/exit now``)."""

_NO_ARGUMENT_HINTS: Final = {
    "model": "a chat keeps its model: leave with /exit, then run fastagent go --model MODEL "
    "--resume to continue this conversation on MODEL",
}


async def _help(session: ChatSession, argument: str) -> None:
    width = max(len(spec.usage) for spec in COMMANDS.values())
    for spec in COMMANDS.values():
        session.write(f"  {spec.usage.ljust(width)}  {spec.help}")
    session.write(f"  {'@AGENT TEXT'.ljust(width)}  send TEXT to AGENT without switching")
    session.write("Enter sends; Alt-Enter (or Esc then Enter) starts a new line; Ctrl-D exits.")


async def _agents(session: ChatSession, argument: str) -> None:
    from fastagent.ui.chat_render import shorten

    for name, agent in session.agents.items():
        marker = "*" if name == session.current else " "
        about = shorten(agent.instruction or "", 60)
        session.write(f"{marker} {name}  [{agent.model}]" + (f"  {about}" if about else ""))


async def _agent(session: ChatSession, argument: str) -> None:
    if argument:
        session.switch(argument.lstrip("@"))
    session.write(f"talking to {session.current} [{session.agent.model}]")


async def _tools(session: ChatSession, argument: str) -> None:
    from fastagent.ui.chat_render import shorten

    agent = session.agent
    toolset = getattr(getattr(agent, "llm", None), "tools", None)
    definitions = toolset.definitions() if toolset is not None else []
    if not definitions:
        session.write(f"{agent.name} has no tools")
        return
    for definition in definitions:
        about = shorten(definition.description or "", 70)
        session.write(f"  {definition.name}" + (f"  {about}" if about else ""))


async def _prompts(session: ChatSession, argument: str) -> None:
    items = await _call_feature(session, "list_prompts", "/prompts")
    _write_items(session, items, empty=f"{session.current} has no prompts")


async def _prompt(session: ChatSession, argument: str) -> None:
    name, _, raw = argument.partition(" ")
    if not name:
        raise UserError("/prompt needs a prompt name", hint="type /prompts to list them")
    arguments = _json_object(raw.strip()) if raw.strip() else {}
    result = await _call_feature(session, "apply_prompt", "/prompt", name, arguments)
    text = getattr(result, "text", result)
    session.show_reply(session.current, str(text) if text is not None else "")


async def _resources(session: ChatSession, argument: str) -> None:
    items = await _call_feature(session, "list_resources", "/resources")
    _write_items(session, items, empty=f"{session.current} has no resources")


async def _attach(session: ChatSession, argument: str) -> None:
    if not argument:
        raise UserError("/attach needs a resource URI", hint="type /resources to list them")
    block = await _call_feature(session, "attach", "/attach", argument)
    session.attachments.append(block)
    session.write(f"attached {argument}; it goes with your next message")


async def _history(session: ChatSession, argument: str) -> None:
    from fastagent.ui.chat_render import history_lines

    lines = history_lines(session.agent.history)
    if not lines:
        session.write(f"{session.current} has no conversation yet")
    for line in lines:
        session.write(line)


async def _save(session: ChatSession, argument: str) -> None:
    from fastagent.history import save_history

    path = _path_argument(argument, "/save")
    messages = session.agent.history
    try:
        save_history(path, messages)
    except HistoryFormatError as exc:
        raise UserError(exc.message, hint=_format_hint("/save")) from exc
    except OSError as exc:
        raise UserError(
            f"cannot write {path}: {exc.strerror or exc}", hint="choose a writable path"
        ) from exc
    session.write(f"saved {len(messages)} message(s) of {session.current} to {path}")


async def _load(session: ChatSession, argument: str) -> None:
    from fastagent.history import load_history

    path = _path_argument(argument, "/load")
    memory = getattr(getattr(session.agent, "llm", None), "memory", None)
    if memory is None:
        raise UserError(
            f"/load is not available for {session.current}: it keeps no conversation",
            hint="switch to a model-backed agent with /agent NAME",
        )
    try:
        messages = load_history(path)
    except HistoryFormatError as exc:
        if exc.hint and "format=" in exc.hint:
            raise UserError(exc.message, hint=_format_hint("/load")) from exc
        raise
    except OSError as exc:
        raise UserError(
            f"cannot read {path}: {exc.strerror or exc}", hint="check the path"
        ) from exc
    except FastAgentError:
        raise
    except Exception as exc:
        # Whatever else reading this file runs into, the conversation stays as it was.
        detail = (str(exc).splitlines() or [""])[0]
        raise UserError(
            f"cannot load {path}: {type(exc).__name__}" + (f": {detail}" if detail else ""),
            hint="check that the file is a conversation saved with /save or save_history",
        ) from exc
    memory.clear()
    memory.extend(messages)
    session.write(f"loaded {len(messages)} message(s) from {path} into {session.current}")


async def _clear(session: ChatSession, argument: str) -> None:
    session.agent.clear()
    session.write(f"cleared the conversation of {session.current}")


async def _usage(session: ChatSession, argument: str) -> None:
    session.show_usage()


async def _model(session: ChatSession, argument: str) -> None:
    session.write(f"{session.current}: {session.agent.model}")


async def _compact(session: ChatSession, argument: str) -> None:
    llm = getattr(session.agent, "llm", None)
    if llm is None or not hasattr(llm, "compact"):
        raise UserError(
            f"/compact is not available for {session.current}: it keeps no conversation",
            hint="switch to a model-backed agent with /agent NAME",
        )
    event = await llm.compact()
    if event is None:
        session.write(f"nothing to compact: {session.current} has at most one turn")
        return
    session.write(
        f"compacted {session.current} ({event.strategy}): {event.messages_before} -> "
        f"{event.messages_after} messages, ~{event.tokens_before} -> ~{event.tokens_after} tokens"
    )


async def _servers(session: ChatSession, argument: str) -> None:
    app = session.app
    if app is None:
        raise UserError("/servers is not available in this chat", hint="start it from an app")
    action, _, name = argument.partition(" ")
    if action:
        if action != "reconnect" or not name.strip():
            raise UserError(
                f"unknown /servers argument '{argument}'", hint="use /servers reconnect NAME"
            )
        users = await app.reconnect_server(name.strip())
        session.write(f"reconnected {name.strip()} for {', '.join(users)}")
        return
    states = app.server_states()
    if not states:
        session.write("no MCP servers")
    for server, state in states.items():
        error = app.runtime.servers.failed.get(server) if state == "failed" else None
        detail = f"  {str(error).splitlines()[0]}" if error is not None else ""
        session.write(f"  {server}  {state}{detail}")


async def _sessions(session: ChatSession, argument: str) -> None:
    recorder = _recorder(session, "/sessions")
    current = recorder.session_id
    found = recorder.store.sessions()
    if not found:
        session.write(f"no sessions in {recorder.store.directory}")
    for info in found[:20]:
        marker = "*" if info.id == current else " "
        when = info.updated.astimezone().strftime("%Y-%m-%d %H:%M")
        title = f"  {info.title}" if info.title else ""
        session.write(f"{marker} {info.id}  {when}  {info.messages:>4} msgs{title}")
    if len(found) > 20:
        session.write(f"  ... {len(found) - 20} more (fastagent sessions list)")


async def _resume(session: ChatSession, argument: str) -> None:
    recorder = _recorder(session, "/resume")
    if not argument:
        raise UserError("/resume needs a session id", hint="type /sessions to list them")
    info = recorder.resume(argument, models=True)
    chosen = " (--model)" if recorder.runtime.models.override else ""
    session.write(
        f"resumed session {info.id}: {info.messages} message(s)"
        + (f", {info.title}" if info.title else "")
        + f"; continuing with {session.agent.model}{chosen}"
    )


def _recorder(session: ChatSession, command: str) -> SessionRecorder:
    if session.recorder is None:
        raise UserError(
            f"{command} is not available: this chat is not saved as a session",
            hint="sessions.enabled is false in the config, or the chat was started without an app",
        )
    return session.recorder


async def _exit(session: ChatSession, argument: str) -> None:
    session.finished = True


_CHAT_HINTS: Final = {
    "/prompt": "type /prompts to list the prompts and their arguments, then e.g. /prompt greet "
    '{"name": "Ada"}',
    "/attach": "type /resources to list the resources on offer",
}
"""A chat user's hint for a mistake in these commands, replacing an agent's hint that names
its Python methods or arguments (`_PYTHON_API`), which the chat does not offer."""

_PYTHON_API: Final = ("agent.", "server=", "pass ")

_NO_SERVERS_HINT: Final = (
    "leave with /exit and start the chat with servers: fastagent go --servers NAME (from "
    "mcp.servers; or --url, --npx, --uvx); a script declares them with servers=[...]"
)


async def _call_feature(session: ChatSession, method: str, command: str, *args: Any) -> Any:
    function = getattr(session.agent, method, None)
    if not callable(function):
        raise UserError(
            f"{command} is not available for {session.current}",
            hint="it needs an agent with MCP servers that offer it",
        )
    try:
        result = function(*args)
        return await result if inspect.isawaitable(result) else result
    except UserError as exc:
        if command in _CHAT_HINTS and any(api in (exc.hint or "") for api in _PYTHON_API):
            exc.hint = _CHAT_HINTS[command]
        elif "has no MCP servers" in exc.message:
            exc.hint = _NO_SERVERS_HINT
        raise


def _write_items(session: ChatSession, items: Any, *, empty: str) -> None:
    lines = _item_lines(items)
    if not lines:
        session.write(empty)
    for line in lines:
        session.write(f"  {line}")


def _item_lines(items: Any, server: str = "") -> list[str]:
    if items is None:
        return []
    if isinstance(items, Mapping):
        return [line for key, value in items.items() for line in _item_lines(value, str(key))]
    if isinstance(items, str):
        return [items]
    return [_describe(item, server) for item in items]


def _describe(item: Any, server: str) -> str:
    from fastagent.ui.chat_render import shorten

    if isinstance(item, str):
        return f"{server}/{item}" if server else item
    name = getattr(item, "name", None) or ""
    uri = getattr(item, "uri", None)
    origin = getattr(item, "server", None) or server
    named = bool(uri and name and name != str(uri))
    label = f"{uri} ({name})" if named else str(uri or name or item)
    description = shorten(str(getattr(item, "description", None) or ""), 60)
    arguments = [
        getattr(a, "name", str(a)) + ("" if getattr(a, "required", False) else "?")
        for a in getattr(item, "arguments", None) or ()
    ]
    text = f"{origin}/{label}" if origin else label
    if arguments:
        text += f" ({', '.join(arguments)})"
    return text + (f"  {description}" if description else "")


def _json_object(raw: str) -> dict[str, Any]:
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise UserError(
            f"prompt arguments are not valid JSON: {exc.msg}",
            hint='write them as a JSON object, e.g. /prompt greet {"name": "Ada"}',
        ) from exc
    if not isinstance(value, dict):
        raise UserError(
            "prompt arguments must be a JSON object",
            hint='write them as a JSON object, e.g. /prompt greet {"name": "Ada"}',
        )
    return value


def _format_hint(command: str) -> str:
    from fastagent.history.formats import EXTENSIONS

    return f"name the file with {', '.join(EXTENSIONS)}, e.g. {command} chat.json"


def _path_argument(argument: str, command: str) -> Path:
    if not argument:
        raise UserError(
            f"{command} needs a file name",
            hint=f"e.g. {command} chat.json (.json, .yaml or .md picks the format)",
        )
    return Path(argument).expanduser()


COMMANDS: Final[dict[str, CommandSpec]] = {
    spec.name: spec
    for spec in (
        CommandSpec("help", "/help", "show this help", _help),
        CommandSpec("agents", "/agents", "list the agents (* marks the current one)", _agents),
        CommandSpec("agent", "/agent NAME", "talk to agent NAME from now on", _agent),
        CommandSpec("tools", "/tools", "list the current agent's tools", _tools),
        CommandSpec("prompts", "/prompts", "list the MCP prompts the agent can use", _prompts),
        CommandSpec(
            "prompt", "/prompt NAME [JSON]", "apply an MCP prompt (arguments as JSON)", _prompt
        ),
        CommandSpec("resources", "/resources", "list the MCP resources available", _resources),
        CommandSpec("attach", "/attach URI", "attach a resource to the next message", _attach),
        CommandSpec("history", "/history", "show the conversation", _history),
        CommandSpec("save", "/save FILE", "save the conversation (.json, .yaml, .md)", _save),
        CommandSpec("load", "/load FILE", "replace the conversation with a saved one", _load),
        CommandSpec("clear", "/clear", "forget the conversation", _clear),
        CommandSpec("compact", "/compact", "shrink the conversation to its last turn", _compact),
        CommandSpec("usage", "/usage", "tokens and cost per agent", _usage),
        CommandSpec("model", "/model", "show the current agent's model", _model),
        CommandSpec(
            "servers",
            "/servers [reconnect NAME]",
            "MCP servers and their state; reconnect one",
            _servers,
        ),
        CommandSpec("sessions", "/sessions", "list saved sessions (* marks this one)", _sessions),
        CommandSpec("resume", "/resume ID", "continue a saved session in this chat", _resume),
        CommandSpec("exit", "/exit", "leave (so does Ctrl-D)", _exit),
        CommandSpec("quit", "/quit", "leave, like /exit", _exit),
    )
}
"""Every command by name, in the order /help lists them."""
