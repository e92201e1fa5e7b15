"""SessionStore: one agent set per session key, built lazily, dropped when idle or ended."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

import pytest

from fastagent.agents.base import BaseAgent
from fastagent.messages import Message
from fastagent.serve.sessions import SessionStore


class Recorder(BaseAgent):
    """Remembers what it was sent; optionally waits on a gate inside a turn."""

    def __init__(self, name: str, gate: asyncio.Event | None = None) -> None:
        self.name = name
        self.model = "test"
        self.seen: list[str] = []
        self.gate = gate

    async def generate(self, messages: object, params: object = None) -> Message:
        text = messages if isinstance(messages, str) else str(messages)
        self.seen.append(text)
        if self.gate is not None:
            await self.gate.wait()
        return Message.assistant(f"{len(self.seen)}:{text}")


class Factory:
    def __init__(self) -> None:
        self.built = 0

    async def __call__(self) -> Mapping[str, BaseAgent]:
        self.built += 1
        return {"a": Recorder("a"), "b": Recorder("b")}


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


async def test_same_key_same_agents_other_key_fresh_agents() -> None:
    factory = Factory()
    store = SessionStore(factory)
    first = await store.get("s1")
    again = await store.get("s1")
    other = await store.get("s2")
    assert first is again
    assert other.agents["a"] is not first.agents["a"]
    assert factory.built == 2
    assert len(store) == 2
    assert "s1" in store


async def test_turns_keep_history_per_session() -> None:
    store = SessionStore(Factory())
    async with store.turn("s1", "a") as agent:
        assert await agent.send("one") == "1:one"
    async with store.turn("s1", "a") as agent:
        assert await agent.send("two") == "2:two"
    async with store.turn("s2", "a") as agent:
        assert await agent.send("three") == "1:three"


async def test_no_key_gets_a_fresh_unkept_session_each_time() -> None:
    factory = Factory()
    store = SessionStore(factory)
    async with store.turn(None, "a") as agent:
        assert await agent.send("x") == "1:x"
    async with store.turn(None, "a") as agent:
        assert await agent.send("y") == "1:y"
    assert factory.built == 2
    assert len(store) == 0


async def test_unknown_agent_is_a_key_error() -> None:
    store = SessionStore(Factory())
    with pytest.raises(KeyError):
        async with store.turn("s", "missing"):
            pass


async def test_idle_sessions_are_dropped() -> None:
    clock = Clock()
    store = SessionStore(Factory(), idle_timeout=10, clock=clock)
    old = await store.get("old")
    clock.now = 5
    await store.get("recent")
    clock.now = 12
    await store.get("new")
    assert "old" not in store
    assert "recent" in store
    assert await store.get("old") is not old


async def test_least_recently_used_session_makes_room() -> None:
    clock = Clock()
    store = SessionStore(Factory(), max_sessions=2, idle_timeout=None, clock=clock)
    await store.get("s1")
    clock.now = 1
    await store.get("s2")
    clock.now = 2
    await store.get("s1")
    clock.now = 3
    await store.get("s3")
    assert sorted(k for k in ("s1", "s2", "s3") if k in store) == ["s1", "s3"]


async def test_forget_and_clear() -> None:
    store = SessionStore(Factory())
    await store.get("s1")
    await store.get("s2")
    assert store.forget("s1") is True
    assert store.forget("s1") is False
    store.clear()
    assert len(store) == 0


async def test_turns_of_one_session_do_not_interleave_other_sessions_run_freely() -> None:
    gate = asyncio.Event()
    agents: dict[str, Recorder] = {}

    async def factory() -> Mapping[str, BaseAgent]:
        agent = Recorder("a", gate)
        agents[str(len(agents))] = agent
        return {"a": agent}

    store = SessionStore(factory)
    entered: list[str] = []

    async def turn(key: str, text: str) -> str:
        async with store.turn(key, "a") as agent:
            entered.append(text)
            return await agent.send(text)

    first = asyncio.create_task(turn("s1", "first"))
    second = asyncio.create_task(turn("s1", "second"))
    other = asyncio.create_task(turn("s2", "other"))
    while len(entered) < 2:
        await asyncio.sleep(0)
    assert entered == ["first", "other"]  # "second" waits for "first" to finish
    gate.set()
    assert await first == "1:first"
    assert await second == "2:second"
    assert await other == "1:other"


def test_importing_serve_does_not_import_mcp() -> None:
    import subprocess
    import sys

    code = "import sys, fastagent.serve; print('mcp' in sys.modules, 'uvicorn' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout == "False False\n"
