"""Turn a provider's HTTP failure into the right typed error from `fastagent.exceptions`.

Every provider module maps its SDK's exceptions through `error_for_status`, so the same
status always becomes the same error type with the same kind of hint, whichever SDK raised it.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping
from typing import Any

from fastagent._redact import redact
from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    ProviderError,
    ProviderHTTPError,
    ProviderServerError,
    RateLimitError,
)
from fastagent.provider_defaults import (
    PROVIDER_DEFAULTS,
    api_key_variable,
    credentials_hint,
    settings_key,
)
from fastagent.providers.presets import BUILTIN_PRESETS

__all__ = [
    "context_window_counts",
    "context_window_error",
    "error_for_status",
    "is_context_window_message",
    "key_sources",
    "retry_after",
    "setting",
    "stream_failure",
    "transport_kind",
]

_CONTEXT_WINDOW_MARKERS = (
    "context length",
    "context_length",
    "context window",
    "prompt is too long",
    "maximum context",
    "too many tokens",
    "input too large for model",
    "exceeds the maximum number of tokens",
    "input token count",  # Gemini
    "input is too long",  # Bedrock
    "input tokens exceeds",  # Bedrock (Nova)
)

_BODY_LIMIT = 2000
_CONTEXT_HINT = "shorten the conversation or use a model with a larger context"

# (pattern, group of the prompt's tokens, group of the limit), as providers word it.
_COUNT_PATTERNS: tuple[tuple[re.Pattern[str], int, int], ...] = (
    # OpenAI: "maximum context length is 128000 tokens. However, your messages resulted in
    # 130412 tokens"; also "... you requested 130412 tokens".
    (
        re.compile(
            r"maximum context length is (\d[\d,]*) tokens"
            r".*?(?:resulted in|requested) (\d[\d,]*) tokens",
            re.S,
        ),
        2,
        1,
    ),
    # Anthropic: "prompt is too long: 215000 tokens > 200000 maximum"; OpenAI "(130412 > 128000)".
    (re.compile(r"(\d[\d,]*) tokens? > (\d[\d,]*)"), 1, 2),
    (re.compile(r"\((\d[\d,]*) > (\d[\d,]*)\)"), 1, 2),
    # Gemini: "The input token count (1200000) exceeds the maximum number of tokens allowed
    # (1048576)".
    (
        re.compile(
            r"input token count \(?(\d[\d,]*)\)? exceeds the maximum.*?\(?(\d[\d,]*)\)?", re.S
        ),
        1,
        2,
    ),
    # Mistral and others: "Prompt contains 40000 tokens ... 32768 maximum context length".
    (re.compile(r"contains (\d[\d,]*) tokens.*?(\d[\d,]*) maximum context", re.S), 1, 2),
)


def is_context_window_message(message: str) -> bool:
    """Whether a provider's error message says the request exceeds the context window."""
    lowered = message.lower()
    return any(marker in lowered for marker in _CONTEXT_WINDOW_MARKERS)


def setting(provider: str, key: str) -> str:
    """The dotted config key of `provider`'s setting `key`, for hints.

    ``openai.base_url`` for table providers (``responses`` reads ``openai``),
    ``providers.<name>.base_url`` for presets, built in or from config.
    """
    return f"{settings_key(provider)}.{key}"


def key_sources(provider: str) -> str:
    """Where `provider`'s key comes from, for hints: ``OPENAI_API_KEY or openai.api_key``.

    Presets (built in or from config) keep their settings under ``providers.<name>``.
    """
    variable = api_key_variable(provider)
    if provider not in PROVIDER_DEFAULTS:
        preset = BUILTIN_PRESETS.get(provider)
        variable = preset.api_key_env if preset and preset.api_key_env else variable
    return f"{variable} or {settings_key(provider)}.api_key"


def context_window_counts(message: str) -> tuple[int | None, int | None]:
    """The prompt's tokens and the model's limit, when a context-window error names them."""
    for pattern, prompt_group, limit_group in _COUNT_PATTERNS:
        found = pattern.search(message)
        if found:
            return _number(found.group(prompt_group)), _number(found.group(limit_group))
    return None, None


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def context_window_error(
    message: str,
    *,
    provider: str,
    status_code: int = 400,
    body: str | None = None,
    text: str | None = None,
) -> ContextWindowError:
    """A `ContextWindowError` for `provider`, with the token counts `message` names.

    Args:
        message: The provider's error message.
        provider: The provider's name.
        status_code: The HTTP status (400 unless the provider used another).
        body: The raw response body (already clipped and redacted).
        text: The error's one line; defaults to ``<provider> returned HTTP <status>: ...``.
    """
    input_tokens, limit = context_window_counts(message)
    hint = _CONTEXT_HINT
    if input_tokens is not None and limit is not None:
        hint = f"the request needs {input_tokens} tokens, the model takes {limit}; {hint}"
    return ContextWindowError(
        text or f"{provider} returned HTTP {status_code}: {message}",
        input_tokens=input_tokens,
        context_window=limit,
        status_code=status_code,
        body=body,
        provider=provider,
        hint=hint,
    )


def retry_after(headers: Mapping[str, str] | None, *, now: float | None = None) -> float | None:
    """Seconds to wait, from ``retry-after-ms`` or ``retry-after`` (seconds or HTTP date)."""
    if not headers:
        return None
    lowered = {k.lower(): v for k, v in headers.items()}
    if (ms := lowered.get("retry-after-ms")) is not None:
        try:
            return max(float(ms) / 1000.0, 0.0)
        except ValueError:
            pass
    value = lowered.get("retry-after")
    if value is None:
        return None
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(when - (time.time() if now is None else now), 0.0)


def error_for_status(
    status_code: int,
    message: str,
    *,
    provider: str,
    body: str | None = None,
    headers: Mapping[str, str] | None = None,
    model: str | None = None,
) -> ProviderHTTPError:
    """Build the typed error for an HTTP failure of `provider`.

    Args:
        status_code: The HTTP status.
        message: The provider's error message (from its JSON error body when it sent one).
        provider: The provider's name, used in the message and hint.
        body: The raw response body; truncated, never containing our request headers.
        headers: The response headers, read for ``retry-after``.
        model: The model asked for, named in the hint of a 404.

    Returns:
        AuthenticationError for 401/403, RateLimitError for 429, ContextWindowError (with the
        token counts the message names) or BadRequestError for other 4xx,
        ProviderServerError for 5xx/529, else ProviderHTTPError.
    """
    text = f"{provider} returned HTTP {status_code}: {message}"
    clipped = body[:_BODY_LIMIT] if body else None
    if status_code == 429:
        wait = retry_after(headers)
        return RateLimitError(
            text,
            retry_after=wait,
            status_code=status_code,
            body=clipped,
            provider=provider,
            hint=f"retry after {wait:g}s" if wait is not None else "slow down or raise your limits",
        )
    context_status = 400 <= status_code < 500 and status_code not in (401, 403, 404)
    if context_status and is_context_window_message(message):
        return context_window_error(
            message, provider=provider, status_code=status_code, body=clipped, text=text
        )
    kind, hint = _classify(status_code, provider, model)
    return kind(text, status_code=status_code, body=clipped, provider=provider, hint=hint)


def _classify(
    status_code: int, provider: str, model: str | None
) -> tuple[type[ProviderHTTPError], str]:
    if status_code in (401, 403):
        entry = PROVIDER_DEFAULTS.get(provider)
        if entry is not None and entry.credentials:  # no key: e.g. Bedrock's AWS chain
            return AuthenticationError, credentials_hint(provider)
        return AuthenticationError, f"check the API key ({key_sources(provider)})"
    if status_code == 404:
        named = f"'{model}' " if model else ""
        return BadRequestError, (
            f"check the model name {named}(a typo, or a model your account cannot use) "
            f"and {setting(provider, 'base_url')}"
        )
    if 400 <= status_code < 500:
        return BadRequestError, "the provider rejected the request as sent"
    if status_code >= 500:
        return ProviderServerError, "the provider failed on its side; retrying may help"
    return ProviderHTTPError, "unexpected HTTP status from the provider"


def transport_kind(exc: BaseException) -> str:
    """``timeout``, ``connect``, ``credentials`` or ``other``, by the exception's class names.

    Names, not classes, so that `httpx`, `httpx2`, `aiohttp`, `urllib3` and `google-auth`
    exceptions are told apart without importing any of them: a read that waited too long
    (also in the middle of a stream, where SDKs let the transport's own exception through),
    a connection that failed or was cut, missing cloud credentials.
    """
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & {"TimeoutException", "TimeoutError", "ServerTimeoutError"}:
        return "timeout"
    if names & {
        "TransportError",  # httpx, httpx2
        "ConnectError",
        "ClientConnectionError",  # aiohttp
        "NetworkError",
        "ProtocolError",  # urllib3 (boto3): a connection cut mid-body
        "IncompleteRead",
    }:
        return "connect"
    if "DefaultCredentialsError" in names or "RefreshError" in names:
        return "credentials"
    return "other"


def stream_failure(error: Mapping[str, Any], *, provider: str, model: str) -> ProviderError:
    """The typed error for a failure reported inside a stream (``code`` and ``message``).

    A stream already answered HTTP 200, so the failure's code says what the status would
    have: ``rate_limit_exceeded`` is a `RateLimitError`, ``server_error`` a
    `ProviderServerError` (both retried), a context-window message a `ContextWindowError`.
    """
    code = str(error.get("code") or "")
    message = redact(str(error.get("message") or "the response failed"))
    text = f"{provider} model {model} failed: {message}"
    if code == "context_length_exceeded" or is_context_window_message(message):
        return context_window_error(message, provider=provider, text=text)
    if code in ("rate_limit_exceeded", "insufficient_quota"):
        return RateLimitError(
            text, status_code=429, provider=provider, hint="slow down or raise your limits"
        )
    if code in ("server_error", "server_is_overloaded", "slow_down"):
        return ProviderServerError(
            text,
            status_code=500,
            provider=provider,
            hint="the provider failed on its side; retrying may help",
        )
    return ProviderError(text, provider=provider, hint=f"the response failed ({code or 'no code'})")
