"""`ServerLifecycle`: start, stop, lose and reconnect one MCP server (requests: `connection`).

Layering: SDK transport (`fastagent.mcp.transports`) -> SDK ``ClientSession`` -> this class.
The transport and session live in a task of their own (the *owner task*), because the SDK's
context managers must be entered and left in the same task; callers in any task use the
session through this object. The owner task ends when the connection is closed, when the
server is lost (it crashed, or a ping failed), or when start-up times out.

Start-up: spawn or connect, then ``initialize``, all within ``init_timeout`` seconds; any
failure is an `MCPServerError` naming the server, its command or URL, and the last lines of
its stderr. A streamable-HTTP server that answers the first POST with 404 or 405 is retried
over SSE when the config did not pin ``transport``.

Failure: a server is lost only when its transport closed (the read stream ended) or its
process exited; then calls raise `MCPServerError` and `ServerDisconnected` is published, and
with ``reconnect: true`` the next use reconnects once.

The streams between transport and session pass through a `StreamGuard` (garbage, malformed
replies, stray progress, invalid tools); a stdio server's descendants are tagged and swept
when it stops (`fastagent.mcp.reaper`).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Protocol

import anyio
import mcp_types
from mcp.client.session import ClientSession
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, REQUEST_TIMEOUT

from fastagent._version import __version__
from fastagent.events import ServerConnected, ServerConnecting, ServerDisconnected
from fastagent.exceptions import MCPServerError
from fastagent.logging import get_logger, mcp_server_context, route_sdk_logging
from fastagent.mcp.deadline import PausableDeadline
from fastagent.mcp.guard import StreamGuard
from fastagent.mcp.log_limit import LogRateLimit
from fastagent.mcp.process_group import find_child_by_stderr_pipe, stop_process_group
from fastagent.mcp.reaper import (
    ProcessId,
    ProcessWatch,
    descendants,
    hold_subreaper,
    new_tag,
    release_subreaper,
    sweep,
    tagged_processes,
)
from fastagent.mcp.stderr import StderrCapture
from fastagent.mcp.transports import describe_target, open_transport

if TYPE_CHECKING:
    from fastagent.config.mcp_settings import MCPServerSettings
    from fastagent.events import Event, EventBus

__all__ = ["STDERR_SETTLE", "ClientCallbacksLike", "ServerLifecycle"]

STDERR_SETTLE = 0.5
"""Seconds a server's stderr is given to reach end of file before its last words are quoted."""
_LOST_BY_EOF = "the connection closed (the server exited or crashed)"
_SHUTDOWN_TIMEOUT = 15.0
_MESSAGE_STDERR_LINES = 5
_FALLBACK_STATUSES = (404, 405)
_EXIT_SETTLE = 1.0
_LOG_LEVELS = {"debug": 10, "info": 20, "notice": 20, "warning": 30, "error": 40}


class ClientCallbacksLike(Protocol):
    """The callbacks handed to the SDK session (see ``fastagent.mcp.callbacks``); None: default."""

    @property
    def sampling_callback(self) -> Any:
        """Answers ``sampling/createMessage``."""

    @property
    def elicitation_callback(self) -> Any:
        """Answers ``elicitation/create``."""

    @property
    def list_roots_callback(self) -> Any:
        """Answers ``roots/list``."""

    @property
    def logging_callback(self) -> Any:
        """Receives ``notifications/message``."""

    @property
    def message_handler(self) -> Any:
        """Receives every other notification and transport exception."""


class ServerLifecycle:
    """One MCP server's lifecycle: connects on first use, stops when closed or lost.

    `fastagent.mcp.connection.ServerConnection` adds the requests.

    Args:
        name: The server's configured name (prefix of its tools, logger ``fastagent.mcp.<name>``).
        settings: Its ``mcp.servers.<name>`` settings.
        events: Bus for `ServerConnecting` / `ServerConnected` / `ServerDisconnected`.
        callbacks: Client callbacks passed to the SDK session.
    """

    def __init__(
        self,
        name: str,
        settings: MCPServerSettings,
        *,
        events: EventBus | None = None,
        callbacks: ClientCallbacksLike | None = None,
    ) -> None:
        self.name = name
        self.settings = settings
        self.events = events
        self.callbacks = callbacks
        self.transport: str = settings.transport
        self._log = get_logger(f"mcp.{name}")
        self._session: ClientSession | None = None
        self._owner: asyncio.Task[None] | None = None
        self._connecting: asyncio.Future[None] | None = None
        self._stop = asyncio.Event()
        self._failure: MCPServerError | None = None
        self._stderr: StderrCapture | None = None
        self._task_group: anyio.abc.TaskGroup | None = None
        self._listeners: list[Callable[[], Awaitable[None]]] = []
        self._closed = False
        self._lost_reason = ""
        self._server_pid: int | None = None
        self._guard: StreamGuard | None = None
        self._tools_changed_running = False
        self._tools_changed_again = False
        self._tagged: list[ProcessId] = []
        self._abort_start: Callable[[], None] | None = None

    # -- state ---------------------------------------------------------------------------

    @property
    def session(self) -> ClientSession:
        """The SDK ``ClientSession`` (for features beyond tools: prompts, resources, ...).

        Raises:
            MCPServerError: The server is not connected.
        """
        if self._session is None or self._failure is not None:
            raise self._failure or MCPServerError(
                f"MCP server '{self.name}' is not connected",
                server=self.name,
                hint="await registry.get(name) (or connection.connect()) first",
            )
        return self._session

    @property
    def is_connected(self) -> bool:
        """Whether a live session exists."""
        return self._session is not None and self._failure is None

    @property
    def stderr_tail(self) -> str:
        """The last lines the server wrote to stderr (stdio servers only)."""
        return self._stderr.tail if self._stderr is not None else ""

    @property
    def target(self) -> str:
        """``command: ...`` or ``url: ...``, as messages show it."""
        return describe_target(self.settings, self.transport)

    def on_tools_changed(self, listener: Callable[[], Awaitable[None]]) -> Callable[[], None]:
        """Run `listener` whenever the server says its tool list changed.

        Returns:
            A function that removes the listener.
        """
        self._listeners.append(listener)

        def remove() -> None:
            with contextlib.suppress(ValueError):
                self._listeners.remove(listener)

        return remove

    # -- lifecycle -----------------------------------------------------------------------

    async def connect(self) -> None:
        """Connect and initialize, unless already connected; concurrent calls share one connect.

        Raises:
            MCPServerError: Start-up failed or timed out, or the server was lost earlier and
                ``reconnect`` is off.
        """
        if self._closed:
            raise MCPServerError(
                f"MCP server '{self.name}' connection is closed",
                server=self.name,
                hint="open a new ServerRegistry",
            )
        if self._failure is not None:
            if not self.settings.reconnect:
                raise self._failure
            self._log.info("reconnecting to MCP server '%s'", self.name)
            await self._stop_owner()
            self._failure = None
        if self._session is not None:
            return
        if self._connecting is None:
            future = asyncio.ensure_future(self._open())
            self._connecting = future

            def done(_: asyncio.Future[None]) -> None:
                self._connecting = None

            future.add_done_callback(done)
        await asyncio.shield(self._connecting)

    async def aclose(self) -> None:
        """Close the session and stop the server; safe to call more than once."""
        self._closed = True
        connecting = self._connecting
        if connecting is not None:
            connecting.cancel()
            with contextlib.suppress(BaseException):
                await connecting
        was_connected = self.is_connected
        await self._stop_owner()
        if was_connected:
            self._publish(ServerDisconnected(server=self.name))

    async def _open(self) -> None:
        self._publish(ServerConnecting(server=self.name, transport=self.transport))
        started = time.perf_counter()
        statuses: list[int] = []
        try:
            await self._start(self.transport, statuses)
        except MCPServerError:
            if not self._may_fall_back(statuses):
                raise
            self._log.info(
                "MCP server '%s' answered HTTP %s to streamable HTTP; retrying with SSE",
                self.name,
                statuses[0],
            )
            self.transport = "sse"
            await self._start("sse", [])
        duration = time.perf_counter() - started
        self._log.debug("connected to MCP server '%s' in %.3fs", self.name, duration)
        self._publish(ServerConnected(server=self.name, duration=duration))

    def _may_fall_back(self, statuses: list[int]) -> bool:
        pinned = "transport" in self.settings.model_fields_set
        return (
            self.transport == "http"
            and not pinned
            and bool(statuses)
            and statuses[0] in _FALLBACK_STATUSES
        )

    async def _start(self, transport: str, statuses: list[int]) -> None:
        loop = asyncio.get_running_loop()
        ready: asyncio.Future[None] = loop.create_future()
        self._stop = asyncio.Event()
        owner = asyncio.create_task(
            self._serve(transport, ready, statuses), name=f"fastagent-mcp-{self.name}"
        )
        self._owner = owner
        try:
            await asyncio.shield(ready)
        except asyncio.CancelledError:
            await self._stop_owner()
            raise
        except BaseException as exc:
            with contextlib.suppress(BaseException):
                await owner
            self._owner = None
            raise self._startup_error(exc, transport) from exc

    async def _serve(
        self, transport: str, ready: asyncio.Future[None], statuses: list[int]
    ) -> None:
        route_sdk_logging()
        mcp_server_context.set(self.name)  # names this server in the SDK's log lines
        stderr = StderrCapture(self.name) if transport == "stdio" else None
        self._stderr = stderr
        tag: str | None = None
        if transport == "stdio":
            hold_subreaper()
            tag = new_tag()
        timed_out = False
        exited = False

        def on_timeout() -> None:
            nonlocal timed_out
            timed_out = True
            scope.cancel()

        def on_exit_at_start() -> None:
            nonlocal exited
            if not ready.done():
                exited = True
                scope.cancel()

        self._abort_start = on_exit_at_start

        try:
            with anyio.CancelScope() as scope:
                # The time a person takes to authorize in a browser does not count.
                timer = PausableDeadline(self.settings.init_timeout, on_timeout)
                try:
                    await self._run_session(transport, ready, statuses, stderr, timer, tag)
                finally:
                    timer.cancel()
            if exited and not ready.done():
                raise self._error(
                    f"MCP server '{self.name}' exited during start-up ({self.target})",
                    hint="a process it started still holds its stdout; check that the server "
                    "starts on its own",
                )
            if timed_out and not ready.done():
                raise TimeoutError(self.settings.init_timeout)
        except asyncio.CancelledError:
            if not ready.done():
                ready.cancel()
            raise
        except Exception as exc:
            if not ready.done():
                ready.set_exception(_unwrap(exc))
                ready.exception()  # retrieved here too, in case the waiter was cancelled
            else:
                self._log.debug("MCP server '%s' session failed", self.name, exc_info=exc)
                self._mark_lost(f"session failed: {_unwrap(exc)}")
        finally:
            self._session = None
            self._task_group = None
            pid, self._server_pid = self._server_pid, None
            tagged, self._tagged = self._tagged, []
            try:
                await self._stop_leftovers(pid, tag, tagged)
            finally:
                if tag is not None:
                    release_subreaper()
            if stderr is not None:
                stderr.close_write_end()
                await stderr.wait_eof(STDERR_SETTLE)
                await stderr.aclose()

    async def _stop_leftovers(
        self, pid: int | None, tag: str | None, tagged: list[ProcessId]
    ) -> None:
        """Stop what the server left: its process group, then whatever carries its tag."""
        if pid is not None and await stop_process_group(pid):
            self._log.debug("stopped processes left behind by MCP server '%s'", self.name)
        if tag is not None and (swept := await sweep(tag, spare=pid, known=tagged)):
            self._log.debug(
                "stopped %d detached processes of MCP server '%s'", len(swept), self.name
            )

    async def _run_session(
        self,
        transport: str,
        ready: asyncio.Future[None],
        statuses: list[int],
        stderr: StderrCapture | None,
        timer: PausableDeadline,
        tag: str | None,
    ) -> None:
        async with contextlib.AsyncExitStack() as stack:
            if stderr is not None:
                await stderr.open()
            try:
                streams = await stack.enter_async_context(
                    open_transport(
                        self.name,
                        self.settings,
                        transport,
                        errlog=stderr.errlog if stderr is not None else None,
                        http_statuses=statuses,
                        tag=tag,
                        events=self.events,
                        on_user_wait=timer.hold,
                    )
                )
            finally:
                if stderr is not None:
                    if stderr.pipe_inode is not None:
                        self._server_pid = find_child_by_stderr_pipe(stderr.pipe_inode)
                    stderr.close_write_end()
            if tag is not None:
                # Runs just before the transport stops the server: what it started by then
                # is reaped later even if it exits on its own first (see sweep's `known`).
                stack.callback(self._note_tagged, tag)
            guard = StreamGuard(self.name, on_closed=self._on_transport_closed)
            self._guard = guard
            if self._server_pid is not None:
                stack.callback(ProcessWatch(self._server_pid, self._on_process_exit).close)
            session = await stack.enter_async_context(self._new_session(*guard.wrap(streams)))
            await session.initialize()
            timer.cancel()
            self._session = session
            ready.set_result(None)
            async with anyio.create_task_group() as task_group:
                self._task_group = task_group
                if self.settings.ping_interval is not None:
                    task_group.start_soon(self._ping_loop, self.settings.ping_interval)
                await self._stop.wait()
                task_group.cancel_scope.cancel()

    def _new_session(self, read_stream: Any, write_stream: Any) -> ClientSession:
        callbacks = self.callbacks
        user_handler = callbacks.message_handler if callbacks is not None else None

        async def message_handler(message: Any) -> None:
            if isinstance(message, Exception):
                # Unreadable lines are dropped by the guard (and logged, rate-limited, by the
                # SDK's logger); what reaches here is another transport fault.
                self._log.debug("MCP server '%s' transport error: %s", self.name, message)
            elif isinstance(message, mcp_types.ToolListChangedNotification):
                self._schedule_tools_changed()
            if user_handler is not None:
                await user_handler(message)

        on_log = (
            callbacks.logging_callback if callbacks is not None else None
        ) or self._log_server_message
        limit = LogRateLimit(self.name)

        async def logging_callback(params: mcp_types.LoggingMessageNotificationParams) -> None:
            if limit.allow():
                await on_log(params)

        return ClientSession(
            read_stream,
            write_stream,
            read_timeout_seconds=self.settings.request_timeout,
            sampling_callback=callbacks.sampling_callback if callbacks is not None else None,
            elicitation_callback=callbacks.elicitation_callback if callbacks is not None else None,
            list_roots_callback=callbacks.list_roots_callback if callbacks is not None else None,
            logging_callback=logging_callback,
            message_handler=message_handler,
            client_info=mcp_types.Implementation(name="fastagent", version=__version__),
        )

    async def _log_server_message(self, params: mcp_types.LoggingMessageNotificationParams) -> None:
        level = _LOG_LEVELS.get(str(params.level), 40)
        self._log.log(level, "server log (%s): %s", params.logger or self.name, params.data)

    def _schedule_tools_changed(self) -> None:
        # Coalesced: one round of listeners runs at a time, and at most one more is queued, so a
        # burst of notifications costs two listings, not one each.
        if self._tools_changed_running:
            self._tools_changed_again = True
            return
        task_group = self._task_group
        if task_group is None:
            return
        self._tools_changed_running = True
        task_group.start_soon(self._run_tools_changed)

    async def _run_tools_changed(self) -> None:
        try:
            while True:
                self._tools_changed_again = False
                await asyncio.gather(*(self._run_listener(f) for f in list(self._listeners)))
                if not self._tools_changed_again:
                    return
        finally:
            self._tools_changed_running = False

    async def _run_listener(self, listener: Callable[[], Awaitable[None]]) -> None:
        try:
            await listener()
        except Exception as exc:
            self._log.warning(
                "updating the tools of MCP server '%s' after tools/list_changed failed: %s",
                self.name,
                exc,
            )
            self._log.debug("tools/list_changed handler failed", exc_info=exc)

    async def _ping_loop(self, interval: float) -> None:
        while True:
            await anyio.sleep(interval)
            session = self._session
            if session is None:
                return
            try:
                with anyio.fail_after(max(interval, 5.0)):
                    await session.send_ping()
            except MCPError as exc:
                if exc.code in (CONNECTION_CLOSED, REQUEST_TIMEOUT):
                    self._mark_lost(f"ping failed: {exc or type(exc).__name__}")
                    return
                # It answered: an error to a ping is still a sign of life.
            except Exception as exc:
                self._mark_lost(f"ping failed: {exc or type(exc).__name__}")
                return

    async def _stop_owner(self) -> None:
        owner = self._owner
        if owner is None:
            return
        self._stop.set()
        try:
            await asyncio.wait_for(asyncio.shield(owner), _SHUTDOWN_TIMEOUT)
        except TimeoutError:
            owner.cancel()
            with contextlib.suppress(BaseException):
                await owner
        except BaseException:
            if not owner.done():
                raise
        self._owner = None

    def _note_tagged(self, tag: str) -> None:
        tagged = tagged_processes(tag)
        if self._server_pid is not None:
            # The tree as well: a process that is just starting or exiting may show no tag.
            tagged += [p for p in descendants(self._server_pid) if p not in tagged]
        self._tagged = tagged

    def _on_transport_closed(self) -> None:
        if self._session is not None and not self._stop.is_set():
            self._mark_lost(self._closed_reason())

    def _closed_reason(self) -> str:
        guard = self._guard
        return (guard.close_reason if guard is not None else "") or _LOST_BY_EOF

    def _on_process_exit(self) -> None:
        if self._stop.is_set():
            return
        starting = self._session is None

        def settle() -> None:
            guard = self._guard
            if self._stop.is_set() or (guard and guard.closed):
                return  # stopped, or reported as a closed connection
            if starting and self._session is None:
                if self._abort_start is not None:
                    self._abort_start()
            elif self._session is not None:
                self._mark_lost("the server process exited (a process it started holds its stdout)")

        # End of file usually follows at once and is the better report; give it a moment.
        asyncio.get_running_loop().call_later(_EXIT_SETTLE, settle)

    def _mark_lost(self, reason: str) -> None:
        if self._failure is not None or self._closed:
            return
        self._log.warning("MCP server '%s' was lost: %s", self.name, reason)
        self._lost_reason = reason
        self._failure = self._lost_error()
        self._stop.set()
        self._publish(ServerDisconnected(server=self.name, reason=reason))

    def _lost_error(self) -> MCPServerError:
        return self._error(
            f"MCP server '{self.name}' is not available: {self._lost_reason} ({self.target})",
            hint=self._lost_hint(),
        )

    def _lost_hint(self) -> str:
        if self.settings.reconnect:
            return "the next call reconnects; check the server's stderr if it keeps failing"
        return f"set mcp.servers.{self.name}.reconnect: true to reconnect on the next call"

    # -- errors --------------------------------------------------------------------------

    def _startup_error(self, exc: BaseException, transport: str) -> MCPServerError:
        if isinstance(exc, MCPServerError):
            return exc
        target = describe_target(self.settings, transport)
        name = self.name
        init_hint = f"check that the server starts on its own ({target})"
        if isinstance(exc, TimeoutError):
            return self._error(
                f"MCP server '{name}' did not finish initializing within "
                f"{self.settings.init_timeout:g}s ({target})",
                hint=f"raise mcp.servers.{name}.init_timeout, or {init_hint}",
            )
        if isinstance(exc, MCPError) and exc.code == CONNECTION_CLOSED:
            return self._error(
                f"MCP server '{name}' closed the connection during start-up ({target})",
                hint=f"the server exited or crashed: {init_hint}",
            )
        if isinstance(exc, MCPError):
            return self._error(
                f"MCP server '{name}' failed to initialize: {exc.message} ({target})",
                hint=init_hint,
            )
        if isinstance(exc, OSError):
            return self._error(
                f"MCP server '{name}' could not be started: {exc.strerror or exc} ({target})",
                hint=f"fix mcp.servers.{name}.command/args/cwd",
            )
        detail = str(exc) or type(exc).__name__
        return self._error(
            f"MCP server '{name}' failed to connect: {detail} ({target})",
            hint=f"check mcp.servers.{name}.url and that the server is running"
            if transport != "stdio"
            else init_hint,
        )

    def _error(self, message: str, *, hint: str) -> MCPServerError:
        tail = self.stderr_tail
        if tail:
            last = "\n".join(f"  {line}" for line in tail.splitlines()[-_MESSAGE_STDERR_LINES:])
            message = f"{message}\nlast stderr lines:\n{last}"
        return MCPServerError(message, server=self.name, stderr_tail=tail, hint=hint)

    def _publish(self, event: Event) -> None:
        if self.events is not None:
            self.events.publish(event)


def _unwrap(exc: Exception) -> Exception:
    """The one exception inside (nested) single-member exception groups."""
    while isinstance(exc, ExceptionGroup) and len(exc.exceptions) == 1:
        exc = exc.exceptions[0]
    return exc
