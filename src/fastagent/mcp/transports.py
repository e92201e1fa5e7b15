"""Opening the SDK transport a server's settings ask for: stdio, streamable HTTP or SSE.

Each opener is an async context manager yielding the SDK's ``(read_stream, write_stream)``
pair; leaving it closes the connection (for stdio: stdin closed, then SIGTERM, then SIGKILL to
the server's whole process group, which the SDK starts in a session of its own).

A stdio server's stdout is decoded with replacement: a byte that is not UTF-8 spoils one line
(skipped as garbage), never the stream; it is read in time linear in its size
(`fastagent.mcp.stdio`). Streamable HTTP uses `fastagent.mcp.http` and SSE
`fastagent.mcp.sse`, where one failed HTTP exchange fails one request instead of the whole
transport.
"""

from __future__ import annotations

import os
import shlex
import shutil
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import IO, TYPE_CHECKING, Any, TextIO, cast
from urllib.parse import urlsplit, urlunsplit

from fastagent._redact import redact
from fastagent.exceptions import MCPServerError

if TYPE_CHECKING:
    from mcp.client._transport import TransportStreams

    from fastagent.config.mcp_settings import MCPServerSettings
    from fastagent.events import EventBus

__all__ = [
    "EXTRA_INHERITED_ENV_VARS",
    "describe_target",
    "find_command",
    "install_hint",
    "open_transport",
    "server_environment",
]

EXTRA_INHERITED_ENV_VARS = ("LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "TZ")
"""Inherited by stdio servers on top of the SDK's safe set (HOME, PATH, USER, ...)."""

_INSTALLERS = {
    "uvx": "install uv, which provides uvx (pip install uv)",
    "uv": "install uv (pip install uv)",
    "npx": "install Node.js, which provides npx",
    "node": "install Node.js",
}

_HTTP_TIMEOUT = 30.0
_SSE_READ_TIMEOUT = 300.0


def describe_target(settings: MCPServerSettings, transport: str | None = None) -> str:
    """``command: <command line>`` or ``url: <url>`` for messages (no query, no secrets)."""
    if (transport or settings.transport) == "stdio":
        return "command: " + redact(shlex.join([settings.command or "", *settings.args]))
    parts = urlsplit(settings.url or "")
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return "url: " + redact(urlunsplit((parts.scheme, host, parts.path, "", "")))


def server_environment(settings: MCPServerSettings) -> dict[str, str]:
    """The environment of a stdio server: a safe inherited set, then the configured `env`."""
    from mcp.client.stdio import get_default_environment

    env = get_default_environment()
    for key in EXTRA_INHERITED_ENV_VARS:
        value = os.environ.get(key)
        if value is not None:
            env[key] = value
    env.update(settings.env)
    return env


def find_command(settings: MCPServerSettings, path: str | None = None) -> str | None:
    """Where a stdio server's program is, without starting it.

    Args:
        settings: The server's settings (``command`` and ``cwd``).
        path: The PATH searched for a bare program name (default: this process's PATH).

    Returns:
        The program's path, or None when it is missing or not executable.
    """
    command = settings.command or ""
    if not command:
        return None
    if os.sep in command:
        base = settings.cwd or os.getcwd()
        full = command if os.path.isabs(command) else os.path.join(base, command)
        return full if os.path.isfile(full) and os.access(full, os.X_OK) else None
    return shutil.which(command, path=path if path is not None else os.environ.get("PATH"))


def install_hint(command: str) -> str:
    """How to get a missing server program: ``install uv, which provides uvx (...)``, ..."""
    return _INSTALLERS.get(os.path.basename(command), f"install {command}")


def _resolve_command(name: str, settings: MCPServerSettings, env: dict[str, str]) -> str:
    command = settings.command or ""
    if find_command(settings, env.get("PATH", os.defpath)) is None:
        raise MCPServerError(
            f"MCP server '{name}': command '{command}' was not found or is not executable",
            server=name,
            hint=(
                f"{install_hint(command)}, or fix mcp.servers.{name}.command "
                "(give a full path or a program on the server's PATH)"
            ),
        )
    return command


@asynccontextmanager
async def open_transport(
    name: str,
    settings: MCPServerSettings,
    transport: str,
    *,
    errlog: IO[str] | None = None,
    http_statuses: list[int] | None = None,
    tag: str | None = None,
    events: EventBus | None = None,
    on_user_wait: Callable[[bool], object] | None = None,
) -> AsyncIterator[TransportStreams]:
    """Open the SDK transport `transport` to server `name`.

    Args:
        name: The server's configured name (for messages).
        settings: Its settings.
        transport: ``stdio``, ``http`` or ``sse`` (may differ from the settings after fallback).
        errlog: The file a stdio server's stderr goes to.
        http_statuses: Receives the HTTP status of the first POST (to detect a server that does
            not speak streamable HTTP).
        tag: Put in a stdio server's environment as ``FASTAGENT_MCP_SERVER_TAG`` (see
            `fastagent.mcp.reaper`).
        events: Where an OAuth authorization URL shown on the terminal is announced
            (`UserInputRequested` / `UserInputFinished`), so a live display pauses.
        on_user_wait: Called with True when the OAuth flow starts waiting for a person in a
            browser, and with False when that wait ends (start-up timeouts stop meanwhile).

    Raises:
        MCPServerError: A stdio command that does not exist; an OAuth server that needs
            authorizing in a run without a terminal.
    """
    if transport == "stdio":
        async with _open_stdio(name, settings, errlog, tag) as streams:
            yield streams
    elif transport == "sse":
        from fastagent.mcp.sse import contained_sse_client

        async with contained_sse_client(
            settings.url or "",
            headers=dict(settings.headers),
            timeout=settings.init_timeout,
            sse_read_timeout=_SSE_READ_TIMEOUT,
            auth=_oauth(name, settings, events, on_user_wait),
        ) as streams:
            yield streams
    else:
        auth = _oauth(name, settings, events, on_user_wait)
        async with _open_http(name, settings, http_statuses, auth) as streams:
            yield streams


def _oauth(
    name: str,
    settings: MCPServerSettings,
    events: EventBus | None,
    on_user_wait: Callable[[bool], object] | None,
) -> Any:
    """The OAuth ``httpx2.Auth`` of a server with ``auth`` set, else None."""
    if settings.auth is None:
        return None
    from fastagent.mcp.oauth import build_oauth_provider

    return build_oauth_provider(name, settings, events=events, on_wait=on_user_wait)


@asynccontextmanager
async def _open_stdio(
    name: str, settings: MCPServerSettings, errlog: IO[str] | None, tag: str | None
) -> AsyncIterator[TransportStreams]:
    import sys

    from mcp.client.stdio import StdioServerParameters

    from fastagent.mcp.reaper import TAG_VARIABLE
    from fastagent.mcp.stdio import stdio_client

    env = server_environment(settings)
    command = _resolve_command(name, settings, env)
    if tag is not None:
        env[TAG_VARIABLE] = tag
    params = StdioServerParameters(
        command=command,
        args=list(settings.args),
        env=env,
        cwd=settings.cwd,
        encoding_error_handler="replace",
    )
    sink = cast(TextIO, errlog) if errlog is not None else sys.stderr
    async with stdio_client(params, errlog=sink) as streams:
        yield streams


@asynccontextmanager
async def _open_http(
    name: str, settings: MCPServerSettings, http_statuses: list[int] | None, auth: Any
) -> AsyncIterator[TransportStreams]:
    import httpx2

    from fastagent.mcp.http import contained_http_client, inject_trace_context, note_status

    async def record(response: Any) -> None:
        # Only the first POST decides the SSE fallback; keep no more (a session is long).
        if http_statuses is not None and not http_statuses and response.request.method == "POST":
            http_statuses.append(response.status_code)

    client = httpx2.AsyncClient(
        headers=dict(settings.headers),
        timeout=httpx2.Timeout(_HTTP_TIMEOUT, read=_SSE_READ_TIMEOUT),
        event_hooks={"request": [inject_trace_context], "response": [note_status, record]},
        auth=auth,
    )
    async with client, contained_http_client(settings.url or "", client) as streams:
        yield streams
