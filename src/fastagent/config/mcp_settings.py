"""Settings of MCP servers (``mcp.servers.<name>``)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

__all__ = [
    "DEFAULT_REQUEST_TIMEOUT",
    "DEFAULT_TOOL_TIMEOUT",
    "ElicitationSettings",
    "MCPRootSettings",
    "MCPServerSettings",
    "MCPSettings",
    "OAuthSettings",
    "SamplingSettings",
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


class OAuthSettings(BaseModel):
    """OAuth 2.1 authorization (PKCE, metadata discovery) for an HTTP or SSE server.

    Tokens and the client registration are kept per server in
    ``$XDG_CONFIG_HOME/fastagent/tokens/<server>.json`` (or ``token_dir``), mode 0600.

    Attributes:
        type: Always ``oauth``.
        client_name: The name the client registers under (shown on the consent page).
        scopes: Scopes to request; empty means the ones the server advertises.
        redirect_port: Local port of the redirect listener on 127.0.0.1; None picks a free one
            (and reuses the port of an earlier registration).
        client_id: A pre-registered client's id; None registers dynamically.
        client_secret: A pre-registered client's secret (confidential clients).
        token_dir: Folder of the token files instead of the default.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    type: Literal["oauth"] = "oauth"
    client_name: str = "fastagent"
    scopes: list[str] = Field(default_factory=list)
    redirect_port: int | None = Field(default=None, ge=1, le=65535)
    client_id: SecretStr | None = None
    client_secret: SecretStr | None = None
    token_dir: str | None = None

    @field_validator("scopes", mode="before")
    @classmethod
    def _split_scopes(cls, value: Any) -> Any:
        return value.split() if isinstance(value, str) else value

    @model_validator(mode="after")
    def _secret_needs_id(self) -> OAuthSettings:
        if self.client_secret is not None and self.client_id is None:
            raise ValueError("client_secret needs client_id (the pre-registered client's id)")
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
        init_timeout: Seconds allowed for start-up and the initialize handshake.
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
