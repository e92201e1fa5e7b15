from __future__ import annotations

import asyncio

import pytest

from fastagent.agents import Agent
from fastagent.agents.workflows._workflow_llm import request_text
from fastagent.agents.workflows.chain import ChainAgent, transcript_block
from fastagent.agents.workflows.declarations import ChainDeclaration
from fastagent.agents.workflows.parallel import ParallelAgent
from fastagent.exceptions import ProviderServerError, UserError
from fastagent.llm import AugmentedLLM, RequestParams
from fastagent.llm.augmented import MessageInput
from fastagent.messages import Message, Usage
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.tools import FunctionTool, ToolSet


def agent(name: str, reply: str | None = None, *, tools: ToolSet | None = None) -> Agent:
    provider = PassthroughProvider(name, fixed_response=reply)
    return Agent(name, AugmentedLLM(provider, name=name, tools=tools))


class Recorder(Agent):
    """A passthrough agent that remembers what it was sent."""

    def __init__(self, name: str, reply: str | None = None) -> None:
        super().__init__(name, agent(name, reply).llm)
        self.received: list[str] = []
        self.params: list[RequestParams | None] = []

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        self.received.append(request_text(messages))
        self.params.append(params)
        return await super().generate(messages, params)


async def test_each_member_gets_the_previous_reply_and_the_last_reply_wins() -> None:
    first, second, third = Recorder("first", "one"), Recorder("second", "two"), Recorder("third")
    chain = ChainAgent("c", [first, second, third])
    assert await chain.send("start") == "two"
    assert (first.received, second.received, third.received) == (["start"], ["one"], ["two"])
    assert chain.model == "chain"


async def test_echo_members_pass_the_message_through() -> None:
    chain = ChainAgent("c", [agent("a"), agent("b")])
    reply = await chain.generate("hello there")
    assert reply.text == "hello there"
    assert reply.role == "assistant"


async def test_cumulative_passes_and_returns_the_transcript() -> None:
    first, second = Recorder("first", "one"), Recorder("second", "two")
    chain = ChainAgent("c", [first, second], cumulative=True)
    reply = await chain.generate("start")
    assert second.received == ["user: start\n\nfirst: one"]
    assert reply.text == "user: start\n\nfirst: one\n\nsecond: two"
    assert transcript_block("x", "y") == "x: y"


async def test_usage_is_the_sum_of_member_replies_and_accumulates() -> None:
    a, b = agent("a", "alpha reply"), agent("b", "beta reply text")
    chain = ChainAgent("c", [a, b])
    reply = await chain.generate("some request")
    assert reply.usage == a.usage + b.usage
    assert reply.usage is not None and reply.usage.requests == 2
    await chain.generate("again")
    assert chain.usage == a.usage + b.usage
    assert chain.usage.requests == 4


async def test_params_go_to_every_member() -> None:
    first, second = Recorder("first", "one"), Recorder("second")
    params = RequestParams(max_tokens=50)
    await ChainAgent("c", [first, second]).generate("x", params)
    assert first.params == [params] and second.params == [params]


async def test_member_failure_propagates_typed_and_stops_the_chain() -> None:
    after = Recorder("after")
    chain = ChainAgent("c", [agent("a"), after])
    with pytest.raises(ProviderServerError, match="boom"):
        await chain.send("***RAISE ProviderServerError boom")
    assert after.received == []
    assert chain.usage == Usage()


async def test_chain_of_parallel_and_parallel_inside_chain() -> None:
    inner_chain = ChainAgent("inner", [agent("x", "x-said"), agent("y")])
    fan = ParallelAgent("fan", [agent("p", "p-said"), inner_chain])
    outer = ChainAgent("outer", [agent("start"), fan, Recorder("end")])
    reply = await outer.generate("go")
    assert reply.text == (
        '<response agent="p">\np-said\n</response>\n<response agent="inner">\nx-said\n</response>'
    )
    assert reply.usage is not None and reply.usage.requests == 5


async def test_cancelling_the_chain_cancels_the_running_member() -> None:
    started, cancelled = asyncio.Event(), asyncio.Event()
    never = asyncio.Event()

    async def wait() -> str:
        started.set()
        try:
            await never.wait()
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return "unreachable"

    tools = ToolSet()
    tools.add(FunctionTool(wait))
    later = Recorder("later")
    chain = ChainAgent("c", [agent("waiter", tools=tools), later])
    task = asyncio.create_task(chain.send("***CALL_TOOL wait"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()
    assert later.received == []


def test_empty_chain_is_rejected() -> None:
    with pytest.raises(UserError, match="chain 'c' has no agents"):
        ChainAgent("c", [])


def test_instruction_describes_members_unless_given() -> None:
    assert ChainAgent("c", [agent("a"), agent("b")]).instruction == (
        "Runs a -> b, each on the previous reply."
    )
    assert ChainAgent("c", [agent("a")], instruction="Writes posts.").instruction == (
        "Writes posts."
    )


def test_spec_lists_distinct_members_and_checks_itself() -> None:
    spec = ChainDeclaration(name="c", sequence=("a", "b", "a"))
    assert spec.agents == ("a", "b")
    assert spec.sequence == ("a", "b", "a")
    assert (spec.tools, spec.servers, spec.kind) == ((), (), "chain")
    assert spec.problems() == []
    assert ChainDeclaration(name="e", sequence=()).problems() == [
        "chain 'e' has an empty sequence (give it one or more agents)"
    ]
