"""Streamable HTTP where one failed HTTP exchange fails one request, not the transport.

The SDK's streamable HTTP transport runs each request's POST in a task of the transport's
task group; an exception escaping it (the connection refused, a response cut mid-body, a read
timeout) ends the whole transport, and with it every later call. `contained_http_client` is
the SDK's ``streamable_http_client`` with one change: such an exception becomes a JSON-RPC
error for that request (after the ``initialize`` request: a failure there is still a failed
start-up), and the transport stays up. An HTTP error status the SDK reports only as "Server
returned an error response" is named in the error (``HTTP 403 from the server``). A
server-sent event may be up to `fastagent.mcp.guard.MAX_EVENT_BYTES` (the SDK's default is
1 MiB).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any

import anyio
import mcp_types
from mcp.client.streamable_http import RequestContext, StreamableHTTPTransport
from mcp.shared._context_streams import create_context_streams
from mcp.shared.message import SessionMessage

from fastagent._redact import redact
from fastagent.logging import get_logger
from fastagent.mcp.guard import MAX_EVENT_BYTES

if TYPE_CHECKING:
    import httpx2
    from mcp.client._transport import TransportStreams

__all__ = [
    "ContainedHTTPTransport",
    "contained_http_client",
    "inject_trace_context",
    "note_status",
]

_log = get_logger("mcp")
_SDK_STATUS_MESSAGE = "Server returned an error response"
_last_status: ContextVar[int | None] = ContextVar("fastagent_mcp_http_status", default=None)


async def note_status(response: httpx2.Response) -> None:
    """An httpx response hook: remember the status for the request being handled."""
    _last_status.set(response.status_code)


async def inject_trace_context(request: httpx2.Request) -> None:
    """An httpx request hook: send the current W3C trace context (``traceparent``) along.

    The SDK sends each request in the context of the task that made it, so the header names
    the span current there (a tool call's, when tracing is on); with no span, none is sent.
    """
    from opentelemetry.propagate import inject

    inject(request.headers)


class _StatusNamingWriter:
    """The transport's read-stream writer, naming the HTTP status in the SDK's status errors."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    async def send(self, item: Any) -> None:
        message = getattr(item, "message", None)
        status = _last_status.get()
        if (
            isinstance(message, mcp_types.JSONRPCError)
            and message.error.message == _SDK_STATUS_MESSAGE
            and status is not None
        ):
            error = message.error.model_copy(update={"message": f"HTTP {status} from the server"})
            item = SessionMessage(message.model_copy(update={"error": error}))
        await self._inner.send(item)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


class ContainedHTTPTransport(StreamableHTTPTransport):
    """The SDK's streamable HTTP transport, with each request's failure kept to that request."""

    async def _handle_post_request(self, ctx: RequestContext) -> None:
        ctx.read_stream_writer = _StatusNamingWriter(ctx.read_stream_writer)  # type: ignore[assignment]
        try:
            await super()._handle_post_request(ctx)
        except Exception as exc:
            message = ctx.session_message.message
            if self._is_initialization_request(message):
                raise
            detail = redact(str(exc)) or type(exc).__name__
            reason = f"HTTP exchange failed ({type(exc).__name__}: {detail})"
            if isinstance(message, mcp_types.JSONRPCRequest):
                await self._resolve_abandoned_request(
                    ctx.read_stream_writer, message.id, reason, code=mcp_types.INTERNAL_ERROR
                )
            else:
                _log.warning("MCP notification to %s not delivered: %s", redact(self.url), reason)


@asynccontextmanager
async def contained_http_client(
    url: str, client: httpx2.AsyncClient, *, terminate_on_close: bool = True
) -> AsyncIterator[TransportStreams]:
    """Streamable HTTP to `url` over `client` (which the caller opens and closes).

    Args:
        url: The server's endpoint.
        client: The HTTP client (headers, timeouts, auth).
        terminate_on_close: Send DELETE for the session when leaving.
    """
    transport = ContainedHTTPTransport(url, max_sse_event_size=MAX_EVENT_BYTES)
    read_writer, read_stream = create_context_streams[SessionMessage | Exception](0)
    write_stream, write_reader = create_context_streams[SessionMessage](0)
    async with (
        read_writer,
        read_stream,
        write_stream,
        write_reader,
        anyio.create_task_group() as tg,
    ):

        def start_get_stream() -> None:
            tg.start_soon(transport.handle_get_stream, client, read_writer)

        tg.start_soon(
            transport.post_writer,
            client,
            write_reader,
            read_writer,
            write_stream,
            start_get_stream,
            tg,
        )
        try:
            yield read_stream, write_stream
        finally:
            if transport.session_id and terminate_on_close:
                await transport.terminate_session(client)
            tg.cancel_scope.cancel()
