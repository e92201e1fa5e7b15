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

from fastagent.exceptions import FastAgentError, UserError

if TYPE_CHECKING:
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
    await spec.handler(session, command.argument)


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


async def _exit(session: ChatSession, argument: str) -> None:
    session.finished = True


async def _call_feature(session: ChatSession, method: str, command: str, *args: Any) -> Any:
    function = getattr(session.agent, method, None)
    if not callable(function):
        raise UserError(
            f"{command} is not available for {session.current}",
            hint="it needs an agent with MCP servers that offer it",
        )
    result = function(*args)
    return await result if inspect.isawaitable(result) else result


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
        CommandSpec("usage", "/usage", "tokens and cost per agent", _usage),
        CommandSpec("model", "/model", "show the current agent's model", _model),
        CommandSpec("exit", "/exit", "leave (so does Ctrl-D)", _exit),
        CommandSpec("quit", "/quit", "leave, like /exit", _exit),
    )
}
"""Every command by name, in the order /help lists them."""
