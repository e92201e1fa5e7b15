from __future__ import annotations

import asyncio
import json
from typing import TypeVar

import pytest
from pydantic import BaseModel

from fastagent.agents import Agent
from fastagent.agents.workflows._workflow_llm import request_text
from fastagent.agents.workflows.chain import ChainAgent
from fastagent.agents.workflows.declarations import EvaluatorOptimizerDeclaration
from fastagent.agents.workflows.evaluator_optimizer import (
    Evaluation,
    EvaluatorOptimizerAgent,
    QualityRating,
    evaluation_prompt,
    parse_rating,
    refinement_prompt,
)
from fastagent.agents.workflows.parallel import ParallelAgent
from fastagent.config import Settings
from fastagent.exceptions import ModelOutputError, ProviderServerError, UserError
from fastagent.llm import AugmentedLLM, RequestParams
from fastagent.llm.augmented import MessageInput
from fastagent.messages import Message, Usage
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider
from fastagent.tools import FunctionTool, ToolSet

M = TypeVar("M", bound=BaseModel)


def verdict(rating: str, feedback: str = "more detail", needs: bool = True) -> str:
    return json.dumps({"rating": rating, "feedback": feedback, "needs_improvement": needs})


def turn(text: str) -> Message:
    message = Message.assistant(text)
    message.usage = Usage(input_tokens=10, output_tokens=len(text), requests=1)
    return message


def echo(name: str) -> Agent:
    return Agent(name, AugmentedLLM(PassthroughProvider(), name=name))


class Scripted(Agent):
    """An agent replaying `replies` and remembering what it was sent."""

    def __init__(self, name: str, *replies: str) -> None:
        provider = PlaybackProvider(conversation=[turn(r) for r in replies])
        super().__init__(name, AugmentedLLM(provider, name=name))
        self.received: list[str] = []

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        self.received.append(request_text(messages))
        return await super().generate(messages, params)


async def test_refines_until_the_rating_is_good_enough() -> None:
    writer = Scripted("writer", "draft 1", "draft 2", "draft 3")
    critic = Scripted("critic", verdict("POOR", "too short"), verdict("GOOD", "fine", False))
    loop = EvaluatorOptimizerAgent("essay", writer, critic)
    result = await loop.run("Write about tea.")
    assert result.reply.text == "draft 2"
    assert [(r.response.text, r.evaluation.rating) for r in result.rounds] == [
        ("draft 1", QualityRating.POOR),
        ("draft 2", QualityRating.GOOD),
    ]
    assert writer.received[0] == "Write about tea."
    assert writer.received[1] == refinement_prompt(
        "Write about tea.", "draft 1", result.rounds[0].evaluation
    )
    assert "too short" in writer.received[1] and 'rating="POOR"' in writer.received[1]
    assert critic.received[0] == evaluation_prompt("Write about tea.", "draft 1", 1)
    assert "<answer>\ndraft 2\n</answer>" in critic.received[1]


async def test_stops_after_max_refinements_and_returns_the_best_rated() -> None:
    writer = Scripted("writer", "d1", "d2", "d3")
    critic = Scripted("critic", verdict("POOR"), verdict("FAIR"), verdict("POOR"))
    loop = EvaluatorOptimizerAgent(
        "essay", writer, critic, min_rating="excellent", max_refinements=2
    )
    result = await loop.run("x")
    assert result.reply.text == "d2"
    assert len(result.rounds) == 3


async def test_ties_go_to_the_later_answer_and_zero_refinements_rates_once() -> None:
    writer = Scripted("writer", "d1", "d2")
    critic = Scripted("critic", verdict("FAIR"), verdict("FAIR"))
    loop = EvaluatorOptimizerAgent("e", writer, critic, min_rating="GOOD", max_refinements=1)
    assert await loop.send("x") == "d2"
    once = EvaluatorOptimizerAgent(
        "o", Scripted("w", "only"), Scripted("c", verdict("POOR")), max_refinements=0
    )
    result = await once.run("x")
    assert result.reply.text == "only"
    assert len(result.rounds) == 1


async def test_usage_covers_generator_and_evaluator() -> None:
    writer = Scripted("writer", "draft 1", "draft 2")
    critic = Scripted("critic", verdict("FAIR"), verdict("EXCELLENT"))
    loop = EvaluatorOptimizerAgent("e", writer, critic)
    reply = await loop.generate("x")
    assert reply.usage == writer.usage + critic.usage
    assert reply.usage is not None and reply.usage.requests == 4
    assert loop.usage == reply.usage


async def test_evaluator_json_from_a_fixed_passthrough_response() -> None:
    critic = Agent(
        "critic",
        AugmentedLLM(PassthroughProvider(fixed_response=verdict("EXCELLENT")), name="critic"),
    )
    writer = Agent("writer", AugmentedLLM(PassthroughProvider(), name="writer"))
    loop = EvaluatorOptimizerAgent("e", writer, critic)
    result = await loop.run("echo me")
    assert result.reply.text == "echo me"
    assert result.rounds[0].evaluation == Evaluation(
        rating=QualityRating.EXCELLENT, feedback="more detail", needs_improvement=True
    )


async def test_unreadable_evaluation_raises_model_output_error() -> None:
    loop = EvaluatorOptimizerAgent("e", Scripted("w", "d"), Scripted("c", "looks great!"))
    with pytest.raises(ModelOutputError, match="does not match Evaluation"):
        await loop.send("x")


async def test_an_echoing_evaluator_gets_a_hint_that_works_when_followed() -> None:
    from fastagent.agents import FastAgent

    def app(critic_model: str | None) -> FastAgent:
        fast = FastAgent("blog", settings=Settings())
        fast.agent("writer", "You write.")
        fast.agent("critic", "You rate.", model=critic_model)
        fast.evaluator_optimizer("polished", generator="writer", evaluator="critic")
        return fast

    with pytest.raises(ModelOutputError) as caught:
        async with app(None).run() as running:
            await running.polished.send("Paris")
    error = caught.value
    assert str(error).startswith("evaluator-optimizer 'polished': evaluator 'critic' gave no")
    assert error.hint is not None and "runs on passthrough, which echoes" in error.hint
    # Follow the hint: the fixed rating it shows, with its feedback filled in.
    suggested = error.hint.split("model='", 1)[1].rstrip("'").replace("...", "Clear.")
    async with app(suggested).run() as running:
        assert await running.polished.send("Paris") == "Paris"

    # A real model that answers prose gets the hint about the JSON it must answer.
    loop = EvaluatorOptimizerAgent("e", Scripted("w", "d"), Scripted("c", "looks great!"))
    with pytest.raises(ModelOutputError) as caught:
        await loop.send("x")
    assert caught.value.hint is not None and "rating (EXCELLENT, GOOD" in caught.value.hint
    assert "passthrough" not in caught.value.hint


async def test_generator_failure_propagates_typed() -> None:
    writer = Agent("writer", AugmentedLLM(PassthroughProvider(), name="writer"))
    critic = Scripted("critic", verdict("GOOD"))
    loop = EvaluatorOptimizerAgent("e", writer, critic)
    with pytest.raises(ProviderServerError, match="down"):
        await loop.send("***RAISE ProviderServerError down")
    assert critic.received == []
    assert loop.usage == Usage()


async def test_nested_generator_is_a_chain_and_the_loop_sits_in_a_parallel() -> None:
    writer = ChainAgent("writer", [Scripted("draft", "rough", "better"), echo("polish")])
    critic = Scripted("critic", verdict("FAIR"), verdict("GOOD"))
    loop = EvaluatorOptimizerAgent("loop", writer, critic)
    fan = ParallelAgent("fan", [loop, Scripted("other", "other view")])
    result = await fan.run("topic")
    reply = result.reply
    assert [(r.name, r.text) for r in result.branches] == [
        ("loop", "better"),
        ("other", "other view"),
    ]
    assert reply.usage is not None and reply.usage.requests == 7


async def test_cancelling_cancels_the_running_generator() -> None:
    started, cancelled, never = asyncio.Event(), asyncio.Event(), asyncio.Event()

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
    writer = Agent("writer", AugmentedLLM(PassthroughProvider(), name="writer", tools=tools))
    critic = Scripted("critic", verdict("GOOD"))
    loop = EvaluatorOptimizerAgent("e", writer, critic)
    task = asyncio.create_task(loop.send("***CALL_TOOL wait"))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert cancelled.is_set()
    assert critic.received == []


def test_ratings_parse_case_insensitively_and_rank() -> None:
    assert parse_rating("good", owner="x") is QualityRating.GOOD
    assert [r.rank for r in QualityRating] == [3, 2, 1, 0]
    with pytest.raises(UserError, match="x has unknown min_rating 'great'") as caught:
        parse_rating("great", owner="x")
    assert caught.value.hint == "use one of: EXCELLENT, GOOD, FAIR, POOR"


def test_invalid_arguments_are_rejected_and_instruction_names_members() -> None:
    w, c = Scripted("w"), Scripted("c")
    assert EvaluatorOptimizerAgent("e", w, c, min_rating="fair").instruction == (
        "w answers; c rates and asks for refinements until the answer is FAIR or better."
    )
    with pytest.raises(UserError, match="unknown min_rating"):
        EvaluatorOptimizerAgent("e", w, c, min_rating="AMAZING")
    with pytest.raises(UserError, match="max_refinements=-1"):
        EvaluatorOptimizerAgent("e", w, c, max_refinements=-1)


def test_spec_members_and_problems() -> None:
    spec = EvaluatorOptimizerDeclaration(name="e", generator="writer", evaluator="critic")
    assert (spec.agents, spec.kind, spec.min_rating, spec.max_refinements) == (
        ("writer", "critic"),
        "evaluator_optimizer",
        "GOOD",
        3,
    )
    assert spec.problems() == []
    bad = EvaluatorOptimizerDeclaration(
        name="e", generator="w", evaluator="w", min_rating="fair", max_refinements=-2
    )
    assert bad.agents == ("w",) and bad.min_rating == "FAIR"
    assert bad.problems() == ["evaluator_optimizer 'e' has max_refinements=-2 (use 0 or more)"]


async def test_concurrent_runs_each_get_their_own_rounds_and_usage() -> None:
    critic = Agent(
        "critic", AugmentedLLM(PassthroughProvider(fixed_response=verdict("GOOD")), name="critic")
    )
    loop = EvaluatorOptimizerAgent("e", echo("writer"), critic)
    one, two = await asyncio.wait_for(asyncio.gather(loop.run("first"), loop.run("second")), 20)
    assert [r.response.text for r in one.rounds] == ["first"]
    assert [r.response.text for r in two.rounds] == ["second"]
    for result in (one, two):  # one draft and one evaluation each, however the calls interleave
        assert result.reply.usage is not None and result.reply.usage.requests == 2
    assert loop.usage.requests == 4
