"""`ServerRegistry`: the MCP servers of one run, by configured name, connected on demand.

One `ServerConnection` per server is shared by every agent of the run. `get` connects lazily
(concurrent callers share one connect); `start` connects the ``load_on_start`` servers
concurrently; `aclose` stops them all. Use it as ``async with ServerRegistry(...) as servers:``;
a run's registry is built and closed by its `fastagent.runtime.Runtime`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from types import TracebackType
from typing import TYPE_CHECKING, Self

from fastagent.exceptions import FastAgentError, MCPServerError, UserError
from fastagent.logging import get_logger

if TYPE_CHECKING:
    from fastagent.config.mcp_settings import MCPServerSettings, MCPSettings
    from fastagent.events import EventBus
    from fastagent.mcp.connection import ClientCallbacksLike, ServerConnection

__all__ = ["CallbacksFactory", "ServerRegistry"]

CallbacksFactory = Callable[[str, "MCPServerSettings"], "ClientCallbacksLike | None"]
"""Builds the client callbacks (sampling, elicitation, roots, ...) of one server."""

_log = get_logger("mcp")


class ServerRegistry:
    """The configured MCP servers, each connected once, on first use.

    Args:
        settings: The ``mcp`` section of the settings.
        events: Bus the connections publish their events on.
        callbacks_factory: Builds each server's client callbacks (e.g.
            ``fastagent.mcp.callbacks.build_client_callbacks``); None: SDK defaults.
    """

    def __init__(
        self,
        settings: MCPSettings,
        *,
        events: EventBus | None = None,
        callbacks_factory: CallbacksFactory | None = None,
    ) -> None:
        self.settings = settings
        self.events = events
        self.callbacks_factory = callbacks_factory
        self._connections: dict[str, ServerConnection] = {}
        self.failed: dict[str, MCPServerError] = {}
        """Optional servers that failed to start, with their error (see `start`)."""

    @property
    def names(self) -> list[str]:
        """The configured server names, in config order."""
        return list(self.settings.servers)

    def server_settings(self, name: str) -> MCPServerSettings:
        """The settings of server `name`.

        Raises:
            UserError: No server of that name is configured (the message lists the names).
        """
        found = self.settings.servers.get(name)
        if found is None:
            configured = ", ".join(self.names) or "none"
            raise UserError(
                f"unknown MCP server '{name}' (configured: {configured})",
                hint=f"add it under mcp.servers.{name} in fastagent.yaml, or fix the name",
            )
        return found

    def connection(self, name: str) -> ServerConnection:
        """The connection object of server `name` (not necessarily connected yet).

        Raises:
            UserError: Unknown server name.
        """
        existing = self._connections.get(name)
        if existing is not None:
            return existing
        settings = self.server_settings(name)
        from fastagent.mcp.connection import ServerConnection

        callbacks = self.callbacks_factory(name, settings) if self.callbacks_factory else None
        created = ServerConnection(name, settings, events=self.events, callbacks=callbacks)
        self._connections[name] = created
        return created

    async def get(self, name: str) -> ServerConnection:
        """The connected server `name`, connecting it first when needed.

        Raises:
            UserError: Unknown server name.
            MCPServerError: The server failed to start or is unavailable.
        """
        connection = self.connection(name)
        await connection.connect()
        return connection

    async def start(self, names: Iterable[str] | None = None) -> list[str]:
        """Connect, concurrently, the servers among `names` (default: all) with ``load_on_start``.

        An ``optional`` server that fails to start is not an error: its error is kept in
        `failed` (and logged) and the others go on.

        Returns:
            The names of the servers connected.

        Raises:
            UserError: An unknown server name.
            MCPServerError: A server failed to start (the first failure; others are logged).
        """
        wanted = self.names if names is None else list(dict.fromkeys(names))
        chosen = [name for name in wanted if self.server_settings(name).load_on_start]
        results = await asyncio.gather(*(self.get(name) for name in chosen), return_exceptions=True)
        failures: list[BaseException] = []
        for name, result in zip(chosen, results, strict=True):
            if not isinstance(result, BaseException):
                continue
            if isinstance(result, MCPServerError) and self.server_settings(name).optional:
                self.failed[name] = result
                _log.warning(
                    "optional MCP server '%s' failed to start: %s", name, _one_line(result)
                )
            else:
                failures.append(result)
        for failure in failures[1:]:
            _log.error("%s", _one_line(failure))
        if failures:
            raise failures[0]
        return [name for name in chosen if name not in self.failed]

    def state(self, name: str) -> str:
        """The state of server `name`.

        ``connected``, ``failed`` (an optional server that did not start), ``lost`` or
        ``not started``.

        Raises:
            UserError: Unknown server name.
        """
        self.server_settings(name)
        if name in self.failed:
            return "failed"
        connection = self._connections.get(name)
        if connection is None:
            return "not started"
        return "connected" if connection.is_connected else "lost"

    async def reconnect(self, name: str) -> ServerConnection:
        """Stop server `name` (if running) and connect it again, as a new connection.

        Raises:
            UserError: Unknown server name.
            MCPServerError: It failed to start again (an optional one stays in `failed`).
        """
        self.server_settings(name)
        old = self._connections.pop(name, None)
        if old is not None:
            await old.aclose()
        self.failed.pop(name, None)
        try:
            return await self.get(name)
        except MCPServerError as exc:
            if self.server_settings(name).optional:
                self.failed[name] = exc
            raise

    async def aclose(self) -> None:
        """Close every connection and stop every server process (concurrently)."""
        connections = list(self._connections.values())
        results = await asyncio.gather(*(c.aclose() for c in connections), return_exceptions=True)
        for connection, result in zip(connections, results, strict=True):
            if isinstance(result, Exception):
                _log.error("closing MCP server '%s' failed: %s", connection.name, result)
        for result in results:
            if isinstance(result, BaseException) and not isinstance(result, Exception):
                raise result

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def __repr__(self) -> str:
        return f"ServerRegistry({self.names!r})"


def _one_line(error: BaseException) -> str:
    """An error as one log line: its message, then its hint in parentheses."""
    if isinstance(error, FastAgentError):
        return f"{error.message} (hint: {error.hint})" if error.hint else error.message
    return str(error)
