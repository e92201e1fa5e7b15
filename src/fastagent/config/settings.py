"""The settings tree: providers, logging, model aliases and the root `Settings` model.

Every model forbids unknown keys, so a typo in `fastagent.yaml` is reported (with a suggestion)
instead of being silently ignored. MCP server settings live in `mcp_settings`.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from fastagent.config.durable_settings import DurableSettings
from fastagent.config.mcp_settings import MCPSettings
from fastagent.provider_defaults import PROVIDER_DEFAULTS

__all__ = [
    "AnthropicSettings",
    "AzureSettings",
    "BedrockSettings",
    "GenericSettings",
    "GoogleSettings",
    "LoggerSettings",
    "OTelSettings",
    "OpenAISettings",
    "ProviderSettings",
    "ServeSettings",
    "SessionSettings",
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


class GoogleSettings(ProviderSettings):
    """Settings of the Google Gemini provider (``GEMINI_API_KEY`` or ``GOOGLE_API_KEY``).

    Attributes:
        vertexai: Call Vertex AI instead of the Gemini API (else ``GOOGLE_GENAI_USE_VERTEXAI``).
        project: The Google Cloud project for Vertex AI (else ``GOOGLE_CLOUD_PROJECT``);
            with a project, Vertex AI uses application-default credentials, not the API key.
        location: The Vertex AI region, e.g. ``us-central1`` (else ``GOOGLE_CLOUD_LOCATION``).
    """

    vertexai: bool | None = None
    project: str | None = None
    location: str | None = None


class BedrockSettings(ProviderSettings):
    """Settings of the AWS Bedrock provider (credentials from the standard AWS chain).

    ``api_key`` is not used: boto3 finds credentials in ``AWS_ACCESS_KEY_ID`` /
    ``AWS_SECRET_ACCESS_KEY``, the profile, SSO, or the instance role. ``base_url`` sets the
    endpoint URL (e.g. a VPC endpoint).

    Attributes:
        region: The AWS region, e.g. ``us-east-1`` (else ``AWS_REGION`` /
            ``AWS_DEFAULT_REGION`` or the profile's region).
        profile: A named profile of ``~/.aws/config`` (else ``AWS_PROFILE``).
    """

    region: str | None = None
    profile: str | None = None


class AzureSettings(ProviderSettings):
    """Settings of Azure OpenAI (API key variable ``AZURE_OPENAI_API_KEY``).

    Attributes:
        endpoint: The resource endpoint, ``https://<resource>.openai.azure.com``; when unset,
            ``AZURE_OPENAI_ENDPOINT``.
        api_version: The ``api-version`` query parameter; when unset, ``OPENAI_API_VERSION``,
            else fastagent's default (see docs/providers/azure.md).
        entra_id: Sign in with Microsoft Entra ID (``azure-identity``'s
            ``DefaultAzureCredential``) instead of an API key.
    """

    endpoint: str | None = None
    api_version: str | None = None
    entra_id: bool = False


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


class OTelSettings(BaseModel):
    """OpenTelemetry traces (docs/observability.md; needs the ``fastagent[otel]`` extra).

    Unset values fall back to the standard ``OTEL_EXPORTER_OTLP_*`` and ``OTEL_SERVICE_NAME``
    variables, then to the OTLP defaults. When the process already has a tracer provider
    (set by the user's own OpenTelemetry setup), it is used and the exporter settings here
    are ignored.

    Attributes:
        enabled: Record traces of runs.
        endpoint: The OTLP/HTTP base URL (``http://localhost:4318``; ``/v1/traces`` is
            appended) or, when it ends with ``/v1/traces``, the traces URL itself.
        headers: HTTP headers sent with every export (e.g. an API key of a hosted backend).
        service_name: The ``service.name`` resource attribute.
        sample_rate: The share of traces recorded (1.0: all; a child follows its parent).
        record_content: Put prompts, replies, tool arguments and tool results on spans
            (off by default: they can hold personal data).
        max_content_length: With `record_content`, the most characters of text one content
            attribute holds (longer texts are clipped, the newest messages kept first).
        timeout: Seconds an export may take (None: ``OTEL_EXPORTER_OTLP_TIMEOUT``, else 10).
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    enabled: bool = False
    endpoint: str | None = None
    headers: dict[str, SecretStr] = Field(default_factory=dict)
    service_name: str | None = None
    sample_rate: float = Field(default=1.0, ge=0.0, le=1.0)
    record_content: bool = False
    max_content_length: int = Field(default=16_384, ge=64)
    timeout: float | None = Field(default=None, gt=0)


class SessionSettings(BaseModel):
    """Saved sessions (see docs/sessions.md).

    Attributes:
        enabled: Save every chat and ``fastagent go`` run as a session.
        directory: Where sessions are saved; a relative path is taken from the folder of
            the config file (the working directory when there is none).
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    enabled: bool = True
    directory: str = ".fastagent/sessions"


class ServeSettings(BaseModel):
    """``fastagent serve`` (see docs/serve.md).

    Attributes:
        answer_timeout: Seconds an agent waits for its MCP client to answer a question
            (human input) or an approval before it goes on without one; a turn parked for
            the client's retry (2026-07-28+) is cancelled then instead.
        max_open_questions: Turns parked for a client's retry at once; one more cancels
            the oldest.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    answer_timeout: float = Field(default=600.0, gt=0)
    max_open_questions: int = Field(default=100, ge=1)


class Settings(BaseModel):
    """The whole configuration of a fastagent app.

    Attributes:
        default_model: Model used by agents that name none (a model string or an alias).
        model_aliases: Extra aliases, alias -> model string (``fast: anthropic.claude-haiku``).
        anthropic: The Anthropic provider.
        openai: The OpenAI provider (Chat Completions and the Responses API).
        azure: Azure OpenAI.
        google: The Google Gemini provider (Gemini API or Vertex AI).
        bedrock: The AWS Bedrock provider.
        generic: The default OpenAI-compatible provider.
        providers: Named OpenAI-compatible presets (``providers.ollama.base_url``).
        mcp: MCP servers.
        logger: Logging and terminal display.
        otel: OpenTelemetry traces.
        sessions: Saved sessions of chats and ``go`` runs.
        serve: ``fastagent serve``.
        durable: Durable execution on DBOS (docs/durable.md); None (the default): off.
        agents: Agent declarations by name. Kept as raw mappings here (config/ sits below
            agents/); each entry is validated against its workflow type's declaration model
            by `fastagent.agents.config_agents`, with file, line and key in every problem.
    """

    model_config = ConfigDict(extra="forbid", defer_build=True)

    default_model: str | None = None
    model_aliases: dict[str, str] = Field(default_factory=dict)
    anthropic: AnthropicSettings = Field(default_factory=dict, validate_default=True)
    openai: OpenAISettings = Field(default_factory=dict, validate_default=True)
    azure: AzureSettings = Field(default_factory=dict, validate_default=True)
    google: GoogleSettings = Field(default_factory=dict, validate_default=True)
    bedrock: BedrockSettings = Field(default_factory=dict, validate_default=True)
    generic: GenericSettings = Field(default_factory=dict, validate_default=True)
    providers: dict[str, GenericSettings] = Field(default_factory=dict)
    mcp: MCPSettings = Field(default_factory=dict, validate_default=True)
    logger: LoggerSettings = Field(default_factory=dict, validate_default=True)
    otel: OTelSettings = Field(default_factory=dict, validate_default=True)
    sessions: SessionSettings = Field(default_factory=dict, validate_default=True)
    serve: ServeSettings = Field(default_factory=dict, validate_default=True)
    durable: DurableSettings | None = None
    agents: dict[str, Any] = Field(default_factory=dict)

    @field_validator("durable", mode="before")
    @classmethod
    def _durable_switch(cls, value: Any) -> Any:
        """``durable:`` with nothing under it (or ``true``) is on with the defaults; ``false`` off.

        A section whose keys are all commented out reads as null; it means "on", as ``{}``.
        """
        if value is None or value is True:
            return {}
        if value is False:
            return {"enabled": False}
        return value
