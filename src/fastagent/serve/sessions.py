"""Per-client agent sets: every MCP session talks to its own copy of the agents.

A served app keeps one `AgentSession` per client session, built on the session's first
request from the app's agent declarations, so a client never sees another client's
conversation. The agents of all sessions share the app's `Runtime` (config, models, MCP server
connections, usage totals); only their conversations are separate.

A request that belongs to no session (a stateless HTTP request) gets a set of agents that
lives for that one request. Sessions unused for `idle_timeout` seconds are dropped, and the
least recently used one makes room when `max_sessions` are open.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastagent.agents.base import BaseAgent

__all__ = [
    "DEFAULT_IDLE_TIMEOUT",
    "DEFAULT_MAX_SESSIONS",
    "AgentFactory",
    "AgentSession",
    "SessionStore",
]

AgentFactory = Callable[[], Awaitable[Mapping[str, "BaseAgent"]]]
"""Builds a fresh set of the app's agents, by name."""

DEFAULT_IDLE_TIMEOUT = 1800.0
"""Seconds a session may stay unused before its agents are dropped (as the MCP SDK does)."""

DEFAULT_MAX_SESSIONS = 100
"""Sessions kept at once; opening one more drops the least recently used."""


@dataclass(eq=False)
class AgentSession:
    """One client's agents and their conversations.

    Attributes:
        key: The session's id (``None`` for a one-request session).
        agents: This session's agents by name.
        lock: Held while one of the agents runs a turn, so a session's turns never interleave.
        last_used: `SessionStore` clock reading of the last turn.
    """

    key: str | None
    agents: dict[str, BaseAgent]
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    last_used: float = 0.0


class SessionStore:
    """The agent sets of the open client sessions, built on first use.

    Args:
        factory: Builds a fresh set of agents.
        idle_timeout: Drop sessions unused this many seconds (never when None).
        max_sessions: Keep at most this many sessions (no limit when None).
        clock: Monotonic seconds (injectable for tests).
    """

    def __init__(
        self,
        factory: AgentFactory,
        *,
        idle_timeout: float | None = DEFAULT_IDLE_TIMEOUT,
        max_sessions: int | None = DEFAULT_MAX_SESSIONS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._factory = factory
        self._idle_timeout = idle_timeout
        self._max_sessions = max_sessions
        self._clock = clock
        self._sessions: dict[str, AgentSession] = {}
        self._creating = asyncio.Lock()

    def __len__(self) -> int:
        return len(self._sessions)

    def __contains__(self, key: object) -> bool:
        return key in self._sessions

    async def get(self, key: str | None) -> AgentSession:
        """The session `key`, built now if it is new; a fresh unkept one when `key` is None."""
        if key is None:
            return await self._new(None)
        async with self._creating:
            self._drop_idle()
            session = self._sessions.get(key)
            if session is None:
                session = await self._new(key)
                self._make_room()
                self._sessions[key] = session
            session.last_used = self._clock()
            return session

    @contextlib.asynccontextmanager
    async def turn(self, key: str | None, agent: str) -> AsyncIterator[BaseAgent]:
        """Hold session `key` for one turn of `agent` and yield that agent.

        Raises:
            KeyError: The app has no agent named `agent`.
        """
        session = await self.get(key)
        target = session.agents[agent]
        async with session.lock:
            try:
                yield target
            finally:
                session.last_used = self._clock()

    def forget(self, key: str) -> bool:
        """Drop session `key` (the client ended it); whether it was open."""
        return self._sessions.pop(key, None) is not None

    def clear(self) -> None:
        """Drop every session."""
        self._sessions.clear()

    async def _new(self, key: str | None) -> AgentSession:
        agents = dict(await self._factory())
        return AgentSession(key, agents, last_used=self._clock())

    def _drop_idle(self) -> None:
        if self._idle_timeout is None:
            return
        oldest_allowed = self._clock() - self._idle_timeout
        for key, session in list(self._sessions.items()):
            if session.last_used < oldest_allowed and not session.lock.locked():
                del self._sessions[key]

    def _make_room(self) -> None:
        if self._max_sessions is None:
            return
        while len(self._sessions) >= self._max_sessions:
            oldest = min(self._sessions.values(), key=lambda s: s.last_used)
            del self._sessions[str(oldest.key)]
