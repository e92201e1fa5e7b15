"""The settings tree: providers, logging, model aliases and the root `Settings` model.

Every model forbids unknown keys, so a typo in `fastagent.yaml` is reported (with a suggestion)
instead of being silently ignored. MCP server settings live in `mcp_settings`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr

from fastagent.config.mcp_settings import MCPSettings
from fastagent.provider_defaults import PROVIDER_DEFAULTS

__all__ = [
    "AnthropicSettings",
    "GenericSettings",
    "LoggerSettings",
    "OpenAISettings",
    "ProviderSettings",
    "Settings",
]

DEFAULT_GENERIC_BASE_URL = PROVIDER_DEFAULTS["generic"].base_url


class ProviderSettings(BaseModel):
    """Settings shared by every model provider.

    Attributes:
        api_key: The provider's API key; when unset, the provider's conventional environment
            variable (e.g. ``ANTHROPIC_API_KEY``) fills it at load time.
        base_url: Endpoint override; None means the SDK's default endpoint.
        timeout: Seconds to wait for one model call.
        max_retries: Retries for retryable failures (429, 5xx, connection errors).
        max_concurrent: At most this many calls in flight at once; None means no limit.
        requests_per_minute: Client-side request rate limit; None means no limit.
        tokens_per_minute: Client-side token rate limit; None means no limit.
        default_headers: Extra HTTP headers sent with every request.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    api_key: SecretStr | None = None
    base_url: str | None = None
    timeout: float = Field(default=60.0, gt=0)
    max_retries: int = Field(default=3, ge=0)
    max_concurrent: int | None = Field(default=None, ge=1)
    requests_per_minute: int | None = Field(default=None, ge=1)
    tokens_per_minute: int | None = Field(default=None, ge=1)
    default_headers: dict[str, str] = Field(default_factory=dict)


class AnthropicSettings(ProviderSettings):
    """Settings of the Anthropic provider (API key variable ``ANTHROPIC_API_KEY``)."""


class OpenAISettings(ProviderSettings):
    """Settings of the OpenAI provider (API key variable ``OPENAI_API_KEY``)."""


class GenericSettings(ProviderSettings):
    """Settings of an OpenAI-compatible server (API key variable ``GENERIC_API_KEY``).

    Attributes:
        base_url: The server's OpenAI-compatible endpoint; defaults to a local Ollama.
    """

    base_url: str | None = DEFAULT_GENERIC_BASE_URL


class LoggerSettings(BaseModel):
    """Logging and terminal display.

    Attributes:
        level: Lowest level that is logged.
        type: Where log records go: the console, a JSONL file, or nowhere.
        path: The JSONL file when ``type`` is ``file``.
        show_chat: Print assistant and user messages in the terminal.
        show_tools: Print tool calls and their results in the terminal.
        progress_display: Show the live progress display.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    level: Literal["debug", "info", "warning", "error"] = "warning"
    type: Literal["console", "file", "none"] = "console"
    path: str = "fastagent.jsonl"
    show_chat: bool = True
    show_tools: bool = True
    progress_display: bool = True


class Settings(BaseModel):
    """The whole configuration of a fastagent app.

    Attributes:
        default_model: Model used by agents that name none (a model string or an alias).
        model_aliases: Extra aliases, alias -> model string (``fast: anthropic.claude-haiku``).
        anthropic: The Anthropic provider.
        openai: The OpenAI provider.
        generic: The default OpenAI-compatible provider.
        providers: Named OpenAI-compatible presets (``providers.ollama.base_url``).
        mcp: MCP servers.
        logger: Logging and terminal display.
        agents: Agent declarations. A loose mapping for now; its schema arrives with YAML
            agent declarations, and until then its contents are not validated.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    default_model: str | None = None
    model_aliases: dict[str, str] = Field(default_factory=dict)
    anthropic: AnthropicSettings = Field(default_factory=AnthropicSettings)
    openai: OpenAISettings = Field(default_factory=OpenAISettings)
    generic: GenericSettings = Field(default_factory=GenericSettings)
    providers: dict[str, GenericSettings] = Field(default_factory=dict)
    mcp: MCPSettings = Field(default_factory=MCPSettings)
    logger: LoggerSettings = Field(default_factory=LoggerSettings)
    agents: dict[str, Any] = Field(default_factory=dict)
