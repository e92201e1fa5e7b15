"""The playback provider: replays the assistant turns of a recorded conversation.

Each model call returns the next recorded assistant message, tool calls included, whatever
the request says; the tool loop therefore runs the same tools again. Messages the tool loop
wrote itself (``stop_reason == "max_iterations"``) are skipped, since no model produced them.
When every turn has been played, the next call raises `PlaybackExhaustedError`.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import UTC, datetime

from fastagent.exceptions import PlaybackExhaustedError, UserError
from fastagent.messages import Message, StopReason, Usage
from fastagent.providers.base import BaseProvider, CompletionRequest

__all__ = ["PlaybackProvider"]

Conversation = Sequence[Message] | str | os.PathLike[str]


class PlaybackProvider(BaseProvider):
    """Replays recorded assistant turns in order.

    Args:
        model: The model name to report (default "playback").
        conversation: The recorded messages, or the path of a saved history file.
        file: The path of a saved history file (what ``playback?file=...`` passes).
    """

    name = "playback"

    def __init__(
        self,
        model: str = "playback",
        *,
        conversation: Conversation | None = None,
        file: str | os.PathLike[str] | None = None,
    ) -> None:
        super().__init__(model)
        self._turns: list[Message] = []
        self._played = 0
        source = conversation if conversation is not None else file
        if source is not None:
            self.load(source)

    def load(self, conversation: Conversation) -> None:
        """Replace the recording with `conversation` (messages or a history file path).

        Raises:
            UserError: The history file cannot be read.
            HistoryFormatError: The history file cannot be parsed.
        """
        if isinstance(conversation, str | os.PathLike):
            messages: Sequence[Message] = _read_history(os.fspath(conversation))
        else:
            messages = conversation
        self._turns = [
            m
            for m in messages
            if m.role == "assistant" and m.stop_reason is not StopReason.MAX_ITERATIONS
        ]
        self._played = 0

    def reset(self) -> None:
        """Start replaying from the first recorded turn again."""
        self._played = 0

    @property
    def played(self) -> int:
        """How many turns have been replayed."""
        return self._played

    @property
    def remaining(self) -> int:
        """How many recorded turns are left."""
        return len(self._turns) - self._played

    async def complete(self, request: CompletionRequest) -> Message:
        """Return the next recorded assistant turn, ignoring the request.

        Raises:
            PlaybackExhaustedError: Every recorded turn has been replayed.
        """
        if self._played >= len(self._turns):
            raise PlaybackExhaustedError(played=self._played)
        recorded = self._turns[self._played]
        self._played += 1
        stop_reason = recorded.stop_reason or (
            StopReason.TOOL_USE if recorded.tool_calls else StopReason.END_TURN
        )
        return recorded.model_copy(
            update={
                "stop_reason": stop_reason,
                "usage": recorded.usage or Usage(requests=1),
                "timestamp": datetime.now(UTC),
            }
        )


def _read_history(path: str) -> list[Message]:
    from fastagent.history import load_history

    try:
        return load_history(path)
    except OSError as exc:
        raise UserError(
            f"cannot read the playback history file {path}: {exc.strerror or exc}",
            hint="save a conversation with fastagent.history.save_history and pass its path",
        ) from exc
