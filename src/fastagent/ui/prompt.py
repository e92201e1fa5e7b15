"""The terminal prompt of the interactive chat (prompt_toolkit).

Enter sends the message; Alt-Enter (or Esc then Enter) starts a new line. Ctrl-C clears
the line, Ctrl-D on an empty line leaves. Slash commands, ``@agent`` names, ``/agent``
names and ``/save``/``/load`` paths complete with Tab. Lines are remembered across sessions
in ``$XDG_DATA_HOME/fastagent/history`` (``~/.local/share/fastagent/history`` by default).

This module imports prompt_toolkit; import it only when a terminal prompt is shown.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import FormattedText
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.key_binding import KeyBindings, KeyPressEvent

from fastagent.ui.commands import COMMANDS

if TYPE_CHECKING:
    from prompt_toolkit.input import Input
    from prompt_toolkit.output import Output

    from fastagent.ui.session import ChatSession

__all__ = ["ChatCompleter", "PromptReader", "chat_key_bindings", "history_path"]

_PATH_COMMANDS = ("/save ", "/load ")


def history_path() -> Path:
    """Where typed lines are remembered: ``$XDG_DATA_HOME/fastagent/history``."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "fastagent" / "history"


class ChatCompleter(Completer):
    """Completes slash commands, agent names (after ``@`` and ``/agent``) and file paths.

    Args:
        session: The chat whose agents are offered.
    """

    def __init__(self, session: ChatSession) -> None:
        self.session = session
        self._paths = PathCompleter(expanduser=True)

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterable[Completion]:
        """Completions for the text before the cursor."""
        text = document.text_before_cursor
        if text.startswith("/") and " " not in text:
            for name, spec in COMMANDS.items():
                if name.startswith(text[1:].lower()):
                    yield Completion("/" + name, start_position=-len(text), display_meta=spec.help)
        elif text.startswith("@") and " " not in text:
            yield from self._agents(text[1:], prefix="@")
        elif text.startswith("/agent ") and " " not in text[7:]:
            yield from self._agents(text[7:], prefix="")
        elif text.startswith(_PATH_COMMANDS):
            argument = text.split(" ", 1)[1]
            yield from self._paths.get_completions(Document(argument), complete_event)

    def _agents(self, typed: str, *, prefix: str) -> Iterable[Completion]:
        for name, agent in self.session.agents.items():
            if name.startswith(typed):
                yield Completion(
                    prefix + name,
                    start_position=-(len(typed) + len(prefix)),
                    display_meta=agent.model,
                )


def chat_key_bindings() -> KeyBindings:
    """Enter sends the buffer; Alt-Enter or Esc, Enter inserts a newline."""
    bindings = KeyBindings()

    @bindings.add("enter")
    def _send(event: KeyPressEvent) -> None:
        event.current_buffer.validate_and_handle()

    @bindings.add("escape", "enter")
    def _newline(event: KeyPressEvent) -> None:
        event.current_buffer.insert_text("\n")

    return bindings


class PromptReader:
    """Reads chat lines in a terminal; ``await reader.read(prompt)`` returns one message.

    Args:
        session: The chat (for the prompt, the toolbar and completions).
        history: Where typed lines are kept; the `history_path` file by default, in memory
            when that file cannot be created.
        input: prompt_toolkit input (tests pass a pipe input).
        output: prompt_toolkit output (tests pass a dummy output).
    """

    def __init__(
        self,
        session: ChatSession,
        *,
        history: History | None = None,
        input: Input | None = None,
        output: Output | None = None,
    ) -> None:
        self.session = session
        self._prompt: PromptSession[str] = PromptSession(
            history=history if history is not None else _file_history(),
            completer=ChatCompleter(session),
            complete_while_typing=False,
            key_bindings=chat_key_bindings(),
            multiline=True,
            prompt_continuation=_continuation,
            bottom_toolbar=self._toolbar,
            input=input,
            output=output,
        )

    async def read(self, prompt: str) -> str:
        """Read one message (`prompt` is shown before it).

        Raises:
            EOFError: Ctrl-D on an empty line.
            KeyboardInterrupt: Ctrl-C; its argument is the dropped text ("" for an empty
                line, which the chat loop takes as a first step to exit).
        """
        message = FormattedText([("bold ansicyan", prompt)])
        try:
            return await self._prompt.prompt_async(message)
        except KeyboardInterrupt:
            raise KeyboardInterrupt(self._prompt.default_buffer.text) from None

    def _toolbar(self) -> FormattedText:
        session = self.session
        return FormattedText(
            [
                ("bold", f" {session.current} "),
                ("", f"{session.agent.model}  "),
                ("", "/help commands · Alt-Enter new line · Ctrl-D exit"),
            ]
        )


def _continuation(width: int, line_number: int, wrap_count: int) -> str:
    return "." * (width - 1) + " "


def _file_history() -> History:
    path = history_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(exist_ok=True)
    except OSError:
        return InMemoryHistory()
    return FileHistory(str(path))
