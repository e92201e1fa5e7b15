"""PausableDeadline: the start-up timeout that stops while a person is waited for."""

from __future__ import annotations

import asyncio

from fastagent.mcp.deadline import PausableDeadline


async def _expired_within(fired: asyncio.Event, seconds: float) -> bool:
    try:
        await asyncio.wait_for(fired.wait(), seconds)
    except TimeoutError:
        return False
    return True


async def test_it_expires_and_a_hold_stops_the_clock_until_released() -> None:
    fired = asyncio.Event()
    deadline = PausableDeadline(0.3, fired.set)
    deadline.hold(True)
    deadline.hold(True)  # holds nest
    assert not await _expired_within(fired, 1.0)  # well past 0.3 s: held
    deadline.hold(False)
    assert not await _expired_within(fired, 0.6)  # one hold is left
    deadline.hold(False)
    assert await _expired_within(fired, 20)


async def test_cancel_means_it_never_expires_and_later_holds_change_nothing() -> None:
    fired = asyncio.Event()
    deadline = PausableDeadline(0.2, fired.set)
    deadline.cancel()
    deadline.hold(True)
    deadline.hold(False)
    deadline.cancel()
    assert not await _expired_within(fired, 0.8)


async def test_an_unheld_deadline_expires_on_time() -> None:
    fired = asyncio.Event()
    PausableDeadline(0.1, fired.set)
    assert await _expired_within(fired, 20)
