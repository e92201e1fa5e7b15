"""`ServerConnection`: one MCP server's requests (tools, ping) over its `ServerLifecycle`.

A request connects first when needed (`fastagent.mcp.lifecycle`). One failed request (a
JSON-RPC error, whatever its code, a malformed reply or a result that breaks the schema, one
cut HTTP response, a timeout) fails that request only; a closed transport or an exited process
marks the server lost. Every request has a finite default timeout (``request_timeout``,
``tool_timeout``).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import Iterator
from typing import Any

import mcp_types
from mcp.shared.exceptions import MCPError
from mcp_types import CONNECTION_CLOSED, INVALID_REQUEST, REQUEST_TIMEOUT
from pydantic import ValidationError

from fastagent.events import MCPRequestFinished, MCPRequestStarted
from fastagent.exceptions import MCPServerError
from fastagent.logging import mcp_server_context
from fastagent.mcp.guard import first_problem
from fastagent.mcp.lifecycle import STDERR_SETTLE, ClientCallbacksLike, ServerLifecycle
from fastagent.mcp.reaper import ProcessId

__all__ = ["ClientCallbacksLike", "ServerConnection"]

_MAX_TOOL_PAGES = 1000
_CLOSED_BY_SDK = "Connection closed"
_SESSION_ENDED_BY_SDK = "Session terminated"


class ServerConnection(ServerLifecycle):
    """One MCP server: connects on first use and serves requests until closed.

    Args:
        name: The server's configured name (prefix of its tools, logger ``fastagent.mcp.<name>``).
        settings: Its ``mcp.servers.<name>`` settings.
        events: Bus for `ServerConnecting` / `ServerConnected` / `ServerDisconnected`.
        callbacks: Client callbacks passed to the SDK session.
    """

    # -- requests ------------------------------------------------------------------------

    async def call_tool(
        self, name: str, arguments: dict[str, Any] | None = None, *, timeout: float | None = None
    ) -> mcp_types.CallToolResult:
        """Call tool `name` on the server (connecting first when needed).

        The call carries a progress token, so the server may report progress (published as
        `ProgressUpdate` events by the client callbacks).

        Args:
            name: The tool's name on the server (not prefixed).
            arguments: Its arguments.
            timeout: Seconds to wait; default the server's ``tool_timeout`` (None there: no
                limit).

        Raises:
            MCPServerError: The server is unavailable, or the call timed out.
            MCPError: The server answered with a JSON-RPC error (unknown tool, bad arguments,
                any server error), or a malformed reply; the server stays connected.
        """
        await self.connect()
        limit = timeout if timeout is not None else self.settings.tool_timeout
        started = time.monotonic()
        with mcp_server_context.scoped(self.name), self._request_events("tools/call", name):
            try:
                result = await self.session.call_tool(
                    name,
                    arguments,
                    read_timeout_seconds=limit if limit is not None else math.inf,
                    progress_callback=_ignore_progress,
                )
            except MCPError as exc:
                raise await self._request_error(
                    exc, f"tool '{name}'", limit, started, "tool_timeout"
                ) from exc
            except (ValidationError, RuntimeError) as exc:
                # A result that is not a CallToolResult, or structured content that does not
                # match the tool's output schema: one failed call, told in one line.
                raise _invalid_result(exc, "tools/call") from exc
        if not isinstance(result, mcp_types.CallToolResult):  # an extension's result type
            raise MCPError(mcp_types.INTERNAL_ERROR, f"unexpected result to tool '{name}'")
        return result

    async def list_tools(self) -> list[mcp_types.Tool]:
        """Every tool the server offers, following ``nextCursor`` through all pages.

        Tools whose definition is invalid (e.g. no ``inputSchema``) are left out, with a
        warning naming server and tool.

        Raises:
            MCPServerError: The server is unavailable, did not answer, or answered with an
                error or something that is not a tool list.
        """
        await self.connect()
        tools: list[mcp_types.Tool] = []
        cursor: str | None = None
        seen: set[str] = set()
        for _ in range(_MAX_TOOL_PAGES):
            params = mcp_types.PaginatedRequestParams(cursor=cursor) if cursor else None
            started = time.monotonic()
            with mcp_server_context.scoped(self.name), self._request_events("tools/list"):
                try:
                    result = await self.session.list_tools(params=params)
                except MCPError as exc:
                    error = await self._request_error(
                        exc, "tools/list", self.settings.request_timeout, started, "request_timeout"
                    )
                    raise self._as_server_error(error, "tools/list") from exc
                except MCPServerError:
                    raise
                except ValidationError as exc:
                    error = _invalid_result(exc, "tools/list")
                    raise self._as_server_error(error, "tools/list") from exc
                except Exception as exc:
                    raise self._as_server_error(exc, "tools/list") from exc
            tools.extend(result.tools)
            cursor = result.next_cursor
            if not cursor or cursor in seen:
                break
            seen.add(cursor)
        return tools

    async def ping(self) -> None:
        """Send one ping; raises `MCPServerError` when the server does not answer."""
        await self.connect()
        started = time.monotonic()
        with mcp_server_context.scoped(self.name):
            try:
                await self.session.send_ping()
            except MCPError as exc:
                error = await self._request_error(
                    exc, "ping", self.settings.request_timeout, started, "request_timeout"
                )
                raise self._as_server_error(error, "ping") from exc

    def _as_server_error(self, exc: BaseException, what: str) -> MCPServerError:
        if isinstance(exc, MCPServerError):
            return exc
        if isinstance(exc, MCPError):
            detail = f"{exc.message} (JSON-RPC error {exc.code})"
        else:
            detail = _one_line(exc)
        where = "its stderr" if self.transport == "stdio" else "url, headers and auth"
        return self._error(
            f"MCP server '{self.name}' failed {what}: {detail} ({self.target})",
            hint=f"check the server and mcp.servers.{self.name} ({where})",
        )

    async def _request_error(
        self,
        exc: MCPError,
        what: str,
        timeout: float | None,
        started: float,
        knob: str,
    ) -> MCPServerError | MCPError:
        """What a failed request means: our timeout, the server lost, or one error result."""
        if exc.code == REQUEST_TIMEOUT and _our_timeout(exc, timeout, started):
            if self._process_gone():
                return await self._lost_request_error("the server process exited")
            return self._error(
                f"{what} on MCP server '{self.name}' timed out after {timeout:g}s",
                hint=f"raise mcp.servers.{self.name}.{knob} (null: no limit), or check the server",
            )
        if exc.code == CONNECTION_CLOSED and await self._transport_closed(exc):
            return await self._lost_request_error(self._closed_reason())
        if exc.code == INVALID_REQUEST and exc.message == _SESSION_ENDED_BY_SDK:
            # HTTP 404 to a request naming our session: the server restarted or dropped the
            # session. The spec says to start a new one, which is what reconnecting does.
            return await self._lost_request_error("the server ended the session (HTTP 404)")
        # One failed request: the server answered an error (any code), sent a malformed reply,
        # or one HTTP exchange failed. The server stays up.
        return exc

    async def _transport_closed(self, exc: MCPError) -> bool:
        guard = self._guard
        if self._failure is not None or guard is None or guard.closed:
            return True
        if exc.message != _CLOSED_BY_SDK:
            return False  # the server's own -32000, or one HTTP response that failed
        # The SDK says the connection closed: a write can fail just before end of file shows.
        return await guard.wait_closed(STDERR_SETTLE) or self._process_gone()

    def _process_gone(self) -> bool:
        pid = self._server_pid
        return pid is not None and ProcessId.of(pid) is None

    async def _lost_request_error(self, reason: str) -> MCPServerError:
        self._mark_lost(reason)
        if self._stderr is not None:
            # Give the process time to write its last words before quoting them.
            await self._stderr.wait_eof(STDERR_SETTLE)
        if self._failure is None:
            return self._error(
                f"MCP server '{self.name}' closed the connection ({self.target})",
                hint=self._lost_hint(),
            )
        self._failure = self._lost_error()
        return self._failure

    def request_events(
        self, method: str, target: str | None = None
    ) -> contextlib.AbstractContextManager[None]:
        """Publish `MCPRequestStarted` / `MCPRequestFinished` around a request on `session`.

        For requests made on the session directly (resources, prompts), as `call_tool` and
        `list_tools` publish theirs.

        Args:
            method: The MCP method (``resources/read``, ``prompts/get``, ...).
            target: What it is about: a prompt's name, a resource's URI.
        """
        return self._request_events(method, target)

    @contextlib.contextmanager
    def _request_events(self, method: str, target: str | None = None) -> Iterator[None]:
        """Publish `MCPRequestStarted` / `MCPRequestFinished` around one request."""
        events = self.events
        if events is None or not events.has_subscribers:
            yield
            return
        events.publish(MCPRequestStarted(server=self.name, method=method, target=target))
        started = time.perf_counter()
        error = error_type = ""
        try:
            yield
        except BaseException as exc:
            error, error_type = _one_line(exc), type(exc).__name__
            raise
        finally:
            events.publish(
                MCPRequestFinished(
                    server=self.name,
                    method=method,
                    target=target,
                    error=error,
                    error_type=error_type,
                    duration=time.perf_counter() - started,
                )
            )


async def _ignore_progress(progress: float, total: float | None, message: str | None) -> None:
    """Asks for progress; the reports reach the client callbacks as notifications."""


def _our_timeout(exc: MCPError, timeout: float | None, started: float) -> bool:
    """Whether `exc` is our own request timer running out, not a server's -32001 error."""
    if timeout is None or not math.isfinite(timeout):
        return False
    return exc.message.endswith("timed out") and time.monotonic() - started >= timeout * 0.99


def _invalid_result(exc: Exception, method: str) -> MCPError:
    """The error for a reply to `method` whose result breaks the MCP schema (or output schema)."""
    if isinstance(exc, ValidationError):
        detail = f"the server's result is not a valid {method} result: {first_problem(exc)}"
    else:
        detail = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return MCPError(mcp_types.INTERNAL_ERROR, detail)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
