"""When and how long to wait before retrying a failed model call: `RetryPolicy`.

Retryable: `RateLimitError`, `ProviderServerError`, `ProviderConnectionError`,
`ProviderTimeoutError` and `ProviderResponseError` (a malformed or cut-short reply).
Everything else (bad requests, authentication, the user's own mistakes) fails at once. The
delay is exponential backoff with full jitter (a uniform draw between 0 and
``base_delay * 2**attempt``, capped at ``max_delay``), and never shorter than the
``retry_after`` a rate-limited provider asked for; a ``retry_after`` longer than
``max_retry_after`` (60 s) is not waited for, so a call never sleeps for an hour unseen.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from fastagent.exceptions import (
    ProviderConnectionError,
    ProviderResponseError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
)

__all__ = ["RETRYABLE_ERRORS", "RetryPolicy", "is_retryable"]

RETRYABLE_ERRORS: tuple[type[Exception], ...] = (
    RateLimitError,
    ProviderServerError,
    ProviderConnectionError,
    ProviderTimeoutError,
    ProviderResponseError,
)
"""The errors a retry may fix."""


def is_retryable(error: BaseException) -> bool:
    """Whether retrying the call that raised `error` may succeed."""
    return isinstance(error, RETRYABLE_ERRORS)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How often and how long to retry.

    Attributes:
        max_retries: Retries after the first attempt (0 disables retrying).
        base_delay: Seconds of the first backoff window.
        max_delay: Longest backoff window in seconds (a longer ``retry_after`` still wins).
        max_retry_after: Longest ``retry_after`` waited for: a provider asking for more is
            not retried, its `RateLimitError` (whose hint says when) is raised at once.
        sleep: Awaited to wait; tests inject a fake that records the delays.
        uniform: Draws the jitter, ``uniform(low, high)``; tests inject a fixed one.
    """

    max_retries: int = 3
    base_delay: float = 0.5
    max_delay: float = 30.0
    max_retry_after: float = 60.0
    sleep: Callable[[float], Awaitable[None]] = field(default=asyncio.sleep, compare=False)
    uniform: Callable[[float, float], float] = field(default=random.uniform, compare=False)

    def should_retry(self, error: BaseException, retries_done: int) -> bool:
        """Whether to retry after `error`, given how many retries were already made."""
        asked = getattr(error, "retry_after", None)
        if isinstance(asked, int | float) and asked > self.max_retry_after:
            return False
        return retries_done < self.max_retries and is_retryable(error)

    def delay(self, error: BaseException, retries_done: int) -> float:
        """Seconds to wait before retry number ``retries_done + 1``."""
        window = min(self.max_delay, self.base_delay * (2**retries_done))
        wait = self.uniform(0.0, window)
        asked = getattr(error, "retry_after", None)
        if isinstance(asked, int | float) and asked > wait:
            wait = float(asked)
        return wait
