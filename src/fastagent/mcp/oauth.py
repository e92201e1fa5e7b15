"""OAuth 2.1 for HTTP MCP servers, on top of the SDK's ``OAuthClientProvider``.

The SDK does discovery (protected-resource and authorization-server metadata), dynamic client
registration, PKCE, the token exchange and refresh. This module supplies the three things it
leaves to the host:

- `FileTokenStorage`: tokens and the client registration of one server in a JSON file
  (``$XDG_CONFIG_HOME/fastagent/tokens/<server>.json`` or ``auth.token_dir``), mode 0600.
- `CallbackListener`: a one-shot HTTP listener on ``127.0.0.1:<port>`` that receives the
  authorization ``code`` and ``state`` the browser is redirected to.
- `build_oauth_provider`: the ``httpx2.Auth`` the streamable HTTP / SSE client sends requests
  through, for the configured (or chosen) grant. For the browser flow it prints the
  authorization URL and opens a browser when a terminal is attached, or hands the URL to the
  configured ``authorization_handler`` (headless hosts: CI, web apps, desktop apps), which
  returns the URL the browser was redirected to. Client credentials (secret or
  ``private_key_jwt``) and SEP-990 enterprise grants live in `fastagent.mcp.oauth_grants`.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import json
import os
import re
import socket
import sys
import time
import warnings
from collections.abc import AsyncGenerator, Awaitable, Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from fastagent._redact import register_secret
from fastagent.exceptions import MCPServerError

if TYPE_CHECKING:
    import httpx2
    from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthToken

    from fastagent.config.mcp_settings import MCPServerSettings, OAuthSettings

__all__ = [
    "CALLBACK_PATH",
    "DEFAULT_CALLBACK_TIMEOUT",
    "AuthorizationHandler",
    "CallbackListener",
    "FileTokenStorage",
    "build_oauth_provider",
    "default_token_dir",
    "load_authorization_handler",
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
        self.fixed_client = fixed_client

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

    def stored_auth_method(self) -> str | None:
        """The token-endpoint authentication method chosen for the pre-registered client."""
        value = self.read().get("token_endpoint_auth_method")
        return value if isinstance(value, str) else None

    def remember_auth_method(self, method: str) -> None:
        """Keep the method chosen from the server's metadata (refreshes come before it)."""
        if self.stored_auth_method() != method:
            data = self.read()
            data["token_endpoint_auth_method"] = method
            self._write(data)

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        """The pre-registered client, else the stored registration, if any."""
        from mcp.shared.auth import OAuthClientInformationFull

        if self.fixed_client is not None:
            return self.fixed_client
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


AuthorizationHandler = Callable[[str], "str | Awaitable[str]"]
"""Gets the authorization URL, returns the URL the browser was redirected to (sync or async)."""


def load_authorization_handler(
    server: str, value: str | Callable[[str], Any]
) -> Callable[..., Any]:
    """The configured ``authorization_handler``: a callable, or one named ``module:function``.

    Raises:
        MCPServerError: The name cannot be imported or is not callable.
    """
    if callable(value):
        return value
    key = f"mcp.servers.{server}.auth.authorization_handler"
    module_name, _, attribute = value.partition(":")
    if not attribute:
        module_name, _, attribute = value.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise MCPServerError(
            f"{key}: cannot import '{value}': {exc}",
            server=server,
            hint="give it as module:function, with the module importable (on sys.path)",
        ) from exc
    if not callable(found):
        raise MCPServerError(
            f"{key}: '{value}' is not callable",
            server=server,
            hint="name a function taking the authorization URL and returning the redirect URL",
        )
    return found  # type: ignore[no-any-return]


def _code_from_redirect(server: str, redirect_url: str) -> AuthorizationCodeResult:
    from mcp.shared.auth import AuthorizationCodeResult

    query = {key: values[0] for key, values in parse_qs(urlsplit(redirect_url).query).items()}
    if "error" in query:
        reason = query.get("error_description") or query["error"]
        raise MCPServerError(
            f"MCP server '{server}': authorization was refused: {reason}",
            server=server,
            hint=f"approve the request, or check mcp.servers.{server}.auth (scopes, client_id)",
        )
    if not query.get("code"):
        raise MCPServerError(
            f"MCP server '{server}': the authorization handler returned a URL without 'code'",
            server=server,
            hint="return the full URL the authorization server redirected to",
        )
    return AuthorizationCodeResult(
        code=query["code"], state=query.get("state"), iss=query.get("iss")
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
        handler: Callable[..., Any] | None = None,
    ) -> None:
        self.server = server
        self.port = port
        self.interactive = interactive
        self.open_browser = open_browser
        self.timeout = timeout
        self.out = out
        self.on_url = on_url
        self.handler = handler
        self._listener: CallbackListener | None = None
        self._result: AuthorizationCodeResult | None = None

    async def redirect(self, url: str) -> None:
        if self.handler is not None:
            returned = self.handler(url)
            if inspect.isawaitable(returned):
                returned = await returned
            if not isinstance(returned, str):
                raise MCPServerError(
                    f"MCP server '{self.server}': the authorization handler returned "
                    f"{type(returned).__name__}, not the redirect URL",
                    server=self.server,
                    hint="return the URL the authorization server redirected to (a str)",
                )
            self._result = _code_from_redirect(self.server, returned)
            return
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
        result, self._result = self._result, None
        if result is not None:
            return result
        listener, self._listener = self._listener, None
        if listener is None:
            listener = CallbackListener(self.server, self.port, timeout=self.timeout)
        return await listener.wait()


def _needs_a_person(auth: OAuthSettings) -> bool:
    """Whether these settings can only be authorized by a person in a browser."""
    if auth.authorization_handler is not None or auth.idp is not None:
        return False
    if auth.private_key is not None or auth.private_key_file is not None:
        return False
    # A client secret may be all a client-credentials-only server needs: decided later.
    return auth.client_secret is None and auth.grant != "client_credentials"


def _private_key(name: str, auth: OAuthSettings) -> str | None:
    if auth.private_key is not None:
        key = auth.private_key.get_secret_value()
    elif auth.private_key_file is not None:
        path = Path(auth.private_key_file).expanduser()
        try:
            key = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise MCPServerError(
                f"mcp.servers.{name}.auth.private_key_file: cannot read {path}: "
                f"{exc.strerror or exc}",
                server=name,
                hint="point it at the PEM file of the client's private key",
            ) from exc
    else:
        return None
    _hide(key)
    return key


def build_oauth_provider(
    name: str,
    settings: MCPServerSettings,
    *,
    interactive: bool | None = None,
    open_browser: bool | None = None,
    out: IO[str] | None = None,
    on_url: Callable[[str], Any] | None = None,
    callback_timeout: float = DEFAULT_CALLBACK_TIMEOUT,
) -> httpx2.Auth:
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
        MCPServerError: Only a person could authorize (browser flow, no
            ``authorization_handler``), none can now, and no token is stored; a bad
            ``authorization_handler`` or ``private_key_file``.
    """
    from mcp.shared.auth import OAuthClientInformationFull, OAuthClientMetadata
    from pydantic import AnyUrl

    auth = settings.auth
    if auth is None:
        raise ValueError(f"mcp.servers.{name}.auth is not set")
    if interactive is None:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    path = token_path(name, auth)
    storage = FileTokenStorage(path, server=name)
    server_url = settings.url or ""
    scope = " ".join(auth.scopes) or None
    grant = auth.grant
    key = _private_key(name, auth)
    if grant == "auto":
        grant = "jwt_bearer" if auth.idp else "client_credentials" if key else "authorization_code"
    if grant == "jwt_bearer":
        from fastagent.mcp.oauth_grants import EnterpriseAuth

        return EnterpriseAuth(name, server_url, auth, storage, path)
    if grant == "client_credentials" and key is not None:
        return _private_key_jwt_provider(name, server_url, auth, storage, key, scope)
    if grant == "client_credentials" and auth.client_secret is None:
        raise MCPServerError(
            f"MCP server '{name}': the client_credentials grant needs client credentials",
            server=name,
            hint=f"set mcp.servers.{name}.auth.client_id with client_secret or private_key",
        )
    handler = (
        load_authorization_handler(name, auth.authorization_handler)
        if auth.authorization_handler is not None
        else None
    )
    if not interactive and _needs_a_person(auth) and not storage.has_tokens():
        raise _not_authorized(name)
    port = auth.redirect_port or storage.stored_redirect_port() or _free_port()
    redirect_uri = AnyUrl(auth.redirect_uri or f"http://127.0.0.1:{port}{CALLBACK_PATH}")
    secret: str | None = None
    if auth.client_id is not None:
        secret = auth.client_secret.get_secret_value() if auth.client_secret else None
        _hide(secret)
        method = auth.token_endpoint_auth_method or storage.stored_auth_method()
        storage = FileTokenStorage(
            path,
            server=name,
            fixed_client=OAuthClientInformationFull(
                client_id=auth.client_id.get_secret_value(),
                client_secret=secret,
                redirect_uris=[redirect_uri],
                token_endpoint_auth_method=method or ("client_secret_basic" if secret else "none"),
                scope=scope,
            ),
        )
    metadata = OAuthClientMetadata(
        client_name=auth.client_name,
        redirect_uris=[redirect_uri],
        grant_types=["authorization_code", "refresh_token"],
        response_types=["code"],
        token_endpoint_auth_method=auth.token_endpoint_auth_method or "none",
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
        handler=handler,
    )
    return _code_provider_class()(
        name=name,
        auth=auth,
        file_storage=storage,
        configured_scope=scope,
        only_client_credentials=grant == "client_credentials",
        server_url=server_url,
        client_metadata=metadata,
        storage=storage,
        redirect_handler=authorizer.redirect,
        callback_handler=authorizer.callback,
        client_metadata_url=auth.client_metadata_url,
    )


def _code_provider_class() -> Callable[..., httpx2.Auth]:
    """The SDK's browser-flow provider with fastagent's choices (defined on first use)."""
    global _CODE_PROVIDER
    if _CODE_PROVIDER is not None:
        return _CODE_PROVIDER
    from mcp.client.auth import OAuthClientProvider
    from mcp.client.auth.utils import issuers_match

    from fastagent.mcp.oauth_grants import (
        choose_token_auth_method,
        client_credentials_request,
        hinted_auth_flow,
        offers_only_client_credentials,
    )

    class _Provider(OAuthClientProvider):
        def __init__(
            self,
            *,
            name: str,
            auth: OAuthSettings,
            file_storage: FileTokenStorage,
            configured_scope: str | None,
            only_client_credentials: bool,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            self._name = name
            self._auth = auth
            self._file_storage = file_storage
            self._scope = configured_scope
            self._client_credentials = only_client_credentials

        def async_auth_flow(
            self, request: httpx2.Request
        ) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
            return hinted_auth_flow(
                super().async_auth_flow(request), self._name, self._file_storage.path
            )

        # The SDK forgets when a stored token expires; without this an expired token would be
        # sent, rejected, and re-authorized in a browser instead of refreshed.
        async def _initialize(self) -> None:
            await super()._initialize()
            if self.context.current_tokens is not None:
                self.context.token_expiry_time = self._file_storage.expires_at()

        def _select_authorization_server(self, advertised: list[str]) -> str:
            issuer = self._auth.issuer
            chosen = [a for a in advertised if issuer is not None and issuers_match(a, issuer)]
            return chosen[0] if chosen else advertised[0]

        async def _perform_authorization(self) -> httpx2.Request:
            metadata = self.context.oauth_metadata
            client = self.context.client_info
            if client is not None and client is self._file_storage.fixed_client:
                # A pre-registered client authenticates as the server says it can.
                supported = metadata.token_endpoint_auth_methods_supported if metadata else None
                method = choose_token_auth_method(
                    supported,
                    has_secret=client.client_secret is not None,
                    override=self._auth.token_endpoint_auth_method,
                )
                client.token_endpoint_auth_method = method
                self._file_storage.remember_auth_method(method)
            if self._client_credentials or offers_only_client_credentials(metadata):
                return self._client_credentials_request()
            return await super()._perform_authorization()

        def _client_credentials_request(self) -> httpx2.Request:
            client = self.context.client_info
            if client is None or client is not self._file_storage.fixed_client:
                raise MCPServerError(
                    f"MCP server '{self._name}' accepts only the client_credentials grant "
                    "(no browser sign-in), and no client credentials are configured",
                    server=self._name,
                    hint=(
                        f"set mcp.servers.{self._name}.auth.client_id with client_secret "
                        "or private_key"
                    ),
                )
            issuer = self._auth.issuer
            metadata = self.context.oauth_metadata
            if issuer is not None and (
                metadata is None or not issuers_match(str(metadata.issuer), issuer)
            ):
                found = metadata.issuer if metadata is not None else "none"
                raise MCPServerError(
                    f"MCP server '{self._name}': its authorization server ({found}) is not "
                    f"the configured issuer {issuer}; the client secret was not sent",
                    server=self._name,
                    hint=f"check mcp.servers.{self._name}.auth.issuer and the server's URL",
                )
            if self._scope is not None and self.context.client_metadata.scope is None:
                self.context.client_metadata.scope = self._scope
            return client_credentials_request(self.context, self._get_token_endpoint())

        # The SDK replaces the requested scope with the one the server advertises (or none);
        # the configured scopes fill in when it advertises none.
        async def _perform_authorization_code_grant(self) -> tuple[str, str]:
            if self.context.client_metadata.scope is None and self._scope is not None:
                self.context.client_metadata.scope = self._scope
            return await super()._perform_authorization_code_grant()

    _CODE_PROVIDER = _Provider
    return _Provider


_CODE_PROVIDER: Callable[..., httpx2.Auth] | None = None


def _private_key_jwt_provider(
    name: str,
    server_url: str,
    auth: OAuthSettings,
    storage: FileTokenStorage,
    key: str,
    scope: str | None,
) -> httpx2.Auth:
    """The SDK's client-credentials provider signing a ``private_key_jwt`` assertion."""
    from mcp.client.auth.extensions.client_credentials import (
        PrivateKeyJWTOAuthProvider,
        SignedJWTParameters,
    )
    from mcp.shared.exceptions import MCPDeprecationWarning

    from fastagent.mcp.oauth_grants import hinted_auth_flow

    assert auth.client_id is not None
    client_id = auth.client_id.get_secret_value()
    assertion = SignedJWTParameters(
        issuer=client_id,
        subject=client_id,
        signing_key=key,
        signing_algorithm=auth.signing_algorithm,
    ).create_assertion_provider()

    class _Provider(PrivateKeyJWTOAuthProvider):
        def async_auth_flow(
            self, request: httpx2.Request
        ) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
            return hinted_auth_flow(super().async_auth_flow(request), name, storage.path)

        async def _initialize(self) -> None:
            await super()._initialize()
            if self.context.current_tokens is not None:
                self.context.token_expiry_time = storage.expires_at()

    with warnings.catch_warnings():
        # Without an issuer the SDK trusts the authorization server the MCP server names,
        # as the docs say; `auth.issuer` pins it.
        warnings.simplefilter("ignore", MCPDeprecationWarning)
        return _Provider(
            server_url=server_url,
            storage=storage,
            client_id=client_id,
            assertion_provider=assertion,
            scope=scope,
            issuer=auth.issuer,
        )
