"""Turn a provider's HTTP failure into the right typed error from `fastagent.exceptions`.

Every provider module maps its SDK's exceptions through `error_for_status`, so the same
status always becomes the same error type with the same kind of hint, whichever SDK raised it.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Mapping

from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    ProviderHTTPError,
    ProviderServerError,
    RateLimitError,
)
from fastagent.provider_defaults import api_key_variable, settings_key

__all__ = ["error_for_status", "is_context_window_message", "retry_after"]

_CONTEXT_WINDOW_MARKERS = (
    "context length",
    "context_length",
    "context window",
    "prompt is too long",
    "maximum context",
    "too many tokens",
)

_BODY_LIMIT = 2000


def is_context_window_message(message: str) -> bool:
    """Whether a provider's error message says the request exceeds the context window."""
    lowered = message.lower()
    return any(marker in lowered for marker in _CONTEXT_WINDOW_MARKERS)


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
) -> ProviderHTTPError:
    """Build the typed error for an HTTP failure of `provider`.

    Args:
        status_code: The HTTP status.
        message: The provider's error message (from its JSON error body when it sent one).
        provider: The provider's name, used in the message and hint.
        body: The raw response body; truncated, never containing our request headers.
        headers: The response headers, read for ``retry-after``.

    Returns:
        AuthenticationError for 401/403, RateLimitError for 429, ContextWindowExceededError or
        BadRequestError for other 4xx, ProviderServerError for 5xx/529, else ProviderHTTPError.
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
    kind, hint = _classify(status_code, message, provider)
    return kind(text, status_code=status_code, body=clipped, provider=provider, hint=hint)


def _classify(status_code: int, message: str, provider: str) -> tuple[type[ProviderHTTPError], str]:
    if status_code in (401, 403):
        env_var = api_key_variable(provider)
        key = f"{settings_key(provider)}.api_key"
        return AuthenticationError, f"check the API key ({env_var} or {key})"
    if 400 <= status_code < 500:
        if is_context_window_message(message):
            return (
                ContextWindowExceededError,
                "shorten the conversation or use a model with a larger context",
            )
        return BadRequestError, "the provider rejected the request as sent"
    if status_code >= 500:
        return ProviderServerError, "the provider failed on its side; retrying may help"
    return ProviderHTTPError, "unexpected HTTP status from the provider"
