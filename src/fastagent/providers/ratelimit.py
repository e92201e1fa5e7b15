"""Client-side rate limits of one provider: `RateLimiter` and its `TokenBucket`.

A limiter combines up to three limits from the provider's settings: ``max_concurrent`` (calls
in flight), ``requests_per_minute`` and ``tokens_per_minute`` (token buckets that refill
continuously). A call takes a slot with ``async with limiter.slot(estimate) as permit:``;
tokens are taken up front from an estimate of the request's size and corrected with
``permit.record(usage)`` once the real usage is known. Leaving the block, however it is left
(error, cancellation), frees the slot.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from fastagent.config.settings import ProviderSettings
    from fastagent.messages import Usage
    from fastagent.providers.base import CompletionRequest

__all__ = ["Permit", "RateLimiter", "TokenBucket", "estimate_request_tokens", "usage_tokens"]

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

_CHARS_PER_TOKEN = 4


class TokenBucket:
    """A bucket of ``per_minute`` units that refills continuously at ``per_minute / 60`` a second.

    Waiters are served first come, first served. A request larger than the whole bucket waits
    for a full bucket and takes all of it.

    Args:
        per_minute: Capacity, and refill per minute.
        clock: Monotonic seconds (injectable for tests).
        sleep: Awaited to wait (injectable for tests).
    """

    def __init__(
        self, per_minute: int, *, clock: Clock = time.monotonic, sleep: Sleep = asyncio.sleep
    ) -> None:
        self.capacity = float(per_minute)
        self._rate = per_minute / 60.0
        self._clock = clock
        self._sleep = sleep
        self._level = self.capacity
        self._updated = clock()
        self._lock = asyncio.Lock()

    @property
    def level(self) -> float:
        """Units available now (negative while paying back an underestimate)."""
        self._refill()
        return self._level

    async def acquire(self, amount: float) -> float:
        """Wait until `amount` units are available and take them.

        Returns:
            The units taken (`amount`, capped at the capacity).
        """
        amount = min(max(amount, 0.0), self.capacity)
        async with self._lock:
            while True:
                self._refill()
                if self._level >= amount:
                    self._level -= amount
                    return amount
                await self._sleep((amount - self._level) / self._rate)

    def adjust(self, extra: float) -> None:
        """Take `extra` more units at once (give them back when negative), without waiting."""
        self._refill()
        self._level = min(self.capacity, self._level - extra)

    def _refill(self) -> None:
        now = self._clock()
        elapsed = max(now - self._updated, 0.0)
        self._level = min(self.capacity, self._level + elapsed * self._rate)
        self._updated = now


class Permit:
    """One call's hold on a `RateLimiter`; `record` corrects its token estimate."""

    __slots__ = ("_bucket", "_taken")

    def __init__(self, bucket: TokenBucket | None, taken: float) -> None:
        self._bucket = bucket
        self._taken = taken

    def record(self, usage: Usage | None) -> None:
        """Replace the estimate taken from the token bucket with the call's real usage."""
        if self._bucket is None or usage is None:
            return
        actual = usage_tokens(usage)
        self._bucket.adjust(actual - self._taken)
        self._taken = actual


class RateLimiter:
    """The concurrency, request-rate and token-rate limits of one provider.

    Args:
        max_concurrent: At most this many calls in flight; None means no limit.
        requests_per_minute: Request rate limit; None means no limit.
        tokens_per_minute: Token rate limit; None means no limit.
        clock: Monotonic seconds (injectable for tests).
        sleep: Awaited to wait (injectable for tests).
    """

    def __init__(
        self,
        *,
        max_concurrent: int | None = None,
        requests_per_minute: int | None = None,
        tokens_per_minute: int | None = None,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.max_concurrent = max_concurrent
        self._semaphore = asyncio.Semaphore(max_concurrent) if max_concurrent else None
        self.requests = (
            TokenBucket(requests_per_minute, clock=clock, sleep=sleep)
            if requests_per_minute
            else None
        )
        self.tokens = (
            TokenBucket(tokens_per_minute, clock=clock, sleep=sleep) if tokens_per_minute else None
        )
        self._in_flight = 0

    @classmethod
    def from_settings(cls, settings: ProviderSettings) -> RateLimiter | None:
        """The limiter a provider's settings ask for, or None when they set no limit."""
        if not (
            settings.max_concurrent or settings.requests_per_minute or settings.tokens_per_minute
        ):
            return None
        return cls(
            max_concurrent=settings.max_concurrent,
            requests_per_minute=settings.requests_per_minute,
            tokens_per_minute=settings.tokens_per_minute,
        )

    @property
    def counts_tokens(self) -> bool:
        """Whether callers need to estimate request sizes (a token limit is set)."""
        return self.tokens is not None

    @property
    def in_flight(self) -> int:
        """Calls holding a slot right now."""
        return self._in_flight

    @contextlib.asynccontextmanager
    async def slot(self, estimated_tokens: int = 0) -> AsyncIterator[Permit]:
        """Wait for a free slot and the rate budget, then hold them for the block.

        Args:
            estimated_tokens: The request's estimated size, taken from the token bucket now
                and corrected by `Permit.record`.
        """
        async with contextlib.AsyncExitStack() as stack:
            if self._semaphore is not None:
                await stack.enter_async_context(self._semaphore)
            if self.requests is not None:
                await self.requests.acquire(1)
            taken = 0.0
            if self.tokens is not None:
                taken = await self.tokens.acquire(estimated_tokens)
            self._in_flight += 1
            try:
                yield Permit(self.tokens, taken)
            finally:
                self._in_flight -= 1


def usage_tokens(usage: Usage) -> int:
    """The tokens a call counts against a token rate limit: input, cache writes and output."""
    return usage.input_tokens + usage.cache_write_tokens + usage.output_tokens


def estimate_request_tokens(request: CompletionRequest) -> int:
    """A rough size of a request's input in tokens: a quarter of its characters."""
    chars = len(request.system or "")
    chars += sum(len(message.model_dump_json()) for message in request.messages)
    chars += sum(
        len(tool.name) + len(tool.description or "") + len(str(tool.input_schema))
        for tool in request.tools
    )
    return max(1, chars // _CHARS_PER_TOKEN)
