import json
import logging
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel, SecretStr

from fastagent._redact import redact
from fastagent.config.settings import OpenAISettings
from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowExceededError,
    MissingAPIKeyError,
    MissingDependencyError,
    ProviderConnectionError,
    ProviderError,
    ProviderHTTPError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
    UserError,
)
from fastagent.llm.augmented import AugmentedLLM
from fastagent.llm.params import RequestParams
from fastagent.messages import (
    EmbeddedResource,
    ImageContent,
    Message,
    ResourceContents,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
    Usage,
)
from fastagent.providers.base import CompletionRequest
from fastagent.providers.model_strings import ProviderEntry, ProviderRegistry
from fastagent.providers.openai import OpenAIProvider, is_reasoning_model
from fastagent.streaming import (
    StreamDone,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageUpdate,
)
from fastagent.tools.base import ToolDefinition
from fastagent.tools.function_tool import FunctionTool
from fastagent.tools.toolset import ToolSet

PAYLOADS = Path(__file__).parent / "payloads" / "openai"
BASE = "https://api.openai.com/v1"
KEY = "sk-test-0123456789abcdefghijwxyz"

WEATHER = ToolDefinition(
    name="get_weather",
    description="Current weather in a city.",
    input_schema={
        "type": "object",
        "properties": {"city": {"type": "string", "description": "City name"}},
        "required": ["city"],
    },
)
SEARCH = ToolDefinition(
    name="search",
    description="Search the web.",
    input_schema={
        "type": "object",
        "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "default": 5}},
        "required": ["query"],
    },
)


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


def sse(name: str) -> httpx.Response:
    return httpx.Response(
        200,
        content=(PAYLOADS / name).read_bytes(),
        headers={"content-type": "text/event-stream"},
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


@pytest.fixture
def provider(http: httpx.AsyncClient) -> OpenAIProvider:
    return OpenAIProvider("gpt-4.1", api_key=KEY, http_client=http)


def req(*messages: Message, **kwargs: Any) -> CompletionRequest:
    return CompletionRequest(list(messages) or [Message.user("Hi")], **kwargs)


# --- complete: request body and parsed reply ------------------------------------------------


async def test_text_completion_request_body_and_reply(api, provider):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    reply = await provider.complete(req(Message.user("Hi"), system="Be brief."))
    assert sent(route) == {
        "model": "gpt-4.1",
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Hi"},
        ],
    }
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert reply.role == "assistant"
    assert reply.text == "Hello! How can I help you today?"
    assert reply.stop_reason is StopReason.END_TURN
    assert reply.model == "gpt-4.1-2025-04-14"
    assert reply.usage == Usage(
        input_tokens=131, output_tokens=10, cache_read_tokens=1920, requests=1
    )
    assert reply.timestamp is not None


async def test_conversation_with_tool_round_images_and_resources(api, provider):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    conversation = [
        Message.user(
            "What is in this picture and file?",
            ImageContent(data="iVBORw0KGgo=", mime_type="image/png"),
            EmbeddedResource(resource=ResourceContents(uri="file:///notes.txt", text="buy milk")),
        ),
        Message.assistant(
            tool_calls=[
                ToolCall(id="call_1", name="get_weather", arguments={"city": "Paris"}),
                ToolCall(id="call_2", name="snapshot", arguments={}),
            ]
        ),
        Message(
            role="user",
            tool_results=[
                ToolResult(call_id="call_1", content=[TextContent(text="18C, cloudy")]),
                ToolResult(
                    call_id="call_2",
                    content=[
                        TextContent(text="camera view"),
                        ImageContent(data="R0lGODlh", mime_type="image/gif"),
                    ],
                ),
            ],
        ),
    ]
    await provider.complete(req(*conversation))
    messages = sent(route)["messages"]
    assert messages[0] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "What is in this picture and file?"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
            {"type": "text", "text": '<resource uri="file:///notes.txt">\nbuy milk\n</resource>'},
        ],
    }
    assert messages[1] == {
        "role": "assistant",
        "content": None,
        "tool_calls": [
            {
                "id": "call_1",
                "type": "function",
                "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'},
            },
            {
                "id": "call_2",
                "type": "function",
                "function": {"name": "snapshot", "arguments": "{}"},
            },
        ],
    }
    assert messages[2] == {"role": "tool", "tool_call_id": "call_1", "content": "18C, cloudy"}
    assert messages[3] == {
        "role": "tool",
        "tool_call_id": "call_2",
        "content": "camera view\n[1 image(s) follow in the next user message]",
    }
    assert messages[4] == {
        "role": "user",
        "content": [
            {"type": "text", "text": "Image(s) returned by tool call call_2:"},
            {"type": "image_url", "image_url": {"url": "data:image/gif;base64,R0lGODlh"}},
        ],
    }
    assert len(messages) == 5


async def test_tools_strict_when_schema_allows_and_tool_choice_mapping(api, provider):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    await provider.complete(
        req(tools=[WEATHER, SEARCH], params=RequestParams(tool_choice="search"))
    )
    body = sent(route)
    weather, search = body["tools"]
    assert weather == {
        "type": "function",
        "function": {
            "name": "get_weather",
            "description": "Current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string", "description": "City name"}},
                "required": ["city"],
                "additionalProperties": False,
            },
            "strict": True,
        },
    }
    # an optional argument cannot be strict without changing its meaning
    assert "strict" not in search["function"]
    assert search["function"]["parameters"] == SEARCH.input_schema
    assert body["tool_choice"] == {"type": "function", "function": {"name": "search"}}
    assert "parallel_tool_calls" not in body


@pytest.mark.parametrize("choice", ["auto", "none", "required"])
async def test_tool_choice_keywords_pass_through(api, provider, choice):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    await provider.complete(req(tools=[WEATHER], params=RequestParams(tool_choice=choice)))
    assert sent(route)["tool_choice"] == choice


async def test_parallel_tool_calls_sent_only_when_set_and_with_tools(api, provider):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    params = RequestParams(parallel_tool_calls=False, tool_choice="auto")
    await provider.complete(req(tools=[WEATHER], params=params))
    assert sent(route)["parallel_tool_calls"] is False
    await provider.complete(req(params=params))
    assert {"tools", "tool_choice", "parallel_tool_calls"}.isdisjoint(sent(route))


async def test_parallel_tool_calls_reply(api, provider):
    api.post("/chat/completions").respond(200, json=payload("completion_tool_calls_parallel.json"))
    reply = await provider.complete(req(tools=[WEATHER]))
    assert reply.tool_calls == [
        ToolCall(id="call_Wx8Gq2", name="get_weather", arguments={"city": "Paris"}),
        ToolCall(id="call_Tm3Lk9", name="get_time", arguments={"tz": "Europe/Paris"}),
    ]
    assert reply.content == []
    assert reply.stop_reason is StopReason.TOOL_USE


# --- model rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("o1", True),
        ("o3-mini", True),
        ("o4-mini", True),
        ("gpt-5", True),
        ("gpt-5-mini", True),
        ("gpt-5-chat-latest", False),
        ("gpt-4.1", False),
        ("gpt-4o", False),
    ],
)
def test_is_reasoning_model(model, expected):
    assert is_reasoning_model(model) is expected


async def test_reasoning_model_rules(api, http, caplog):
    route = api.post("/chat/completions").respond(200, json=payload("completion_reasoning.json"))
    provider = OpenAIProvider("o3", api_key=KEY, http_client=http)
    params = RequestParams(reasoning="high", temperature=0.7, max_tokens=4000)
    with caplog.at_level(logging.DEBUG, logger="fastagent.providers.openai"):
        reply = await provider.complete(req(Message.user("6*7?"), system="Math.", params=params))
    body = sent(route)
    assert body["messages"][0] == {"role": "developer", "content": "Math."}
    assert body["reasoning_effort"] == "high"
    assert body["max_completion_tokens"] == 4000
    assert "temperature" not in body
    assert "max_tokens" not in body
    assert "dropping temperature=0.7" in caplog.text
    assert reply.usage == Usage(
        input_tokens=31, output_tokens=348, reasoning_tokens=320, requests=1
    )


async def test_non_reasoning_model_takes_temperature_not_reasoning(api, provider, caplog):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    params = RequestParams(reasoning="low", temperature=0.2, max_tokens=50, stop_sequences=("END",))
    with caplog.at_level(logging.DEBUG, logger="fastagent.providers.openai"):
        await provider.complete(req(params=params))
    body = sent(route)
    assert body["temperature"] == 0.2
    assert body["max_completion_tokens"] == 50
    assert body["stop"] == ["END"]
    assert "reasoning_effort" not in body
    assert "dropping reasoning_effort='low'" in caplog.text


async def test_params_model_overrides_provider_model(api, provider):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    await provider.complete(req(params=RequestParams(model="gpt-4.1-mini")))
    assert sent(route)["model"] == "gpt-4.1-mini"


# --- structured output ----------------------------------------------------------------------


class Weather(BaseModel):
    city: str
    temperature_c: float
    conditions: list[str] = []


class FreeForm(BaseModel):
    data: dict[str, int]


async def test_structured_output_strict_json_schema(api, provider):
    route = api.post("/chat/completions").respond(200, json=payload("completion_structured.json"))
    llm = AugmentedLLM(provider, instruction="Report weather.")
    result = await llm.structured("Weather in Paris?", Weather)
    assert result == Weather(city="Paris", temperature_c=18.5, conditions=["cloudy"])
    body = sent(route)
    assert provider.native_structured_output is True
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {
            "name": "Weather",
            "strict": True,
            "schema": {
                "type": "object",
                "title": "Weather",
                "properties": {
                    "city": {"title": "City", "type": "string"},
                    "temperature_c": {"title": "Temperature C", "type": "number"},
                    "conditions": {
                        "title": "Conditions",
                        "type": "array",
                        "items": {"type": "string"},
                    },
                },
                "required": ["city", "temperature_c", "conditions"],
                "additionalProperties": False,
            },
        },
    }
    # native: no JSON instruction appended to the system prompt
    assert body["messages"][0] == {"role": "system", "content": "Report weather."}


async def test_structured_output_falls_back_to_non_strict(api, provider):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    await provider.complete(req(params=RequestParams(response_format=FreeForm)))
    fmt = sent(route)["response_format"]["json_schema"]
    assert fmt["strict"] is False
    assert fmt["schema"] == FreeForm.model_json_schema()


# --- stop reasons ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "stop", "text"),
    [
        ("completion_length.json", StopReason.MAX_TOKENS, "Once upon a time, in a"),
        ("completion_content_filter.json", StopReason.REFUSAL, ""),
        (
            "completion_refusal.json",
            StopReason.REFUSAL,
            "I'm sorry, I cannot assist with that request.",
        ),
    ],
)
async def test_finish_reasons(api, provider, name, stop, text):
    api.post("/chat/completions").respond(200, json=payload(name))
    reply = await provider.complete(req())
    assert reply.stop_reason is stop
    assert reply.text == text


# --- streaming ------------------------------------------------------------------------------


async def test_stream_text(api, provider):
    route = api.post("/chat/completions").mock(return_value=sse("stream_text.sse"))
    events = [e async for e in provider.stream(req(Message.user("Hi")))]
    body = sent(route)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}
    usage = Usage(input_tokens=131, output_tokens=3, cache_read_tokens=1920, requests=1)
    assert events[:3] == [TextDelta("Hello"), TextDelta(" there!"), UsageUpdate(usage)]
    assert len(events) == 4
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.text == "Hello there!"
    assert done.message.stop_reason is StopReason.END_TURN
    assert done.message.usage == usage
    assert done.message.model == "gpt-4.1-2025-04-14"


async def test_stream_parallel_tool_calls_assembled_by_index(api, provider):
    api.post("/chat/completions").mock(return_value=sse("stream_tool_calls.sse"))
    events = [e async for e in provider.stream(req(tools=[WEATHER]))]
    weather = ToolCall(id="call_Wx8Gq2", name="get_weather", arguments={"city": "Paris"})
    time_call = ToolCall(id="call_Tm3Lk9", name="get_time", arguments={"tz": "Europe/Paris"})
    assert events[:5] == [
        ToolCallStart("call_Wx8Gq2", "get_weather"),
        ToolCallDelta("call_Wx8Gq2", '{"ci'),
        ToolCallDelta("call_Wx8Gq2", 'ty": "Paris"}'),
        ToolCallStart("call_Tm3Lk9", "get_time"),
        ToolCallDelta("call_Tm3Lk9", '{"tz": "Europe/Paris"}'),
    ]
    assert isinstance(events[5], UsageUpdate)
    assert events[6:8] == [ToolCallEnd(weather), ToolCallEnd(time_call)]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.tool_calls == [weather, time_call]
    assert done.message.stop_reason is StopReason.TOOL_USE
    assert done.message.usage == Usage(input_tokens=82, output_tokens=51, requests=1)


async def test_stream_reasoning_usage(api, http):
    api.post("/chat/completions").mock(return_value=sse("stream_reasoning.sse"))
    provider = OpenAIProvider("o3", api_key=KEY, http_client=http)
    events = [e async for e in provider.stream(req())]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.text == "42"
    assert done.message.usage is not None
    assert done.message.usage.reasoning_tokens == 320


async def test_stream_error_event_mid_stream(api, provider):
    api.post("/chat/completions").mock(return_value=sse("stream_error.sse"))
    seen = []
    with pytest.raises(ProviderError) as info:
        async for event in provider.stream(req()):
            seen.append(event)
    assert seen == [TextDelta("Par")]
    assert "server had an error" in info.value.message
    assert info.value.provider == "openai"


async def test_stream_http_error(api, provider):
    api.post("/chat/completions").respond(429, json=payload("error_rate_limit.json"))
    with pytest.raises(RateLimitError):
        async for _ in provider.stream(req()):
            pass


async def test_tool_loop_end_to_end(api, provider):
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return f"{city}: 18C"

    route = api.post("/chat/completions")
    route.side_effect = [
        httpx.Response(200, json=payload("completion_tool_calls_parallel.json")),
        httpx.Response(200, json=payload("completion_text.json")),
    ]
    llm = AugmentedLLM(provider, tools=ToolSet([FunctionTool(get_weather)]))
    reply = await llm.generate("Weather and time in Paris?")
    assert reply.text == "Hello! How can I help you today?"
    second = sent(route, 1)["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "tool", "tool"]
    assert second[2] == {"role": "tool", "tool_call_id": "call_Wx8Gq2", "content": "Paris: 18C"}
    assert second[3]["tool_call_id"] == "call_Tm3Lk9"
    assert reply.usage is not None
    assert reply.usage.requests == 2


# --- errors ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "kind"),
    [
        (400, "error_bad_request.json", BadRequestError),
        (401, "error_invalid_api_key.json", AuthenticationError),
        (429, "error_rate_limit.json", RateLimitError),
        (500, "error_server.json", ProviderServerError),
        (503, "error_overloaded.json", ProviderServerError),
        (400, "error_context_length.json", ContextWindowExceededError),
        (400, "error_context_length_code_only.json", ContextWindowExceededError),
    ],
)
async def test_http_errors_map_to_typed_errors(api, provider, status, name, kind):
    body = payload(name)
    api.post("/chat/completions").respond(status, json=body)
    with pytest.raises(ProviderHTTPError) as info:
        await provider.complete(req())
    error = info.value
    assert type(error) is kind
    assert error.status_code == status
    assert error.provider == "openai"
    assert body["error"]["message"][:30] in error.message
    assert error.hint
    assert KEY not in str(error) and KEY not in (error.body or "")


async def test_rate_limit_retry_after(api, provider):
    api.post("/chat/completions").respond(
        429, json=payload("error_rate_limit.json"), headers={"retry-after-ms": "1400"}
    )
    with pytest.raises(RateLimitError) as info:
        await provider.complete(req())
    assert info.value.retry_after == pytest.approx(1.4)


async def test_timeout(api, provider):
    api.post("/chat/completions").mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(ProviderTimeoutError) as info:
        await provider.complete(req())
    assert "gpt-4.1" in info.value.message
    assert info.value.hint


async def test_connection_error(api, provider):
    api.post("/chat/completions").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ProviderConnectionError) as info:
        await provider.complete(req())
    assert "api.openai.com" in info.value.message


# --- construction: keys, options, lazy SDK ----------------------------------------------------


def test_api_key_order(monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env-0123456789abcdefgh")
    settings = OpenAISettings(api_key=SecretStr("sk-settings-0123456789abcdef"))
    assert OpenAIProvider("m", api_key=KEY, settings=settings)._api_key == KEY
    assert OpenAIProvider("m", settings=settings)._api_key == "sk-settings-0123456789abcdef"
    assert OpenAIProvider("m")._api_key == "sk-env-0123456789abcdefgh"
    monkeypatch.delenv("OPENAI_API_KEY")
    with pytest.raises(MissingAPIKeyError) as info:
        OpenAIProvider("m")
    assert info.value.env_var == "OPENAI_API_KEY"


def test_api_key_is_registered_for_redaction():
    key = "custom-key-value-not-sk-shaped-123"
    OpenAIProvider("m", api_key=key)
    assert redact(f"header {key}") == "header ***"


def test_settings_supply_base_url_timeout_and_headers():
    settings = OpenAISettings(
        base_url="https://proxy.example/v1", timeout=12.5, default_headers={"X-Team": "a"}
    )
    provider = OpenAIProvider("m", api_key=KEY, settings=settings, default_headers={"X-Run": "1"})
    assert provider.base_url == "https://proxy.example/v1"
    assert provider.timeout == 12.5
    assert provider.default_headers == {"X-Team": "a", "X-Run": "1"}


async def test_settings_headers_and_base_url_reach_the_wire(http):
    settings = OpenAISettings(base_url="https://proxy.example/v1", default_headers={"X-Team": "a"})
    provider = OpenAIProvider("m", api_key=KEY, settings=settings, http_client=http)
    with respx.mock(base_url="https://proxy.example/v1") as router:
        route = router.post("/chat/completions").respond(200, json=payload("completion_text.json"))
        await provider.complete(req())
    assert route.calls.last.request.headers["x-team"] == "a"


async def test_string_options_become_request_defaults(api, http):
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    provider = OpenAIProvider(
        "gpt-4.1", api_key=KEY, http_client=http, temperature="0.3", max_tokens="256"
    )
    await provider.complete(req())
    assert (sent(route)["temperature"], sent(route)["max_completion_tokens"]) == (0.3, 256)
    await provider.complete(req(params=RequestParams(temperature=0.9)))
    assert sent(route)["temperature"] == 0.9


def test_bad_options_are_user_errors():
    with pytest.raises(UserError, match="has no option 'temprature'"):
        OpenAIProvider("m", api_key=KEY, temprature="0.3")
    with pytest.raises(UserError, match="option 'max_tokens' must be int"):
        OpenAIProvider("m", api_key=KEY, max_tokens="many")
    with pytest.raises(UserError, match="reasoning"):
        OpenAIProvider("m", api_key=KEY, reasoning="extreme")


async def test_registry_builds_provider_from_model_string(api, http):
    registry = ProviderRegistry(
        [ProviderEntry("openai", "fastagent.providers.openai:OpenAIProvider", "gpt-4.1")]
    )
    provider = registry.create("openai.gpt-4o?temperature=0.5", api_key=KEY, http_client=http)
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    await provider.complete(req())
    assert (sent(route)["model"], sent(route)["temperature"]) == ("gpt-4o", 0.5)


def test_importing_the_module_does_not_import_the_sdk():
    code = (
        "import sys, fastagent.providers.openai as m; "
        "m.OpenAIProvider('gpt-4.1', api_key='k'); "
        "assert 'openai' not in sys.modules, 'openai imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_missing_sdk_raises_missing_dependency(monkeypatch):
    provider = OpenAIProvider("gpt-4.1", api_key=KEY)
    monkeypatch.setitem(sys.modules, "openai", None)
    with pytest.raises(MissingDependencyError) as info:
        await provider.complete(req())
    assert info.value.extra == "openai"


async def test_injected_client_is_used_and_aclose_keeps_it(api, http):
    import openai

    client = openai.AsyncOpenAI(api_key=KEY, http_client=http, max_retries=0)
    route = api.post("/chat/completions").respond(200, json=payload("completion_text.json"))
    provider = OpenAIProvider("gpt-4.1", client=client)
    await provider.complete(req())
    await provider.aclose()
    assert route.called
    assert not http.is_closed


async def test_aclose_closes_the_client_it_built():
    provider = OpenAIProvider("gpt-4.1", api_key=KEY)
    client = provider._sdk_client()
    await provider.aclose()
    assert client.is_closed()
