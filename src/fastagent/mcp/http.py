"""Streamable HTTP where one failed HTTP exchange fails one request, not the transport.

The SDK's streamable HTTP transport runs each request's POST in a task of the transport's
task group; an exception escaping it (the connection refused, a response cut mid-body, a read
timeout) ends the whole transport, and with it every later call. `contained_http_client` is
the SDK's ``streamable_http_client`` with one change: such an exception becomes a JSON-RPC
error for that request (after the ``initialize`` request: a failure there is still a failed
start-up), and the transport stays up. An HTTP error status the SDK reports only as "Server
returned an error response" is named in the error (``HTTP 403 from the server``), and a reply
it cannot parse is ``the server sent a malformed reply to <method>`` (one line, as over stdio
and SSE). In a request's event-stream response, an event that is not JSON-RPC and does not
look like a reply is skipped, like a garbage line over stdio (the SDK fails the request). A
server-sent event may be up to `fastagent.mcp.guard.MAX_EVENT_BYTES` (the SDK's default is
1 MiB).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
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
    from httpx2 import ServerSentEvent
    from mcp.client._transport import TransportStreams

__all__ = [
    "ContainedHTTPTransport",
    "contained_http_client",
    "inject_trace_context",
    "note_status",
]

_log = get_logger("mcp")
_SDK_STATUS_MESSAGE = "Server returned an error response"
_SDK_PARSE_MESSAGES = ("Failed to parse JSON response:", "Failed to parse SSE message:")
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


class _ReplyNamingWriter:
    """The read-stream writer of one request, telling the SDK's errors for it in our words.

    ``Server returned an error response`` names the HTTP status; ``Failed to parse JSON
    response: <pydantic dump>`` becomes ``the server sent a malformed reply to <method>``, as
    over stdio and SSE (`fastagent.mcp.guard`).
    """

    def __init__(self, inner: Any, method: str) -> None:
        self._inner = inner
        self._method = method

    async def send(self, item: Any) -> None:
        message = getattr(item, "message", None)
        if isinstance(message, mcp_types.JSONRPCError):
            text = message.error.message
            status = _last_status.get()
            if text == _SDK_STATUS_MESSAGE and status is not None:
                item = _with_message(message, f"HTTP {status} from the server")
            elif text.startswith(_SDK_PARSE_MESSAGES):
                item = _with_message(
                    message,
                    f"the server sent a malformed reply to {self._method}",
                    code=mcp_types.INTERNAL_ERROR,
                )
        await self._inner.send(item)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def _with_message(
    message: mcp_types.JSONRPCError, text: str, *, code: int | None = None
) -> SessionMessage:
    update: dict[str, Any] = {"message": text}
    if code is not None:
        update["code"] = code
    error = message.error.model_copy(update=update)
    return SessionMessage(message.model_copy(update={"error": error}))


def _answers_a_request(data: str) -> bool:
    """Whether unparsable event data still looks like a reply (an object with an id)."""
    try:
        value = json.loads(data)
    except ValueError:
        return False
    return isinstance(value, dict) and "id" in value and "method" not in value


class ContainedHTTPTransport(StreamableHTTPTransport):
    """The SDK's streamable HTTP transport, with each request's failure kept to that request."""

    async def _handle_post_request(self, ctx: RequestContext) -> None:
        message = ctx.session_message.message
        method = message.method if isinstance(message, mcp_types.JSONRPCRequest) else "request"
        ctx.read_stream_writer = _ReplyNamingWriter(ctx.read_stream_writer, method)  # type: ignore[assignment]
        try:
            await super()._handle_post_request(ctx)
        except Exception as exc:
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

    async def _handle_sse_event(
        self,
        sse: ServerSentEvent,
        read_stream_writer: Any,
        original_request_id: mcp_types.RequestId | None = None,
        resumption_callback: Callable[[str], Awaitable[None]] | None = None,
    ) -> bool:
        # In the response to one request, an event that is not JSON-RPC and does not look like
        # a reply is skipped, as a garbage line over stdio is; the SDK would fail the request.
        if sse.event == "message" and sse.data and original_request_id is not None:
            try:
                mcp_types.jsonrpc_message_adapter.validate_json(sse.data, by_name=False)
            except ValueError:
                if not _answers_a_request(sse.data):
                    _log.debug("skipped an unreadable event from MCP server %s", redact(self.url))
                    return False
        return await super()._handle_sse_event(
            sse, read_stream_writer, original_request_id, resumption_callback
        )


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
