"""AnthropicProvider.stream through the real SDK, SSE answered by respx with recorded streams."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel

from fastagent.exceptions import ProviderServerError, RateLimitError
from fastagent.history import load_history, save_history
from fastagent.llm.params import RequestParams
from fastagent.messages import Message, StopReason, ToolCall, ToolResult
from fastagent.providers.anthropic import AnthropicProvider
from fastagent.providers.base import CompletionRequest
from fastagent.streaming import (
    StreamDone,
    StreamEvent,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageUpdate,
)
from fastagent.tools.base import ToolDefinition

PAYLOADS = Path(__file__).parent / "payloads" / "anthropic"
URL = "https://api.anthropic.com/v1/messages"
KEY = "sk-ant-test-stream-0123456789abcdef"
TOOLS = [
    ToolDefinition(name=n, description=n, input_schema={"type": "object"})
    for n in ("get_weather", "get_time")
]


def sse(name: str) -> httpx.Response:
    return httpx.Response(
        200,
        content=(PAYLOADS / name).read_bytes(),
        headers={"content-type": "text/event-stream"},
    )


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient() as http:
        yield http


@pytest.fixture
def router() -> Any:
    with respx.mock(assert_all_called=False) as mock:
        yield mock


async def collect(provider: AnthropicProvider, request: CompletionRequest) -> list[StreamEvent]:
    return [event async for event in provider.stream(request)]


async def test_text_stream_yields_deltas_usage_and_done(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    route = router.post(URL).mock(return_value=sse("stream_text.sse"))
    provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    events = await collect(provider, CompletionRequest(messages=[Message.user("hi")]))

    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hello", ", world!"]
    usages = [e.usage for e in events if isinstance(e, UsageUpdate)]
    assert usages[0].input_tokens == 25 and usages[0].cache_read_tokens == 1200
    assert usages[-1].output_tokens == 15 and usages[-1].input_tokens == 25
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.text == "Hello, world!"
    assert done.message.stop_reason is StopReason.END_TURN
    assert done.message.usage == usages[-1]
    assert json.loads(route.calls[0].request.content)["stream"] is True


async def test_tool_stream_assembles_json_fragments_into_tool_calls(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    router.post(URL).mock(return_value=sse("stream_tool_use.sse"))
    provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    request = CompletionRequest(messages=[Message.user("weather and time?")], tools=TOOLS)
    events = await collect(provider, request)

    first_id, second_id = "toolu_01T1x1fJ34qAmk2tNTrN7Up6", "toolu_02U2y2gK45rBnl3uOUsO8Vq7"
    calls = [e for e in events if isinstance(e, ToolCallStart | ToolCallDelta | ToolCallEnd)]
    assert calls[0] == ToolCallStart(first_id, "get_weather")
    fragments = "".join(e.arguments_json_fragment for e in calls if isinstance(e, ToolCallDelta))
    assert json.loads(fragments) == {"location": "San Francisco, CA"}
    ends = [e.call for e in calls if isinstance(e, ToolCallEnd)]
    assert ends == [
        ToolCall(id=first_id, name="get_weather", arguments={"location": "San Francisco, CA"}),
        ToolCall(id=second_id, name="get_time", arguments={}),
    ]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.tool_calls == ends
    assert done.message.text == "Checking both cities."
    assert done.message.stop_reason is StopReason.TOOL_USE


async def test_streamed_thinking_is_kept_out_of_content_and_resent(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    route = router.post(URL).mock(
        side_effect=[sse("stream_thinking_tool_use.sse"), sse("stream_text.sse")]
    )
    provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    params = RequestParams(reasoning="minimal")
    first = Message.user("weather?")
    events = await collect(provider, CompletionRequest([first], tools=TOOLS, params=params))
    assistant = events[-1].message  # type: ignore[union-attr]
    assert assistant.content == []
    assert not any(isinstance(e, TextDelta) for e in events)

    results = Message(role="user", tool_results=[ToolResult(call_id=assistant.tool_calls[0].id)])
    await collect(
        provider, CompletionRequest([first, assistant, results], tools=TOOLS, params=params)
    )
    sent = json.loads(route.calls[1].request.content)["messages"][1]["content"]
    assert sent[0] == {
        "type": "thinking",
        "thinking": "I need the weather, so I call the tool.",
        "signature": "EqQBCgIYAhIMStreamSig",
    }
    assert sent[1]["type"] == "tool_use"
    assert assistant.provider_data == {"anthropic": {"thinking": [sent[0]]}}


async def test_streamed_thinking_survives_a_text_history_round_trip(
    router: respx.MockRouter, client: httpx.AsyncClient, tmp_path: Path
) -> None:
    route = router.post(URL).mock(
        side_effect=[sse("stream_thinking_tool_use.sse"), sse("stream_text.sse")]
    )
    params = RequestParams(reasoning="minimal")
    first = Message.user("weather?")
    provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    events = await collect(provider, CompletionRequest([first], tools=TOOLS, params=params))
    assistant = events[-1].message  # type: ignore[union-attr]
    results = Message(role="user", tool_results=[ToolResult(call_id=assistant.tool_calls[0].id)])
    save_history(tmp_path / "chat.md", [first, assistant, results])

    fresh = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    loaded = load_history(tmp_path / "chat.md")
    await collect(fresh, CompletionRequest(loaded, tools=TOOLS, params=params))
    sent = json.loads(route.calls[1].request.content)["messages"][1]["content"]
    assert sent[0] == {
        "type": "thinking",
        "thinking": "I need the weather, so I call the tool.",
        "signature": "EqQBCgIYAhIMStreamSig",
    }
    assert [b["type"] for b in sent] == ["thinking", "tool_use"]


class City(BaseModel):
    city: str
    population: int


async def test_streamed_structured_output_arrives_as_text(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    router.post(URL).mock(return_value=sse("stream_structured.sse"))
    provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    params = RequestParams(response_format=City)
    events = await collect(provider, CompletionRequest([Message.user("city?")], params=params))

    assert not any(isinstance(e, ToolCallStart) for e in events)
    streamed = "".join(e.text for e in events if isinstance(e, TextDelta))
    assert City.model_validate_json(streamed) == City(city="Paris", population=2102650)
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert City.model_validate_json(done.message.text).city == "Paris"
    assert done.message.tool_calls == []
    assert done.message.stop_reason is StopReason.END_TURN


async def test_error_event_mid_stream_is_a_typed_error(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    router.post(URL).mock(return_value=sse("stream_error_overloaded.sse"))
    provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    seen: list[StreamEvent] = []
    with pytest.raises(ProviderServerError) as caught:
        async for event in provider.stream(CompletionRequest([Message.user("hi")])):
            seen.append(event)
    assert caught.value.status_code == 529
    assert "Overloaded" in str(caught.value)
    assert TextDelta("Hel") in seen


async def test_http_error_before_stream_is_a_typed_error(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    body = json.loads((PAYLOADS / "error_rate_limit.json").read_text())
    router.post(URL).mock(return_value=httpx.Response(429, json=body, headers={"retry-after": "3"}))
    provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    with pytest.raises(RateLimitError) as caught:
        await collect(provider, CompletionRequest([Message.user("hi")]))
    assert caught.value.retry_after == 3.0


async def test_leaving_the_stream_early_closes_the_response(
    router: respx.MockRouter, client: httpx.AsyncClient
) -> None:
    router.post(URL).mock(return_value=sse("stream_text.sse"))
    provider = AnthropicProvider("claude-sonnet-4-6", api_key=KEY, http_client=client)
    stream = provider.stream(CompletionRequest([Message.user("hi")]))
    first = await anext(stream)
    assert isinstance(first, UsageUpdate)
    await stream.aclose()  # type: ignore[attr-defined]
    await provider.aclose()
