"""Where OAuth tokens live: one JSON file per server, mode 0600 (the SDK's ``TokenStorage``)."""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from fastagent._redact import register_secret
from fastagent.exceptions import MCPServerError

if TYPE_CHECKING:
    from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

    from fastagent.config.mcp_settings import OAuthSettings

__all__ = ["FileTokenStorage", "default_token_dir", "hide_secrets", "token_path"]


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
        hide_secrets(tokens.access_token, tokens.refresh_token)
        return tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        """Store `tokens` (and when the access token expires)."""
        hide_secrets(tokens.access_token, tokens.refresh_token)
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
        hide_secrets(client.client_secret)
        return client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        """Store the client registration."""
        hide_secrets(client_info.client_secret)
        self._update("client_info", client_info.model_dump(mode="json", exclude_none=True))


def hide_secrets(*values: str | None) -> None:
    """Register each non-empty value as a secret (logs and errors show ``***``)."""
    for value in values:
        if value:
            register_secret(value)
