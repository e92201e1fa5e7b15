from __future__ import annotations

import asyncio
import json
import logging
import subprocess
from pathlib import Path
from typing import Any

import pytest

from fastagent import FastAgent
from fastagent.agents import Agent, AgentDeclaration
from fastagent.agents.base import BaseAgent
from fastagent.agents.workflows._workflow_llm import describe_agents
from fastagent.agents.workflows.declarations import OrchestratorDeclaration
from fastagent.agents.workflows.orchestrator import DEFAULT_MAX_TASKS, OrchestratorAgent
from fastagent.agents.workflows.orchestrator_plan import (
    ORCHESTRATOR_INSTRUCTION,
    Plan,
    Step,
    Task,
)
from fastagent.config import Settings
from fastagent.exceptions import ModelOutputError, PlaybackExhaustedError, UserError
from fastagent.history import save_history
from fastagent.llm import AugmentedLLM, RequestParams
from fastagent.llm.augmented import MessageInput
from fastagent.messages import Message, ToolCall, Usage
from fastagent.providers.base import CompletionRequest
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider
from fastagent.tools import FunctionTool, ToolSet
from process_helpers import run_offline

from ...conftest import without_progress


class RecordingPlayback(PlaybackProvider):
    """Playback that also keeps every request, to check what the planner was told."""

    def __init__(self, turns: list[Message]) -> None:
        super().__init__(conversation=turns)
        self.requests: list[CompletionRequest] = []

    async def complete(self, request: CompletionRequest) -> Message:
        self.requests.append(request)
        return await super().complete(request)

    def prompt(self, index: int) -> str:
        return self.requests[index].messages[-1].text


class GatedAgent(BaseAgent):
    """A worker that reports when it starts and waits for the test to let it finish."""

    def __init__(self, name: str, release: asyncio.Event | None = None) -> None:
        self.name, self.model = name, "gated"
        self.started = asyncio.Event()
        self.release = release or asyncio.Event()
        self.cancelled = False

    async def generate(
        self, messages: MessageInput, params: RequestParams | None = None
    ) -> Message:
        self.started.set()
        try:
            await self.release.wait()
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        return Message.assistant(f"{self.name} done")


def task(agent: str, instruction: str) -> dict[str, str]:
    return {"agent": agent, "instruction": instruction}


def step(description: str, *tasks: dict[str, str]) -> dict[str, Any]:
    return {"description": description, "tasks": list(tasks)}


def plan(*steps: dict[str, Any], complete: bool = True) -> str:
    return json.dumps({"steps": list(steps), "is_complete": complete})


def next_step(description: str, *tasks: dict[str, str], complete: bool = False) -> str:
    return json.dumps({"description": description, "tasks": list(tasks), "is_complete": complete})


def recorded(text: str, usage: Usage | None = None) -> Message:
    message = Message.assistant(text)
    message.usage = usage
    return message


def planner(*replies: str | Message) -> tuple[AugmentedLLM, RecordingPlayback]:
    provider = RecordingPlayback([r if isinstance(r, Message) else recorded(r) for r in replies])
    return AugmentedLLM(provider, name="boss", params=RequestParams(use_history=False)), provider


def echo(name: str, instruction: str) -> Agent:
    return Agent(name, AugmentedLLM(PassthroughProvider(), name=name, instruction=instruction))


def workers() -> list[Agent]:
    return [
        echo("researcher", "You find facts."),
        echo("critic", "You find flaws."),
        echo("writer", "You write the final text."),
    ]


def settings() -> Settings:
    return Settings.model_validate({"logger": {"type": "none"}})


async def test_full_plan_runs_steps_in_order_and_synthesizes() -> None:
    llm, provider = planner(
        plan(
            step("gather", task("researcher", "find MCP facts"), task("critic", "list risks")),
            step("write", task("writer", "write a summary")),
        ),
        "FINAL ANSWER",
    )
    team = workers()
    boss = OrchestratorAgent("boss", team, llm=llm)
    result = await boss.run("Explain MCP")
    assert result.reply.text == "FINAL ANSWER"
    assert result.plan == Plan(
        steps=[
            Step(
                description="gather",
                tasks=[
                    Task(agent="researcher", instruction="find MCP facts"),
                    Task(agent="critic", instruction="list risks"),
                ],
            ),
            Step(description="write", tasks=[Task(agent="writer", instruction="write a summary")]),
        ],
        is_complete=True,
    )
    assert [len(r.results) for r in result.steps] == [2, 1]
    research = result.steps[0].results[0].output  # passthrough echoes the worker's prompt
    assert "<objective>\nExplain MCP\n</objective>" in research
    assert research.endswith("Your task:\nfind MCP facts")
    assert "Results so far" not in research
    writing = result.steps[1].results[0].output
    assert '<step number="1" description="gather">' in writing
    assert '<result agent="critic">\nTask: list risks' in writing
    assert writing.endswith("Your task:\nwrite a summary")
    synthesis = provider.prompt(1)
    assert "<objective>\nExplain MCP\n</objective>" in synthesis
    assert '<step number="2" description="write">' in synthesis
    assert "- researcher: You find facts." in provider.prompt(0)


async def test_tasks_of_one_step_run_concurrently() -> None:
    release = asyncio.Event()
    first, second = GatedAgent("first", release), GatedAgent("second", release)
    llm, _ = planner(plan(step("both", task("first", "a"), task("second", "b"))), "done")
    boss = OrchestratorAgent("boss", [first, second], llm=llm)
    running = asyncio.create_task(boss.run("go"))
    async with asyncio.timeout(10):  # a sequential run would never start the second
        await first.started.wait()
        await second.started.wait()
    release.set()
    result = await running
    assert result.reply.text == "done"
    assert [r.output for r in result.steps[0].results] == ["first done", "second done"]


async def test_iterative_plans_one_step_per_round_until_complete() -> None:
    llm, provider = planner(
        next_step("research", task("researcher", "find facts")),
        next_step("write", task("writer", "draft"), complete=True),
        "ANSWER",
    )
    boss = OrchestratorAgent("boss", workers(), llm=llm, plan_type="iterative")
    result = await boss.run("Explain MCP")
    assert result.reply.text == "ANSWER"
    assert provider.remaining == 0
    assert [r.step.description for r in result.steps] == ["research", "write"]
    assert result.plan.is_complete
    assert [s.description for s in result.plan.steps] == ["research", "write"]
    assert "No steps have run yet." in provider.prompt(0)
    second_prompt = provider.prompt(1)
    assert '<result agent="researcher">\nTask: find facts' in second_prompt
    assert f"At most {DEFAULT_MAX_TASKS - 1} more task(s)" in second_prompt


async def test_iterative_stops_when_complete_without_tasks() -> None:
    llm, provider = planner(
        next_step("research", task("researcher", "find facts")),
        next_step("nothing left", complete=True),
        "ANSWER",
    )
    boss = OrchestratorAgent("boss", workers(), llm=llm, plan_type="iterative")
    result = await boss.run("x")
    assert result.reply.text == "ANSWER"
    assert len(result.steps) == 1 and provider.remaining == 0
    assert result.plan.is_complete
    assert len(result.plan.steps) == 1


async def test_iterative_stops_after_plan_iterations(caplog: pytest.LogCaptureFixture) -> None:
    llm, provider = planner(
        next_step("one", task("researcher", "a")),
        next_step("two", task("critic", "b")),
        "PARTIAL ANSWER",
    )
    boss = OrchestratorAgent("boss", workers(), llm=llm, plan_type="iterative", plan_iterations=2)
    with caplog.at_level(logging.WARNING, logger="fastagent.workflows.orchestrator"):
        result = await boss.run("x")
    assert result.reply.text == "PARTIAL ANSWER"
    assert "after 2 round(s) without completing" in caplog.text
    assert not result.plan.is_complete
    assert len(result.steps) == 2 and provider.remaining == 0


async def test_invalid_agent_is_replanned_with_feedback(caplog: pytest.LogCaptureFixture) -> None:
    llm, provider = planner(
        plan(step("s", task("ghost", "boo"), task("researcher", "facts"))),
        plan(step("s", task("researcher", "facts"))),
        "OK",
    )
    team = workers()
    boss = OrchestratorAgent("boss", team, llm=llm)
    with caplog.at_level(logging.WARNING, logger="fastagent.workflows.orchestrator"):
        result = await boss.run("x")
    assert result.reply.text == "OK"
    assert "re-plans: step 1 names unknown agent 'ghost'" in caplog.text
    replan = provider.prompt(1)
    assert replan.startswith(provider.prompt(0).split("\n\nReply with one JSON")[0])
    assert "- step 1 names unknown agent 'ghost'" in replan
    assert "naming only these agents: researcher, critic, writer" in replan
    assert result.plan.steps[0].tasks[0].agent == "researcher"
    assert len(team[0].history) == 2


async def test_invalid_plan_twice_raises_and_runs_no_worker() -> None:
    llm, _ = planner(
        plan(step("s", task("ghost", "boo"))),
        plan(step("s", task("phantom", "boo"))),
    )
    team = workers()
    boss = OrchestratorAgent("boss", team, llm=llm)
    with pytest.raises(ModelOutputError) as caught:
        await boss.send("x")
    message = caught.value.message
    assert "no usable plan after re-planning" in message
    assert "'phantom'" in message and "valid agents: researcher, critic, writer" in message
    assert "phantom" in caught.value.raw
    assert all(w.history == [] for w in team)


async def test_unreadable_plan_and_too_many_tasks_are_replanned() -> None:
    llm, provider = planner("a plan, in prose", plan(step("s", task("critic", "c"))), "OK")
    boss = OrchestratorAgent("boss", workers(), llm=llm)
    assert await boss.send("x") == "OK"
    assert "does not match Plan" in provider.prompt(1)
    too_many = plan(step("s", task("critic", "1"), task("critic", "2"), task("writer", "3")))
    llm, provider = planner(too_many, too_many)
    boss = OrchestratorAgent("boss", workers(), llm=llm, max_tasks=2)
    with pytest.raises(ModelOutputError, match="3 tasks, more than the 2 allowed"):
        await boss.send("x")


async def test_worker_failure_propagates_and_cancels_its_siblings() -> None:
    broken = Agent("broken", AugmentedLLM(PlaybackProvider(conversation=[]), name="broken"))
    waiting = GatedAgent("waiting")
    llm, _ = planner(plan(step("s", task("waiting", "wait"), task("broken", "fail"))), "never")
    boss = OrchestratorAgent("boss", [broken, waiting], llm=llm)
    with pytest.raises(PlaybackExhaustedError):
        await boss.send("x")
    assert waiting.started.is_set() and waiting.cancelled


async def test_cancellation_cancels_running_workers() -> None:
    first, second = GatedAgent("first"), GatedAgent("second")
    llm, provider = planner(plan(step("s", task("first", "a"), task("second", "b"))), "never")
    boss = OrchestratorAgent("boss", [first, second], llm=llm)
    running = asyncio.create_task(boss.generate("x"))
    await first.started.wait()
    await second.started.wait()
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert first.cancelled and second.cancelled
    assert provider.remaining == 1  # the answer was never asked for


async def test_workers_run_their_tool_loop_and_usage_is_summed() -> None:
    calls: list[str] = []

    def lookup(topic: str) -> str:
        """Look a topic up."""
        calls.append(topic)
        return f"{topic} is a protocol"

    tool_turn = Message.assistant(
        tool_calls=[ToolCall(id="c1", name="lookup", arguments={"topic": "MCP"})]
    )
    tool_turn.usage = Usage(input_tokens=7, output_tokens=3, requests=1)
    worker_llm = AugmentedLLM(
        PlaybackProvider(
            conversation=[tool_turn, recorded("MCP is a protocol", Usage(input_tokens=9))]
        ),
        name="researcher",
        tools=ToolSet([FunctionTool(lookup)]),
    )
    researcher = Agent("researcher", worker_llm)
    plan_cost = Usage(input_tokens=100, output_tokens=20, requests=1)
    answer_cost = Usage(input_tokens=50, output_tokens=5, requests=1)
    llm, _ = planner(
        recorded(plan(step("s", task("researcher", "look up MCP"))), plan_cost),
        recorded("MCP is a protocol.", answer_cost),
    )
    boss = OrchestratorAgent("boss", [researcher], llm=llm)
    result = await boss.run("What is MCP?")
    reply = result.reply
    assert calls == ["MCP"]
    assert result.steps[0].results[0].output == "MCP is a protocol"
    worker_cost = Usage(input_tokens=16, output_tokens=3, requests=2)
    assert researcher.usage == worker_cost
    assert reply.usage == plan_cost + worker_cost + answer_cost
    assert boss.usage == reply.usage


def test_orchestrator_rejects_bad_settings() -> None:
    llm, _ = planner()
    with pytest.raises(UserError, match="no agents"):
        OrchestratorAgent("o", [], llm=llm)
    with pytest.raises(UserError, match="unknown plan_type 'some'"):
        OrchestratorAgent("o", workers(), llm=llm, plan_type="some")  # type: ignore[arg-type]
    with pytest.raises(UserError, match="plan_iterations=0"):
        OrchestratorDeclaration(name="o", agents=("a",), plan_iterations=0)
    with pytest.raises(UserError, match="max_tasks=0"):
        OrchestratorAgent("o", workers(), llm=llm, max_tasks=0)
    spec = OrchestratorDeclaration(name="o", agents=["a", "b"])  # type: ignore[arg-type]
    assert spec.agents == ("a", "b") and spec.tools == () and spec.servers == ()
    assert (spec.plan_type, spec.plan_iterations) == ("full", 5)


async def test_spec_builds_an_iterative_orchestrator_in_an_app(tmp_path: Path) -> None:
    script = tmp_path / "planner.json"
    turns = [next_step("only", task("helper", "help"), complete=True), "DONE"]
    save_history(script, [m for t in turns for m in (Message.user("x"), recorded(t))])
    fast = FastAgent("t", parse_cli_args=False, settings=settings())
    fast.add_declaration(
        AgentDeclaration(name="helper", instruction="You help.", model="passthrough")
    )
    fast.add_declaration(
        OrchestratorDeclaration(
            name="boss",
            agents=("helper",),
            model=f"playback?file={script}",
            instruction="Plan well.",
            plan_type="iterative",
            default=True,
        )
    )
    async with fast.run() as app:
        boss = app.boss
        assert isinstance(boss, OrchestratorAgent)
        assert boss.llm.instruction == "Plan well." and boss.plan_type == "iterative"
        assert boss.model == f"playback?file={script}"
        assert await app.send("task") == "DONE"
        assert len(app.helper.history) == 2


async def test_spec_uses_the_default_instruction_and_cli_model(tmp_path: Path) -> None:
    script = tmp_path / "planner.json"
    save_history(
        script, [Message.user("x"), recorded(plan(step("s", task("a", "go")))), recorded("END")]
    )
    fast = FastAgent("t", argv=["--model", f"playback?file={script}"], settings=settings())
    fast.add_declaration(AgentDeclaration(name="a", instruction="A."))
    fast.add_declaration(
        OrchestratorDeclaration(name="boss", agents=("a",), model="nosuchprovider.model")
    )
    async with fast.run() as app:
        boss = app.boss
        assert isinstance(boss, OrchestratorAgent)
        assert boss.llm.instruction == ORCHESTRATOR_INSTRUCTION
        assert await boss.send("x") == "END"


def test_agent_descriptions_are_one_line_and_shortened() -> None:
    block = describe_agents({"w": echo("w", "word " * 200), "n": echo("n", "Short.\nTwo lines.")})
    first, second = block.splitlines()
    assert first.startswith("- w: word word") and first.endswith("...") and len(first) == 405
    assert second == "- n: Short. Two lines."


EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "workflows" / "orchestrator.py"
ANSWER = "MCP is an open protocol that lets AI applications use tools and data"


def run_example(argv: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    (cwd / ".git").mkdir(exist_ok=True)  # stops the config search here
    return run_offline([str(EXAMPLE), *argv], cwd)


def test_example_prints_steps_and_answer_offline(tmp_path: Path) -> None:
    result = run_example([], tmp_path)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[:5] == [
        "step 1: Gather material",
        "  researcher: MCP is an open protocol connecting models to tools.",
        "  critic: Tools can act on real systems; limit them.",
        "step 2: Write",
        "  writer: MCP connects models to tools; use it with care.",
    ]
    assert len(lines) == 6 and lines[5].startswith(ANSWER)
    assert without_progress(result.stderr) == ""


def test_example_message_mode_prints_the_answer(tmp_path: Path) -> None:
    result = run_example(["--message", "Write a note on MCP."], tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(ANSWER) and result.stdout.count("\n") == 1
