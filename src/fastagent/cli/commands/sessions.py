"""``fastagent sessions``: list, show, delete and export saved sessions.

Sessions are saved chats and ``fastagent go`` runs (docs/sessions.md), under
``sessions.directory`` (``.fastagent/sessions`` next to the config file by default).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from fastagent.messages import Message
    from fastagent.sessions import SessionInfo, SessionStore

__all__ = ["register", "run"]


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``sessions`` command and its subcommands."""
    parser = subparsers.add_parser(
        "sessions",
        help="list, show, delete and export saved sessions",
        description="Saved chats and `fastagent go` runs. Continue one with "
        "`fastagent go --resume [ID]`.",
    )
    commands = parser.add_subparsers(dest="sessions_command", metavar="COMMAND")
    commands.add_parser(
        "list",
        help="list the sessions, the most recent first",
        description="List the saved sessions, the most recent first: id, last update, "
        "number of messages, agents (with their models) and title.",
    )
    show = commands.add_parser(
        "show",
        help="print a session as a readable conversation",
        description="Print a saved session as a readable conversation.",
    )
    show.add_argument("id", nargs="?", default=None, help="session id (default: the last)")
    delete = commands.add_parser(
        "delete", help="delete a session", description="Delete a saved session."
    )
    delete.add_argument("id", help="session id")
    export = commands.add_parser(
        "export",
        help="write one agent's history to a file (.json, .yaml or .md picks the format)",
        description="Write one agent's history of a session to a file; its suffix (.json, "
        ".yaml or .md) picks the format (docs/history-format.md).",
    )
    export.add_argument("id", help="session id ('last' for the last one)")
    export.add_argument("file", help="the file to write")
    export.add_argument(
        "--agent", metavar="NAME", help="the agent (needed when the session has several)"
    )


def run(args: argparse.Namespace) -> int:
    """Run ``fastagent sessions <command>``; returns the exit code."""
    from fastagent.config.loader import load_config
    from fastagent.sessions import SessionStore, sessions_directory

    loaded = load_config(getattr(args, "config", None))
    directory = sessions_directory(loaded.settings.sessions.directory, loaded.config_file)
    store = SessionStore(directory)
    command = getattr(args, "sessions_command", None) or "list"
    if command == "list":
        return _list(store)
    if command == "show":
        return _show(store, args.id)
    if command == "delete":
        info = store.delete(args.id)
        print(f"deleted session {info.id}")
        return 0
    return _export(store, args.id, args.file, args.agent)


def _list(store: SessionStore) -> int:
    sessions = store.sessions()
    if not sessions:
        print(f"no sessions in {store.directory}")
        return 0
    for info in sessions:
        print(_summary_line(info))
    return 0


def _summary_line(info: SessionInfo) -> str:
    agents = ", ".join(
        f"{name} [{summary.model}]" if summary.model else name
        for name, summary in info.agents.items()
    )
    updated = info.updated.astimezone().strftime("%Y-%m-%d %H:%M")
    title = f"  {info.title}" if info.title else ""
    return f"{info.id}  {updated}  {info.messages:>4} msgs  {agents}{title}"


def _show(store: SessionStore, session_id: str | None) -> int:
    info, histories = store.load(session_id)
    print(f"session {info.id}  created {info.created.astimezone():%Y-%m-%d %H:%M}")
    usage = info.usage
    cost = info.cost
    price = f", ${cost:.4f}" if cost is not None else ""
    print(
        f"{usage.requests} model calls, {usage.input_tokens} input + {usage.output_tokens} "
        f"output tokens{price}"
    )
    for name, messages in histories.items():
        model = info.agents.get(name)
        print()
        print(f"== {name}" + (f" [{model.model}]" if model and model.model else ""))
        for line in _conversation(messages):
            print(line)
    return 0


def _conversation(messages: list[Message]) -> list[str]:
    lines: list[str] = []
    for message in messages:
        if message.text:
            lines.append(f"{message.role}: {message.text}")
        for call in message.tool_calls:
            lines.append(f"{message.role} calls {call.name} {call.arguments}")
        for result in message.tool_results:
            status = "error" if result.is_error else "result"
            lines.append(f"tool {result.tool_name or result.call_id} {status}: {result.text}")
    return lines


def _export(store: SessionStore, session_id: str, file: str, agent: str | None) -> int:
    from pathlib import Path

    from fastagent.exceptions import UserError
    from fastagent.history import save_history

    info, histories = store.load(session_id)
    names = list(histories)
    if agent is None:
        if len(names) != 1:
            raise UserError(
                f"session {info.id} has {len(names)} agents ({', '.join(names) or 'none'})",
                hint="choose one with --agent NAME",
            )
        agent = names[0]
    if agent not in histories:
        raise UserError(
            f"session {info.id} has no agent '{agent}' (agents: {', '.join(names) or 'none'})",
            hint="`fastagent sessions show ID` lists them",
        )
    path = Path(file).expanduser()
    created = _missing_folder(path)
    try:
        save_history(path, histories[agent])
    except OSError as exc:
        raise UserError(
            f"cannot write {path}: {exc.strerror or exc}", hint="choose a writable path"
        ) from exc
    if created is not None:
        print(f"created folder {created}")
    print(f"exported {len(histories[agent])} message(s) of {agent} from {info.id} to {path}")
    return 0


def _missing_folder(path: Path) -> Path | None:
    """The parent folder of ``path`` that writing it will create (like ``batch -o``), or None."""
    parent = path.parent
    return None if parent.exists() else parent
