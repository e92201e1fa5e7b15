"""Legacy SSE where one failed POST fails one request, and a broken stream says why.

The SDK's ``sse_client`` ends its message writer at the first POST that fails (an HTTP error
status, a refused or reset connection): the request waits for its timeout, and every later
request fails with "Connection closed" while the event stream still looks alive.
`contained_sse_client` speaks the same protocol (GET the event stream, wait for its
``endpoint`` event, POST each message there, read the replies from the stream) with these
differences:

- a POST that fails becomes a JSON-RPC error for that request (``HTTP 500 from the server``,
  ``HTTP exchange failed (...)``) and the writer goes on; a notification that fails is logged;
- each POST is bounded by the connect timeout (the reply comes on the stream, not the POST);
- an event may be up to `fastagent.mcp.guard.MAX_EVENT_BYTES` (the SDK allows 1 MiB, less
  than one image result);
- when the event stream fails (reset, an oversized event, ...), a `StreamFailed` item naming
  the cause is passed to the read stream before it closes, for the guard to keep as the reason
  the server was lost.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin, urlsplit

import anyio
import httpx2
import mcp_types
from anyio.abc import TaskStatus
from mcp.shared._context_streams import create_context_streams
from mcp.shared._httpx_utils import (
    create_mcp_http_client,
    request_within_origin,
    sse_within_origin,
)
from mcp.shared.message import SessionMessage

from fastagent._redact import redact
from fastagent.logging import get_logger
from fastagent.mcp.guard import MAX_EVENT_BYTES, StreamFailed

if TYPE_CHECKING:
    from mcp.client._transport import TransportStreams

__all__ = ["contained_sse_client", "failure_reason"]

_log = get_logger("mcp")


def failure_reason(exc: BaseException) -> str:
    """``the event stream failed (ReadError: ...)``, secrets redacted."""
    text = str(exc).strip()
    name = type(exc).__name__
    detail = f"{name}: {redact(text.splitlines()[0])}" if text else name
    return f"the event stream failed ({detail})"


@asynccontextmanager
async def contained_sse_client(
    url: str,
    *,
    headers: dict[str, str] | None = None,
    timeout: float | None = 30.0,
    sse_read_timeout: float = 300.0,
    auth: httpx2.Auth | None = None,
) -> AsyncIterator[TransportStreams]:
    """The SSE transport to `url`.

    Args:
        url: The event stream's URL (``.../sse``).
        headers: Sent with every request.
        timeout: Connect timeout, and the bound of each POST.
        sse_read_timeout: How long the event stream may stay silent.
        auth: An ``httpx2.Auth`` (OAuth), or None.

    Raises:
        httpx2.HTTPError: The event stream could not be opened (an error status, refused).
    """
    client = create_mcp_http_client(
        headers=headers, auth=auth, timeout=httpx2.Timeout(timeout, read=sse_read_timeout)
    )
    async with (
        client,
        sse_within_origin(client, url, max_event_size=MAX_EVENT_BYTES) as source,
    ):
        source.response.raise_for_status()
        read_writer, read_stream = create_context_streams[SessionMessage | Exception](0)
        write_stream, write_reader = create_context_streams[SessionMessage](0)
        async with (
            read_writer,
            read_stream,
            write_stream,
            write_reader,
            anyio.create_task_group() as tg,
        ):
            endpoint: str = await tg.start(_read_events, source, url, read_writer)
            tg.start_soon(_post_messages, client, endpoint, write_reader, read_writer, timeout)
            try:
                yield read_stream, write_stream
            finally:
                tg.cancel_scope.cancel()


async def _read_events(
    source: httpx2.EventSource,
    url: str,
    writer: Any,
    *,
    task_status: TaskStatus[str] = anyio.TASK_STATUS_IGNORED,
) -> None:
    started = False
    try:
        async for event in source:
            if event.event == "endpoint":
                endpoint = urljoin(url, event.data)
                if urlsplit(endpoint)[:2] != urlsplit(url)[:2]:
                    raise ValueError(f"the endpoint {redact(endpoint)} is on another origin")
                if not started:
                    started = True
                    task_status.started(endpoint)
            elif event.event == "message" and event.data:
                try:
                    message = mcp_types.jsonrpc_message_adapter.validate_json(
                        event.data, by_name=False
                    )
                except ValueError as exc:
                    await writer.send(exc)  # the guard decides: a malformed reply, or garbage
                    continue
                await writer.send(SessionMessage(message))
    except (anyio.ClosedResourceError, anyio.BrokenResourceError):
        return  # our side closed
    except Exception as exc:
        if not started:
            raise
        _log.debug("MCP event stream %s failed", redact(url), exc_info=exc)
        with anyio.move_on_after(1):
            await writer.send(StreamFailed(failure_reason(exc)))
    finally:
        await writer.aclose()
    if not started:
        raise ValueError("the event stream ended before naming its endpoint")


async def _post_messages(
    client: httpx2.AsyncClient, endpoint: str, reader: Any, writer: Any, timeout: float | None
) -> None:
    async with reader:
        async for item in reader:
            context = reader.last_context
            if context is not None:
                # In the sender's context, so request hooks see its trace context.
                async with anyio.create_task_group() as tg:
                    context.run(tg.start_soon, _post, client, endpoint, item, writer, timeout)
            else:
                await _post(client, endpoint, item, writer, timeout)


async def _post(
    client: httpx2.AsyncClient,
    endpoint: str,
    item: SessionMessage,
    writer: Any,
    timeout: float | None,
) -> None:
    message = item.message
    body = message.model_dump(by_alias=True, mode="json", exclude_unset=True)
    try:
        response = await request_within_origin(
            client, "POST", endpoint, json=body, timeout=httpx2.Timeout(timeout)
        )
    except httpx2.HTTPError as exc:
        reason = f"HTTP exchange failed ({type(exc).__name__}: {redact(str(exc)) or '-'})"
    else:
        if response.status_code < 400:
            return
        reason = f"HTTP {response.status_code} from the server"
    if isinstance(message, mcp_types.JSONRPCRequest):
        error = mcp_types.ErrorData(code=mcp_types.INTERNAL_ERROR, message=reason)
        reply = mcp_types.JSONRPCError(jsonrpc="2.0", id=message.id, error=error)
        with suppress(anyio.ClosedResourceError, anyio.BrokenResourceError):
            await writer.send(SessionMessage(reply))
    else:
        _log.warning("MCP notification to %s not delivered: %s", redact(endpoint), reason)
