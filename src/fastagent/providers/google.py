"""The Google provider: Gemini models through the official `google-genai` SDK.

`GoogleProvider` sends a `CompletionRequest` to ``models.generate_content`` (complete or
streamed) on the Gemini API, or on Vertex AI, and returns an assistant `Message`. The wire
conversion lives in `_google_convert` and `_google_stream`. The SDK is imported only when the
first call is made; every SDK exception becomes a `fastagent.exceptions` error.

Credentials: the Gemini API takes an API key (argument, ``google.api_key``, then
``GEMINI_API_KEY`` or ``GOOGLE_API_KEY``). Vertex AI (``google.vertexai: true`` or
``GOOGLE_GENAI_USE_VERTEXAI``) with a project and location uses application-default
credentials; Vertex AI without a project uses the API key (express mode).

Model-string options (``google.gemini-2.5-flash?thinking_budget=1024``): ``max_tokens``,
``temperature``, ``reasoning`` (minimal/low/medium/high: a thinking budget of
512/2048/8192/24576 tokens), ``thinking_budget`` (exact; 0 off, -1 dynamic) and
``include_thoughts`` (thought summaries, kept in provider_data).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from fastagent._redact import redact, register_secret
from fastagent.exceptions import (
    MissingAPIKeyError,
    MissingDependencyError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
)
from fastagent.logging import get_logger
from fastagent.provider_defaults import PROVIDER_DEFAULTS
from fastagent.providers._google_convert import (
    RequestOptions,
    WireRequest,
    build_request,
    message_from_response,
)
from fastagent.providers._google_stream import StreamAssembler
from fastagent.providers._options import parse_options
from fastagent.providers._reply import (
    error_detail,
    is_malformed_body,
    not_a_completion,
    reading_reply,
    shape_problem,
)
from fastagent.providers.base import BaseProvider, CompletionRequest
from fastagent.providers.errors import error_for_status, transport_kind
from fastagent.streaming import StreamDone, StreamEvent

if TYPE_CHECKING:
    import httpx
    from google import genai

    from fastagent.config.settings import GoogleSettings
    from fastagent.messages import Message

__all__ = ["DEFAULT_MODEL", "DEFAULT_TIMEOUT", "GoogleProvider"]

DEFAULT_MODEL: Final = "gemini-2.5-flash"
"""The model used when a model string names only the provider."""

DEFAULT_TIMEOUT: Final = 600.0
"""Seconds to wait for one call when neither the argument nor the settings say."""

_DEFAULTS: Final = PROVIDER_DEFAULTS["google"]
_VERTEX_ENV: Final = "GOOGLE_GENAI_USE_VERTEXAI"
_ADC_HINT: Final = (
    "run `gcloud auth application-default login`, or set GOOGLE_APPLICATION_CREDENTIALS "
    "to a service-account key file"
)

_log = get_logger("providers.google")


class GoogleProvider(BaseProvider):
    """Calls Gemini models through the Gemini API or Vertex AI.

    Args:
        model: The model to call, e.g. ``gemini-2.5-flash``.
        api_key: The API key; else ``settings.api_key``, else ``GEMINI_API_KEY`` or
            ``GOOGLE_API_KEY``. Not used on Vertex AI with a project.
        base_url: Endpoint override (else ``settings.base_url``, else the SDK default).
        timeout: Seconds to wait for one call (else ``settings.timeout``, else 600).
        settings: The ``google`` section of the configuration.
        vertexai: Use Vertex AI (else ``settings.vertexai``, else ``GOOGLE_GENAI_USE_VERTEXAI``).
        project: The Vertex AI project (else ``settings.project``, else the SDK reads
            ``GOOGLE_CLOUD_PROJECT``).
        location: The Vertex AI location (else ``settings.location``, else
            ``GOOGLE_CLOUD_LOCATION``).
        client: A ready `google.genai.Client` to use instead of building one.
        http_client: An `httpx.AsyncClient` to send requests with (the caller closes it).
        default_headers: Extra HTTP headers for every request (added to the settings' ones).
        **options: Model-string options: ``max_tokens``, ``temperature``, ``reasoning``,
            ``thinking_budget``, ``include_thoughts``.

    Raises:
        UserError: An unknown or invalid option.
        MissingAPIKeyError: The Gemini API and no key from any source (raised at
            construction, unless a client was given).
    """

    name = "google"
    native_structured_output = True
    shareable = True
    option_types: ClassVar[Mapping[str, type]] = {
        "max_tokens": int,
        "temperature": float,
        "reasoning": str,
        "thinking_budget": int,
        "include_thoughts": bool,
    }
    """The options the model string may set, and their types."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        settings: GoogleSettings | None = None,
        vertexai: bool | None = None,
        project: str | None = None,
        location: str | None = None,
        client: genai.Client | None = None,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(model)
        self.options = RequestOptions(**parse_options(self.name, options, self.option_types))
        self.base_url = base_url or (settings.base_url if settings else None)
        self.timeout = timeout or (settings.timeout if settings else None) or DEFAULT_TIMEOUT
        self.default_headers = {
            **(settings.default_headers if settings else {}),
            **(default_headers or {}),
        }
        self.vertexai = _first(vertexai, settings.vertexai if settings else None, _env_flag())
        self.project = project or (settings.project if settings else None)
        self.location = location or (settings.location if settings else None)
        self._client = client
        self._owns_client = client is None
        self._http_client = http_client
        self._api_key: str | None = None
        if client is None and not (self.vertexai and self.project):
            self._api_key = _resolve_api_key(api_key, settings, required=not self.vertexai)

    async def complete(self, request: CompletionRequest) -> Message:
        """Make one ``generate_content`` call and return the assistant message.

        Raises:
            ProviderError: The call failed (a typed subclass for HTTP status, timeout or
                connection failures).
        """
        wire = self._wire(request)
        try:
            client = self._get_client()
            config: Any = wire.config  # plain dicts the SDK validates
            contents: Any = wire.contents
            response = await client.aio.models.generate_content(
                model=wire.model, contents=contents, config=config
            )
        except Exception as exc:
            raise self._translate(exc) from exc
        data = response.model_dump(mode="json", exclude_none=True)
        if not _is_completion(data):
            detail = error_detail(data)
            raise not_a_completion(
                self.name,
                self.model,
                f"answered with an error instead of a completion: {detail}"
                if detail is not None
                else "answered without a completion (no candidates)",
            )
        with reading_reply(self.name, self.model):
            return message_from_response(data)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Make one streamed call, yielding events; the last is `StreamDone`.

        Raises:
            ProviderError: The call failed, before or during the stream.
        """
        wire = self._wire(request)
        assembler = StreamAssembler()
        try:
            client = self._get_client()
            config: Any = wire.config
            contents: Any = wire.contents
            chunks = await client.aio.models.generate_content_stream(
                model=wire.model, contents=contents, config=config
            )
        except Exception as exc:
            raise self._translate(exc) from exc
        try:
            while True:
                try:
                    chunk = await chunks.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    raise self._translate(exc) from exc
                data = chunk.model_dump(mode="json", exclude_none=True)
                with reading_reply(self.name, self.model):
                    produced = assembler.feed(data)
                for event in produced:
                    yield event
        finally:
            close = getattr(chunks, "aclose", None)
            if close is not None:
                await close()
        if assembler.finish_reason is None:
            raise not_a_completion(
                self.name,
                self.model,
                "stream ended before the reply was complete (no finishReason)",
            )
        with reading_reply(self.name, self.model):
            message = assembler.finish()
        yield StreamDone(message)

    async def aclose(self) -> None:
        """Close the SDK client if this provider created it."""
        client, self._client = self._client, None
        if client is not None and self._owns_client:
            await client.aio.aclose()
            client.close()

    def _wire(self, request: CompletionRequest) -> WireRequest:
        wire = build_request(self.model, request, self.options)
        params = request.params
        if "timeout" in params.explicit and params.timeout is not None:
            wire.config["http_options"] = {"timeout": int(params.timeout * 1000)}
        _log.debug("google request: model=%s contents=%d", wire.model, len(wire.contents))
        return wire

    def _get_client(self) -> genai.Client:
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def _build_client(self) -> genai.Client:
        try:
            from google import genai
        except ImportError:
            raise MissingDependencyError(_DEFAULTS.sdk, _DEFAULTS.extra) from None
        http_options: dict[str, Any] = {"timeout": int(self.timeout * 1000)}
        if self.base_url:
            http_options["base_url"] = self.base_url
        if self.default_headers:
            http_options["headers"] = dict(self.default_headers)
        if self._http_client is not None:
            http_options["httpx_async_client"] = self._http_client
        if self.vertexai and self.project:
            return genai.Client(
                vertexai=True,
                project=self.project,
                location=self.location,
                http_options=http_options,  # type: ignore[arg-type]
            )
        return genai.Client(
            vertexai=self.vertexai,
            api_key=self._api_key,
            http_options=http_options,  # type: ignore[arg-type]
        )

    def _translate(self, exc: Exception) -> ProviderError | MissingAPIKeyError:
        if isinstance(exc, ProviderError | MissingAPIKeyError):
            return exc
        if is_malformed_body(exc):
            return not_a_completion(
                self.name, self.model, "answered with a body that is not valid JSON"
            )
        if getattr(exc, "title", None) == "GenerateContentResponse":  # the SDK's validation
            return not_a_completion(self.name, self.model, f"answered with a {shape_problem(exc)}")
        from google.genai import errors

        if isinstance(exc, errors.APIError):
            return self._status_error(exc)
        kind = transport_kind(exc)
        if kind == "timeout":
            return ProviderTimeoutError(
                f"google did not answer within {self.timeout:g}s (model {self.model})",
                provider=self.name,
                hint="retry, or raise google.timeout in fastagent.yaml",
            )
        if kind == "connect":
            where = self.base_url or ("Vertex AI" if self.vertexai else "the Gemini API")
            return ProviderConnectionError(
                f"could not connect to {where}: {redact(str(exc), secrets=self._secrets())}",
                provider=self.name,
                hint="check your network connection and google.base_url",
            )
        if kind == "credentials":
            error = MissingAPIKeyError(self.name, "GOOGLE_APPLICATION_CREDENTIALS")
            error.message = f"no Google Cloud credentials for Vertex AI: {redact(str(exc))}"
            error.args = (error.message,)
            error.hint = _ADC_HINT
            return error
        return ProviderError(
            f"google call failed: {redact(str(exc), secrets=self._secrets())}",
            provider=self.name,
            hint="check the request parameters; run with --verbose for details",
        )

    def _status_error(self, exc: Any) -> ProviderError:
        secrets = self._secrets()
        message = redact(str(exc.message or exc), secrets=secrets)
        status = int(exc.code or 500)
        details = str(exc.details)
        if status == 400 and ("API_KEY_INVALID" in details or "API key not valid" in message):
            status = 401  # the Gemini API answers a bad key with 400 INVALID_ARGUMENT
        headers = getattr(exc.response, "headers", None)
        return error_for_status(
            status,
            message,
            provider=self.name,
            body=redact(details, secrets=secrets),
            headers=dict(headers) if headers is not None else None,
        )

    def _secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()


def _is_completion(data: Mapping[str, Any]) -> bool:
    """Whether a reply holds a candidate (with parts or a finish reason) or a blocked prompt."""
    if (data.get("prompt_feedback") or {}).get("block_reason"):
        return True
    candidates = data.get("candidates") or []
    first = candidates[0] if candidates else None
    if not isinstance(first, Mapping):
        return False
    return bool(first.get("finish_reason") or (first.get("content") or {}).get("parts"))


def _first(*values: bool | None) -> bool:
    return next((v for v in values if v is not None), False)


def _env_flag() -> bool | None:
    value = os.environ.get(_VERTEX_ENV)
    if value is None:
        return None
    return value.strip().lower() in ("1", "true", "yes", "on")


def _resolve_api_key(
    api_key: str | None, settings: GoogleSettings | None, *, required: bool
) -> str | None:
    key = api_key
    if not key and settings is not None and settings.api_key is not None:
        key = settings.api_key.get_secret_value()
    if not key:
        key = next((os.environ[v] for v in _DEFAULTS.api_key_vars if os.environ.get(v)), None)
    if not key:
        if not required:
            return None
        error = MissingAPIKeyError("google", _DEFAULTS.api_key_vars[0])
        error.hint = (
            f"set {' or '.join(_DEFAULTS.api_key_vars)}, or google.api_key in "
            "fastagent.secrets.yaml; for Vertex AI set google.vertexai, google.project and "
            "google.location"
        )
        raise error
    register_secret(key)
    return key
