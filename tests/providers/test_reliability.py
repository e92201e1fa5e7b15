import asyncio
import contextlib
import logging

import pytest

from fastagent.events import EventBus, RetryScheduled
from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ProviderConnectionError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
    UserError,
)
from fastagent.messages import Message, Usage
from fastagent.providers.base import CompletionRequest, Provider
from fastagent.providers.ratelimit import RateLimiter
from fastagent.providers.reliability import ReliableProvider
from fastagent.providers.retry import RetryPolicy, is_retryable
from fastagent.streaming import StreamDone, TextDelta, events_for_message

REQUEST = CompletionRequest([Message.user("hello")])


def reply(text: str = "ok") -> Message:
    message = Message.assistant(text)
    message.usage = Usage(input_tokens=100, output_tokens=50, requests=1)
    return message


class Scripted:
    """Plays one outcome per call: a Message, an exception, or (text, exception) for a stream
    that fails after its first event."""

    name = "scripted"
    model = "m1"

    def __init__(self, *outcomes):
        self.outcomes = list(outcomes)
        self.calls = 0

    def _next(self):
        self.calls += 1
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    async def complete(self, request):
        return self._next()

    async def stream(self, request):
        outcome = self._next()
        if isinstance(outcome, tuple):
            yield TextDelta(outcome[0])
            raise outcome[1]
        async for event in events_for_message(outcome):
            yield event


class Sleeps:
    def __init__(self):
        self.delays = []

    async def __call__(self, seconds):
        self.delays.append(seconds)


def wrap(inner, *, retries=3, limiter=None, events=None, uniform=lambda low, high: high):
    sleeps = Sleeps()
    policy = RetryPolicy(max_retries=retries, sleep=sleeps, uniform=uniform)
    return ReliableProvider(inner, policy=policy, limiter=limiter, events=events), sleeps


RETRYABLE = [
    RateLimitError("429"),
    ProviderServerError("500", status_code=500),
    ProviderConnectionError("down"),
    ProviderTimeoutError("slow"),
]


@pytest.mark.parametrize("error", RETRYABLE, ids=lambda e: type(e).__name__)
async def test_retryable_errors_are_retried(error):
    inner = Scripted(error, reply("second"))
    provider, sleeps = wrap(inner)
    assert (await provider.complete(REQUEST)).text == "second"
    assert inner.calls == 2
    assert sleeps.delays == [0.5]
    assert is_retryable(error)


@pytest.mark.parametrize(
    "error",
    [
        BadRequestError("bad", status_code=400),
        AuthenticationError("no", status_code=401),
        UserError("mine"),
        ValueError("bug"),
    ],
    ids=lambda e: type(e).__name__,
)
async def test_other_errors_pass_through_at_once(error):
    bus = EventBus()
    seen = []
    bus.subscribe(seen.append)
    inner = Scripted(error, reply())
    provider, sleeps = wrap(inner, events=bus)
    with pytest.raises(type(error)) as info:
        await provider.complete(REQUEST)
    assert info.value is error
    assert (inner.calls, sleeps.delays, seen) == (1, [], [])


async def test_backoff_is_exponential_with_full_jitter_and_capped():
    windows = []

    def uniform(low, high):
        windows.append((low, high))
        return high / 2

    inner = Scripted(*[ProviderConnectionError("down")] * 5, reply())
    sleeps = Sleeps()
    policy = RetryPolicy(
        max_retries=5, base_delay=1.0, max_delay=4.0, sleep=sleeps, uniform=uniform
    )
    await ReliableProvider(inner, policy=policy).complete(REQUEST)
    assert windows == [(0.0, 1.0), (0.0, 2.0), (0.0, 4.0), (0.0, 4.0), (0.0, 4.0)]
    assert sleeps.delays == [0.5, 1.0, 2.0, 2.0, 2.0]


async def test_retry_after_is_honoured_as_a_minimum():
    inner = Scripted(
        RateLimitError("429", retry_after=7.0), RateLimitError("429", retry_after=0.1), reply()
    )
    provider, sleeps = wrap(inner)
    await provider.complete(REQUEST)
    assert sleeps.delays == [7.0, 1.0]  # the second jitter window (1.0) beats retry_after 0.1


async def test_retry_after_longer_than_the_limit_is_raised_at_once():
    inner = Scripted(RateLimitError("429", retry_after=3600.0), reply())
    provider, sleeps = wrap(inner)
    with pytest.raises(RateLimitError) as caught:
        await provider.complete(REQUEST)
    assert caught.value.retry_after == 3600.0
    assert inner.calls == 1 and sleeps.delays == []
    inner = Scripted(RateLimitError("429", retry_after=60.0), reply())
    provider, sleeps = wrap(inner)
    await provider.complete(REQUEST)  # at the limit: waited for
    assert sleeps.delays == [60.0]


async def test_gives_up_after_max_retries_with_the_last_error():
    errors = [ProviderServerError(f"fail {i}", status_code=503) for i in range(3)]
    inner = Scripted(*errors, reply())
    bus = EventBus()
    events = []
    bus.subscribe(events.append, RetryScheduled)
    provider, _ = wrap(inner, retries=2, events=bus)
    with pytest.raises(ProviderServerError, match="fail 2"):
        await provider.complete(REQUEST)
    assert inner.calls == 3
    assert [e.attempt for e in events] == [1, 2]


async def test_zero_retries_means_one_attempt():
    inner = Scripted(ProviderTimeoutError("slow"), reply())
    provider, sleeps = wrap(inner, retries=0)
    with pytest.raises(ProviderTimeoutError):
        await provider.complete(REQUEST)
    assert (inner.calls, sleeps.delays) == (1, [])


async def test_each_retry_publishes_an_event_and_logs_a_line(caplog):
    bus = EventBus()
    events = []
    bus.subscribe(events.append, RetryScheduled)
    inner = Scripted(ProviderServerError("overloaded", status_code=529), reply())
    provider, _ = wrap(inner, events=bus)
    with caplog.at_level(logging.INFO, logger="fastagent.providers"):
        await provider.complete(REQUEST)
    (event,) = events
    assert (event.source, event.attempt, event.delay) == ("scripted.m1", 1, 0.5)
    assert event.reason == "ProviderServerError: overloaded"
    (record,) = [r for r in caplog.records if r.name == "fastagent.providers"]
    assert "scripted.m1" in record.getMessage()
    assert "retry 1 of 3 in 0.50s" in record.getMessage()


async def test_stream_failing_before_its_first_event_is_retried():
    inner = Scripted(ProviderConnectionError("reset"), reply("streamed"))
    provider, sleeps = wrap(inner)
    events = [event async for event in provider.stream(REQUEST)]
    assert isinstance(events[-1], StreamDone)
    assert events[-1].message.text == "streamed"
    assert (inner.calls, sleeps.delays) == (2, [0.5])


async def test_stream_failing_after_its_first_event_is_not_retried():
    inner = Scripted(("partial", ProviderConnectionError("reset")), reply())
    provider, sleeps = wrap(inner)
    seen = []
    with pytest.raises(ProviderConnectionError):
        async for event in provider.stream(REQUEST):
            seen.append(event)
    assert seen == [TextDelta("partial")]
    assert (inner.calls, sleeps.delays) == (1, [])


class Blocking:
    name = "blocking"
    model = "b1"

    def __init__(self):
        self.entered = asyncio.Event()
        self.cancelled = False
        self.closed = False

    async def complete(self, request):
        self.entered.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        raise AssertionError("unreachable")

    async def stream(self, request):
        try:
            yield TextDelta("first")
            self.entered.set()
            await asyncio.Event().wait()
            yield TextDelta("never")
        finally:
            self.closed = True


async def test_cancellation_aborts_the_call_and_frees_the_slot():
    inner = Blocking()
    limiter = RateLimiter(max_concurrent=1)
    provider, sleeps = wrap(inner, limiter=limiter)
    task = asyncio.create_task(provider.complete(REQUEST))
    await inner.entered.wait()
    assert limiter.in_flight == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert inner.cancelled
    assert limiter.in_flight == 0
    assert sleeps.delays == []


async def test_abandoned_stream_is_closed_and_frees_the_slot():
    inner = Blocking()
    limiter = RateLimiter(max_concurrent=1)
    provider, _ = wrap(inner, limiter=limiter)
    async with contextlib.aclosing(provider.stream(REQUEST)) as stream:
        async for event in stream:
            assert event == TextDelta("first")
            assert limiter.in_flight == 1
            break
    assert inner.closed
    assert limiter.in_flight == 0


async def test_cancelled_stream_frees_the_slot():
    inner = Blocking()
    limiter = RateLimiter(max_concurrent=1)
    provider, _ = wrap(inner, limiter=limiter)

    async def consume():
        async with contextlib.aclosing(provider.stream(REQUEST)) as stream:
            async for _ in stream:
                pass

    task = asyncio.create_task(consume())
    await inner.entered.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert inner.closed
    assert limiter.in_flight == 0


async def test_actual_usage_corrects_the_token_budget():
    frozen = lambda: 0.0  # noqa: E731
    limiter = RateLimiter(tokens_per_minute=10_000, clock=frozen)
    provider, _ = wrap(Scripted(reply(), reply()), limiter=limiter)
    await provider.complete(REQUEST)
    assert limiter.tokens is not None
    assert limiter.tokens.level == 10_000 - 150
    events = [e async for e in provider.stream(REQUEST)]
    assert isinstance(events[-1], StreamDone)
    assert limiter.tokens.level == 10_000 - 300


async def test_wrapper_speaks_the_provider_protocol():
    inner = Scripted(reply())
    inner.native_structured_output = True
    provider = ReliableProvider(inner, name="preset")
    assert isinstance(provider, Provider)
    assert (provider.name, provider.model, provider.inner) == ("preset", "m1", inner)
    assert provider.native_structured_output
    assert ReliableProvider(Scripted()).name == "scripted"
    assert not ReliableProvider(Blocking()).native_structured_output
    assert provider.policy.max_retries == 3


async def test_aclose_closes_the_wrapped_provider() -> None:
    from fastagent.providers.passthrough import PassthroughProvider
    from fastagent.providers.reliability import ReliableProvider

    class Closable(PassthroughProvider):
        closed = 0

        async def aclose(self) -> None:
            self.closed += 1

    inner = Closable("passthrough")
    await ReliableProvider(inner).aclose()
    assert inner.closed == 1
    await ReliableProvider(PassthroughProvider("passthrough")).aclose()  # nothing to close


async def test_retry_reason_is_one_line_without_the_errors_hint() -> None:
    # A real 429 from the Anthropic SDK: the error carries a hint, which str(error) now
    # appends on a line of its own; the retry notice stays one line.
    import json
    from pathlib import Path

    import httpx
    import respx

    from fastagent.providers.anthropic import AnthropicProvider

    payloads = Path(__file__).parent / "payloads" / "anthropic"
    limited = json.loads((payloads / "error_rate_limit.json").read_text())
    answer = json.loads((payloads / "message_text.json").read_text())
    bus = EventBus()
    events: list[RetryScheduled] = []
    bus.subscribe(events.append, RetryScheduled)
    async with respx.mock() as router, httpx.AsyncClient() as client:
        router.post("https://api.anthropic.com/v1/messages").mock(
            side_effect=[
                httpx.Response(429, json=limited, headers={"retry-after": "0"}),
                httpx.Response(200, json=answer),
            ]
        )
        inner = AnthropicProvider(
            "claude-sonnet-4-6", api_key="sk-ant-test-0123456789abcdef", http_client=client
        )
        provider, _ = wrap(inner, events=bus)
        reply = await provider.complete(REQUEST)
    assert reply.text
    (event,) = events
    assert event.reason.startswith("RateLimitError: anthropic returned HTTP 429: ")
    assert "\n" not in event.reason
    assert "hint" not in event.reason
