"""ResponsesProvider: the real openai SDK against recorded Responses API payloads (respx)."""

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel, SecretStr

from fastagent.config.settings import OpenAISettings, Settings
from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    MissingAPIKeyError,
    ProviderConnectionError,
    ProviderError,
    ProviderResponseError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
)
from fastagent.history import load_history, save_history
from fastagent.llm.augmented import AugmentedLLM
from fastagent.llm.params import RequestParams
from fastagent.messages import (
    AudioContent,
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
from fastagent.providers.factory import ModelFactory
from fastagent.providers.model_strings import ProviderRegistry
from fastagent.providers.responses import ResponsesProvider
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

PAYLOADS = Path(__file__).parent / "payloads" / "responses"
OPENAI_PAYLOADS = Path(__file__).parent / "payloads" / "openai"
BASE = "https://api.openai.com/v1"
KEY = "sk-test-responses-0123456789abcdwxyz"

WEATHER = ToolDefinition(
    name="get_weather",
    description="Current weather in a city.",
    input_schema={
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
)


def payload(name: str, folder: Path = PAYLOADS) -> dict[str, Any]:
    return json.loads((folder / name).read_text())


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


def make(http: httpx.AsyncClient, model: str = "gpt-4.1", **options: Any) -> ResponsesProvider:
    return ResponsesProvider(model, api_key=KEY, http_client=http, **options)


def req(*messages: Message, **kwargs: Any) -> CompletionRequest:
    return CompletionRequest(list(messages) or [Message.user("Hi")], **kwargs)


def reasoning_item(name: str, index: int = 0) -> dict[str, Any]:
    item = payload(name)["output"][index]
    assert item["type"] == "reasoning"
    return item


# --- text ---------------------------------------------------------------------------------


async def test_text_request_body_and_reply(api, http):
    route = api.post("/responses").respond(200, json=payload("response_text.json"))
    reply = await make(http).complete(req(Message.user("Hi"), system="Be brief."))
    assert sent(route) == {
        "model": "gpt-4.1",
        "input": [{"role": "user", "content": "Hi"}],
        "store": False,
        "instructions": "Be brief.",
    }
    assert route.calls.last.request.headers["authorization"] == f"Bearer {KEY}"
    assert reply.text == "Hello! How can I help you today?"
    assert reply.stop_reason is StopReason.END_TURN
    assert reply.model == "gpt-4.1-2025-04-14"
    assert reply.usage == Usage(
        input_tokens=131, output_tokens=10, cache_read_tokens=1920, requests=1
    )
    assert reply.provider_data is None


async def test_params_map_to_responses_fields(api, http, caplog):
    route = api.post("/responses").respond(200, json=payload("response_text.json"))
    params = RequestParams(
        max_tokens=256, temperature=0.2, reasoning="high", stop_sequences=("END",)
    )
    with caplog.at_level("DEBUG"):
        await make(http).complete(req(params=params))
    body = sent(route)
    assert body["max_output_tokens"] == 256
    assert body["temperature"] == 0.2
    assert "reasoning" not in body and "include" not in body and "stop" not in body
    assert "stop sequences" in caplog.text

    await make(http, "o3").complete(req(params=params))
    body = sent(route)
    assert body["reasoning"] == {"effort": "high"}
    assert body["include"] == ["reasoning.encrypted_content"]
    assert "temperature" not in body


async def test_refusal_and_incomplete_replies(api, http):
    api.post("/responses").respond(200, json=payload("response_refusal.json"))
    refused = await make(http).complete(req())
    assert refused.stop_reason is StopReason.REFUSAL
    assert refused.text == "I'm sorry, I can't help with that."
    api.post("/responses").respond(200, json=payload("response_incomplete.json"))
    cut = await make(http).complete(req())
    assert cut.stop_reason is StopReason.MAX_TOKENS
    assert cut.text == "The history of Rome begins"


# --- tools, reasoning items -----------------------------------------------------------------


async def test_parallel_function_calls_with_reasoning_kept_in_provider_data(api, http):
    route = api.post("/responses").respond(200, json=payload("response_reasoning_tool_calls.json"))
    provider = make(http, "o3", reasoning="high")
    reply = await provider.complete(
        req(Message.user("Weather in Paris and Tokyo?"), tools=[WEATHER])
    )
    body = sent(route)
    assert body["tools"] == [
        {
            "type": "function",
            "name": "get_weather",
            "description": "Current weather in a city.",
            "parameters": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
                "additionalProperties": False,
            },
            "strict": True,
        }
    ]
    assert body["reasoning"] == {"effort": "high"}
    assert reply.stop_reason is StopReason.TOOL_USE
    assert reply.tool_calls == [
        ToolCall(id="call_Paris7Hq2", name="get_weather", arguments={"city": "Paris"}),
        ToolCall(id="call_Tokyo9Zx4", name="get_weather", arguments={"city": "Tokyo"}),
    ]
    recorded = reasoning_item("response_reasoning_tool_calls.json")
    assert reply.provider_data == {
        "responses": {
            "reasoning": [
                {
                    "type": "reasoning",
                    "id": recorded["id"],
                    "summary": recorded["summary"],
                    "encrypted_content": recorded["encrypted_content"],
                }
            ]
        }
    }
    assert reply.usage == Usage(
        input_tokens=142, output_tokens=186, reasoning_tokens=128, requests=1
    )


async def test_tool_choice_and_parallel_flag(api, http):
    route = api.post("/responses").respond(200, json=payload("response_text.json"))
    provider = make(http)
    await provider.complete(req(tools=[WEATHER], params=RequestParams(tool_choice="get_weather")))
    assert sent(route)["tool_choice"] == {"type": "function", "name": "get_weather"}
    assert "parallel_tool_calls" not in sent(route)
    await provider.complete(
        req(
            tools=[WEATHER], params=RequestParams(tool_choice="required", parallel_tool_calls=False)
        )
    )
    assert sent(route)["tool_choice"] == "required"
    assert sent(route)["parallel_tool_calls"] is False


def second_turn_input(conversation_reply: Message, results: Message) -> list[dict[str, Any]]:
    return [
        {"role": "user", "content": "Weather in Paris and Tokyo?"},
        {
            "type": "reasoning",
            "id": reasoning_item("response_reasoning_tool_calls.json")["id"],
            "summary": reasoning_item("response_reasoning_tool_calls.json")["summary"],
            "encrypted_content": reasoning_item("response_reasoning_tool_calls.json")[
                "encrypted_content"
            ],
        },
        {
            "type": "function_call",
            "call_id": "call_Paris7Hq2",
            "name": "get_weather",
            "arguments": '{"city": "Paris"}',
        },
        {
            "type": "function_call",
            "call_id": "call_Tokyo9Zx4",
            "name": "get_weather",
            "arguments": '{"city": "Tokyo"}',
        },
        {"type": "function_call_output", "call_id": "call_Paris7Hq2", "output": "Paris: 18C"},
        {"type": "function_call_output", "call_id": "call_Tokyo9Zx4", "output": "Tokyo: 24C"},
    ]


def weather_tools() -> ToolSet:
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return {"Paris": "Paris: 18C", "Tokyo": "Tokyo: 24C"}[city]

    return ToolSet([FunctionTool(get_weather)])


async def test_tool_loop_sends_reasoning_calls_and_outputs_back(api, http):
    route = api.post("/responses")
    route.side_effect = [
        httpx.Response(200, json=payload("response_reasoning_tool_calls.json")),
        httpx.Response(200, json=payload("response_reasoning_text.json")),
    ]
    llm = AugmentedLLM(make(http, "o3"), instruction="Report weather.", tools=weather_tools())
    reply = await llm.generate("Weather in Paris and Tokyo?")
    assert reply.text == "Paris is 18°C and cloudy; Tokyo is 24°C and sunny."
    second = sent(route, 1)
    assert second["instructions"] == "Report weather."
    assert second["store"] is False and "previous_response_id" not in second
    assert second["input"] == second_turn_input(reply, reply)
    assert reply.usage is not None and reply.usage.requests == 2
    assert reply.usage.reasoning_tokens == 128 + 64


@pytest.mark.parametrize("fmt", ["json", "yaml", "text"])
async def test_history_saved_mid_tool_loop_resends_reasoning(api, http, tmp_path, fmt):
    route = api.post("/responses")
    route.side_effect = [
        httpx.Response(200, json=payload("response_reasoning_tool_calls.json")),
        httpx.Response(200, json=payload("response_reasoning_text.json")),
    ]
    first = Message.user("Weather in Paris and Tokyo?")
    assistant = await make(http, "o3").complete(req(first, tools=[WEATHER]))
    results = Message(
        role="user",
        tool_results=[
            ToolResult(call_id="call_Paris7Hq2", content=[TextContent(text="Paris: 18C")]),
            ToolResult(call_id="call_Tokyo9Zx4", content=[TextContent(text="Tokyo: 24C")]),
        ],
    )
    path = tmp_path / "conversation.history"
    save_history(path, [first, assistant, results], format=fmt)
    loaded = load_history(path, format=fmt)
    assert loaded[1].provider_data == assistant.provider_data

    fresh = make(http, "o3")  # a new process: nothing of the first call kept in memory
    final = await fresh.complete(req(*loaded, tools=[WEATHER]))
    assert sent(route, 1)["input"] == second_turn_input(assistant, results)
    assert final.provider_data == {
        "responses": {
            "reasoning": [
                {
                    "type": "reasoning",
                    "id": "rs_68f1a2reason02",
                    "summary": [],
                    "encrypted_content": reasoning_item("response_reasoning_text.json")[
                        "encrypted_content"
                    ],
                }
            ]
        }
    }


async def test_reasoning_without_encrypted_content_and_foreign_data_are_not_sent(api, http):
    route = api.post("/responses").respond(200, json=payload("response_text.json"))
    assistant = Message(
        role="assistant",
        content=[TextContent(text="Earlier answer")],
        provider_data={
            "responses": {"reasoning": [{"type": "reasoning", "id": "rs_1", "summary": []}]},
            "anthropic": {"thinking": [{"type": "thinking", "thinking": "x"}]},
        },
    )
    malformed = Message(
        role="assistant", content=[TextContent(text="B")], provider_data={"responses": "junk"}
    )
    await make(http, "o3").complete(
        req(Message.user("A"), assistant, Message.user("Next"), malformed, Message.user("C"))
    )
    assert sent(route)["input"] == [
        {"role": "user", "content": "A"},
        {"role": "assistant", "content": "Earlier answer"},
        {"role": "user", "content": "Next"},
        {"role": "assistant", "content": "B"},
        {"role": "user", "content": "C"},
    ]


# --- structured output ------------------------------------------------------------------------


class CityWeather(BaseModel):
    city: str
    temperature_c: int


async def test_structured_output_uses_text_format_json_schema(api, http):
    route = api.post("/responses").respond(200, json=payload("response_structured.json"))
    llm = AugmentedLLM(make(http))
    result = await llm.structured("Weather in Paris?", CityWeather)
    assert result == CityWeather(city="Paris", temperature_c=18)
    body = sent(route)
    assert body["text"] == {
        "format": {
            "type": "json_schema",
            "name": "CityWeather",
            "schema": {
                "type": "object",
                "title": "CityWeather",
                "properties": {
                    "city": {"type": "string", "title": "City"},
                    "temperature_c": {"type": "integer", "title": "Temperature C"},
                },
                "required": ["city", "temperature_c"],
                "additionalProperties": False,
            },
            "strict": True,
        }
    }
    assert "JSON" not in (body.get("instructions") or "")


# --- multimodal -------------------------------------------------------------------------------


async def test_images_pdf_audio_and_tool_result_media(api, http):
    route = api.post("/responses").respond(200, json=payload("response_text.json"))
    conversation = [
        Message.user(
            "Compare these.",
            ImageContent(data="iVBORw0KGgo=", mime_type="image/png"),
            EmbeddedResource(
                resource=ResourceContents(
                    uri="file:///tmp/report.pdf", mime_type="application/pdf", blob="JVBERi0x"
                )
            ),
            AudioContent(data="UklGRg==", mime_type="audio/wav"),
        ),
        Message.assistant(tool_calls=[ToolCall(id="call_1", name="snapshot", arguments={})]),
        Message(
            role="user",
            tool_results=[
                ToolResult(
                    call_id="call_1",
                    content=[
                        TextContent(text="camera view"),
                        ImageContent(data="R0lGODlh", mime_type="image/gif"),
                    ],
                )
            ],
        ),
    ]
    await make(http).complete(req(*conversation))
    items = sent(route)["input"]
    assert items[0] == {
        "role": "user",
        "content": [
            {"type": "input_text", "text": "Compare these."},
            {"type": "input_image", "image_url": "data:image/png;base64,iVBORw0KGgo="},
            {
                "type": "input_file",
                "filename": "report.pdf",
                "file_data": "data:application/pdf;base64,JVBERi0x",
            },
            {
                "type": "input_text",
                "text": "[audio content (audio/wav) not supported by the OpenAI Responses API]",
            },
        ],
    }
    assert items[2] == {
        "type": "function_call_output",
        "call_id": "call_1",
        "output": [
            {"type": "input_text", "text": "camera view"},
            {"type": "input_image", "image_url": "data:image/gif;base64,R0lGODlh"},
        ],
    }
    assert len(items) == 3


# --- streaming --------------------------------------------------------------------------------


async def collect(provider: ResponsesProvider, request: CompletionRequest) -> list[Any]:
    return [event async for event in provider.stream(request)]


async def test_stream_text(api, http):
    route = api.post("/responses").mock(return_value=sse("stream_text.sse"))
    events = await collect(make(http), req())
    assert sent(route)["stream"] is True
    assert [e.text for e in events if isinstance(e, TextDelta)] == ["Hello", " there!"]
    usage = [e for e in events if isinstance(e, UsageUpdate)]
    assert usage == [UsageUpdate(Usage(input_tokens=12, output_tokens=4, requests=1))]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.text == "Hello there!"
    assert done.message.stop_reason is StopReason.END_TURN
    assert done.message.model == "gpt-4.1-2025-04-14"


async def test_stream_parallel_calls_with_reasoning(api, http):
    api.post("/responses").mock(return_value=sse("stream_reasoning_tool_calls.sse"))
    events = await collect(make(http, "o3"), req(tools=[WEATHER]))
    kinds = [type(e).__name__ for e in events]
    assert kinds == [
        "ToolCallStart",
        "ToolCallDelta",
        "ToolCallDelta",
        "ToolCallEnd",
        "ToolCallStart",
        "ToolCallDelta",
        "ToolCallEnd",
        "UsageUpdate",
        "StreamDone",
    ]
    assert events[0] == ToolCallStart("call_Paris7Hq2", "get_weather")
    assert events[1] == ToolCallDelta("call_Paris7Hq2", '{"city":')
    assert isinstance(events[3], ToolCallEnd)
    assert events[3].call == ToolCall(
        id="call_Paris7Hq2", name="get_weather", arguments={"city": "Paris"}
    )
    message = events[-1].message
    assert [c.id for c in message.tool_calls] == ["call_Paris7Hq2", "call_Tokyo9Zx4"]
    assert message.stop_reason is StopReason.TOOL_USE
    assert message.usage.reasoning_tokens == 128
    # the complete encrypted content comes from output_item.done, not the partial one added
    kept = message.provider_data["responses"]["reasoning"]
    assert (
        kept[0]["encrypted_content"]
        == reasoning_item("response_reasoning_tool_calls.json")["encrypted_content"]
    )


async def test_streamed_tool_loop_resends_reasoning(api, http):
    route = api.post("/responses")
    route.side_effect = [sse("stream_reasoning_tool_calls.sse"), sse("stream_text.sse")]
    llm = AugmentedLLM(make(http, "o3"), tools=weather_tools())
    events = [e async for e in llm.stream("Weather in Paris and Tokyo?")]
    assert events[-1].message.text == "Hello there!"
    second = sent(route, 1)["input"]
    assert [i.get("type", i.get("role")) for i in second] == [
        "user",
        "reasoning",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]
    assert second[1]["id"] == "rs_68f1b1reason"


async def test_cut_stream_is_a_typed_error_and_history_is_unchanged(api, http):
    api.post("/responses").mock(return_value=sse("stream_cut.sse"))
    llm = AugmentedLLM(make(http, "o3"), tools=weather_tools())
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        [e async for e in llm.stream("Weather?")]
    assert time.monotonic() - started < 20
    assert "stream ended before the response was complete" in str(caught.value)
    assert caught.value.provider == "responses"
    assert llm.memory.messages() == []


async def test_stream_failure_events_become_typed_errors(api, http):
    api.post("/responses").mock(return_value=sse("stream_failed.sse"))
    with pytest.raises(ProviderServerError, match="The model failed to generate a response"):
        await collect(make(http), req())
    api.post("/responses").mock(return_value=sse("stream_error_context.sse"))
    with pytest.raises(ContextWindowError) as caught:
        await collect(make(http), req())
    assert caught.value.provider == "responses"
    assert caught.value.input_tokens is None


async def test_stream_http_error(api, http):
    api.post("/responses").respond(429, json=payload("error_rate_limit.json", OPENAI_PAYLOADS))
    with pytest.raises(RateLimitError):
        await collect(make(http), req())


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "folder", "kind"),
    [
        (401, "error_invalid_api_key.json", OPENAI_PAYLOADS, AuthenticationError),
        (403, "error_permission.json", PAYLOADS, AuthenticationError),
        (404, "error_model_not_found.json", PAYLOADS, BadRequestError),
        (429, "error_rate_limit.json", OPENAI_PAYLOADS, RateLimitError),
        (500, "error_server.json", OPENAI_PAYLOADS, ProviderServerError),
        (503, "error_overloaded.json", OPENAI_PAYLOADS, ProviderServerError),
        (400, "error_context_length.json", PAYLOADS, ContextWindowError),
        (400, "error_bad_request.json", OPENAI_PAYLOADS, BadRequestError),
    ],
)
async def test_http_errors_map_to_typed_errors(api, http, status, name, folder, kind):
    api.post("/responses").respond(status, json=payload(name, folder))
    with pytest.raises(kind) as caught:
        await make(http).complete(req())
    error = caught.value
    assert type(error) is kind
    assert error.status_code == status
    assert error.provider == "responses"
    assert KEY not in str(error) and KEY not in (error.body or "")
    assert error.hint
    if status in (401, 403):
        assert "OPENAI_API_KEY" in error.hint and "openai.api_key" in error.hint
    if status == 404:
        assert "'gpt-4.1'" in error.hint


async def test_context_window_error_carries_the_counts_when_given(api, http):
    api.post("/responses").respond(400, json=payload("error_context_length.json", OPENAI_PAYLOADS))
    with pytest.raises(ContextWindowError) as caught:
        await make(http).complete(req())
    assert caught.value.input_tokens == 130412
    assert caught.value.context_window == 128000
    assert "130412" in (caught.value.hint or "")


async def test_rate_limit_retry_after(api, http):
    api.post("/responses").respond(
        429, json=payload("error_rate_limit.json", OPENAI_PAYLOADS), headers={"retry-after": "3"}
    )
    with pytest.raises(RateLimitError) as caught:
        await make(http).complete(req())
    assert caught.value.retry_after == 3.0


async def test_timeout_and_connection_errors(api, http):
    api.post("/responses").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ProviderTimeoutError, match=r"responses model gpt-4\.1 did not answer") as t:
        await make(http).complete(req())
    assert t.value.hint == "raise openai.timeout in fastagent.yaml, or try again"
    api.post("/responses").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ProviderConnectionError, match="could not reach responses") as c:
        await make(http).complete(req())
    assert c.value.hint == "check the network and openai.base_url"


def test_missing_key_names_the_variable_and_the_shared_section(monkeypatch):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError) as caught:
        ResponsesProvider("gpt-5")
    assert caught.value.env_var == "OPENAI_API_KEY"
    assert caught.value.hint == "set OPENAI_API_KEY, or openai.api_key in fastagent.secrets.yaml"


# --- model strings, settings, laziness --------------------------------------------------------


async def test_model_string_with_reasoning_level(api, http):
    route = api.post("/responses").respond(200, json=payload("response_text.json"))
    provider = ProviderRegistry().create("responses.o3.high", api_key=KEY, http_client=http)
    assert isinstance(provider, ResponsesProvider)
    assert provider.model == "o3"
    await provider.complete(req())
    assert sent(route)["reasoning"] == {"effort": "high"}
    assert ProviderRegistry().parse("responses").model == "gpt-5"


async def test_factory_gives_responses_the_openai_settings(http):
    settings = Settings(
        openai=OpenAISettings(
            api_key=SecretStr("sk-from-openai-settings-000000"),
            base_url="https://proxy.example/v1",
            requests_per_minute=60,
        )
    )
    factory = ModelFactory(settings, environ={})
    with respx.mock(base_url="https://proxy.example/v1") as router:
        route = router.post("/responses").respond(200, json=payload("response_text.json"))
        provider = factory.create("responses.gpt-4.1", http_client=http)
        await provider.complete(req())
    assert (
        route.calls.last.request.headers["authorization"] == "Bearer sk-from-openai-settings-000000"
    )
    assert factory.limiter("responses") is factory.limiter("openai") is not None
    await factory.aclose()


def test_importing_the_module_does_not_import_the_sdk():
    code = "import sys\nimport fastagent.providers.responses\nprint('openai' in sys.modules)\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- malformed replies ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "said"),
    [
        (httpx.Response(200, text="oops", headers={"content-type": "text/plain"}), "not a JSON"),
        (
            httpx.Response(200, content=b"{not json", headers={"content-type": "application/json"}),
            "Expecting property name",
        ),
        (httpx.Response(200, json=[1, 2]), "not a JSON object but list"),
        (httpx.Response(200, json={}), "no 'output' list"),
        (httpx.Response(200, json={"id": "r", "output": "x"}), "no 'output' list"),
        (httpx.Response(200, json={"id": "r", "output": ["x"]}), "output item 0 is not an object"),
        (
            httpx.Response(200, json={"output": [{"type": "message", "content": [7]}]}),
            "content of output item 0 is not an object",
        ),
    ],
)
async def test_malformed_replies_are_typed_provider_errors(api, http, reply, said):
    api.post("/responses").mock(return_value=reply)
    with pytest.raises(ProviderError) as caught:
        await make(http).complete(req())
    # retried like a server error, as a malformed reply of any other provider
    assert type(caught.value) is ProviderResponseError
    assert str(caught.value).startswith("responses model gpt-4.1 sent a malformed reply: ")
    assert said in str(caught.value)
    assert "openai.base_url" in (caught.value.hint or "")


async def test_malformed_stream_event_is_a_typed_error(api, http):
    body = (
        b'event: response.output_item.added\ndata: {"type": "response.output_item.added", '
        b'"output_index": 0, "item": "not an item"}\n\n'
    )
    api.post("/responses").mock(
        return_value=httpx.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    )
    llm = AugmentedLLM(make(http))
    with pytest.raises(ProviderError, match="sent a malformed reply"):
        [e async for e in llm.stream("Hi")]
    assert llm.memory.messages() == []


async def test_reasoning_items_are_not_sent_to_a_model_without_reasoning(api, http):
    route = api.post("/responses")
    route.side_effect = [
        httpx.Response(200, json=payload("response_reasoning_tool_calls.json")),
        httpx.Response(200, json=payload("response_text.json")),
    ]
    first = Message.user("Weather in Paris and Tokyo?")
    assistant = await make(http, "o3").complete(req(first, tools=[WEATHER]))
    results = Message(
        role="user",
        tool_results=[ToolResult(call_id=c.id, content=[]) for c in assistant.tool_calls],
    )
    await make(http, "gpt-4.1").complete(req(first, assistant, results, tools=[WEATHER]))
    types = [i.get("type", i.get("role")) for i in sent(route, 1)["input"]]
    assert types == [
        "user",
        "function_call",
        "function_call",
        "function_call_output",
        "function_call_output",
    ]
