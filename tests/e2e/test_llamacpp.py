"""End to end against a real llama.cpp server: GenericProvider + AugmentedLLM, no fakes.

The model (SmolLM2-135M, served by llama.cpp's server engine: examples/serve_gguf.py, with the
ChatML tool-call template examples/templates/chatml-tools.jinja) is tiny, so the assertions
check what the stack guarantees (a reply arrives, events come in order, a forced tool call
runs once, its result is sent back under its id and the model then answers in text, JSON
parses against the schema) rather than what the model says. tests/e2e/test_realmodel.py has a
model that decides tool calls on its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from pydantic import BaseModel

from fastagent.llm import AugmentedLLM, RequestParams
from fastagent.messages import StopReason
from fastagent.providers.generic import GenericProvider
from fastagent.streaming import StreamDone, TextDelta, UsageUpdate
from fastagent.tools import FunctionTool, ToolSet

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(240)]

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "local_model.py"
MODEL = "smollm2"


class WireLog:
    """Request bodies the SDK sent to ``/chat/completions``, and the replies' statuses."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.statuses: list[int] = []

    async def on_request(self, request: httpx.Request) -> None:
        if request.url.path.endswith("/chat/completions"):
            self.bodies.append(json.loads(request.content))

    async def on_response(self, response: httpx.Response) -> None:
        if response.request.url.path.endswith("/chat/completions"):
            self.statuses.append(response.status_code)


@pytest.fixture
def wire() -> WireLog:
    return WireLog()


@pytest.fixture
async def http_client(wire: WireLog) -> AsyncIterator[httpx.AsyncClient]:
    hooks = {"request": [wire.on_request], "response": [wire.on_response]}
    async with httpx.AsyncClient(event_hooks=hooks, timeout=60.0) as client:
        yield client


def make_provider(base_url: str, client: httpx.AsyncClient, **options: Any) -> GenericProvider:
    return GenericProvider(MODEL, base_url=base_url, http_client=client, **options)


async def test_chat_reply_has_text_and_usage(
    llama_base_url: str, http_client: httpx.AsyncClient, wire: WireLog
) -> None:
    provider = make_provider(llama_base_url, http_client)
    llm = AugmentedLLM(
        provider,
        instruction="You are a helpful assistant.",
        params=RequestParams(max_tokens=24, temperature=0.0),
    )

    reply = await llm.generate("Say hello in one short sentence.")

    assert reply.role == "assistant"
    assert reply.text.strip()
    assert reply.stop_reason in (StopReason.END_TURN, StopReason.MAX_TOKENS)
    assert reply.usage is not None and reply.usage.requests == 1
    assert reply.usage.input_tokens > 0  # llama.cpp reports usage on complete replies
    assert 0 < reply.usage.output_tokens <= 24
    assert wire.statuses == [200]
    body = wire.bodies[0]
    assert body["messages"][0] == {"role": "system", "content": "You are a helpful assistant."}
    assert body["max_tokens"] == 24
    assert "stream" not in body
    assert [m.role for m in llm.memory.messages()] == ["user", "assistant"]


async def test_streamed_reply_arrives_in_deltas(
    llama_base_url: str, http_client: httpx.AsyncClient, wire: WireLog
) -> None:
    provider = make_provider(llama_base_url, http_client)
    llm = AugmentedLLM(provider, params=RequestParams(max_tokens=32, temperature=0.0))

    events = [event async for event in llm.stream("Count from one to ten in words.")]

    deltas = [e for e in events if isinstance(e, TextDelta)]
    assert len(deltas) >= 3
    assert isinstance(events[-1], StreamDone)
    assert sum(isinstance(e, StreamDone) for e in events) == 1
    assert all(isinstance(e, TextDelta | UsageUpdate) for e in events[:-1])
    final = events[-1].message
    assert final.text == "".join(d.text for d in deltas)
    assert final.text.strip()
    assert wire.bodies[0]["stream"] is True
    assert wire.statuses == [200]
    prompt, reply = llm.memory.messages()
    assert (prompt.text, reply.text) == ("Count from one to ten in words.", final.text)


async def test_forced_tool_call_runs_the_tool_and_sends_its_result(
    llama_base_url: str, http_client: httpx.AsyncClient, wire: WireLog
) -> None:
    calls: list[tuple[int, int]] = []

    def add(a: int, b: int) -> int:
        """Add two integers and return the sum."""
        calls.append((a, b))
        return a + b

    tools = ToolSet()
    tools.add(FunctionTool(add))
    provider = make_provider(
        llama_base_url, http_client, force_tool_choice=True, stream_tools=False
    )
    llm = AugmentedLLM(
        provider,
        instruction="You are a calculator. Use the add tool.",
        tools=tools,
        # A forced call takes ~49 tokens here: llama.cpp's tool-call grammar lets ~22
        # whitespace tokens follow </tool_call>, and this model writes them before stopping.
        params=RequestParams(max_tokens=64, temperature=0.0, max_iterations=3),
    )

    final = await llm.generate("What is 2 plus 3?")

    assert len(calls) == 1  # the real function ran, with arguments the model chose
    a, b = calls[0]
    turn = llm.memory.messages()
    assert [m.role for m in turn] == ["user", "assistant", "user", "assistant"]
    (call,) = turn[1].tool_calls
    assert call.name == "add"
    assert call.arguments == {"a": a, "b": b}
    assert turn[1].stop_reason == StopReason.TOOL_USE
    (result,) = turn[2].tool_results
    assert result.call_id == call.id
    assert not result.is_error
    assert result.text == str(a + b)
    assert (final.text, final.tool_calls) == (turn[3].text, []) and final.text.strip()
    assert final.stop_reason == turn[3].stop_reason == StopReason.END_TURN  # text after result
    assert final.usage is not None and final.usage.requests == 2

    assert wire.statuses == [200, 200]
    first, second = wire.bodies
    assert first["tool_choice"] == {"type": "function", "function": {"name": "add"}}
    assert "tool_choice" not in second  # the model may answer in text after the result
    assert [t["function"]["name"] for t in second["tools"]] == ["add"]
    assert second["messages"][:2] == [
        {"role": "system", "content": "You are a calculator. Use the add tool."},
        {"role": "user", "content": "What is 2 plus 3?"},
    ]
    assistant, tool_message = second["messages"][2:]
    assert assistant["role"] == "assistant" and assistant["content"] == ""
    assert assistant["tool_calls"][0]["id"] == call.id
    assert tool_message == {"role": "tool", "tool_call_id": call.id, "content": str(a + b)}


async def test_streamed_turn_with_forced_tool_call(
    llama_base_url: str, http_client: httpx.AsyncClient, wire: WireLog
) -> None:
    seen: list[str] = []

    def lookup_city(city: str) -> str:
        """Return the country a city is in."""
        seen.append(city)
        return "France"

    tools = ToolSet()
    tools.add(FunctionTool(lookup_city))
    provider = make_provider(
        llama_base_url, http_client, force_tool_choice=True, stream_tools=False
    )
    llm = AugmentedLLM(
        provider,
        instruction="Use the lookup_city tool.",
        tools=tools,
        params=RequestParams(max_tokens=64, temperature=0.0, max_iterations=3),
    )

    events = [event async for event in llm.stream("Which country is Paris in?")]

    assert len(seen) == 1 and isinstance(seen[0], str)
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "ToolCallStart", "ToolCallDelta", "ToolCallEnd", "UsageUpdate",  # the forced call
        "ToolResultEvent",
        "TextDelta", "UsageUpdate", "StreamDone",  # the answer after the result
    ]  # fmt: skip
    turn = llm.memory.messages()
    assert [m.role for m in turn] == ["user", "assistant", "user", "assistant"]
    (call,) = turn[1].tool_calls
    assert call.arguments == {"city": seen[0]}
    assert turn[1].stop_reason == StopReason.TOOL_USE
    (result,) = turn[2].tool_results
    assert (result.call_id, result.text, result.is_error) == (call.id, "France", False)
    final = events[-1].message  # type: ignore[attr-defined]
    assert (final.text, final.tool_calls) == (turn[3].text, []) and final.text.strip()
    assert final.stop_reason == turn[3].stop_reason == StopReason.END_TURN
    assert final.usage is not None and final.usage.requests == 2
    # stream_tools=false: a request with tools is made complete, and its events replayed
    assert all("stream" not in body for body in wire.bodies)
    first, second = wire.bodies
    assert first["tool_choice"] == {"type": "function", "function": {"name": "lookup_city"}}
    assert "tool_choice" not in second
    assert second["messages"][-1] == {"role": "tool", "tool_call_id": call.id, "content": "France"}
    assert wire.statuses == [200, 200]


class Capital(BaseModel):
    city: str
    country: str


async def test_structured_output_parses_with_a_schema_grammar(
    llama_base_url: str, http_client: httpx.AsyncClient, wire: WireLog
) -> None:
    provider = GenericProvider(
        MODEL, base_url=llama_base_url, http_client=http_client, json_object_schema=True
    )
    llm = AugmentedLLM(provider, params=RequestParams(max_tokens=64, temperature=0.0))

    answer = await llm.structured("What is the capital of France?", Capital)

    assert isinstance(answer, Capital)
    assert answer.city.strip() and answer.country.strip()
    assert wire.statuses == [200]
    body = wire.bodies[0]
    assert body["response_format"]["type"] == "json_object"
    assert body["response_format"]["schema"]["required"] == ["city", "country"]
    assert body["response_format"]["schema"]["additionalProperties"] is False
    assert body["messages"] == [{"role": "user", "content": "What is the capital of France?"}]
    assert Capital.model_validate_json(llm.memory.messages()[-1].text) == answer


def test_local_model_example_answers_one_message(llama_base_url: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLE), "--base-url", llama_base_url, "-m", "hi"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip()
    assert "Traceback" not in completed.stderr


async def test_config_preset_and_model_string_options_reach_the_server(
    llama_base_url: str,
) -> None:
    from fastagent.config.settings import Settings
    from fastagent.providers.factory import ModelFactory

    settings = Settings.model_validate(
        {"providers": {"llamacpp": {"base_url": llama_base_url, "max_retries": 0}}}
    )
    provider = ModelFactory(settings).create(
        "llamacpp.smollm2?force_tool_choice=true&stream_tools=false&max_tokens=64&temperature=0"
    )
    temperatures: list[float] = []

    def to_fahrenheit(celsius: float) -> float:
        """Convert a temperature from Celsius to Fahrenheit."""
        temperatures.append(celsius)
        return celsius * 9 / 5 + 32

    tools = ToolSet()
    tools.add(FunctionTool(to_fahrenheit))
    llm = AugmentedLLM(provider, tools=tools, params=RequestParams(max_iterations=3))
    try:
        final = await llm.generate("What is 20 degrees Celsius in Fahrenheit?")
    finally:
        await provider.aclose()

    assert len(temperatures) == 1  # force_tool_choice: the call came back as a tool call
    turn = llm.memory.messages()
    assert [m.role for m in turn] == ["user", "assistant", "user", "assistant"]
    (call,) = turn[1].tool_calls
    assert (call.name, turn[1].stop_reason) == ("to_fahrenheit", StopReason.TOOL_USE)
    (result,) = turn[2].tool_results
    assert result.call_id == call.id and not result.is_error
    assert float(result.text) == temperatures[0] * 9 / 5 + 32
    assert (final.text, final.tool_calls) == (turn[3].text, []) and final.text.strip()
    assert final.stop_reason == turn[3].stop_reason == StopReason.END_TURN
    assert final.usage is not None and final.usage.requests == 2
    assert 0 < final.usage.output_tokens <= 2 * 64  # max_tokens=64 held on both calls


def test_local_model_example_chats_until_end_of_input(llama_base_url: str) -> None:
    completed = subprocess.run(
        [sys.executable, str(EXAMPLE), "--base-url", llama_base_url, "--max-tokens", "8"],
        input="hi\nhow are you?\n",
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.count("you> ") == 3  # two messages, then end of input
    replies = [part for part in completed.stdout.split("you> ") if part.strip()]
    assert len(replies) == 2


def test_local_model_example_reports_an_unreachable_server_in_one_line(
    llama_helper: ModuleType,
) -> None:
    url = f"http://127.0.0.1:{llama_helper.free_port()}/v1"
    completed = subprocess.run(
        [sys.executable, str(EXAMPLE), "--base-url", url, "-m", "hi"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert completed.returncode == 1
    assert url in completed.stderr
    assert "Traceback" not in completed.stderr
    assert completed.stdout == ""


def test_go_one_shot_answers_from_the_local_server(llama_base_url: str, tmp_path: Path) -> None:
    """`fastagent go --model generic.<model> -m hi` gets a real answer from llama.cpp."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTAGENT_")}
    env["FASTAGENT_GENERIC__BASE_URL"] = llama_base_url
    completed = subprocess.run(
        [sys.executable, "-m", "fastagent", "go", "--model", f"generic.{MODEL}", "-m", "hi"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip()
    assert completed.stdout.strip() != "hi"  # a model's answer, not the passthrough echo
    assert f"[agent] model {MODEL}" in completed.stderr  # the progress line names the model
    assert "Traceback" not in completed.stderr
