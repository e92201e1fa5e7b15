from __future__ import annotations

from pydantic import BaseModel

from fastagent.agents import Agent
from fastagent.llm import AugmentedLLM, StreamDone, TextDelta
from fastagent.messages import Message, StopReason
from fastagent.providers import create_provider


def make_agent(instruction: str | None = "Be kind.") -> Agent:
    llm = AugmentedLLM(create_provider("passthrough"), name="echo")
    return Agent("echo", llm, instruction=instruction)


async def test_send_returns_the_reply_text_and_records_history() -> None:
    agent = make_agent()
    assert await agent.send("hello") == "hello"
    assert await agent.send(Message.user("again")) == "again"
    assert [m.role for m in agent.history] == ["user", "assistant", "user", "assistant"]
    assert agent.history[-1].text == "again"


async def test_generate_returns_the_message_with_usage() -> None:
    agent = make_agent()
    reply = await agent.generate(["one", "two"])
    assert reply.text == "two"
    assert reply.stop_reason is StopReason.END_TURN
    assert reply.usage is not None and reply.usage.requests == 1


async def test_usage_accumulates_and_clear_forgets_history() -> None:
    agent = make_agent()
    await agent.send("a")
    await agent.send("b")
    assert agent.usage.requests == 2
    agent.clear()
    assert agent.history == []
    assert agent.usage.requests == 2


async def test_structured_parses_the_reply() -> None:
    class City(BaseModel):
        name: str

    agent = make_agent()
    city = await agent.structured('{"name": "Paris"}', City)
    assert city == City(name="Paris")


async def test_stream_yields_text_then_done() -> None:
    agent = make_agent()
    events = [event async for event in agent.stream("streamed")]
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "streamed"
    assert isinstance(events[-1], StreamDone)
    assert events[-1].message.text == "streamed"


def test_names_instruction_and_model() -> None:
    agent = make_agent()
    assert agent.name == "echo"
    assert agent.instruction == "Be kind."
    assert agent.llm.instruction == "Be kind."
    assert agent.model == "passthrough"
    assert repr(agent) == "Agent(name='echo', model='passthrough')"


def test_instruction_defaults_to_the_llms_and_model_can_be_given() -> None:
    llm = AugmentedLLM(create_provider("passthrough"), instruction="From llm.")
    agent = Agent("a", llm, model="my-alias")
    assert agent.instruction == "From llm."
    assert agent.model == "my-alias"
