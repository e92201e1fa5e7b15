"""OAuth grants beyond the browser flow, and the choices they share.

- `choose_token_auth_method`: how the client authenticates at the token endpoint, from the
  authorization server's ``token_endpoint_auth_methods_supported`` (RFC 8414: absent means
  ``client_secret_basic``) unless the config says.
- `offers_only_client_credentials` and `client_credentials_request`: the machine-to-machine
  grant with a client secret (basic or post); ``private_key_jwt`` uses the SDK's
  ``PrivateKeyJWTOAuthProvider``.
- `EnterpriseAuth`: SEP-990 enterprise-managed authorization. The user's ID token is exchanged
  at the enterprise IdP for an identity assertion grant (RFC 8693 token exchange), which the
  SDK's ``IdentityAssertionOAuthProvider`` presents to the MCP server's authorization server
  (RFC 7523 jwt-bearer grant).
- `auth_failure`: every OAuth failure as an `MCPServerError` with a hint about authorization.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2

from fastagent._redact import register_secret
from fastagent.exceptions import MCPServerError
from fastagent.logging import get_logger

if TYPE_CHECKING:
    from mcp.client.auth import TokenStorage
    from mcp.client.auth.oauth2 import OAuthContext
    from mcp.shared.auth import OAuthMetadata

    from fastagent.config.mcp_settings import IdPSettings, OAuthSettings

__all__ = [
    "TOKEN_EXCHANGE_GRANT",
    "EnterpriseAuth",
    "IdPTokenExchange",
    "auth_failure",
    "choose_token_auth_method",
    "client_credentials_request",
    "hinted_auth_flow",
    "offers_only_client_credentials",
]

TOKEN_EXCHANGE_GRANT = "urn:ietf:params:oauth:grant-type:token-exchange"
_ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
_ID_JAG_TYPE = "urn:ietf:params:oauth:token-type:id-jag"
_SECRET_METHODS = ("client_secret_basic", "client_secret_post")
_HTTP_TIMEOUT = 30.0

_log = get_logger("mcp.oauth")


def choose_token_auth_method(
    supported: Sequence[str] | None, *, has_secret: bool, override: str | None = None
) -> str:
    """The token-endpoint authentication method a client with (or without) a secret uses.

    Args:
        supported: The server's ``token_endpoint_auth_methods_supported``; None when absent,
            which RFC 8414 reads as ``client_secret_basic``.
        has_secret: Whether the client has a secret.
        override: The configured method, which wins.
    """
    if override is not None:
        return override
    if not has_secret:
        return "none"
    offered = list(supported) if supported is not None else ["client_secret_basic"]
    return next((method for method in offered if method in _SECRET_METHODS), _SECRET_METHODS[0])


def offers_only_client_credentials(metadata: OAuthMetadata | None) -> bool:
    """Whether the authorization server lists ``client_credentials`` and no browser grant."""
    grants = metadata.grant_types_supported if metadata is not None else None
    return bool(grants) and "client_credentials" in grants and "authorization_code" not in grants  # type: ignore[operator]


def client_credentials_request(context: OAuthContext, token_endpoint: str) -> httpx2.Request:
    """The client-credentials token request of the client in `context` (secret basic/post)."""
    import httpx2

    data: dict[str, str] = {"grant_type": "client_credentials"}
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    data, headers = context.prepare_token_auth(data, headers)
    if context.should_include_resource_param(context.protocol_version):
        data["resource"] = context.get_resource_url()
    if context.client_metadata.scope:
        data["scope"] = context.client_metadata.scope
    return httpx2.Request("POST", token_endpoint, data=data, headers=headers)


def auth_failure(server: str, exc: BaseException, token_file: Path | None) -> MCPServerError:
    """An OAuth failure of `server` as a one-line error with a hint about authorization."""
    if isinstance(exc, MCPServerError):
        return exc
    reason = " ".join(str(exc).split()) or type(exc).__name__
    forget = f"; to start afresh delete {token_file}" if token_file is not None else ""
    return MCPServerError(
        f"MCP server '{server}': OAuth authorization failed: {reason}",
        server=server,
        hint=(
            f"check mcp.servers.{server}.auth (client_id, client_secret, scopes, grant) "
            f"against what the server's authorization server accepts{forget}"
        ),
    )


async def hinted_auth_flow(
    flow: AsyncGenerator[httpx2.Request, httpx2.Response],
    server: str,
    token_file: Path | None,
) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
    """Drive an ``httpx2.Auth`` flow, turning its OAuth failures into `auth_failure` errors."""
    from mcp.client.auth import OAuthFlowError
    from pydantic import ValidationError

    try:
        outgoing = await flow.__anext__()
        while True:
            response = yield outgoing
            outgoing = await flow.asend(response)
    except StopAsyncIteration:
        return
    except (OAuthFlowError, ValidationError) as exc:
        raise auth_failure(server, exc, token_file) from exc
    finally:
        await flow.aclose()


class IdPTokenExchange:
    """Leg 1 of SEP-990: the ID token becomes an identity assertion grant (ID-JAG) at the IdP.

    An instance is the ``assertion_provider`` of the SDK's ``IdentityAssertionOAuthProvider``.

    Args:
        server: The MCP server's configured name (for messages).
        idp: The IdP settings.
        scopes: Scopes to ask for.
    """

    def __init__(self, server: str, idp: IdPSettings, scopes: Sequence[str] = ()) -> None:
        self.server = server
        self.idp = idp
        self.scopes = list(scopes)
        register_secret(idp.id_token.get_secret_value())
        if idp.client_secret is not None:
            register_secret(idp.client_secret.get_secret_value())

    async def __call__(self, audience: str, resource: str) -> str:
        """Exchange the ID token for an ID-JAG for `audience` (the MCP authorization server)."""
        import httpx

        data = {
            "grant_type": TOKEN_EXCHANGE_GRANT,
            "requested_token_type": _ID_JAG_TYPE,
            "subject_token": self.idp.id_token.get_secret_value(),
            "subject_token_type": _ID_TOKEN_TYPE,
            "audience": audience,
            "resource": resource,
        }
        if self.scopes:
            data["scope"] = " ".join(self.scopes)
        auth: httpx.Auth | None = None
        if self.idp.client_secret is not None and self.idp.client_id is not None:
            auth = httpx.BasicAuth(self.idp.client_id, self.idp.client_secret.get_secret_value())
        elif self.idp.client_id is not None:
            data["client_id"] = self.idp.client_id
        try:
            async with httpx.AsyncClient(timeout=_HTTP_TIMEOUT, auth=auth) as client:
                response = await client.post(self.idp.token_endpoint, data=data)
        except httpx.HTTPError as exc:
            raise self._error(f"cannot reach the identity provider: {exc}") from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code != 200 or not isinstance(body, dict):
            detail = body.get("error_description") or body.get("error") if body else None
            raise self._error(
                f"the identity provider refused the token exchange "
                f"(HTTP {response.status_code}{': ' + str(detail) if detail else ''})"
            )
        assertion = body.get("access_token")
        if not isinstance(assertion, str) or body.get("issued_token_type") not in (
            None,
            _ID_JAG_TYPE,
        ):
            raise self._error("the identity provider's answer holds no ID-JAG")
        register_secret(assertion)
        return assertion

    def _error(self, reason: str) -> MCPServerError:
        return MCPServerError(
            f"MCP server '{self.server}': enterprise authorization failed: {reason}",
            server=self.server,
            hint=(
                f"check mcp.servers.{self.server}.auth.idp (token_endpoint, client_id) and "
                "that the ID token has not expired"
            ),
        )


class EnterpriseAuth(httpx2.Auth):
    """The ``httpx2.Auth`` of SEP-990 enterprise-managed authorization for one server.

    On the first 401 it learns the authorization server (``auth.issuer``, else the one the MCP
    server's protected-resource metadata names) and its token-endpoint authentication method,
    then hands over to the SDK's ``IdentityAssertionOAuthProvider``.

    Args:
        server: The server's configured name.
        server_url: Its URL.
        auth: Its ``auth`` settings (``idp``, ``client_id`` and ``client_secret`` set).
        storage: Where tokens are kept.
        token_file: The token file (for messages).
    """

    requires_response_body = True

    def __init__(
        self,
        server: str,
        server_url: str,
        auth: OAuthSettings,
        storage: TokenStorage,
        token_file: Path | None = None,
    ) -> None:
        if auth.idp is None or auth.client_id is None or auth.client_secret is None:
            raise ValueError("EnterpriseAuth needs auth.idp, auth.client_id and auth.client_secret")
        self.server = server
        self.server_url = server_url
        self.auth = auth
        self.storage = storage
        self.token_file = token_file
        self.exchange = IdPTokenExchange(server, auth.idp, auth.scopes)
        register_secret(auth.client_secret.get_secret_value())
        self._inner: httpx2.Auth | None = None

    def async_auth_flow(
        self, request: httpx2.Request
    ) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        """Authorize `request` (see the class docs)."""
        return hinted_auth_flow(self._flow(request), self.server, self.token_file)

    async def _flow(
        self, request: httpx2.Request
    ) -> AsyncGenerator[httpx2.Request, httpx2.Response]:
        from mcp.client.auth import OAuthFlowError
        from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider
        from mcp.client.auth.utils import (
            build_oauth_authorization_server_metadata_discovery_urls,
            build_protected_resource_metadata_discovery_urls,
            create_oauth_metadata_request,
            extract_resource_metadata_from_www_auth,
            handle_auth_metadata_response,
            handle_protected_resource_response,
        )
        from mcp.shared.auth_utils import check_resource_allowed, resource_url_from_server_url

        if self._inner is None:
            response = yield request
            if response.status_code not in (401, 403):
                return
            issuer = self.auth.issuer
            if issuer is None:
                urls = build_protected_resource_metadata_discovery_urls(
                    extract_resource_metadata_from_www_auth(response), self.server_url
                )
                for url in urls:
                    prm = await handle_protected_resource_response(
                        (yield create_oauth_metadata_request(url))
                    )
                    if prm is None or not prm.authorization_servers:
                        continue
                    own = resource_url_from_server_url(self.server_url)
                    if prm.resource and not check_resource_allowed(own, str(prm.resource)):
                        raise OAuthFlowError(
                            f"protected resource {prm.resource} does not match {own}"
                        )
                    issuer = str(prm.authorization_servers[0])
                    break
                if issuer is None:
                    raise OAuthFlowError(
                        "the server names no authorization server (no protected-resource "
                        "metadata); set auth.issuer"
                    )
                _log.info("MCP server '%s': authorization server %s", self.server, issuer)
            method: str | None = self.auth.token_endpoint_auth_method
            if method is None:
                supported: list[str] | None = None
                for url in build_oauth_authorization_server_metadata_discovery_urls(issuer, issuer):
                    ok, metadata = await handle_auth_metadata_response(
                        (yield create_oauth_metadata_request(url))
                    )
                    if not ok:
                        break
                    if metadata is not None:
                        supported = metadata.token_endpoint_auth_methods_supported
                        break
                method = choose_token_auth_method(supported, has_secret=True)
            if method not in _SECRET_METHODS:
                raise OAuthFlowError(
                    f"the jwt-bearer grant needs client_secret_basic or client_secret_post, "
                    f"not {method}"
                )
            assert self.auth.client_id is not None and self.auth.client_secret is not None
            self._inner = IdentityAssertionOAuthProvider(
                server_url=self.server_url,
                storage=self.storage,
                client_id=self.auth.client_id.get_secret_value(),
                client_secret=self.auth.client_secret.get_secret_value(),
                issuer=issuer,
                assertion_provider=self.exchange,
                scope=" ".join(self.auth.scopes) or None,
                token_endpoint_auth_method=method,  # type: ignore[arg-type]
            )
        inner = self._inner.async_auth_flow(request)
        try:
            outgoing = await inner.__anext__()
            while True:
                outgoing = await inner.asend((yield outgoing))
        except StopAsyncIteration:
            return
        finally:
            await inner.aclose()
