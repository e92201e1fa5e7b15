import asyncio

import pytest

from fastagent.config.settings import AnthropicSettings
from fastagent.messages import Message, Usage
from fastagent.providers.base import CompletionRequest
from fastagent.providers.ratelimit import (
    RateLimiter,
    TokenBucket,
    estimate_request_tokens,
    usage_tokens,
)


class FakeTime:
    """A clock that only moves when someone sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds
        await asyncio.sleep(0)


async def test_fifty_calls_never_exceed_max_concurrent():
    limiter = RateLimiter(max_concurrent=5)
    in_flight = 0
    peak = 0
    limit_reached = asyncio.Event()
    gate = asyncio.Event()

    async def call(i: int) -> int:
        nonlocal in_flight, peak
        async with limiter.slot():
            in_flight += 1
            peak = max(peak, in_flight)
            assert limiter.in_flight == in_flight
            if in_flight == 5:
                limit_reached.set()
            await gate.wait()
            in_flight -= 1
        return i

    tasks = [asyncio.create_task(call(i)) for i in range(50)]
    await limit_reached.wait()
    assert in_flight == 5
    gate.set()
    assert sorted(await asyncio.gather(*tasks)) == list(range(50))
    assert peak == 5
    assert limiter.in_flight == 0


async def test_cancelled_call_frees_its_slot():
    limiter = RateLimiter(max_concurrent=1)
    entered = asyncio.Event()

    async def hold() -> None:
        async with limiter.slot():
            entered.set()
            await asyncio.Event().wait()

    holder = asyncio.create_task(hold())
    await entered.wait()

    async def next_call() -> int:
        async with limiter.slot():
            return limiter.in_flight

    waiter = asyncio.create_task(next_call())
    holder.cancel()
    with pytest.raises(asyncio.CancelledError):
        await holder
    assert await waiter == 1
    assert limiter.in_flight == 0


async def test_requests_per_minute_spaces_calls():
    time = FakeTime()
    limiter = RateLimiter(requests_per_minute=3, clock=time.clock, sleep=time.sleep)
    for _ in range(4):
        async with limiter.slot():
            pass
    assert time.sleeps == [pytest.approx(20.0)]
    assert time.now == pytest.approx(20.0)


async def test_token_bucket_waits_refills_and_caps():
    time = FakeTime()
    bucket = TokenBucket(600, clock=time.clock, sleep=time.sleep)
    assert await bucket.acquire(500) == 500
    assert bucket.level == 100
    await bucket.acquire(200)  # 100 short at 10 per second
    assert time.now == pytest.approx(10.0)
    assert bucket.level == pytest.approx(0.0)
    assert await bucket.acquire(10_000) == 600  # larger than the bucket: waits for all of it
    assert time.now == pytest.approx(70.0)
    time.now += 3600
    assert bucket.level == 600


async def test_tokens_are_estimated_then_corrected_by_usage():
    time = FakeTime()
    limiter = RateLimiter(tokens_per_minute=1000, clock=time.clock, sleep=time.sleep)
    assert limiter.counts_tokens
    assert limiter.tokens is not None
    async with limiter.slot(300) as permit:
        assert limiter.tokens.level == 700
        permit.record(Usage(input_tokens=500, output_tokens=200, cache_write_tokens=100))
    assert limiter.tokens.level == 200
    async with limiter.slot(400) as permit:
        permit.record(Usage(input_tokens=50, output_tokens=50))
    assert limiter.tokens.level == 300  # waited to 400, took 400, 300 given back
    assert time.sleeps == [pytest.approx(12.0)]  # waited for 200 more tokens at 1000/min


async def test_underestimate_becomes_debt_that_later_calls_wait_out():
    time = FakeTime()
    limiter = RateLimiter(tokens_per_minute=600, clock=time.clock, sleep=time.sleep)
    async with limiter.slot(10) as permit:
        permit.record(Usage(input_tokens=900))
    assert limiter.tokens is not None
    assert limiter.tokens.level == -300
    async with limiter.slot(100):
        pass
    assert time.now == pytest.approx(40.0)


def test_from_settings():
    assert RateLimiter.from_settings(AnthropicSettings()) is None
    limiter = RateLimiter.from_settings(
        AnthropicSettings(max_concurrent=2, requests_per_minute=60, tokens_per_minute=1000)
    )
    assert limiter is not None
    assert limiter.max_concurrent == 2
    assert limiter.requests is not None and limiter.requests.capacity == 60
    assert limiter.tokens is not None and limiter.tokens.capacity == 1000
    only_rpm = RateLimiter.from_settings(AnthropicSettings(requests_per_minute=5))
    assert only_rpm is not None and not only_rpm.counts_tokens


def test_estimates():
    small = CompletionRequest([Message.user("hi")])
    big = CompletionRequest([Message.user("word " * 4000)], system="be brief " * 100)
    assert estimate_request_tokens(small) >= 1
    assert 5000 < estimate_request_tokens(big) < 6000
    assert usage_tokens(Usage(input_tokens=1, output_tokens=2, cache_read_tokens=50)) == 3
