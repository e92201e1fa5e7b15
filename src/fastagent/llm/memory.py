"""Conversation memory: the `Memory` protocol and `SimpleMemory`.

A memory holds two parts: the *prompt* (template messages that start every conversation and
survive `clear()`) and the *history* (the turns so far). `messages()` returns both, prompt
first. The tool loop adds a turn to memory only when the turn completes, so a failed or
cancelled turn leaves no half-finished exchange behind.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from fastagent.messages import Message

__all__ = ["Memory", "SimpleMemory"]


@runtime_checkable
class Memory(Protocol):
    """What the tool loop needs from a conversation store."""

    @property
    def turn_lock(self) -> asyncio.Lock:
        """Held by the tool loop for a whole turn, so concurrent turns do not interleave."""
        ...

    def messages(self) -> list[Message]:
        """The prompt followed by the history (a new list; the caller may change it)."""
        ...

    def prompt(self) -> list[Message]:
        """The prompt messages only."""
        ...

    def extend(self, messages: Iterable[Message]) -> None:
        """Append messages to the history."""
        ...

    def set_prompt(self, messages: Iterable[Message]) -> None:
        """Replace the prompt messages."""
        ...

    def clear(self, *, keep_prompt: bool = True) -> None:
        """Forget the history, and the prompt too unless `keep_prompt`."""
        ...


class SimpleMemory:
    """An in-process list-backed `Memory`.

    Args:
        history: Messages to start the history with.
        prompt: Template messages that survive `clear()`.
    """

    __slots__ = ("_history", "_lock", "_prompt")

    def __init__(self, history: Iterable[Message] = (), *, prompt: Iterable[Message] = ()) -> None:
        self._prompt: list[Message] = list(prompt)
        self._history: list[Message] = list(history)
        self._lock: asyncio.Lock | None = None

    @property
    def turn_lock(self) -> asyncio.Lock:
        """The lock the tool loop holds for a whole turn (created on first use)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    def messages(self) -> list[Message]:
        """The prompt followed by the history, as a new list."""
        return [*self._prompt, *self._history]

    def prompt(self) -> list[Message]:
        """The prompt messages, as a new list."""
        return list(self._prompt)

    def history(self) -> list[Message]:
        """The history without the prompt, as a new list."""
        return list(self._history)

    def extend(self, messages: Iterable[Message]) -> None:
        """Append messages to the history."""
        self._history.extend(messages)

    def set_prompt(self, messages: Iterable[Message]) -> None:
        """Replace the prompt messages."""
        self._prompt = list(messages)

    def clear(self, *, keep_prompt: bool = True) -> None:
        """Forget the history, and the prompt too unless `keep_prompt`."""
        self._history = []
        if not keep_prompt:
            self._prompt = []

    def __len__(self) -> int:
        return len(self._prompt) + len(self._history)

    def __repr__(self) -> str:
        return f"SimpleMemory(prompt={len(self._prompt)}, history={len(self._history)})"
