import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel, SecretStr

from fastagent._redact import redact
from fastagent.config.settings import GenericSettings
from fastagent.exceptions import ProviderConnectionError, ProviderServerError, UserError
from fastagent.llm.augmented import AugmentedLLM
from fastagent.llm.params import RequestParams
from fastagent.messages import Message, StopReason, ToolCall, ToolResult, Usage
from fastagent.providers._openai_convert import stable_call_id
from fastagent.providers.base import CompletionRequest
from fastagent.providers.generic import NO_API_KEY, GenericProvider
from fastagent.streaming import (
    StreamDone,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
)
from fastagent.tools.base import ToolDefinition

PAYLOADS = Path(__file__).parent / "payloads" / "openai"
BASE = "http://localhost:8080/v1"

WEATHER = ToolDefinition(
    name="get_weather",
    description="Current weather in a city.",
    input_schema={
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
)
TIME = ToolDefinition(
    name="get_time",
    description="Current time in a timezone.",
    input_schema={"type": "object", "properties": {"tz": {"type": "string"}}, "required": ["tz"]},
)


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


def sse(name: str) -> httpx.Response:
    return httpx.Response(
        200, content=(PAYLOADS / name).read_bytes(), headers={"content-type": "text/event-stream"}
    )


def sent(route: respx.Route, call: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[call].request.content)


@pytest.fixture
async def http():
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def api():
    with respx.mock(base_url=BASE, assert_all_called=False) as router:
        yield router


@pytest.fixture(autouse=True)
def no_generic_key(monkeypatch):
    monkeypatch.delenv("GENERIC_API_KEY", raising=False)


def make(http: httpx.AsyncClient, **options: Any) -> GenericProvider:
    return GenericProvider("llama3.2", base_url=BASE, http_client=http, **options)


def req(*messages: Message, **kwargs: Any) -> CompletionRequest:
    return CompletionRequest(list(messages) or [Message.user("Hi")], **kwargs)


TOOL_ROUND = [
    Message.user("Weather in Paris?"),
    Message.assistant(tool_calls=[ToolCall(id="c1", name="get_weather", arguments={"city": "P"})]),
    Message(role="user", tool_results=[ToolResult(call_id="c1", content=[])]),
]


# --- keys and endpoints ---------------------------------------------------------------------


async def test_no_key_sends_placeholder_and_never_fails(api, http):
    route = api.post("/chat/completions").respond(200, json=payload("generic_text_no_usage.json"))
    provider = make(http)
    await provider.complete(req())
    assert route.calls.last.request.headers["authorization"] == f"Bearer {NO_API_KEY}"


def test_placeholder_key_is_not_treated_as_a_secret():
    GenericProvider("m")
    assert redact(f"sent {NO_API_KEY}") == f"sent {NO_API_KEY}"


def test_key_order_and_default_base_url(monkeypatch):
    assert GenericProvider("m").base_url == "http://localhost:11434/v1"
    assert GenericProvider("m")._api_key == NO_API_KEY
    monkeypatch.setenv("GENERIC_API_KEY", "env-key-123456789")
    assert GenericProvider("m")._api_key == "env-key-123456789"
    settings = GenericSettings(api_key=SecretStr("settings-key-12345"), base_url="http://h:1/v1")
    from_settings = GenericProvider("m", settings=settings)
    assert (from_settings._api_key, from_settings.base_url) == (
        "settings-key-12345",
        "http://h:1/v1",
    )
    assert GenericProvider("m", api_key="arg-key-123456789", settings=settings)._api_key == (
        "arg-key-123456789"
    )


async def test_preset_name_appears_in_errors(api, http):
    api.post("/chat/completions").respond(500, json={"error": {"message": "model crashed"}})
    provider = make(http, name="ollama")
    with pytest.raises(ProviderServerError) as info:
        await provider.complete(req())
    assert info.value.message == "ollama returned HTTP 500: model crashed"
    assert info.value.provider == "ollama"


async def test_connection_error_names_base_url(api, http):
    api.post("/chat/completions").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ProviderConnectionError) as info:
        await make(http).complete(req())
    assert BASE in info.value.message


# --- request quirks -------------------------------------------------------------------------


async def test_tool_call_message_content_is_empty_string_and_max_tokens(api, http):
    route = api.post("/chat/completions").respond(200, json=payload("generic_text_no_usage.json"))
    params = RequestParams(max_tokens=64, temperature=0.1, reasoning="low")
    await make(http).complete(req(*TOOL_ROUND, system="Sys.", params=params))
    body = sent(route)
    assert body["messages"][0] == {"role": "system", "content": "Sys."}
    assert body["messages"][2]["content"] == ""
    assert body["messages"][2]["tool_calls"][0]["id"] == "c1"
    assert body["messages"][3] == {"role": "tool", "tool_call_id": "c1", "content": ""}
    assert body["max_tokens"] == 64
    assert "max_completion_tokens" not in body
    assert (body["temperature"], body["reasoning_effort"]) == (0.1, "low")


async def test_reasoning_named_model_keeps_system_role(api, http):
    route = api.post("/chat/completions").respond(200, json=payload("generic_text_no_usage.json"))
    provider = GenericProvider("o3-mini", base_url=BASE, http_client=http)
    await provider.complete(req(system="S", params=RequestParams(temperature=0.5)))
    assert sent(route)["messages"][0]["role"] == "system"
    assert sent(route)["temperature"] == 0.5


@pytest.mark.parametrize(
    ("tools", "messages", "params", "expected"),
    [
        (
            [WEATHER],
            [Message.user("Hi")],
            RequestParams(),
            {"type": "function", "function": {"name": "get_weather"}},
        ),
        ([WEATHER, TIME], [Message.user("Hi")], RequestParams(tool_choice="auto"), "required"),
        ([WEATHER], TOOL_ROUND, RequestParams(), None),
        ([WEATHER], [Message.user("Hi")], RequestParams(tool_choice="none"), "none"),
    ],
)
async def test_force_tool_choice(api, http, tools, messages, params, expected):
    route = api.post("/chat/completions").respond(200, json=payload("generic_text_no_usage.json"))
    provider = make(http, force_tool_choice="true")
    await provider.complete(req(*messages, tools=tools, params=params))
    assert sent(route).get("tool_choice") == expected


async def test_without_force_tool_choice_nothing_is_forced(api, http):
    route = api.post("/chat/completions").respond(200, json=payload("generic_text_no_usage.json"))
    await make(http).complete(req(tools=[WEATHER]))
    assert "tool_choice" not in sent(route)


# --- reply quirks ---------------------------------------------------------------------------


async def test_tool_calls_without_ids_with_object_arguments_and_eos(api, http):
    api.post("/chat/completions").respond(200, json=payload("generic_tool_call_quirks.json"))
    reply = await make(http).complete(req(tools=[WEATHER, TIME]))
    weather, time_call = reply.tool_calls
    assert weather.arguments == {"city": "Paris"}
    assert time_call.arguments == {"tz": "UTC"}
    assert weather.id == stable_call_id("chatcmpl-812", 0, "get_weather")
    assert time_call.id == stable_call_id("chatcmpl-812", 1, "get_time")
    assert weather.id != time_call.id
    assert reply.stop_reason is StopReason.TOOL_USE
    assert reply.content == []
    assert reply.usage == Usage(requests=1)
    again = await make(http).complete(req(tools=[WEATHER, TIME]))
    assert [c.id for c in again.tool_calls] == [weather.id, time_call.id]


async def test_text_without_usage_or_finish_reason(api, http):
    api.post("/chat/completions").respond(200, json=payload("generic_text_no_usage.json"))
    reply = await make(http).complete(req())
    assert reply.text == "Hi there."
    assert reply.stop_reason is StopReason.END_TURN
    assert reply.usage == Usage(requests=1)


@pytest.mark.parametrize("content", ["", None])
async def test_empty_and_null_content_mean_no_text(api, http, content):
    body = payload("generic_empty_content.json")
    body["choices"][0]["message"]["content"] = content
    api.post("/chat/completions").respond(200, json=body)
    reply = await make(http).complete(req())
    assert reply.content == []
    assert reply.text == ""
    assert reply.usage == Usage(input_tokens=9, output_tokens=1, requests=1)


# --- streaming ------------------------------------------------------------------------------


async def test_stream_tool_call_without_id_or_index(api, http):
    api.post("/chat/completions").mock(return_value=sse("generic_stream_tool_call_quirks.sse"))
    events = [e async for e in make(http).stream(req(tools=[WEATHER]))]
    call_id = stable_call_id("chatcmpl-900", 0, "get_weather")
    call = ToolCall(id=call_id, name="get_weather", arguments={"city": "Paris"})
    assert events[:3] == [
        ToolCallStart(call_id, "get_weather"),
        ToolCallDelta(call_id, '{"city": "Paris"}'),
        ToolCallEnd(call),
    ]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.tool_calls == [call]
    assert done.message.stop_reason is StopReason.TOOL_USE
    assert done.message.usage == Usage(requests=1)


async def test_stream_text_without_usage_and_eos(api, http):
    api.post("/chat/completions").mock(return_value=sse("generic_stream_text_no_usage.sse"))
    events = [e async for e in make(http).stream(req())]
    assert events[:2] == [TextDelta("Hi"), TextDelta(" there.")]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.text == "Hi there."
    assert done.message.stop_reason is StopReason.END_TURN


async def test_stream_tools_false_falls_back_to_complete(api, http):
    route = api.post("/chat/completions").respond(
        200, json=payload("generic_tool_call_quirks.json")
    )
    provider = make(http, stream_tools="false")
    events = [e async for e in provider.stream(req(tools=[WEATHER]))]
    body = sent(route)
    assert "stream" not in body
    assert "stream_options" not in body
    assert [type(e).__name__ for e in events] == [
        "ToolCallStart",
        "ToolCallDelta",
        "ToolCallEnd",
        "ToolCallStart",
        "ToolCallDelta",
        "ToolCallEnd",
        "UsageUpdate",
        "StreamDone",
    ]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert [c.name for c in done.message.tool_calls] == ["get_weather", "get_time"]


async def test_stream_tools_false_still_streams_without_tools(api, http):
    route = api.post("/chat/completions").mock(return_value=sse("generic_stream_text_no_usage.sse"))
    events = [e async for e in make(http, stream_tools=False).stream(req())]
    assert sent(route)["stream"] is True
    assert events[0] == TextDelta("Hi")


# --- structured output ----------------------------------------------------------------------


class City(BaseModel):
    name: str


async def test_structured_output_defaults_to_json_instruction(api, http):
    reply = {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"name": "Oslo"}'}}]
    }
    route = api.post("/chat/completions").respond(200, json=reply)
    provider = make(http)
    assert provider.native_structured_output is False
    result = await AugmentedLLM(provider, instruction="Geo.").structured("Capital of Norway?", City)
    assert result == City(name="Oslo")
    body = sent(route)
    assert "response_format" not in body
    assert body["messages"][0]["role"] == "system"
    assert "JSON Schema" in body["messages"][0]["content"]


async def test_structured_output_json_schema_option(api, http):
    reply = {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"name": "Oslo"}'}}]
    }
    route = api.post("/chat/completions").respond(200, json=reply)
    provider = make(http, json_schema="true")
    assert provider.native_structured_output is True
    result = await AugmentedLLM(provider).structured("Capital of Norway?", City)
    assert result == City(name="Oslo")
    fmt = sent(route)["response_format"]
    assert fmt["type"] == "json_schema"
    assert fmt["json_schema"]["strict"] is True
    assert fmt["json_schema"]["schema"]["required"] == ["name"]


async def test_structured_output_json_object_schema_option(api, http):
    reply = {
        "choices": [{"index": 0, "message": {"role": "assistant", "content": '{"name": "Oslo"}'}}]
    }
    route = api.post("/chat/completions").respond(200, json=reply)
    provider = make(http, json_object_schema="true")
    assert provider.native_structured_output is True
    result = await AugmentedLLM(provider).structured("Capital of Norway?", City)
    assert result == City(name="Oslo")
    body = sent(route)
    assert body["response_format"]["type"] == "json_object"
    assert body["response_format"]["schema"]["required"] == ["name"]
    assert "json_schema" not in body["response_format"]
    assert all("JSON Schema" not in str(m.get("content")) for m in body["messages"])


def test_generic_options_are_validated():
    with pytest.raises(UserError, match="option 'stream_tools' must be bool"):
        GenericProvider("m", stream_tools="maybe")
    with pytest.raises(UserError, match="has no option 'force_tools'") as info:
        GenericProvider("m", force_tools="true")
    assert "force_tool_choice" in (info.value.hint or "")
