"""`ReliableProvider`: retries with backoff and client-side rate limits around any provider.

It is a `Provider` itself, so everything above it is unaware of it. Each attempt holds a slot
of the provider's shared `RateLimiter` only while the call runs, never while waiting to retry.
A retryable failure (see `fastagent.providers.retry`) is retried up to the policy's
``max_retries``, each retry announced as a `RetryScheduled` event and a log line on
``fastagent.providers``. A stream is retried only when it failed before its first event:
after that the caller has seen part of the answer. Cancelling a call cancels the wrapped call
and frees its slot.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TYPE_CHECKING, Any

from fastagent.events import EventBus, RetryScheduled
from fastagent.exceptions import FastAgentError
from fastagent.logging import get_logger
from fastagent.providers.ratelimit import RateLimiter, estimate_request_tokens
from fastagent.providers.retry import RetryPolicy
from fastagent.streaming import StreamDone, StreamEvent

if TYPE_CHECKING:
    from fastagent.messages import Message
    from fastagent.providers.base import CompletionRequest, Provider

__all__ = ["ReliableProvider"]

_log = get_logger("providers")


class ReliableProvider:
    """Wraps a provider with retries and rate limiting; same protocol as the provider.

    Args:
        inner: The provider doing the calls.
        policy: When and how long to retry (defaults to `RetryPolicy()`).
        limiter: The rate limiter shared by every user of this provider, if limits are set.
        events: Where `RetryScheduled` events go.
        name: The registry name to report (defaults to the inner provider's name), e.g. a
            preset name such as ``ollama``.

    Attributes:
        inner: The wrapped provider.
        name: The provider's registry name.
        model: The model the wrapped provider calls.
    """

    def __init__(
        self,
        inner: Provider,
        *,
        policy: RetryPolicy | None = None,
        limiter: RateLimiter | None = None,
        events: EventBus | None = None,
        name: str | None = None,
    ) -> None:
        self.inner = inner
        self.policy = policy if policy is not None else RetryPolicy()
        self.limiter = limiter
        self.events = events
        self.name = name or inner.name
        self.model = inner.model

    @property
    def native_structured_output(self) -> bool:
        """Whether the wrapped provider enforces ``response_format`` itself."""
        return bool(getattr(self.inner, "native_structured_output", False))

    async def complete(self, request: CompletionRequest) -> Message:
        """Make the call, retrying retryable failures; see the module docs."""
        retries = 0
        while True:
            try:
                return await self._complete_once(request)
            except Exception as error:
                if not self.policy.should_retry(error, retries):
                    raise
                await self._wait_before_retry(error, retries)
                retries += 1

    async def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Stream the call; retry only failures that came before the first event."""
        retries = 0
        while True:
            started = False
            try:
                async with contextlib.aclosing(self._stream_once(request)) as events:
                    async for event in events:
                        started = True
                        yield event
                return
            except Exception as error:
                if started or not self.policy.should_retry(error, retries):
                    raise
                await self._wait_before_retry(error, retries)
                retries += 1

    async def _complete_once(self, request: CompletionRequest) -> Message:
        if self.limiter is None:
            return await self.inner.complete(request)
        async with self.limiter.slot(self._estimate(request)) as permit:
            message = await self.inner.complete(request)
            permit.record(message.usage)
            return message

    async def _stream_once(self, request: CompletionRequest) -> AsyncGenerator[StreamEvent]:
        async with contextlib.AsyncExitStack() as stack:
            permit = None
            if self.limiter is not None:
                permit = await stack.enter_async_context(self.limiter.slot(self._estimate(request)))
            events = self.inner.stream(request)
            aclose: Any = getattr(events, "aclose", None)
            if aclose is not None:
                stack.push_async_callback(aclose)
            async for event in events:
                if permit is not None and isinstance(event, StreamDone):
                    permit.record(event.message.usage)
                yield event

    def _estimate(self, request: CompletionRequest) -> int:
        assert self.limiter is not None
        return estimate_request_tokens(request) if self.limiter.counts_tokens else 0

    async def _wait_before_retry(self, error: Exception, retries: int) -> None:
        delay = self.policy.delay(error, retries)
        attempt = retries + 1
        # The message alone: str() of a fastagent error adds its hint on a second line.
        detail = FastAgentError.message_of(error)
        reason = f"{type(error).__name__}: {detail}"
        _log.info(
            "%s.%s failed (%s); retry %d of %d in %.2fs",
            self.name,
            self.model,
            reason,
            attempt,
            self.policy.max_retries,
            delay,
        )
        if self.events is not None:
            self.events.publish(
                RetryScheduled(
                    source=f"{self.name}.{self.model}", attempt=attempt, delay=delay, reason=reason
                )
            )
        await self.policy.sleep(delay)

    def warm(self) -> None:
        """Warm the wrapped provider (its SDK import and client), if it can be."""
        warm = getattr(self.inner, "warm", None)
        if warm is not None:
            warm()

    async def aclose(self) -> None:
        """Close the wrapped provider's resources (its SDK client), if it has any."""
        close = getattr(self.inner, "aclose", None)
        if close is not None:
            await close()

    def __repr__(self) -> str:
        return f"ReliableProvider({self.inner!r}, max_retries={self.policy.max_retries})"
