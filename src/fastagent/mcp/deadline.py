"""`PausableDeadline`: a server's start-up timeout that stops while a person is waited for.

A connection must initialize within ``init_timeout``; the time a person takes to authorize
it in a browser (OAuth) is not the server's and does not count. That wait is bounded by
its own timeout (`fastagent.mcp.oauth_redirect.DEFAULT_CALLBACK_TIMEOUT`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["PausableDeadline"]


class PausableDeadline:
    """Calls `on_expiry` once `seconds` have run on the event loop's clock, pauses excluded.

    Created inside a running event loop; starts running at once.

    Args:
        seconds: The time allowed.
        on_expiry: Called (from the event loop) when it runs out.
    """

    def __init__(self, seconds: float, on_expiry: Callable[[], object]) -> None:
        self._loop = asyncio.get_running_loop()
        self._left = seconds
        self._on_expiry = on_expiry
        self._handle: asyncio.TimerHandle | None = None
        self._since = 0.0
        self._holds = 0
        self._done = False
        self._run()

    def hold(self, waiting: bool) -> None:
        """Stop the clock (`waiting` true) or let it run again; holds nest."""
        if self._done:
            return
        if waiting:
            self._holds += 1
            if self._handle is not None:
                self._handle.cancel()
                self._handle = None
                self._left -= self._loop.time() - self._since
        elif self._holds > 0:
            self._holds -= 1
            if self._holds == 0:
                self._run()

    def cancel(self) -> None:
        """Never call `on_expiry` (the work finished in time); idempotent."""
        self._done = True
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def _run(self) -> None:
        self._since = self._loop.time()
        self._handle = self._loop.call_later(max(0.0, self._left), self._on_expiry)
