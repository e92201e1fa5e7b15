"""`StreamGuard`: what stands between a server's transport and the SDK session.

The SDK session reads ``SessionMessage | Exception`` items from the transport's read stream
and writes ``SessionMessage`` items to its write stream. The guard wraps both streams, so
whatever the transport (stdio, streamable HTTP, SSE), a hostile server cannot hang or flood
the client through them:

- it notes when the read stream ends, i.e. the transport closed: the only sign that a server
  is gone, whatever error code one request got (a server may legally answer -32000);
- it remembers the requests in flight (id, method, progress token);
- a reply that names a request in flight but is not valid JSON-RPC becomes a JSON-RPC error
  for that request, so its caller gets an error at once instead of waiting for a timeout;
- progress notifications whose token belongs to no request in flight are dropped;
- tools in a ``tools/list`` result that are not valid tool definitions (``inputSchema``
  missing or not an object, no name, ...) are dropped with one warning naming server and tool;
- other unreadable items (lines that are not JSON-RPC) are counted and dropped: the SDK has
  logged them already, and `fastagent.logging` turns that into one rate-limited line;
- a `StreamFailed` item (the transport's last words) is kept as `StreamGuard.close_reason`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import mcp_types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from fastagent.logging import get_logger

if TYPE_CHECKING:
    from mcp.client._transport import TransportStreams

__all__ = ["MAX_EVENT_BYTES", "StreamFailed", "StreamGuard", "first_problem"]

_MALFORMED_REPLY = mcp_types.INTERNAL_ERROR

MAX_EVENT_BYTES = 64 * 2**20
"""The largest server-sent event the HTTP transports read (one JSON-RPC message, 64 MiB)."""


class StreamFailed(Exception):
    """A transport's last item before its read stream closes: why the connection ended."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _key(request_id: object) -> str:
    """Request ids as the peer may echo them (``7`` or ``"7"``) compare equal."""
    return str(request_id)


class StreamGuard:
    """Guards one session's pair of transport streams.

    Args:
        server: The server's configured name (for messages).
        on_closed: Called once when the read stream ends.
    """

    def __init__(self, server: str, *, on_closed: Callable[[], None] | None = None) -> None:
        self.server = server
        self._on_closed = on_closed
        self.skipped_items = 0
        """Unreadable items dropped so far (lines that are not JSON-RPC, ...)."""
        self.dropped_progress = 0
        """Progress notifications dropped because no request in flight has their token."""
        self.close_reason = ""
        """Why the transport closed, when it said (`StreamFailed`); empty otherwise."""
        self._closed = asyncio.Event()
        self._methods: dict[str, str] = {}
        self._tokens: dict[str, str] = {}
        self._log = get_logger(f"mcp.{server}")

    @property
    def closed(self) -> bool:
        """Whether the transport's read stream has ended (the server is gone)."""
        return self._closed.is_set()

    async def wait_closed(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds for the read stream to end; returns `closed`."""
        if not self._closed.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closed.wait(), timeout)
        return self.closed

    def wrap(self, streams: TransportStreams) -> tuple[Any, Any]:
        """The transport's ``(read_stream, write_stream)`` with this guard in between."""
        read_stream, write_stream = streams
        return _GuardedReceive(self, read_stream), _GuardedSend(self, write_stream)

    # -- outgoing ------------------------------------------------------------------------

    def sent(self, item: SessionMessage) -> None:
        """Note a message on its way to the server."""
        message = item.message
        if isinstance(message, mcp_types.JSONRPCNotification):
            if message.method == "notifications/cancelled" and isinstance(message.params, dict):
                # We gave up on that request (timeout, cancellation): its reply no longer counts.
                self._settled(_key(message.params.get("requestId")))
            return
        if not isinstance(message, mcp_types.JSONRPCRequest):
            return
        key = _key(message.id)
        self._methods[key] = message.method
        params = message.params or {}
        meta = params.get("_meta") if isinstance(params, dict) else None
        token = meta.get("progressToken") if isinstance(meta, dict) else None
        if token is not None:
            self._tokens[_key(token)] = key

    def unsent(self, item: SessionMessage) -> None:
        """Forget a request whose write failed."""
        message = item.message
        if isinstance(message, mcp_types.JSONRPCRequest):
            self._settled(_key(message.id))

    def _settled(self, key: str) -> None:
        self._methods.pop(key, None)
        for token in [t for t, k in self._tokens.items() if k == key]:
            del self._tokens[token]

    # -- incoming ------------------------------------------------------------------------

    def mark_closed(self) -> None:
        """Note that the read stream ended (calls ``on_closed`` the first time)."""
        if self._closed.is_set():
            return
        self._closed.set()
        if self._on_closed is not None:
            self._on_closed()

    def received(self, item: SessionMessage | Exception) -> SessionMessage | Exception | None:
        """What the session gets for `item` from the server; None drops it."""
        if isinstance(item, StreamFailed):
            self.close_reason = item.reason
            return None
        if isinstance(item, Exception):
            return self._unreadable(item)
        message = item.message
        if isinstance(message, mcp_types.JSONRPCResponse | mcp_types.JSONRPCError):
            key = _key(message.id)
            method = self._methods.get(key)
            self._settled(key)
            if method == "tools/list" and isinstance(message, mcp_types.JSONRPCResponse):
                return self._checked_tool_list(item, message)
            return item
        if (
            isinstance(message, mcp_types.JSONRPCNotification)
            and message.method == "notifications/progress"
        ):
            params = message.params or {}
            token = params.get("progressToken") if isinstance(params, dict) else None
            if token is None or _key(token) not in self._tokens:
                self.dropped_progress += 1
                if self.dropped_progress == 1:
                    self._log.debug(
                        "MCP server '%s' sent progress for a token no request carries "
                        "(dropped, like every later one)",
                        self.server,
                    )
                return None
        return item

    def _unreadable(self, error: Exception) -> SessionMessage | None:
        key = self._reply_to(error)
        if key is None:
            self.skipped_items += 1
            self._log.debug("skipped an unreadable message from MCP server '%s'", self.server)
            return None
        method = self._methods.get(key, "request")
        self._settled(key)
        self._log.debug("MCP server '%s' sent a malformed reply to %s", self.server, method)
        reply = mcp_types.JSONRPCError(
            jsonrpc="2.0",
            id=_reply_id(key),
            error=mcp_types.ErrorData(
                code=_MALFORMED_REPLY,
                message=f"the server sent a malformed reply to {method}",
            ),
        )
        return SessionMessage(reply)

    def _reply_to(self, error: Exception) -> str | None:
        """The key of the request in flight an unparsable item answers, if it names one."""
        if not isinstance(error, ValidationError):
            return None
        for detail in error.errors(include_url=False):
            value = detail.get("input")
            if (
                isinstance(value, dict)
                and "method" not in value
                and isinstance(value.get("id"), int | str)
                and not isinstance(value.get("id"), bool)
                and _key(value["id"]) in self._methods
            ):
                return _key(value["id"])
        return None

    def _checked_tool_list(
        self, item: SessionMessage, message: mcp_types.JSONRPCResponse
    ) -> SessionMessage:
        tools = message.result.get("tools")
        if not isinstance(tools, list):
            return item
        kept: list[Any] = []
        for raw in tools:
            try:
                mcp_types.Tool.model_validate(raw, by_name=False)
            except ValidationError as exc:
                name = raw.get("name") if isinstance(raw, dict) else None
                self._log.warning(
                    "MCP server '%s': skipped tool '%s': %s",
                    self.server,
                    name if isinstance(name, str) else "?",
                    first_problem(exc),
                )
                continue
            kept.append(raw)
        if len(kept) == len(tools):
            return item
        result = {**message.result, "tools": kept}
        fixed = mcp_types.JSONRPCResponse(jsonrpc="2.0", id=message.id, result=result)
        return SessionMessage(fixed, metadata=item.metadata)


def _reply_id(key: str) -> int | str:
    return int(key) if key.lstrip("-").isdigit() else key


def first_problem(error: ValidationError) -> str:
    """``inputSchema is missing``: the first problem of `error`, on one line."""
    errors = error.errors(include_url=False)
    if not errors:
        return "invalid"
    detail = errors[0]
    where = ".".join(str(part) for part in detail.get("loc", ()))
    problem = str(detail.get("msg", "invalid"))
    if detail.get("type") == "missing":
        return f"{where} is missing" if where else problem
    if detail.get("type") == "dict_type":
        return f"{where} is not an object" if where else problem
    return f"{where}: {problem}" if where else problem


class _GuardedReceive:
    """The transport's read stream as the session sees it."""

    def __init__(self, guard: StreamGuard, inner: Any) -> None:
        self._guard = guard
        self._inner = inner

    async def receive(self) -> SessionMessage | Exception:
        import anyio

        while True:
            try:
                item = await self._inner.receive()
            except (anyio.EndOfStream, anyio.ClosedResourceError):
                self._guard.mark_closed()
                raise
            kept = self._guard.received(item)
            if kept is not None:
                return kept

    def __aiter__(self) -> _GuardedReceive:
        return self

    async def __anext__(self) -> SessionMessage | Exception:
        import anyio

        try:
            return await self.receive()
        except anyio.EndOfStream:
            raise StopAsyncIteration from None

    def close(self) -> None:
        self._inner.close()

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _GuardedReceive:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> Any:
        self._guard.mark_closed()
        return await self._inner.__aexit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        # ``last_context`` (HTTP transports) and anything else the SDK may read.
        return getattr(self._inner, name)


class _GuardedSend:
    """The transport's write stream as the session sees it."""

    def __init__(self, guard: StreamGuard, inner: Any) -> None:
        self._guard = guard
        self._inner = inner

    async def send(self, item: SessionMessage) -> None:
        self._guard.sent(item)
        try:
            await self._inner.send(item)
        except BaseException:
            self._guard.unsent(item)
            raise

    def close(self) -> None:
        self._inner.close()

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def __aenter__(self) -> _GuardedSend:
        await self._inner.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> Any:
        return await self._inner.__aexit__(*exc_info)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)
