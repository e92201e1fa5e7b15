"""Azure OpenAI: Chat Completions on your own deployments, ``azure.<deployment>``.

``AzureOpenAIProvider("my-gpt-4o")`` calls the deployment ``my-gpt-4o`` of an Azure OpenAI
resource through the `openai` SDK's ``AsyncAzureOpenAI`` client. It speaks Chat Completions
exactly like `OpenAIProvider` (tools, parallel calls, streaming, structured output, images,
PDF and audio input); what differs is where it connects and how it signs in:

- endpoint: argument, ``azure.endpoint``, else ``AZURE_OPENAI_ENDPOINT``
  (``https://<resource>.openai.azure.com``);
- ``api-version``: argument, ``azure.api_version``, else ``OPENAI_API_VERSION``, else
  `DEFAULT_API_VERSION`;
- credentials: an API key (argument, ``azure.api_key``, else ``AZURE_OPENAI_API_KEY``), or
  Microsoft Entra ID (``azure.entra_id: true`` or ``?entra_id=true``): a bearer token from
  ``azure-identity``'s ``DefaultAzureCredential`` (``pip install 'fastagent[azure]'``), or
  any token provider passed as ``azure_ad_token_provider``.

Reasoning-model rules (``developer`` role, ``reasoning_effort``, no temperature) apply when
the deployment is named after a reasoning model (``o3``, ``gpt-5-mini``, ...), since Azure
does not say which model a deployment runs.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from fastagent.exceptions import (
    BadRequestError,
    MissingAPIKeyError,
    MissingDependencyError,
    UserError,
)
from fastagent.provider_defaults import PROVIDER_DEFAULTS
from fastagent.providers.openai import OpenAIProvider

if TYPE_CHECKING:
    import httpx

    from fastagent.config.settings import ProviderSettings

__all__ = ["DEFAULT_API_VERSION", "ENTRA_ID_SCOPE", "AzureOpenAIProvider"]

DEFAULT_API_VERSION: Final = "2024-10-21"
"""The ``api-version`` sent when neither settings nor ``OPENAI_API_VERSION`` name one (GA,
with tools, parallel calls and structured outputs)."""

ENTRA_ID_SCOPE: Final = "https://cognitiveservices.azure.com/.default"
"""The token scope of Azure OpenAI for Microsoft Entra ID sign-in."""

_TABLE: Final = PROVIDER_DEFAULTS["azure"]
_ENDPOINT_VAR: Final = _TABLE.endpoint_vars[0]
_API_VERSION_VAR: Final = "OPENAI_API_VERSION"

TokenProvider = Callable[[], "str | Awaitable[str]"]


class AzureOpenAIProvider(OpenAIProvider):
    """A deployment of Azure OpenAI.

    Args:
        model: The deployment name (what follows ``azure.`` in the model string).
        api_key: The resource's key; else ``settings.api_key``, else ``AZURE_OPENAI_API_KEY``.
        endpoint: ``https://<resource>.openai.azure.com``; else ``settings.endpoint``, else
            ``AZURE_OPENAI_ENDPOINT``.
        api_version: The ``api-version``; else ``settings.api_version``, else
            ``OPENAI_API_VERSION``, else `DEFAULT_API_VERSION`.
        azure_ad_token_provider: A callable returning an Entra ID bearer token (sync or
            async), used instead of a key.
        timeout: Seconds per model call; else ``settings.timeout``, else 60.
        settings: The ``azure`` settings from ``fastagent.yaml``.
        client: A ready ``openai.AsyncAzureOpenAI`` client to use instead of building one.
        http_client: The HTTP client the SDK client should use; the caller closes it.
        default_headers: Extra headers for every request.
        **options: `OpenAIProvider`'s options, plus ``entra_id`` (sign in with
            ``DefaultAzureCredential`` instead of a key).

    Raises:
        UserError: No endpoint from any source.
        MissingAPIKeyError: No key from any source, and Entra ID not asked for.
        MissingDependencyError: Entra ID asked for without ``azure-identity`` installed.
    """

    name = "azure"
    api_key_env_var: ClassVar[str] = _TABLE.api_key_vars[0]
    option_types: ClassVar[Mapping[str, type]] = {
        **OpenAIProvider.option_types,
        "entra_id": bool,
    }

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        endpoint: str | None = None,
        api_version: str | None = None,
        azure_ad_token_provider: TokenProvider | None = None,
        timeout: float | None = None,
        settings: ProviderSettings | None = None,
        client: Any | None = None,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        self._token_provider = azure_ad_token_provider
        self._credential: Any | None = None
        self._entra_id = bool(getattr(settings, "entra_id", False)) or _truthy(
            options.get("entra_id")
        )
        super().__init__(
            model,
            api_key=api_key,
            timeout=timeout,
            settings=settings,
            client=client,
            http_client=http_client,
            default_headers=default_headers,
            **options,
        )
        self.endpoint = self._resolve_endpoint(endpoint, settings, required=client is None)
        self.base_url = self.endpoint
        self.api_version = (
            api_version
            or getattr(settings, "api_version", None)
            or os.environ.get(_API_VERSION_VAR)
            or DEFAULT_API_VERSION
        )
        if client is None and self._api_key is None and self._token_provider is None:
            _require_azure_identity()

    def _resolve_api_key(self, api_key: str | None, settings: ProviderSettings | None) -> Any:
        if api_key:
            return api_key
        if settings is not None and settings.api_key is not None:
            return settings.api_key.get_secret_value()
        from_env = os.environ.get(self.api_key_env_var)
        if from_env:
            return from_env
        if self._token_provider is not None or self._entra_id:
            return None
        error = MissingAPIKeyError(self.name, self.api_key_env_var)
        error.hint = (
            f"set {self.api_key_env_var} (or azure.api_key in fastagent.secrets.yaml), or "
            "set azure.entra_id: true to sign in with Microsoft Entra ID"
        )
        raise error

    def _resolve_endpoint(
        self, endpoint: str | None, settings: ProviderSettings | None, *, required: bool
    ) -> str:
        found = endpoint or getattr(settings, "endpoint", None) or os.environ.get(_ENDPOINT_VAR)
        if found:
            return str(found).rstrip("/")
        if not required:
            return ""
        raise UserError(
            "no endpoint for provider 'azure'",
            hint=f"set {_ENDPOINT_VAR} (https://<resource>.openai.azure.com) or azure.endpoint "
            "in fastagent.yaml",
        )

    def _sdk_client(self) -> Any:
        if self._client is not None:
            return self._client
        try:
            import openai
        except ImportError as exc:
            raise MissingDependencyError(_TABLE.sdk, _TABLE.extra) from exc
        token_provider = self._token_provider
        if self._api_key is None and token_provider is None:
            token_provider = self._entra_token_provider()
        arguments: dict[str, Any] = {
            "azure_endpoint": self.endpoint,
            "api_version": self.api_version,
            "api_key": self._api_key,
            "azure_ad_token_provider": token_provider,
            "timeout": self.timeout,
            "max_retries": 0,
            "default_headers": self.default_headers or None,
            "http_client": self._http_client,  # a legacy httpx client is accepted
        }
        self._client = openai.AsyncAzureOpenAI(**arguments)
        self._owns_client = self._http_client is None
        return self._client

    def _entra_token_provider(self) -> TokenProvider:
        _require_azure_identity()
        from azure.identity.aio import (  # type: ignore[import-not-found, unused-ignore]
            DefaultAzureCredential,
            get_bearer_token_provider,
        )

        self._credential = DefaultAzureCredential()
        provider: TokenProvider = get_bearer_token_provider(self._credential, ENTRA_ID_SCOPE)
        return provider

    async def aclose(self) -> None:
        """Close the SDK client and the Entra ID credential if this provider made them."""
        await super().aclose()
        credential, self._credential = self._credential, None
        if credential is not None:
            await credential.close()

    @property
    def endpoint_setting(self) -> str:
        """Azure connects where ``azure.endpoint`` / ``AZURE_OPENAI_ENDPOINT`` say."""
        return f"azure.endpoint ({_ENDPOINT_VAR})"

    def _status_error(self, exc: Any, model: str | None = None) -> Exception:
        error = super()._status_error(exc, model)
        if type(error) is BadRequestError and error.status_code == 404:
            error.hint = (
                f"check the deployment name '{model}' (azure.<deployment>), "
                f"{_ENDPOINT_VAR} / azure.endpoint and the api-version {self.api_version}"
            )
        return error


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def _require_azure_identity() -> None:
    try:
        found = importlib.util.find_spec("azure.identity") is not None
    except ModuleNotFoundError:
        found = False
    if not found:
        raise MissingDependencyError("azure-identity", "azure")
