"""OAuth 2.1 for HTTP MCP servers, on top of the SDK's ``OAuthClientProvider``.

The SDK does discovery (protected-resource and authorization-server metadata), dynamic client
registration, PKCE, the token exchange and refresh. This module supplies the three things it
leaves to the host:

- `FileTokenStorage`: tokens and the client registration of one server in a JSON file
  (``$XDG_CONFIG_HOME/fastagent/tokens/<server>.json`` or ``auth.token_dir``), mode 0600.
- `CallbackListener`: a one-shot HTTP listener on ``127.0.0.1:<port>`` that receives the
  authorization ``code`` and ``state`` the browser is redirected to.
- `build_oauth_provider`: the ``httpx2.Auth`` the streamable HTTP / SSE client sends requests
  through; it prints the authorization URL (and opens a browser when a terminal is attached).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from fastagent._redact import register_secret
from fastagent.exceptions import MCPServerError

if TYPE_CHECKING:
    from mcp.client.auth import OAuthClientProvider
    from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthToken

    from fastagent.config.mcp_settings import MCPServerSettings, OAuthSettings

__all__ = [
    "CALLBACK_PATH",
    "DEFAULT_CALLBACK_TIMEOUT",
    "CallbackListener",
    "FileTokenStorage",
    "build_oauth_provider",
    "default_token_dir",
    "token_path",
]

CALLBACK_PATH = "/callback"
"""The path of the redirect URI on the local listener."""

DEFAULT_CALLBACK_TIMEOUT = 300.0
"""Seconds the listener waits for the browser to come back with a code."""

_MAX_REQUEST_HEAD = 16 * 1024
_PAGE = "<!doctype html><html><body><h3>{title}</h3><p>{text}</p></body></html>"


def default_token_dir() -> Path:
    """``$XDG_CONFIG_HOME/fastagent/tokens`` (``~/.config/fastagent/tokens`` when unset)."""
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.join(Path.home(), ".config")
    return Path(base) / "fastagent" / "tokens"


def token_path(server: str, auth: OAuthSettings) -> Path:
    """The token file of `server`: ``<token_dir>/<server>.json``."""
    folder = Path(auth.token_dir).expanduser() if auth.token_dir else default_token_dir()
    return folder / (re.sub(r"[^A-Za-z0-9_.-]", "_", server) + ".json")


class FileTokenStorage:
    """The SDK's ``TokenStorage`` over one JSON file per server, written with mode 0600.

    Every token and client secret read or written is registered with `register_secret`, so
    logs and errors never show it.

    Args:
        path: The file.
        server: The server's configured name (for messages).
        fixed_client: A pre-registered client; when given it replaces any stored registration.
    """

    def __init__(
        self,
        path: Path,
        *,
        server: str,
        fixed_client: OAuthClientInformationFull | None = None,
    ) -> None:
        self.path = path
        self.server = server
        self._fixed_client = fixed_client

    def read(self) -> dict[str, Any]:
        """The file's content; empty when there is no file.

        Raises:
            MCPServerError: The file exists but is not a JSON object.
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise MCPServerError(
                f"MCP server '{self.server}': token file {self.path} is not valid JSON",
                server=self.server,
                hint=f"delete {self.path} and authorize again",
            )
        return data

    def _write(self, data: dict[str, Any]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        temporary = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2)
        os.chmod(temporary, 0o600)
        os.replace(temporary, self.path)

    def _update(self, key: str, value: dict[str, Any]) -> None:
        data = self.read()
        data[key] = value
        self._write(data)

    def has_tokens(self) -> bool:
        """Whether tokens are stored (valid or not: an expired one may still refresh)."""
        return isinstance(self.read().get("tokens"), dict)

    def expires_at(self) -> float | None:
        """When the stored access token expires (Unix time), when known."""
        value = self.read().get("expires_at")
        return float(value) if isinstance(value, int | float) else None

    def stored_redirect_port(self) -> int | None:
        """The loopback port of the stored registration's redirect URI, if any."""
        client = self.read().get("client_info")
        uris = client.get("redirect_uris") if isinstance(client, dict) else None
        for uri in uris or []:
            parts = urlsplit(str(uri))
            if parts.hostname == "127.0.0.1" and parts.port is not None:
                return parts.port
        return None

    async def get_tokens(self) -> OAuthToken | None:
        """The stored tokens, if any."""
        from mcp.shared.auth import OAuthToken

        stored = self.read().get("tokens")
        if not isinstance(stored, dict):
            return None
        tokens = OAuthToken.model_validate(stored)
        _hide(tokens.access_token, tokens.refresh_token)
        return tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        """Store `tokens` (and when the access token expires)."""
        _hide(tokens.access_token, tokens.refresh_token)
        data = self.read()
        data["tokens"] = tokens.model_dump(mode="json", exclude_none=True)
        data["expires_at"] = time.time() + tokens.expires_in if tokens.expires_in else None
        self._write(data)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        """The pre-registered client, else the stored registration, if any."""
        from mcp.shared.auth import OAuthClientInformationFull

        if self._fixed_client is not None:
            return self._fixed_client
        stored = self.read().get("client_info")
        if not isinstance(stored, dict):
            return None
        client = OAuthClientInformationFull.model_validate(stored)
        _hide(client.client_secret)
        return client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        """Store the client registration."""
        _hide(client_info.client_secret)
        self._update("client_info", client_info.model_dump(mode="json", exclude_none=True))


def _hide(*values: str | None) -> None:
    for value in values:
        if value:
            register_secret(value)


class CallbackListener:
    """A one-shot HTTP listener on ``127.0.0.1:<port>`` for the OAuth redirect.

    `start` binds; `wait` returns the first ``code``/``state`` that arrives at
    `CALLBACK_PATH` (other paths get 404) and closes the listener.

    Args:
        server: The MCP server's configured name (for messages).
        port: The local port; 0 picks a free one (see `port` after `start`).
        timeout: Seconds `wait` waits.
    """

    def __init__(self, server: str, port: int, *, timeout: float = DEFAULT_CALLBACK_TIMEOUT):
        self.server = server
        self.port = port
        self.timeout = timeout
        self._listener: asyncio.Server | None = None
        self._result: asyncio.Future[AuthorizationCodeResult] | None = None

    @property
    def redirect_uri(self) -> str:
        """``http://127.0.0.1:<port>/callback``."""
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    async def start(self) -> None:
        """Bind the listener.

        Raises:
            MCPServerError: The port is in use.
        """
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._listener = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        except OSError as exc:
            raise MCPServerError(
                f"MCP server '{self.server}': cannot listen for the OAuth redirect on "
                f"127.0.0.1:{self.port}: {exc.strerror or exc}",
                server=self.server,
                hint=f"free that port or set mcp.servers.{self.server}.auth.redirect_port",
            ) from exc
        self.port = self._listener.sockets[0].getsockname()[1]

    async def wait(self) -> AuthorizationCodeResult:
        """The code and state of the redirect; closes the listener.

        Raises:
            MCPServerError: No redirect in time, or the authorization server sent an error.
        """
        if self._result is None:
            await self.start()
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), self.timeout)
        except TimeoutError:
            raise MCPServerError(
                f"MCP server '{self.server}': no OAuth authorization arrived at "
                f"{self.redirect_uri} within {self.timeout:g}s",
                server=self.server,
                hint="open the printed authorization URL in a browser, approve, and try again",
            ) from None
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Stop listening (idempotent)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
            await listener.wait_closed()
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        status, page = self._accept(head[:_MAX_REQUEST_HEAD].decode("latin-1"))
        body = page.encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    def _accept(self, head: str) -> tuple[str, str]:
        from mcp.shared.auth import AuthorizationCodeResult

        request_line = head.split("\r\n", 1)[0].split(" ")
        target = urlsplit(request_line[1] if len(request_line) > 1 else "")
        if target.path != CALLBACK_PATH or self._result is None or self._result.done():
            return "404 Not Found", _PAGE.format(title="Not found", text="")
        query = {key: values[0] for key, values in parse_qs(target.query).items()}
        if "error" in query:
            reason = query.get("error_description") or query["error"]
            self._result.set_exception(
                MCPServerError(
                    f"MCP server '{self.server}': authorization was refused: {reason}",
                    server=self.server,
                    hint="approve the request in the browser, or check the client's scopes",
                )
            )
            return "400 Bad Request", _PAGE.format(title="Authorization failed", text=reason)
        if not query.get("code"):
            return "400 Bad Request", _PAGE.format(title="No code", text="missing 'code'")
        self._result.set_result(
            AuthorizationCodeResult(
                code=query["code"], state=query.get("state"), iss=query.get("iss")
            )
        )
        return "200 OK", _PAGE.format(
            title="Authorization complete", text="You can close this window."
        )


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _not_authorized(server: str) -> MCPServerError:
    return MCPServerError(
        f"MCP server '{server}' needs OAuth authorization and no token is stored",
        server=server,
        hint=(
            f"run once interactively (e.g. `fastagent go --servers {server}`) to authorize "
            "in a browser; the token is then reused"
        ),
    )


class _Authorizer:
    """The redirect and callback handlers the SDK calls during the authorization step."""

    def __init__(
        self,
        server: str,
        port: int,
        *,
        interactive: bool,
        open_browser: bool,
        timeout: float,
        out: IO[str] | None,
        on_url: Callable[[str], Any] | None,
    ) -> None:
        self.server = server
        self.port = port
        self.interactive = interactive
        self.open_browser = open_browser
        self.timeout = timeout
        self.out = out
        self.on_url = on_url
        self._listener: CallbackListener | None = None

    async def redirect(self, url: str) -> None:
        if not self.interactive:
            raise _not_authorized(self.server)
        self._listener = CallbackListener(self.server, self.port, timeout=self.timeout)
        await self._listener.start()
        out = self.out if self.out is not None else sys.stderr
        print(f"Authorize access to MCP server '{self.server}' in a browser:\n  {url}", file=out)
        out.flush()
        if self.on_url is not None:
            outcome = self.on_url(url)
            if asyncio.iscoroutine(outcome):
                await outcome
        if self.open_browser:
            import webbrowser

            await asyncio.to_thread(webbrowser.open, url)

    async def callback(self) -> AuthorizationCodeResult:
        listener, self._listener = self._listener, None
        if listener is None:
            listener = CallbackListener(self.server, self.port, timeout=self.timeout)
        return await listener.wait()


def build_oauth_provider(
    name: str,
    settings: MCPServerSettings,
    *,
    interactive: bool | None = None,
    open_browser: bool | None = None,
    out: IO[str] | None = None,
    on_url: Callable[[str], Any] | None = None,
    callback_timeout: float = DEFAULT_CALLBACK_TIMEOUT,
) -> OAuthClientProvider:
    """The ``httpx2.Auth`` that authorizes requests to server `name` (``settings.auth`` set).

    Args:
        name: The server's configured name.
        settings: Its settings; ``auth`` must be set.
        interactive: Whether a person can authorize now; None means stdin is a terminal.
        open_browser: Whether to open the authorization URL; None means ``interactive``.
        out: Where the authorization URL is printed (stderr by default).
        on_url: Called with the authorization URL after it is printed (tests follow it).
        callback_timeout: Seconds to wait for the browser's redirect.

    Raises:
        MCPServerError: Not interactive and no token stored for the server.
    """
    from mcp.client.auth import OAuthClientProvider
    from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata
    from pydantic import AnyUrl

    auth = settings.auth
    if auth is None:
        raise ValueError(f"mcp.servers.{name}.auth is not set")
    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    storage = FileTokenStorage(token_path(name, auth), server=name)
    if not interactive and not storage.has_tokens():
        raise _not_authorized(name)
    port = auth.redirect_port or storage.stored_redirect_port() or _free_port()
    redirect_uri = AnyUrl(f"http://127.0.0.1:{port}{CALLBACK_PATH}")
    scope = " ".join(auth.scopes) or None
    if auth.client_id is not None:
        secret = auth.client_secret.get_secret_value() if auth.client_secret else None
        _hide(secret)
        storage = FileTokenStorage(
            storage.path,
            server=name,
            fixed_client=OAuthClientInformationFull(
                client_id=auth.client_id.get_secret_value(),
                client_secret=secret,
                redirect_uris=[redirect_uri],
                token_endpoint_auth_method="client_secret_post" if secret else "none",
                scope=scope,
            ),
        )
    metadata = OAuthClientMetadata(
        client_name=auth.client_name,
        redirect_uris=[redirect_uri],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method="none",
        scope=scope,
    )
    authorizer = _Authorizer(
        name,
        port,
        interactive=interactive,
        open_browser=interactive if open_browser is None else open_browser,
        timeout=callback_timeout,
        out=out,
        on_url=on_url,
    )

    class _StoredExpiryProvider(OAuthClientProvider):
        # The SDK forgets when a stored token expires; without this an expired token would be
        # sent, rejected, and re-authorized in a browser instead of refreshed.
        async def _initialize(self) -> None:
            await super()._initialize()
            if self.context.current_tokens is not None:
                self.context.token_expiry_time = storage.expires_at()

        # The SDK replaces the requested scope with the one the server advertises (or none);
        # the configured scopes fill in when it advertises none.
        async def _perform_authorization_code_grant(self) -> tuple[str, str]:
            if self.context.client_metadata.scope is None and scope is not None:
                self.context.client_metadata.scope = scope
            return await super()._perform_authorization_code_grant()

    return _StoredExpiryProvider(
        server_url=settings.url or "",
        client_metadata=metadata,
        storage=storage,
        redirect_handler=authorizer.redirect,
        callback_handler=authorizer.callback,
    )
