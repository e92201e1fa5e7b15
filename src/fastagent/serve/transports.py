"""Running an MCP server over stdio or streamable HTTP until it is told to stop.

Both transports stop when the `stop` event is set (the CLI sets it on SIGINT/SIGTERM);
stdio also stops at end of input. Stopping is prompt: stdin is read through a non-blocking
pipe when it is one, so no thread sits in a blocking read.

Over HTTP every client gets a stateful session (the ``Mcp-Session-Id`` header), which is
what keeps one conversation per client: `advertise_sessions` makes the server answer the
2026 ``server/discover`` probe with the handshake protocol versions, as stateful servers of
the other SDKs do, so clients open a session with ``initialize``. A client that pins a
2026 version anyway is served request by request, with no history between calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import stat
from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING, Any, cast

import anyio
import mcp_types as types
import uvicorn
from mcp.server import Server, ServerRequestContext
from mcp_types.version import HANDSHAKE_PROTOCOL_VERSIONS

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Receive, Scope, Send

    from fastagent.serve.sessions import SessionStore

__all__ = ["MCP_PATH", "advertise_sessions", "bind_socket", "serve_http", "serve_stdio"]

MCP_PATH = "/mcp"
"""The URL path of the streamable HTTP endpoint."""

_LINE_LIMIT = 64 * 1024 * 1024
_GRACEFUL_SHUTDOWN_SECONDS = 3


async def serve_stdio(server: Server[Any], *, stop: anyio.Event) -> None:
    """Serve one client over stdin/stdout until end of input or `stop`.

    While serving, anything written to stdout (fd 1) goes to stderr, so it cannot corrupt
    the protocol stream.
    """
    from mcp.server.stdio import stdio_server

    async with _stdin_lines() as lines, anyio.create_task_group() as tg:
        # The scope also covers the transport's reader task, so `stop` ends it too.
        tg.start_soon(_cancel_on, stop, tg.cancel_scope)
        stdin = cast("anyio.AsyncFile[str] | None", lines)
        async with stdio_server(stdin=stdin) as (read, write):
            await server.run(read, write, server.create_initialization_options())
        tg.cancel_scope.cancel()


def advertise_sessions(server: Server[Any]) -> None:
    """Answer ``server/discover`` with the handshake versions, so clients open sessions."""

    async def discover(
        ctx: ServerRequestContext[Any, Any], params: types.RequestParams
    ) -> types.DiscoverResult:
        return types.DiscoverResult(
            supported_versions=list(HANDSHAKE_PROTOCOL_VERSIONS),
            capabilities=server.get_capabilities(),
        )

    server.add_request_handler("server/discover", types.RequestParams, discover)


def bind_socket(host: str, port: int) -> socket.socket:
    """A listening TCP socket on `host`:`port` (port 0 picks a free one).

    Raises:
        OSError: The address is in use or cannot be bound.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    return socket.create_server((host, port), family=family, reuse_port=False)


async def serve_http(
    server: Server[Any],
    store: SessionStore,
    *,
    sock: socket.socket,
    host: str,
    stop: anyio.Event,
) -> None:
    """Serve streamable HTTP at ``MCP_PATH`` on the bound `sock` until `stop`.

    Args:
        server: The MCP server.
        store: Its sessions; a session the client ends (HTTP DELETE) is dropped from it.
        sock: A listening socket (see `bind_socket`); it is closed on return.
        host: The host name clients use (DNS-rebinding protection allows it on localhost).
        stop: Set to stop serving.
    """
    advertise_sessions(server)
    app = server.streamable_http_app(streamable_http_path=MCP_PATH, host=host)
    config = uvicorn.Config(
        _ForgetEndedSessions(app, store),
        log_config=None,
        log_level="warning",
        access_log=False,
        lifespan="on",
        timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
    )
    http = _QuietUvicorn(config)
    with sock:
        async with anyio.create_task_group() as tg:

            async def exit_on_stop() -> None:
                await stop.wait()
                http.should_exit = True

            tg.start_soon(exit_on_stop)
            await http.serve(sockets=[sock])
            tg.cancel_scope.cancel()


class _QuietUvicorn(uvicorn.Server):
    """A uvicorn server that leaves signal handling to the caller."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


class _ForgetEndedSessions:
    """ASGI wrapper: when a client ends its session (DELETE), drop that session's agents."""

    def __init__(self, app: ASGIApp, store: SessionStore) -> None:
        self._app = app
        self._store = store

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)
        if scope["type"] == "http" and scope["method"] == "DELETE":
            for name, value in scope["headers"]:
                if name == b"mcp-session-id":
                    self._store.forget(value.decode("latin-1"))


async def _cancel_on(event: anyio.Event, scope: anyio.CancelScope) -> None:
    await event.wait()
    scope.cancel()


class _PipeLines:
    """Lines of a non-blocking pipe, as the MCP stdio transport reads them."""

    def __init__(self, reader: asyncio.StreamReader) -> None:
        self._reader = reader

    def __aiter__(self) -> _PipeLines:
        return self

    async def __anext__(self) -> str:
        line = await self._reader.readline()
        if not line:
            raise StopAsyncIteration
        return line.decode("utf-8", errors="replace")


@contextlib.asynccontextmanager
async def _stdin_lines() -> AsyncIterator[_PipeLines | None]:
    """Stdin as cancellable async lines when it is a pipe or socket; None otherwise."""
    try:
        mode = os.fstat(0).st_mode
    except OSError:
        mode = 0
    if not (stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)):
        yield None
        return
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=_LINE_LIMIT)
    pipe = os.fdopen(os.dup(0), "rb", buffering=0)
    try:
        transport, _ = await loop.connect_read_pipe(
            lambda: asyncio.StreamReaderProtocol(reader), pipe
        )
    except BaseException:
        pipe.close()
        raise
    try:
        yield _PipeLines(reader)
    finally:
        transport.close()
        with contextlib.suppress(OSError):
            os.set_blocking(0, True)
