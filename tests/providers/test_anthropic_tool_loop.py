"""AnthropicProvider under AugmentedLLM: a full tool round and structured output, via respx."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import respx
from pydantic import BaseModel

from fastagent.llm import AugmentedLLM
from fastagent.messages import StopReason
from fastagent.providers.anthropic import AnthropicProvider
from fastagent.tools import ToolSet, tool

PAYLOADS = Path(__file__).parent / "payloads" / "anthropic"
URL = "https://api.anthropic.com/v1/messages"
KEY = "sk-ant-test-loop-0123456789abcdef"


def reply(name: str) -> httpx.Response:
    return httpx.Response(200, json=json.loads((PAYLOADS / name).read_text()))


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@tool
def get_weather(location: str, unit: str = "fahrenheit") -> str:
    """Current weather for a location."""
    return f"sunny in {location} ({unit})"


async def test_tool_loop_runs_parallel_calls_and_sends_results(client: httpx.AsyncClient) -> None:
    tools = ToolSet()
    tools.add(get_weather)
    with respx.mock() as router:
        route = router.post(URL).mock(
            side_effect=[reply("message_tool_use_parallel.json"), reply("message_text.json")]
        )
        provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
        llm = AugmentedLLM(provider, instruction="You report weather.", tools=tools)
        final = await llm.generate("Weather in SF and NYC?")

    assert final.text == "Paris is the capital of France."
    assert final.stop_reason is StopReason.END_TURN
    assert final.usage is not None and final.usage.requests == 2
    second = json.loads(route.calls[1].request.content)
    assert second["system"] == [{"type": "text", "text": "You report weather."}]
    results = second["messages"][2]
    assert results["role"] == "user"
    assert [(b["type"], b["tool_use_id"]) for b in results["content"]] == [
        ("tool_result", "toolu_01A09q90qw90lq917835lq9"),
        ("tool_result", "toolu_01B18r81rx81mr828946mr8"),
    ]
    texts = [b["content"][0]["text"] for b in results["content"]]
    assert texts == ["sunny in San Francisco, CA (fahrenheit)", "sunny in New York, NY (celsius)"]


class City(BaseModel):
    city: str
    population: int


async def test_structured_uses_the_forced_tool(client: httpx.AsyncClient) -> None:
    with respx.mock() as router:
        route = router.post(URL).mock(return_value=reply("message_structured.json"))
        provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
        city = await AugmentedLLM(provider).structured("Biggest French city?", City)

    assert city == City(city="Paris", population=2102650)
    body = json.loads(route.calls[0].request.content)
    assert "system" not in body  # no JSON instruction: the schema travels as a tool
    assert body["tool_choice"] == {"type": "tool", "name": "structured_output"}
