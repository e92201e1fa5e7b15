from __future__ import annotations

import asyncio
import json
import logging
import subprocess
from pathlib import Path

import pytest

from fastagent import FastAgent
from fastagent.agents import Agent, AgentDeclaration
from fastagent.agents.base import BaseAgent
from fastagent.agents.workflows.declarations import RouterDeclaration
from fastagent.agents.workflows.router import ROUTER_INSTRUCTION, RouterAgent, routing_prompt
from fastagent.agents.workflows.router_decision import RoutingDecision
from fastagent.config import Settings
from fastagent.exceptions import ModelOutputError, PlaybackExhaustedError, UserError
from fastagent.history import save_history
from fastagent.llm import AugmentedLLM, RequestParams
from fastagent.llm.augmented import MessageInput
from fastagent.messages import Message, Usage
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider
from process_helpers import run_offline

from ...conftest import without_progress


def decision(agent: str, confidence: str = "high", reasoning: str = "fits") -> str:
    return json.dumps({"agent": agent, "confidence": confidence, "reasoning": reasoning})


def recorded(text: str, usage: Usage | None = None) -> Message:
    message = Message.assistant(text)
    message.usage = usage
    return message


def routing_llm(*replies: str | Message) -> AugmentedLLM:
    turns = [r if isinstance(r, Message) else recorded(r) for r in replies]
    return AugmentedLLM(PlaybackProvider(conversation=turns), name="router")


def worker(name: str, instruction: str, reply: str | None = None) -> Agent:
    provider = PassthroughProvider(fixed_response=reply)
    return Agent(name, AugmentedLLM(provider, name=name, instruction=instruction))


def members() -> list[Agent]:
    return [
        worker("billing", "You answer questions about invoices and payments.", "billing here"),
        worker("tech", "You fix technical problems.", "tech here"),
        worker("sales", "You sell upgrades.", "sales here"),
    ]


def settings() -> Settings:
    return Settings.model_validate({"logger": {"type": "none"}})


class ManualChain(BaseAgent):
    """A two-step sequence, standing in for the chain workflow."""

    def __init__(self, name: str, steps: list[BaseAgent]) -> None:
        self.name, self.model, self.steps = name, "chain", steps

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        reply = await self.steps[0].generate(messages, params)
        for step in self.steps[1:]:
            reply = await step.generate(reply.text, params)
        return reply


async def test_routes_to_the_agent_the_model_picks() -> None:
    agents = members()
    router = RouterAgent("triage", agents, llm=routing_llm(decision("tech", "medium", "a bug")))
    result = await router.run("the app crashes")
    assert result.reply.text == "tech here"
    assert result.decision == RoutingDecision(agent="tech", confidence="medium", reasoning="a bug")
    assert [m.text for m in agents[1].history] == ["the app crashes", "tech here"]
    assert agents[0].history == [] and agents[2].history == []


async def test_each_message_is_routed_afresh() -> None:
    agents = members()
    llm = routing_llm(decision("billing"), decision("sales"))
    router = RouterAgent("triage", agents, llm=llm)
    assert await router.send("my invoice") == "billing here"
    result = await router.run("a bigger plan?")
    assert result.reply.text == "sales here" and result.decision.agent == "sales"
    assert llm.memory.messages() == []  # routing turns are not remembered


async def test_member_name_is_matched_ignoring_case_and_quotes() -> None:
    router = RouterAgent("triage", members(), llm=routing_llm(decision(" 'Billing' ")))
    result = await router.run("refund")
    assert result.reply.text == "billing here" and result.decision.agent == "billing"


async def test_unknown_choice_goes_to_fallback_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    agents = members()
    router = RouterAgent(
        "triage", agents, llm=routing_llm(decision("legal", reasoning="law")), fallback="sales"
    )
    with caplog.at_level(logging.WARNING, logger="fastagent.workflows.router"):
        result = await router.run("can I sue?")
    assert result.reply.text == "sales here"
    assert "chose unknown agent 'legal'" in caplog.text
    assert "fallback agent 'sales'" in caplog.text
    chosen = result.decision
    assert (chosen.agent, chosen.confidence) == ("sales", "low")
    assert "legal" in chosen.reasoning


async def test_unknown_choice_without_fallback_raises_naming_choice_and_valid_agents() -> None:
    agents = members()
    router = RouterAgent("triage", agents, llm=routing_llm(decision("legal")))
    with pytest.raises(ModelOutputError) as caught:
        await router.send("can I sue?")
    error = caught.value
    assert "'legal'" in error.message
    assert "valid agents: billing, tech, sales" in error.message
    assert error.hint is not None and "fallback=" in error.hint
    assert json.loads(error.raw)["agent"] == "legal"
    assert all(a.history == [] for a in agents)


async def test_unreadable_decision_raises_or_falls_back() -> None:
    router = RouterAgent("triage", members(), llm=routing_llm("I think tech?"))
    with pytest.raises(ModelOutputError, match="unreadable routing decision") as caught:
        await router.send("help")
    assert caught.value.raw == "I think tech?"
    fallback = RouterAgent(
        "triage", members(), llm=routing_llm('{"agent": "tech"}'), fallback="billing"
    )
    assert await fallback.send("help") == "billing here"


async def test_single_member_skips_the_model() -> None:
    only = worker("echo", "You echo.")
    router = RouterAgent("solo", [only])
    assert router.llm is None and router.model == "router"
    result = await router.run("ping")
    assert result.reply.text == "ping" and result.decision.agent == "echo"
    assert router.usage == only.usage


async def test_usage_sums_routing_and_member_calls() -> None:
    routing_cost = Usage(input_tokens=40, output_tokens=10, requests=1)
    llm = routing_llm(recorded(decision("tech"), routing_cost), recorded(decision("billing")))
    agents = members()
    router = RouterAgent("triage", agents, llm=llm)
    reply = await router.generate("it broke")
    member_cost = agents[1].usage
    assert member_cost.requests == 1 and member_cost.input_tokens > 0
    assert reply.usage == routing_cost + member_cost
    await router.send("invoice")
    assert router.usage == llm.usage + agents[1].usage + agents[0].usage
    assert router.usage.requests == 4


async def test_router_nested_in_a_chain_and_in_a_router() -> None:
    agents = members()
    inner = RouterAgent("support", agents, llm=routing_llm(*[decision("billing")] * 2))
    outer = RouterAgent(
        "front",
        [inner, worker("smalltalk", "You chat.", "hello!")],
        llm=routing_llm(*[decision("support")] * 2),
    )
    writer = worker("writer", "You restate the request.", "a question about my invoice")
    chain = ManualChain("pipeline", [writer, outer])
    assert await chain.send("uh, money?") == "billing here"
    assert agents[0].history[0].text == "a question about my invoice"
    assert (await outer.run("more money?")).decision.agent == "support"
    assert inner.instruction is not None and "billing, tech, sales" in inner.instruction


async def test_provider_errors_of_the_routing_model_propagate() -> None:
    router = RouterAgent("triage", members(), llm=routing_llm())
    with pytest.raises(PlaybackExhaustedError):
        await router.send("x")


def test_routing_prompt_describes_every_member_and_the_request() -> None:
    agents = {a.name: a for a in members()}
    prompt = routing_prompt("my card was charged twice", agents)
    assert "- billing: You answer questions about invoices and payments." in prompt
    assert "- tech: You fix technical problems." in prompt
    assert "<request>\nmy card was charged twice\n</request>" in prompt
    assert prompt.endswith("exactly one of: billing, tech, sales.")
    long = worker("long", "word " * 400)
    assert len(routing_prompt("x", {"long": long}).splitlines()[2]) == 408


def test_router_agent_rejects_bad_arguments() -> None:
    with pytest.raises(UserError, match="no agents"):
        RouterAgent("r", [])
    with pytest.raises(UserError, match="fallback 'nobody'"):
        RouterAgent("r", members(), llm=routing_llm(), fallback="nobody")
    with pytest.raises(UserError, match="needs a routing model"):
        RouterAgent("r", members())


def test_spec_adds_fallback_to_agents_and_has_no_tools_or_servers() -> None:
    spec = RouterDeclaration(name="r", agents=["a", "b"], fallback="c")  # type: ignore[arg-type]
    assert spec.agents == ("a", "b", "c")
    assert spec.tools == () and spec.servers == () and spec.default is False
    assert RouterDeclaration(name="r", agents=("a",), fallback="a").agents == ("a",)
    with pytest.raises(UserError, match="router 'r' has no agents"):
        RouterDeclaration(name="r", agents=())


async def test_spec_builds_a_router_in_an_app(tmp_path: Path) -> None:
    script = tmp_path / "routing.json"
    save_history(script, [Message.user("x"), recorded(decision("tech"))])
    fast = FastAgent("t", parse_cli_args=False, settings=settings())
    fast.add_declaration(
        AgentDeclaration(name="billing", instruction="Invoices.", model="passthrough")
    )
    fast.add_declaration(AgentDeclaration(name="tech", instruction="Bugs.", model="passthrough"))
    fast.add_declaration(
        RouterDeclaration(
            name="triage", agents=("billing", "tech"), model=f"playback?file={script}", default=True
        )
    )
    async with fast.run() as app:
        router = app.triage
        assert isinstance(router, RouterAgent)
        assert router.model == f"playback?file={script}"
        assert router.llm is not None and router.llm.instruction == ROUTER_INSTRUCTION
        assert await app.send("the app crashes") == "the app crashes"
        assert app.tech.history and not app.billing.history


async def test_spec_with_one_member_builds_no_model(tmp_path: Path) -> None:
    fast = FastAgent("t", parse_cli_args=False, settings=settings())
    fast.agent("only", model="passthrough")
    fast.add_declaration(
        RouterDeclaration(name="solo", agents=("only",), model="nosuchprovider.model")
    )
    async with fast.run() as app:
        assert await app.send("hi", agent="solo") == "hi"


async def test_cli_model_wins_over_the_router_model(tmp_path: Path) -> None:
    script = tmp_path / "routing.json"
    save_history(script, [Message.user("x"), recorded(decision("b"))])
    fast = FastAgent("t", argv=["--model", f"playback?file={script}"], settings=settings())
    fast.add_declaration(AgentDeclaration(name="a", instruction="A."))
    fast.add_declaration(AgentDeclaration(name="b", instruction="B."))
    fast.add_declaration(
        RouterDeclaration(
            name="r", agents=("a", "b"), model="nosuchprovider.model", instruction="Pick."
        )
    )
    async with fast.run() as app:
        router = app.r
        assert isinstance(router, RouterAgent)
        assert router.llm is not None and router.llm.instruction == "Pick."
        await router.route("anything")
        assert router.llm.provider.model == "playback"


EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workflows" / "router.py"


def run_example(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    (cwd / ".git").mkdir(exist_ok=True)  # stops the config search here
    return run_offline([str(EXAMPLE), *argv], cwd)


def test_example_routes_both_questions_offline(tmp_path: Path) -> None:
    result = run_example([], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "Billing: the duplicate charge will be refunded."
    assert lines[1].startswith("  routed by: agent='billing' confidence='high'")
    assert lines[2] == "Tech: update the app; version 2.1 fixes uploads."
    assert lines[3].startswith("  routed by: agent='tech'")
    assert without_progress(result.stderr) == ""


def test_example_message_mode_prints_the_routed_reply(tmp_path: Path) -> None:
    result = run_example(["--message", "My last invoice charged me twice."], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "Billing: the duplicate charge will be refunded.\n"


async def test_concurrent_runs_each_get_their_own_decision() -> None:
    router = RouterAgent(
        "triage", members(), llm=routing_llm(decision("billing"), decision("tech"))
    )
    results = await asyncio.wait_for(asyncio.gather(router.run("one"), router.run("two")), 20)
    assert {(r.decision.agent, r.reply.text) for r in results} == {
        ("billing", "billing here"),
        ("tech", "tech here"),
    }
