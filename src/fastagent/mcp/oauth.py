"""OAuth 2.1 for HTTP MCP servers, on top of the MCP SDK's OAuth providers.

The SDK does discovery (protected-resource and authorization-server metadata), dynamic client
registration, Client ID Metadata Documents, PKCE, scope selection and step-up, the token
exchange and refresh. `build_oauth_provider` turns a server's ``auth`` settings into the
``httpx2.Auth`` its streamable HTTP / SSE client sends requests through, for the configured
(or chosen) grant, with what the SDK leaves to the host:

- token storage (`fastagent.mcp.oauth_storage`);
- the authorization step: a terminal and a browser, or a headless ``authorization_handler``
  (`fastagent.mcp.oauth_redirect`);
- the token-endpoint authentication method chosen from the server's metadata, the
  client-credentials grant for servers that offer only it, and SEP-990 enterprise grants
  (`fastagent.mcp.oauth_grants`);
- OAuth failures as `MCPServerError` with an authorization hint.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import AsyncGenerator, Callable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from fastagent.exceptions import MCPServerError
from fastagent.mcp.oauth_redirect import (
    CALLBACK_PATH,
    DEFAULT_CALLBACK_TIMEOUT,
    AuthorizationHandler,
    Authorizer,
    CallbackListener,
    free_port,
    load_authorization_handler,
    not_authorized,
)
from fastagent.mcp.oauth_storage import (
    FileTokenStorage,
    default_token_dir,
    hide_secrets,
    token_path,
)

if TYPE_CHECKING:
    import httpx2

    from fastagent.config.mcp_settings import MCPServerSettings, OAuthSettings
    from fastagent.events import EventBus

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
    hide_secrets(key)
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
    events: EventBus | None = None,
    on_wait: Callable[[bool], object] | None = None,
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
        events: Where the wait for the browser is announced (`UserInputRequested` /
            `UserInputFinished`, kind ``authorization``) so a live display pauses while
            the URL is on screen.
        on_wait: Called with True when the wait for the person in the browser starts, and
            with False when it ends (a connection stops its start-up timeout meanwhile).

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
        raise not_authorized(name)
    port = auth.redirect_port or storage.stored_redirect_port() or free_port()
    redirect_uri = AnyUrl(auth.redirect_uri or f"http://127.0.0.1:{port}{CALLBACK_PATH}")
    secret: str | None = None
    if auth.client_id is not None:
        secret = auth.client_secret.get_secret_value() if auth.client_secret else None
        hide_secrets(secret)
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
    authorizer = Authorizer(
        name,
        port,
        interactive=interactive,
        open_browser=interactive if open_browser is None else open_browser,
        timeout=callback_timeout,
        out=out,
        on_url=on_url,
        handler=handler,
        events=events,
        on_wait=on_wait,
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
            only_client_credentials = offers_only_client_credentials(metadata)
            if only_client_credentials and self._auth.grant == "authorization_code":
                raise MCPServerError(
                    f"MCP server '{self._name}' accepts only the client_credentials grant, "
                    f"but mcp.servers.{self._name}.auth.grant is authorization_code",
                    server=self._name,
                    hint=(
                        f"set mcp.servers.{self._name}.auth.grant to auto or "
                        "client_credentials, with client_id and client_secret or private_key"
                    ),
                )
            if self._client_credentials or only_client_credentials:
                # Never a browser for a machine-to-machine server.
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
