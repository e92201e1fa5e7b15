"""Settings of MCP servers (``mcp.servers.<name>``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    field_serializer,
    field_validator,
    model_validator,
)

__all__ = [
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_TOOL_TIMEOUT",
    "ElicitationSettings",
    "Grant",
    "IdPSettings",
    "MCPRootSettings",
    "MCPServerSettings",
    "MCPSettings",
    "OAuthSettings",
    "SamplingSettings",
    "TokenEndpointAuthMethod",
    "Transport",
]

Transport = Literal["stdio", "http", "sse"]

DEFAULT_REQUEST_TIMEOUT = 60.0
"""Seconds a server gets to answer one request (not a tool call) unless configured."""

DEFAULT_TOOL_TIMEOUT = 600.0
"""Seconds a tool call may take unless configured."""


def _as_text(value: Any) -> Any:
    """Turn a YAML scalar into the string a process or HTTP header expects."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return value


class MCPRootSettings(BaseModel):
    """A filesystem root offered to the server (MCP roots).

    Attributes:
        uri: The root's URI, e.g. ``file:///home/me/project``.
        name: A human-readable name.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    uri: str
    name: str | None = None


class SamplingSettings(BaseModel):
    """How the server's sampling requests (it asks us to call a model) are answered.

    Attributes:
        model: The model that answers; None means the agent's own model.
        enabled: Whether sampling requests are answered at all.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    model: str | None = None
    enabled: bool = True


class ElicitationSettings(BaseModel):
    """How the server's elicitation requests (it asks the user for input) are answered.

    Attributes:
        mode: ``prompt`` asks the user in the terminal, ``decline`` always declines, and
            ``auto`` prompts when a terminal is attached and declines otherwise.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    mode: Literal["auto", "decline", "prompt"] = "auto"


Grant = Literal["auto", "authorization_code", "client_credentials", "jwt_bearer"]
TokenEndpointAuthMethod = Literal["client_secret_basic", "client_secret_post", "none"]


class IdPSettings(BaseModel):
    """The enterprise identity provider of SEP-990 (enterprise-managed authorization).

    fastagent exchanges the user's ID token there (RFC 8693 token exchange) for an identity
    assertion grant (ID-JAG), then presents it to the MCP server's authorization server (RFC
    7523 jwt-bearer grant) for an access token: no browser, no consent screen.

    Attributes:
        token_endpoint: The IdP's token endpoint.
        id_token: The user's OpenID Connect ID token from the IdP (e.g. ``${IDP_ID_TOKEN}``).
        client_id: This client's id at the IdP.
        client_secret: This client's secret at the IdP (sent with HTTP Basic), if it has one.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    token_endpoint: str
    id_token: SecretStr
    client_id: str | None = None
    client_secret: SecretStr | None = None


class OAuthSettings(BaseModel):
    """OAuth 2.1 authorization (PKCE, metadata discovery) for an HTTP or SSE server.

    Tokens and the client registration are kept per server in
    ``$XDG_CONFIG_HOME/fastagent/tokens/<server>.json`` (or ``token_dir``), mode 0600.

    Attributes:
        type: Always ``oauth``.
        grant: How to get a token. ``auto``: ``jwt_bearer`` when `idp` is set,
            ``client_credentials`` when `private_key` is set or the authorization server
            offers only that grant, else ``authorization_code`` (a person approves in a
            browser, or `authorization_handler` drives it).
        client_name: The name the client registers under (shown on the consent page).
        scopes: Scopes to request; empty means the ones the server advertises.
        redirect_port: Local port of the redirect listener on 127.0.0.1; None picks a free one
            (and reuses the port of an earlier registration).
        redirect_uri: The redirect URI to register and send instead of the local listener's
            (with `authorization_handler`, e.g. a web app's own callback URL).
        authorization_handler: Drives the authorization step without a terminal: a callable
            (or ``"module:function"``) given the authorization URL that returns the URL the
            browser was redirected to (with ``code`` and ``state``); sync or async.
        client_id: A pre-registered client's id; None registers dynamically.
        client_secret: A pre-registered client's secret (confidential clients).
        client_metadata_url: An https URL of this client's metadata document, used as its
            client id where the authorization server supports Client ID Metadata Documents
            (instead of registering).
        token_endpoint_auth_method: How the client authenticates at the token endpoint; None
            picks from the server's ``token_endpoint_auth_methods_supported`` (RFC 8414's
            default when absent: ``client_secret_basic``).
        private_key: PEM private key for ``private_key_jwt`` client authentication
            (client credentials grant); `client_id` is its issuer and subject.
        private_key_file: A file holding that key instead.
        signing_algorithm: The JWS algorithm of the client assertion (e.g. RS256, ES256).
        issuer: The issuer of the authorization server the client credentials belong to; when
            set, they are sent only there. None trusts the one the MCP server names.
        idp: The enterprise identity provider (``jwt_bearer``, SEP-990).
        token_dir: Folder of the token files instead of the default.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    type: Literal["oauth"] = "oauth"
    grant: Grant = "auto"
    client_name: str = "fastagent"
    scopes: list[str] = Field(default_factory=list)
    redirect_port: int | None = Field(default=None, ge=1, le=65535)
    redirect_uri: str | None = None
    authorization_handler: str | Callable[[str], Any] | None = None
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    client_metadata_url: str | None = None
    token_endpoint_auth_method: TokenEndpointAuthMethod | None = None
    private_key: SecretStr | None = None
    private_key_file: str | None = None
    signing_algorithm: str = "RS256"
    issuer: str | None = None
    idp: IdPSettings | None = None
    token_dir: str | None = None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value

    @field_validator("client_metadata_url")
    @classmethod
    def _metadata_url_is_https_with_path(cls, value: str | None) -> str | None:
        if value is not None:
            parts = urlsplit(value)
            if parts.scheme != "https" or parts.path in ("", "/"):
                raise ValueError("must be an https URL with a path (the metadata document)")
        return value

    @field_serializer("authorization_handler")
    def _handler_name(self, value: str | Callable[[str], Any] | None) -> str | None:
        if value is None or isinstance(value, str):
            return value
        return f"{getattr(value, '__module__', '?')}:{getattr(value, '__qualname__', value)}"

    @model_validator(mode="after")
    def _check_combinations(self) -> OAuthSettings:
        if self.client_secret is not None and self.client_id is None:
            raise ValueError("client_secret needs client_id (the pre-registered client's id)")
        if self.private_key is not None and self.private_key_file is not None:
            raise ValueError("set private_key or private_key_file, not both")
        has_key = self.private_key is not None or self.private_key_file is not None
        if has_key and self.client_id is None:
            raise ValueError("private_key needs client_id (the assertion's issuer and subject)")
        if self.redirect_uri is not None and self.authorization_handler is None:
            raise ValueError(
                "redirect_uri needs authorization_handler (who receives that redirect); "
                "without one, set redirect_port for the local listener"
            )
        if self.grant == "jwt_bearer" and self.idp is None:
            raise ValueError("grant jwt_bearer needs idp (the identity provider's settings)")
        if self.idp is not None and self.client_secret is None:
            raise ValueError(
                "idp (enterprise-managed authorization) needs client_id and client_secret "
                "of this client at the MCP server's authorization server"
            )
        return self


class MCPServerSettings(BaseModel):
    """One MCP server.

    ``transport`` may be omitted: a server with a ``url`` is ``http``, otherwise ``stdio``.
    A stdio server needs ``command``; an http or sse server needs ``url``.

    Attributes:
        transport: How to talk to the server.
        command: The program to start (stdio).
        args: Its arguments (stdio).
        env: Extra environment variables for the process (stdio).
        cwd: Working directory of the process (stdio).
        url: The server's endpoint (http, sse).
        headers: HTTP headers sent with every request (http, sse).
        init_timeout: Seconds allowed for start-up and the initialize handshake; the time a
            person takes to authorize in a browser (OAuth) does not count.
        request_timeout: Seconds allowed for one request other than a tool call (``tools/list``,
            ``ping``, prompts, resources, ...); None (``null``) means no limit.
        tool_timeout: Seconds allowed for one tool call; None (``null``) means no limit. Time
            spent waiting on the user (an elicitation the server asked for) does not count.
        roots: Roots offered to the server.
        sampling: How sampling requests are answered.
        elicitation: How elicitation requests are answered.
        load_on_start: Connect when the app starts rather than on first use.
        include_tools: Glob patterns; when given, only matching tools are exposed.
        exclude_tools: Glob patterns of tools never exposed.
        reconnect: Restart/reconnect the server after it fails.
        approve: Whether its tools need the user's approval: ``always`` (no), ``never``
            (refused), ``ask``, or tool glob patterns to those (an agent's own ``approve``
            rules win).
        optional: A failure to start is a warning naming the server (and its stderr), not
            an error: the agents run without its tools (``/servers`` can reconnect it).
        ping_interval: Seconds between keep-alive pings; None disables pings.
        auth: OAuth 2.1 authorization (http, sse); None sends only the static headers.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    transport: Transport = "stdio"
    command: str | None = None
    args: list[str] = Field(default_factory=list)
    env: dict[str, str] = Field(default_factory=dict)
    cwd: str | None = None
    url: str | None = None
    headers: dict[str, str] = Field(default_factory=dict)
    init_timeout: float = Field(default=30.0, gt=0)
    request_timeout: float | None = Field(default=DEFAULT_REQUEST_TIMEOUT, gt=0)
    tool_timeout: float | None = Field(default=DEFAULT_TOOL_TIMEOUT, gt=0)
    roots: list[MCPRootSettings] = Field(default_factory=list)
    sampling: SamplingSettings = Field(default_factory=SamplingSettings)
    elicitation: ElicitationSettings = Field(default_factory=ElicitationSettings)
    load_on_start: bool = True
    include_tools: list[str] = Field(default_factory=list)
    exclude_tools: list[str] = Field(default_factory=list)
    reconnect: bool = False
    optional: bool = False
    approve: Literal["always", "never", "ask"] | dict[str, Literal["always", "never", "ask"]] = (
        "always"
    )
    ping_interval: float | None = Field(default=None, gt=0)
    auth: OAuthSettings | None = None

    @model_validator(mode="before")
    @classmethod
    def _drop_null_transport(cls, data: Any) -> Any:
        if isinstance(data, dict) and "transport" in data and data["transport"] is None:
            data = {k: v for k, v in data.items() if k != "transport"}
        return data

    @field_validator("args", mode="before")
    @classmethod
    def _args_as_text(cls, value: Any) -> Any:
        return [_as_text(item) for item in value] if isinstance(value, list) else value

    @field_validator("env", "headers", mode="before")
    @classmethod
    def _values_as_text(cls, value: Any) -> Any:
        if isinstance(value, dict):
            return {key: _as_text(item) for key, item in value.items()}
        return value

    @model_validator(mode="after")
    def _check_transport_fields(self) -> MCPServerSettings:
        if "transport" not in self.model_fields_set and self.url:
            # Inferred, not written: kept out of model_fields_set so the client may still
            # fall back from streamable HTTP to legacy SSE.
            object.__setattr__(self, "transport", "http")
        if self.transport == "stdio" and not self.command:
            raise ValueError(
                "a stdio server needs 'command' (the program to start); "
                "set command, or set url for an HTTP server"
            )
        if self.transport in ("http", "sse") and not self.url:
            raise ValueError(
                f"an {self.transport} server needs 'url'; set url, "
                "or set command (transport: stdio) to start a local server"
            )
        if self.auth is not None and self.transport == "stdio":
            raise ValueError("'auth' (OAuth) applies to http and sse servers only; remove it")
        return self


class MCPSettings(BaseModel):
    """The MCP section.

    Attributes:
        servers: Servers by name; the name prefixes their tools (``name__tool``).
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    servers: dict[str, MCPServerSettings] = Field(default_factory=dict)
