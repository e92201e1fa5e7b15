from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from fastagent.agents import Agent
from fastagent.agents.base import BaseAgent
from fastagent.agents.workflows.chain import ChainAgent
from fastagent.agents.workflows.declarations import ParallelDeclaration
from fastagent.agents.workflows.parallel import (
    BranchResult,
    ParallelAgent,
    fan_in_message,
    response_block,
)
from fastagent.exceptions import ProviderServerError, UserError, WorkflowTimeoutError
from fastagent.llm import AugmentedLLM, RequestParams
from fastagent.llm.augmented import MessageInput
from fastagent.messages import Message, TextContent
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.tools import FunctionTool, ToolSet


def agent(name: str, reply: str | None = None, *, tools: ToolSet | None = None) -> Agent:
    provider = PassthroughProvider(name, fixed_response=reply)
    return Agent(name, AugmentedLLM(provider, name=name, tools=tools))


def failing(name: str, error: str = "ProviderServerError", text: str = "overloaded") -> BaseAgent:
    """A branch whose model is told to raise: a scripted agent feeding ***RAISE to an echo."""
    return ChainAgent(name, [agent(f"{name}_script", f"***RAISE {error} {text}"), agent(name)])


class Blocker:
    """A tool that waits on an event nobody sets, recording start and cancellation."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.cancelled = asyncio.Event()
        self._never = asyncio.Event()
        self.tools = ToolSet()
        self.tools.add(FunctionTool(self.wait, name="wait"))

    async def wait(self) -> str:
        self.started.set()
        try:
            await self._never.wait()
        except asyncio.CancelledError:
            self.cancelled.set()
            raise
        return "unreachable"


@dataclass
class Meter:
    """How many gauges run at once; they all wait until `opened_at` of them are running."""

    opened_at: int
    now: int = 0
    peak: int = 0
    gate: asyncio.Event = field(default_factory=asyncio.Event)


class Gauge(BaseAgent):
    """A branch that reports to a `Meter` while it runs."""

    def __init__(self, name: str, meter: Meter) -> None:
        self.name, self.model, self.meter = name, "gauge", meter

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        meter = self.meter
        meter.now += 1
        meter.peak = max(meter.peak, meter.now)
        if meter.now >= meter.opened_at:
            meter.gate.set()
        await meter.gate.wait()
        await asyncio.sleep(0)  # one yield: every other branch allowed to start does so now
        meter.now -= 1
        return Message.assistant(self.name)


async def test_fan_out_without_fan_in_returns_named_results_in_order() -> None:
    fan = ParallelAgent("p", [agent("a", "alpha"), agent("b", "beta")])
    result = await fan.run("question")
    reply = result.reply
    assert reply.content == [
        TextContent(text='<response agent="a">\nalpha\n</response>'),
        TextContent(text='<response agent="b">\nbeta\n</response>'),
    ]
    assert reply.text == response_block("a", "alpha") + "\n" + response_block("b", "beta")
    assert [(r.name, r.text) for r in result.branches] == [("a", "alpha"), ("b", "beta")]
    assert reply.model == "parallel"
    assert (await fan.generate("question")).text == reply.text


async def test_branches_get_the_same_message() -> None:
    a, b = agent("a"), agent("b")
    await ParallelAgent("p", [a, b]).generate("same words")
    assert [m.text for m in a.history] == ["same words", "same words"]
    assert [m.text for m in b.history] == ["same words", "same words"]


async def test_fan_in_gets_request_and_named_results_and_its_reply_is_the_result() -> None:
    summarizer = agent("sum")  # echoes what it receives
    fan = ParallelAgent("p", [agent("a", "alpha"), agent("b", "beta")], fan_in=summarizer)
    reply = await fan.generate("what now?")
    expected = (
        "The request:\n<request>\nwhat now?\n</request>\n\n"
        "The responses of 2 agents:\n"
        '<response agent="a">\nalpha\n</response>\n'
        '<response agent="b">\nbeta\n</response>'
    )
    assert reply.text == expected
    assert summarizer.history[0].text == expected
    assert reply.usage is not None and reply.usage.requests == 3
    assert fan.usage == reply.usage


async def test_fan_in_without_the_request() -> None:
    fan = ParallelAgent("p", [agent("a", "alpha")], fan_in=agent("sum"), include_request=False)
    reply = await fan.generate("secret request")
    assert "secret request" not in reply.text
    assert reply.text.startswith("The responses of 1 agents:")


async def test_usage_sums_branches() -> None:
    a, b = agent("a", "alpha"), agent("b", "beta beta beta")
    fan = ParallelAgent("p", [a, b])
    reply = await fan.generate("q")
    assert reply.usage == a.usage + b.usage


async def test_max_concurrency_limits_branches_running_at_once() -> None:
    limited = Meter(opened_at=2)
    fan = ParallelAgent("p", [Gauge(f"g{i}", limited) for i in range(5)], max_concurrency=2)
    reply = await fan.generate("go")
    assert limited.peak == 2
    assert reply.text.count("<response") == 5
    unlimited = Meter(opened_at=2)
    await ParallelAgent("p", [Gauge(f"g{i}", unlimited) for i in range(5)]).generate("go")
    assert unlimited.peak == 5


async def test_fail_fast_raises_the_typed_error_and_cancels_siblings() -> None:
    blocker = Blocker()
    slow = agent("slow", tools=blocker.tools)
    broken = agent("broken")

    class Trigger(BaseAgent):
        """Fails once the slow branch is inside its tool."""

        name, model = "trigger", "t"

        async def generate(
            self, messages: MessageInput, params: RequestParams | None = None
        ) -> Message:
            await blocker.started.wait()
            return await broken.generate("***RAISE ProviderServerError branch down")

    fan = ParallelAgent("p", [slow, Trigger()])
    with pytest.raises(ProviderServerError, match="branch down"):
        await fan.generate("***CALL_TOOL wait")
    assert blocker.cancelled.is_set()


async def test_collect_mode_turns_errors_into_entries_and_keeps_the_rest() -> None:
    fan = ParallelAgent(
        "p", [agent("ok", "fine"), failing("bad")], on_error="collect", fan_in=agent("sum")
    )
    result = await fan.run("question")
    reply = result.reply
    ok, bad = result.branches
    assert ok.text == "fine"
    assert isinstance(bad.error, ProviderServerError)
    assert bad.text == "error: ProviderServerError: overloaded"
    assert '<response agent="bad">\nerror: ProviderServerError: overloaded\n</response>' in (
        reply.text
    )


async def test_branch_timeout_fail_fast_raises_workflow_timeout() -> None:
    blocker = Blocker()
    fan = ParallelAgent(
        "p", [agent("fast", "quick"), agent("slow", tools=blocker.tools)], branch_timeout=0.05
    )
    with pytest.raises(WorkflowTimeoutError) as caught:
        await fan.generate("***CALL_TOOL wait")
    assert caught.value.message == "parallel 'p': branch 'slow' gave no answer within 0.05 s"
    assert (caught.value.workflow, caught.value.member, caught.value.timeout) == ("p", "slow", 0.05)
    assert caught.value.hint is not None and "branch_timeout" in caught.value.hint
    assert blocker.cancelled.is_set()


async def test_branch_timeout_collect_keeps_the_other_results() -> None:
    blocker = Blocker()
    fan = ParallelAgent(
        "p",
        [agent("fast", "quick"), agent("slow", tools=blocker.tools)],
        branch_timeout=0.05,
        on_error="collect",
    )
    result = await fan.run("***CALL_TOOL wait")
    reply = result.reply
    assert [r.text for r in result.branches] == [
        "quick",
        "error: WorkflowTimeoutError: parallel 'p': branch 'slow' gave no answer within 0.05 s",
    ]
    assert reply.usage is not None and reply.usage.requests == 2  # fast: tool round + reply


async def test_cancelling_the_workflow_cancels_every_branch() -> None:
    first, second = Blocker(), Blocker()
    fan = ParallelAgent("p", [agent("a", tools=first.tools), agent("b", tools=second.tools)])
    task = asyncio.create_task(fan.generate("***CALL_TOOL wait"))
    await first.started.wait()
    await second.started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert first.cancelled.is_set() and second.cancelled.is_set()


async def test_parallel_of_chains_nested_in_a_chain() -> None:
    left = ChainAgent("left", [agent("l1", "L"), agent("l2")])
    right = ChainAgent("right", [agent("r1", "R"), agent("r2")])
    fan = ParallelAgent("both", [left, right], fan_in=agent("judge", "verdict"))
    outer = ChainAgent("outer", [fan, agent("echo")])
    reply = await outer.generate("go")
    assert reply.text == "verdict"
    result = await fan.run("go")
    assert [(r.name, r.text) for r in result.branches] == [("left", "L"), ("right", "R")]
    assert reply.usage is not None and reply.usage.requests == 6


def test_format_helpers_and_description() -> None:
    results = [BranchResult("a", reply=Message.assistant("x"))]
    assert fan_in_message(None, results) == (
        'The responses of 1 agents:\n<response agent="a">\nx\n</response>'
    )
    assert ParallelAgent("p", [agent("a"), agent("b")]).instruction == "Asks a, b in parallel."
    combined = ParallelAgent("p", [agent("a")], fan_in=agent("s"))
    assert combined.instruction == "Asks a in parallel, combined by s."


def test_invalid_settings_are_rejected() -> None:
    with pytest.raises(UserError, match="has no fan_out agents"):
        ParallelAgent("p", [])
    with pytest.raises(UserError, match="max_concurrency=0"):
        ParallelAgent("p", [agent("a")], max_concurrency=0)
    with pytest.raises(UserError, match="lists a more than once"):
        ParallelAgent("p", [agent("a"), agent("a")])


def test_spec_members_and_problems() -> None:
    spec = ParallelDeclaration(name="p", fan_out=("a", "b"), fan_in="s")
    assert (spec.agents, spec.tools, spec.servers, spec.kind) == (
        ("a", "b", "s"),
        (),
        (),
        "parallel",
    )
    assert spec.problems() == []
    bad = ParallelDeclaration(
        name="q",
        fan_out=("a", "a"),
        fan_in="a",
        max_concurrency=0,
        branch_timeout=-1,
    )
    assert bad.problems() == [
        "parallel 'q' lists a more than once in fan_out",
        "parallel 'q' uses 'a' both in fan_out and as fan_in",
        "parallel 'q' has max_concurrency=0 (use 1 or more)",
        "parallel 'q' has branch_timeout=-1 (use seconds > 0)",
    ]
    assert ParallelDeclaration(name="e", fan_out=()).problems() == [
        "parallel 'e' has no fan_out agents (give it one or more)"
    ]


class Rendezvous(BaseAgent):
    """Echoes the message, but only once `expected` calls are in flight at the same time."""

    def __init__(self, name: str, expected: int) -> None:
        self.name, self.model = name, "rendezvous"
        self.expected, self.arrived, self.all_in = expected, 0, asyncio.Event()

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        self.arrived += 1
        if self.arrived >= self.expected:
            self.all_in.set()
        await self.all_in.wait()
        text = messages if isinstance(messages, str) else "?"
        return Message.assistant(f"{self.name}:{text}")


async def test_concurrent_runs_each_get_their_own_branch_results() -> None:
    fan = ParallelAgent("p", [Rendezvous("a", 2), Rendezvous("b", 2)])
    # Each branch answers only when both runs are inside it, so the runs truly overlap.
    one, two = await asyncio.wait_for(asyncio.gather(fan.run("first"), fan.run("second")), 20)
    assert [r.text for r in one.branches] == ["a:first", "b:first"]
    assert [r.text for r in two.branches] == ["a:second", "b:second"]
    assert one.reply.text != two.reply.text
