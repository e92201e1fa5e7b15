"""An MCP server behind OAuth 2.1 (SDK auth routes, in-memory provider that auto-approves).

Usage: ``python oauth_server.py PORT``. Serves streamable HTTP at ``/mcp``; the authorization
server (metadata, /register, /authorize, /token) shares the origin. ``whoami`` returns the
client id of the token it was called with.
"""

from __future__ import annotations

import secrets
import sys
import time
from typing import Any


def main(port: int) -> None:
    from mcp.server.auth.middleware.auth_context import get_access_token
    from mcp.server.auth.provider import (
        AccessToken,
        AuthorizationCode,
        AuthorizationParams,
        RefreshToken,
        construct_redirect_uri,
    )
    from mcp.server.auth.settings import AuthSettings, ClientRegistrationOptions
    from mcp.server.mcpserver import MCPServer
    from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

    class MemoryProvider:
        def __init__(self) -> None:
            self.clients: dict[str, OAuthClientInformationFull] = {}
            self.codes: dict[str, AuthorizationCode] = {}
            self.access: dict[str, AccessToken] = {}
            self.refresh: dict[str, RefreshToken] = {}

        async def get_client(self, client_id: str) -> OAuthClientInformationFull | None:
            return self.clients.get(client_id)

        async def register_client(self, client_info: OAuthClientInformationFull) -> None:
            self.clients[client_info.client_id] = client_info

        async def authorize(
            self, client: OAuthClientInformationFull, params: AuthorizationParams
        ) -> str:
            code = secrets.token_urlsafe(16)
            self.codes[code] = AuthorizationCode(
                code=code,
                scopes=params.scopes or [],
                expires_at=time.time() + 300,
                client_id=client.client_id,
                code_challenge=params.code_challenge,
                redirect_uri=params.redirect_uri,
                redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly,
                resource=params.resource,
            )
            return construct_redirect_uri(str(params.redirect_uri), code=code, state=params.state)

        async def load_authorization_code(
            self, client: OAuthClientInformationFull, authorization_code: str
        ) -> AuthorizationCode | None:
            return self.codes.get(authorization_code)

        def _issue(self, client_id: str, scopes: list[str], resource: str | None) -> OAuthToken:
            access, refresh = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
            self.access[access] = AccessToken(
                token=access,
                client_id=client_id,
                scopes=scopes,
                expires_at=int(time.time()) + 3600,
                resource=resource,
            )
            self.refresh[refresh] = RefreshToken(token=refresh, client_id=client_id, scopes=scopes)
            return OAuthToken(
                access_token=access,
                expires_in=3600,
                refresh_token=refresh,
                scope=" ".join(scopes) or None,
            )

        async def exchange_authorization_code(
            self, client: OAuthClientInformationFull, authorization_code: AuthorizationCode
        ) -> OAuthToken:
            self.codes.pop(authorization_code.code, None)
            return self._issue(
                client.client_id, authorization_code.scopes, authorization_code.resource
            )

        async def load_refresh_token(
            self, client: OAuthClientInformationFull, refresh_token: str
        ) -> RefreshToken | None:
            return self.refresh.get(refresh_token)

        async def exchange_refresh_token(
            self, client: OAuthClientInformationFull, refresh_token: RefreshToken, scopes: list[str]
        ) -> OAuthToken:
            self.refresh.pop(refresh_token.token, None)
            return self._issue(client.client_id, scopes or refresh_token.scopes, None)

        async def load_access_token(self, token: str) -> AccessToken | None:
            return self.access.get(token)

        async def revoke_token(self, token: Any) -> None:
            self.access.pop(getattr(token, "token", ""), None)

    base = f"http://127.0.0.1:{port}"
    server = MCPServer(
        "guarded",
        auth_server_provider=MemoryProvider(),
        auth=AuthSettings(
            issuer_url=base,
            resource_server_url=f"{base}/mcp",
            client_registration_options=ClientRegistrationOptions(
                enabled=True, valid_scopes=["tools"], default_scopes=["tools"]
            ),
            required_scopes=["tools"],
            validate_token_resource=False,
        ),
    )

    @server.tool()
    def whoami() -> str:
        """The client id of the caller's token."""
        token = get_access_token()
        return f"client: {token.client_id if token else 'anonymous'}"

    server.run("streamable-http", host="127.0.0.1", port=port)


if __name__ == "__main__":
    main(int(sys.argv[1]))
