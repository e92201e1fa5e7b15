"""One structured-output path: ``response_format`` in the request, the schema in the system
prompt for providers without native support, never in the user's message."""

from __future__ import annotations

import json

from pydantic import BaseModel

from fastagent.agents import Agent
from fastagent.agents.workflows.chain import ChainAgent
from fastagent.agents.workflows.parallel import ParallelAgent
from fastagent.agents.workflows.router import RouterAgent, routing_prompt
from fastagent.agents.workflows.router_decision import RoutingDecision
from fastagent.llm import AugmentedLLM, RequestParams
from fastagent.llm.structured import json_instruction
from fastagent.messages import Message
from fastagent.providers.base import CompletionRequest
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.streaming import StreamDone


class City(BaseModel):
    name: str


class Recording(PassthroughProvider):
    """A passthrough that keeps every request; `native` says it enforces schemas itself."""

    def __init__(self, reply: str | None = None, *, native: bool = False) -> None:
        super().__init__(fixed_response=reply)
        self.native_structured_output = native
        self.requests: list[CompletionRequest] = []

    async def complete(self, request: CompletionRequest) -> Message:
        self.requests.append(request)
        return await super().complete(request)


def agent(name: str, provider: Recording, instruction: str = "Be brief.") -> Agent:
    return Agent(name, AugmentedLLM(provider, name=name, instruction=instruction))


CITY = json.dumps({"name": "Oslo"})


async def test_generate_with_response_format_asks_like_structured() -> None:
    plain, native = Recording(CITY), Recording(CITY, native=True)
    await AugmentedLLM(plain, instruction="sys").generate(
        "city?", RequestParams(response_format=City)
    )
    await AugmentedLLM(native, instruction="sys").generate(
        "city?", RequestParams(response_format=City)
    )
    assert plain.requests[0].system == f"sys\n\n{json_instruction(City)}"
    assert native.requests[0].system == "sys"
    for provider in (plain, native):
        request = provider.requests[0]
        assert request.params.response_format is City
        assert request.messages[-1].text == "city?"


async def test_stream_and_a_json_schema_dict_use_the_same_path() -> None:
    schema = {"type": "object", "properties": {"name": {"type": "string"}}}
    provider = Recording(CITY)
    llm = AugmentedLLM(provider)
    events = [e async for e in llm.stream("city?", RequestParams(response_format=schema))]
    assert isinstance(events[-1], StreamDone)
    assert provider.requests[0].system == json_instruction(schema)
    assert '"properties":{"name":{"type":"string"}}' in json_instruction(schema)


async def test_router_schema_goes_to_the_system_prompt_not_the_request() -> None:
    decision = json.dumps({"agent": "b", "confidence": "high", "reasoning": "fits"})
    routing = Recording(decision)
    members = [agent("a", Recording("from a")), agent("b", Recording("from b"))]
    router = RouterAgent("r", members, llm=AugmentedLLM(routing, instruction="Route."))
    assert (await router.run("hello")).decision.agent == "b"
    [request] = routing.requests
    assert request.messages[-1].text == routing_prompt("hello", router.members)
    assert request.system == f"Route.\n\n{json_instruction(RoutingDecision)}"
    assert request.params.response_format is RoutingDecision


async def test_structured_on_a_chain_asks_only_the_member_writing_the_reply() -> None:
    first, last = Recording("notes"), Recording(CITY)
    chain = ChainAgent("c", [agent("first", first), agent("last", last)])
    assert await chain.structured("go", City) == City(name="Oslo")
    assert first.requests[0].params.response_format is None
    assert first.requests[0].system == "Be brief."
    assert last.requests[0].params.response_format is City
    assert last.requests[0].system == f"Be brief.\n\n{json_instruction(City)}"


async def test_structured_on_a_parallel_asks_only_the_fan_in_agent() -> None:
    branch, fan_in = Recording("view"), Recording(CITY, native=True)
    fan = ParallelAgent("p", [agent("branch", branch)], fan_in=agent("sum", fan_in))
    assert await fan.structured("go", City, RequestParams(max_tokens=50)) == City(name="Oslo")
    assert branch.requests[0].params.response_format is None
    assert branch.requests[0].params.max_tokens == 50
    assert fan_in.requests[0].params.response_format is City
    assert fan_in.requests[0].params.max_tokens == 50
