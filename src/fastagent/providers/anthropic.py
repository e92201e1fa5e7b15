"""The Anthropic provider: Claude models through the official `anthropic` SDK.

`AnthropicProvider` sends a `CompletionRequest` to the Messages API, complete or streamed, and
returns an assistant `Message`. The wire conversion lives in `_anthropic_convert` (requests,
replies) and `_anthropic_stream` (streaming events). The SDK is imported only when the first
call is made; every SDK exception becomes a `fastagent.exceptions` error.

Model-string options (``anthropic.claude-sonnet-4-6?cache=true&reasoning=low``):
``max_tokens``, ``reasoning`` (minimal/low/medium/high: extended thinking with a budget of
1024/2048/8192/16384 tokens) and ``cache`` (prompt caching of the system prompt, the tools and
the last message). ``temperature`` is accepted but never sent: API version 2026-10-21, the
default of SDK 2.x, rejects sampling parameters.
"""

from __future__ import annotations

import json
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
    UserError,
)
from fastagent.logging import get_logger
from fastagent.provider_defaults import PROVIDER_DEFAULTS
from fastagent.providers._anthropic_convert import (
    RequestOptions,
    build_request,
    message_from_response,
)
from fastagent.providers._anthropic_stream import StreamAssembler
from fastagent.providers._options import parse_options
from fastagent.providers._reply import (
    error_detail,
    is_malformed_body,
    not_a_completion,
    reading_reply,
    reply_dict,
)
from fastagent.providers.base import BaseProvider, CompletionRequest
from fastagent.providers.errors import error_for_status, transport_kind
from fastagent.streaming import StreamDone, StreamEvent

if TYPE_CHECKING:
    import anthropic
    import httpx
    import httpx2

    from fastagent.config.settings import AnthropicSettings
    from fastagent.messages import Message

__all__ = ["DEFAULT_MODEL", "DEFAULT_TIMEOUT", "AnthropicProvider"]

DEFAULT_MODEL: Final = "claude-sonnet-4-6"
"""The model used when a model string names only the provider."""

DEFAULT_TIMEOUT: Final = 600.0
"""Seconds to wait for one call when neither the argument nor the settings say."""

_ENV_VAR: Final = PROVIDER_DEFAULTS["anthropic"].api_key_vars[0]

# the SDK sends these on HTTP errors inside a 200 stream; map them to their usual status
_ERROR_TYPE_STATUS: Final[Mapping[str, int]] = {
    "invalid_request_error": 400,
    "authentication_error": 401,
    "permission_error": 403,
    "not_found_error": 404,
    "request_too_large": 413,
    "rate_limit_error": 429,
    "api_error": 500,
    "overloaded_error": 529,
}

_log = get_logger("providers.anthropic")


class AnthropicProvider(BaseProvider):
    """Calls Claude models through the Anthropic Messages API.

    Args:
        model: The model to call, e.g. ``claude-sonnet-4-6``.
        api_key: The API key; else ``settings.api_key``, else ``ANTHROPIC_API_KEY``.
        base_url: Endpoint override (else ``settings.base_url``, else the SDK default).
        timeout: Seconds to wait for one call (else ``settings.timeout``, else 600).
        settings: The ``anthropic`` section of the configuration.
        client: A ready `anthropic.AsyncAnthropic` to use instead of building one.
        http_client: An `httpx.AsyncClient` (or `httpx2.AsyncClient`) to send requests with.
        default_headers: Extra HTTP headers for every request (added to the settings' ones).
        **options: Model-string options: ``max_tokens``, ``temperature``, ``reasoning``,
            ``cache`` (strings are accepted and converted).

    Raises:
        UserError: An unknown or invalid option.
        MissingAPIKeyError: No key from the argument, the settings or the environment (raised
            when the key is needed: at construction, unless a client was given).
    """

    name = "anthropic"
    native_structured_output = True
    shareable = True
    option_types: ClassVar[Mapping[str, type]] = {
        "cache": bool,
        "max_tokens": int,
        "reasoning": str,
        "temperature": float,
    }
    """The options the model string may set, and their types."""

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        settings: AnthropicSettings | None = None,
        client: anthropic.AsyncAnthropic | None = None,
        http_client: httpx.AsyncClient | httpx2.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        **options: Any,
    ) -> None:
        super().__init__(model)
        self.options = _parse_options(options, settings)
        self.base_url = base_url or (settings.base_url if settings else None)
        self.timeout = timeout or (settings.timeout if settings else None) or DEFAULT_TIMEOUT
        self.default_headers = {
            **(settings.default_headers if settings else {}),
            **(default_headers or {}),
        }
        self._client = client
        self._owns_client = client is None
        self._http_client = http_client
        self._api_key = None if client is not None else _resolve_api_key(api_key, settings)

    async def complete(self, request: CompletionRequest) -> Message:
        """Make one Messages API call and return the assistant message.

        Raises:
            ProviderError: The call failed (a typed subclass for HTTP status, timeout or
                connection failures).
        """
        wire = build_request(self.model, request, self.options)
        client = self._get_client()
        _log.debug(
            "anthropic request: model=%s messages=%d",
            wire.body["model"],
            len(wire.body["messages"]),
        )
        try:
            response = await client.messages.create(**wire.body, **self._call_options(request))
        except Exception as exc:
            raise self._translate(exc) from exc
        data = reply_dict(response, provider=self.name, model=self.model)
        if data.get("type") != "message" or not isinstance(data.get("content"), list):
            detail = error_detail(data)
            raise not_a_completion(
                self.name,
                self.model,
                f"answered with an error instead of a message: {detail}"
                if detail is not None
                else "answered without a message (no content)",
            )
        with reading_reply(self.name, self.model):
            return message_from_response(
                {k: v for k, v in data.items() if v is not None}, structured=wire.structured
            )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Make one streamed Messages API call, yielding events; the last is `StreamDone`.

        Raises:
            ProviderError: The call failed, before or during the stream.
        """
        wire = build_request(self.model, request, self.options)
        client = self._get_client()
        assembler = StreamAssembler(structured=wire.structured)
        try:
            raw_stream = await client.messages.create(
                **wire.body, stream=True, **self._call_options(request)
            )
        except Exception as exc:
            raise self._translate(exc) from exc
        try:
            while True:
                try:
                    raw = await raw_stream.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    raise self._translate(exc) from exc
                data = reply_dict(raw, provider=self.name, model=self.model)
                with reading_reply(self.name, self.model):
                    produced = assembler.feed({k: v for k, v in data.items() if v is not None})
                for event in produced:
                    yield event
        finally:
            await raw_stream.close()
        if assembler.stop_reason is None:
            raise not_a_completion(
                self.name, self.model, "stream ended before the reply was complete (no stop_reason)"
            )
        with reading_reply(self.name, self.model):
            message = assembler.finish()
        yield StreamDone(message)

    async def aclose(self) -> None:
        """Close the SDK client if this provider created it."""
        if self._client is not None and self._owns_client:
            await self._client.close()
        self._client = None

    def warm(self) -> None:
        """Import the ``anthropic`` SDK and build the client now (for ``fastagent batch``)."""
        self._get_client()

    def _call_options(self, request: CompletionRequest) -> dict[str, Any]:
        params = request.params
        if "timeout" in params.explicit and params.timeout is not None:
            return {"timeout": params.timeout}
        return {}

    def _get_client(self) -> anthropic.AsyncAnthropic:
        if self._client is None:
            self._client = self._build_client()
        return self._client

    def _build_client(self) -> anthropic.AsyncAnthropic:
        try:
            import anthropic
        except ImportError:
            sdk = PROVIDER_DEFAULTS["anthropic"]
            raise MissingDependencyError(sdk.sdk, sdk.extra) from None
        http_client = self._http_client
        if http_client is not None and not _is_httpx2(http_client):
            from fastagent.providers._anthropic_httpx import bridged_client

            http_client = bridged_client(http_client)  # type: ignore[arg-type]
        return anthropic.AsyncAnthropic(
            api_key=self._api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=0,
            default_headers=self.default_headers or None,
            http_client=http_client,  # type: ignore[arg-type]
        )

    def _translate(self, exc: Exception) -> ProviderError:
        import anthropic

        if isinstance(exc, ProviderError):
            return exc
        if is_malformed_body(exc):
            return not_a_completion(
                self.name, self.model, "answered with a body that is not valid JSON"
            )
        kind = transport_kind(exc)  # raised by httpx2 itself while a stream is read
        if isinstance(exc, anthropic.APITimeoutError) or kind == "timeout":
            return ProviderTimeoutError(
                f"anthropic did not answer within {self.timeout:g}s (model {self.model})",
                provider=self.name,
                hint="retry, or raise anthropic.timeout in fastagent.yaml",
            )
        if isinstance(exc, anthropic.APIConnectionError) or kind == "connect":
            where = self.base_url or "the Anthropic API"
            return ProviderConnectionError(
                f"could not connect to {where}: {redact(str(exc))}",
                provider=self.name,
                hint="check your network connection and anthropic.base_url",
            )
        if isinstance(exc, anthropic.APIStatusError):
            return self._status_error(exc)
        return ProviderError(
            f"anthropic call failed: {redact(str(exc), secrets=self._secrets())}",
            provider=self.name,
            hint="check the request parameters; run with --verbose for details",
        )

    def _status_error(self, exc: anthropic.APIStatusError) -> ProviderError:
        body = exc.body
        error = body.get("error") if isinstance(body, dict) else None
        message = exc.api_message or (str(error.get("message")) if error else "") or str(exc)
        status = exc.status_code
        if status < 400:
            status = _ERROR_TYPE_STATUS.get(exc.type or "", 500)
        raw_body = json.dumps(body) if body is not None else None
        secrets = self._secrets()
        return error_for_status(
            status,
            redact(message, secrets=secrets),
            provider=self.name,
            body=redact(raw_body, secrets=secrets) if raw_body else None,
            headers=dict(exc.response.headers),
        )

    def _secrets(self) -> tuple[str, ...]:
        return (self._api_key,) if self._api_key else ()


def _is_httpx2(client: object) -> bool:
    return type(client).__module__.partition(".")[0] == "httpx2"


def _resolve_api_key(api_key: str | None, settings: AnthropicSettings | None) -> str:
    key = api_key
    if not key and settings is not None and settings.api_key is not None:
        key = settings.api_key.get_secret_value()
    if not key:
        key = os.environ.get(_ENV_VAR)
    if not key:
        raise MissingAPIKeyError("anthropic", _ENV_VAR)
    register_secret(key)
    return key


def _parse_options(options: Mapping[str, Any], settings: object | None) -> RequestOptions:
    parsed = parse_options("anthropic", options, AnthropicProvider.option_types)
    max_tokens = parsed.get("max_tokens")
    if max_tokens is not None and max_tokens < 1:
        raise UserError(
            f"anthropic: option max_tokens must be a positive integer, "
            f"got {options['max_tokens']!r}",
            hint="write e.g. ?max_tokens=4096",
        )
    parsed.setdefault("cache", bool(getattr(settings, "cache", False)))
    return RequestOptions(**parsed)
