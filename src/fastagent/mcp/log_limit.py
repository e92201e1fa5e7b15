"""`LogRateLimit`: a server's log messages, at most so many a second.

A server may send ``notifications/message`` as fast as it can write; each would become a log
line (at error level, one on the console). Beyond `LogRateLimit.per_second` messages in one
second they are dropped, and one warning line says so, at most once every
`LogRateLimit.notice_every` seconds, with the number dropped since the last notice.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from fastagent.logging import get_logger

__all__ = ["LogRateLimit"]


class LogRateLimit:
    """Decides which log messages of one server are logged.

    Args:
        server: The server's configured name (for the notice).
        per_second: Messages logged per one-second window.
        notice_every: Seconds between two notices about dropped messages.
        clock: Monotonic seconds (for tests).
    """

    def __init__(
        self,
        server: str,
        *,
        per_second: int = 20,
        notice_every: float = 10.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.server = server
        self.per_second = per_second
        self.notice_every = notice_every
        self.dropped = 0
        """Messages dropped so far."""
        self._clock = clock
        self._window = -1.0
        self._in_window = 0
        self._last_notice = -notice_every
        self._unreported = 0
        self._log = get_logger(f"mcp.{server}")

    def allow(self) -> bool:
        """Whether to log the message that just arrived (False: drop it)."""
        now = self._clock()
        if now - self._window >= 1.0:
            self._window = now
            self._in_window = 0
        self._in_window += 1
        if self._in_window <= self.per_second:
            return True
        self.dropped += 1
        self._unreported += 1
        if now - self._last_notice >= self.notice_every:
            self._log.warning(
                "MCP server '%s' sends more than %d log messages a second; "
                "dropped %d (and more may follow)",
                self.server,
                self.per_second,
                self._unreported,
            )
            self._last_notice = now
            self._unreported = 0
        return False
