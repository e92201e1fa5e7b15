"""Turn a provider's HTTP failure into the right typed error from `fastagent.exceptions`.

Every provider module maps its SDK's exceptions through `error_for_status`, so the same
status always becomes the same error type with the same kind of hint, whichever SDK raised it.
"""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Mapping

from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    ProviderHTTPError,
    ProviderServerError,
    RateLimitError,
)
from fastagent.provider_defaults import credentials_hint

__all__ = [
    "context_window_counts",
    "context_window_error",
    "error_for_status",
    "is_context_window_message",
    "retry_after",
]

_CONTEXT_WINDOW_MARKERS = (
    "context length",
    "context_length",
    "context window",
    "prompt is too long",
    "maximum context",
    "too many tokens",
    "input token count",  # Gemini
    "input is too long",  # Bedrock
    "input tokens exceeds",  # Bedrock (Nova)
)

# (pattern, which group is the request's size, which is the limit)
_COUNT_PATTERNS: tuple[tuple[re.Pattern[str], int, int], ...] = (
    # Anthropic: "prompt is too long: 210000 tokens > 200000 maximum"
    (re.compile(r"(\d[\d,]*)\s*tokens?\s*>\s*(\d[\d,]*)"), 1, 2),
    # Gemini: "The input token count (1200000) exceeds the maximum number of tokens allowed
    # (1048576)"
    (re.compile(r"input token count \((\d[\d,]*)\)\D+\((\d[\d,]*)\)", re.IGNORECASE), 1, 2),
    # OpenAI: "maximum context length is 128000 tokens. However, your messages resulted in
    # 130000 tokens"
    (
        re.compile(
            r"maximum context length is (\d[\d,]*) tokens\D+?(\d[\d,]*) tokens", re.IGNORECASE
        ),
        2,
        1,
    ),
)

_BODY_LIMIT = 2000


def is_context_window_message(message: str) -> bool:
    """Whether a provider's error message says the request exceeds the context window."""
    lowered = message.lower()
    return any(marker in lowered for marker in _CONTEXT_WINDOW_MARKERS)


def context_window_counts(message: str) -> tuple[int | None, int | None]:
    """The request's token count and the model's limit, when a provider's message says them.

    Returns:
        ``(input_tokens, context_window)``; each None when the message does not give it.
    """
    for pattern, needed, limit in _COUNT_PATTERNS:
        found = pattern.search(message)
        if found is not None:
            return _number(found.group(needed)), _number(found.group(limit))
    return None, None


def _number(text: str) -> int:
    return int(text.replace(",", ""))


def context_window_error(
    message: str, *, provider: str, status_code: int = 400, body: str | None = None
) -> ContextWindowError:
    """The `ContextWindowError` for a provider's context-length message (counts parsed)."""
    used, limit = context_window_counts(message)
    return ContextWindowError(
        f"{provider} returned HTTP {status_code}: {message}",
        input_tokens=used,
        context_window=limit,
        status_code=status_code,
        body=body[:_BODY_LIMIT] if body else None,
        provider=provider,
        hint="shorten the conversation or use a model with a larger context",
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
) -> ProviderHTTPError:
    """Build the typed error for an HTTP failure of `provider`.

    Args:
        status_code: The HTTP status.
        message: The provider's error message (from its JSON error body when it sent one).
        provider: The provider's name, used in the message and hint.
        body: The raw response body; truncated, never containing our request headers.
        headers: The response headers, read for ``retry-after``.

    Returns:
        AuthenticationError for 401/403, RateLimitError for 429, ContextWindowError (with the
        token counts the message gives) or BadRequestError for other 4xx,
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
    context = 400 <= status_code < 500 and status_code not in (401, 403)
    if context and is_context_window_message(message):
        return context_window_error(message, provider=provider, status_code=status_code, body=body)
    kind, hint = _classify(status_code, provider)
    return kind(text, status_code=status_code, body=clipped, provider=provider, hint=hint)


def _classify(status_code: int, provider: str) -> tuple[type[ProviderHTTPError], str]:
    if status_code in (401, 403):
        return AuthenticationError, credentials_hint(provider)
    if status_code == 404:
        return (
            BadRequestError,
            f"check the model name ({provider}.<model>) and that your account and region offer it",
        )
    if 400 <= status_code < 500:
        return BadRequestError, "the provider rejected the request as sent"
    if status_code >= 500:
        return ProviderServerError, "the provider failed on its side; retrying may help"
    return ProviderHTTPError, "unexpected HTTP status from the provider"
