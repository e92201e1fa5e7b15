"""GoogleProvider via the real google-genai SDK; HTTP answered by respx with recorded payloads."""

from __future__ import annotations

import base64
import json
import logging
import re
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel

from fastagent.config.settings import GoogleSettings
from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    MissingAPIKeyError,
    ProviderConnectionError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
    UserError,
)
from fastagent.history import load_history, save_history
from fastagent.llm import AugmentedLLM
from fastagent.llm.params import RequestParams
from fastagent.messages import (
    AudioContent,
    EmbeddedResource,
    ImageContent,
    Message,
    ResourceContents,
    StopReason,
    TextContent,
    ToolResult,
)
from fastagent.providers.base import CompletionRequest
from fastagent.providers.google import GoogleProvider
from fastagent.providers.model_strings import create_provider, parse_model_string
from fastagent.streaming import StreamDone, TextDelta, ToolCallEnd, ToolCallStart, UsageUpdate
from fastagent.tools import ToolSet, tool
from fastagent.tools.base import ToolDefinition

PAYLOADS = Path(__file__).parent / "payloads" / "google"
KEY = "AIzaSyTest-0123456789abcdefghijklmno"
MODEL = "gemini-2.5-flash"
GENERATE = re.compile(
    r"https://generativelanguage\.googleapis\.com/[^/]+/models/(?P<model>[^:]+):generateContent"
)
STREAM = re.compile(
    r"https://generativelanguage\.googleapis\.com/[^/]+/models/[^:]+:streamGenerateContent"
)

WEATHER = ToolDefinition(
    name="get_weather",
    description="Current weather for a location.",
    input_schema={
        "type": "object",
        "properties": {"location": {"type": "string"}, "unit": {"type": "string"}},
        "required": ["location"],
    },
)


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


def _camel(key: str) -> str:
    head, *rest = key.split("_")
    return head + "".join(word.title() for word in rest)


def wire(value: Any) -> Any:
    """JSON in one spelling: the SDK sends some nested keys in snake_case (the API reads
    both), and bytes in base64 of either alphabet; keys become camelCase, bytes standard."""
    if isinstance(value, list):
        return [wire(v) for v in value]
    if not isinstance(value, dict):
        return value
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = _camel(key)
        if name in ("thoughtSignature", "data") and isinstance(item, str):
            item = base64.b64encode(
                base64.urlsafe_b64decode(item.replace("+", "-").replace("/", "_"))
            ).decode()
        out[name] = (
            item
            if name in ("args", "response", "responseJsonSchema", "parametersJsonSchema")
            else wire(item)
        )
    return out


def same_bytes(a: str, b: str) -> bool:
    """Whether two base64 texts (standard or URL-safe alphabet) hold the same bytes."""
    return base64.urlsafe_b64decode(a.replace("+", "-").replace("/", "_")) == (
        base64.urlsafe_b64decode(b.replace("+", "-").replace("/", "_"))
    )


def response(name: str, status: int = 200, headers: dict[str, str] | None = None) -> httpx.Response:
    if name.endswith(".sse"):
        return httpx.Response(
            status,
            content=(PAYLOADS / name).read_bytes(),
            headers={"content-type": "text/event-stream"},
        )
    return httpx.Response(status, json=payload(name), headers=headers)


class Api:
    """respx routes for generateContent / streamGenerateContent and the client reaching them."""

    def __init__(self, router: respx.MockRouter, client: httpx.AsyncClient) -> None:
        self.client = client
        self.router = router
        self.route = router.post(url__regex=GENERATE.pattern)
        self.stream_route = router.post(url__regex=STREAM.pattern)

    def replies(self, *names: str) -> None:
        self.route.mock(side_effect=[response(n) for n in names])

    def body(self, index: int = -1, *, stream: bool = False) -> dict[str, Any]:
        route = self.stream_route if stream else self.route
        body: dict[str, Any] = wire(json.loads(route.calls[index].request.content))
        return body

    def provider(self, model: str = MODEL, **kwargs: Any) -> GoogleProvider:
        kwargs.setdefault("api_key", KEY)
        return GoogleProvider(model, http_client=self.client, **kwargs)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with respx.mock(assert_all_called=False) as router, httpx.AsyncClient() as client:
        yield Api(router, client)


@pytest.fixture(autouse=True)
def _no_ambient_google_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GOOGLE_GENAI_USE_VERTEXAI",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
    ):
        monkeypatch.delenv(name, raising=False)


def ask(*messages: Message, **kwargs: Any) -> CompletionRequest:
    return CompletionRequest(messages=list(messages), **kwargs)


@tool
def get_weather(location: str, unit: str = "fahrenheit") -> str:
    """Current weather for a location."""
    return f"sunny in {location} ({unit})"


def weather_tools() -> ToolSet:
    tools = ToolSet()
    tools.add(get_weather)
    return tools


# --- replies -------------------------------------------------------------------------------


async def test_text_reply_maps_content_usage_and_request(api: Api) -> None:
    api.replies("text.json")
    provider = api.provider()
    params = RequestParams(max_tokens=256, temperature=0.2, stop_sequences=("END",))
    reply = await provider.complete(
        ask(Message.user("Capital?"), system="Be brief.", params=params)
    )
    await provider.aclose()

    assert reply.text == "Paris is the capital of France."
    assert reply.stop_reason is StopReason.END_TURN
    assert reply.model == MODEL
    assert reply.usage is not None
    # promptTokenCount includes the cached tokens: input counts the uncached ones only
    assert (reply.usage.input_tokens, reply.usage.cache_read_tokens) == (206, 1024)
    assert (reply.usage.output_tokens, reply.usage.requests) == (9, 1)
    request = api.route.calls[0].request
    assert request.headers["x-goog-api-key"] == KEY
    assert GENERATE.match(str(request.url))["model"] == MODEL  # type: ignore[index]
    body = api.body()
    assert body["contents"] == [{"role": "user", "parts": [{"text": "Capital?"}]}]
    assert body["systemInstruction"]["parts"] == [{"text": "Be brief."}]
    assert body["generationConfig"] == {
        "maxOutputTokens": 256,
        "temperature": 0.2,
        "stopSequences": ["END"],
    }
    assert "tools" not in body


async def test_max_tokens_and_blocked_prompts_map_their_stop_reasons(api: Api) -> None:
    api.replies("max_tokens.json", "blocked.json")
    provider = api.provider()
    cut = await provider.complete(ask(Message.user("History of Rome?")))
    blocked = await provider.complete(ask(Message.user("...")))
    assert (cut.stop_reason, cut.text) == (StopReason.MAX_TOKENS, "The history of")
    assert (blocked.stop_reason, blocked.text) == (StopReason.REFUSAL, "")


async def test_parallel_calls_keep_their_signatures_in_provider_data(api: Api) -> None:
    api.replies("parallel_calls.json")
    reply = await api.provider().complete(ask(Message.user("SF and NYC?"), tools=[WEATHER]))

    assert reply.stop_reason is StopReason.TOOL_USE
    assert [(c.name, c.arguments) for c in reply.tool_calls] == [
        ("get_weather", {"location": "San Francisco, CA"}),
        ("get_weather", {"location": "New York, NY", "unit": "celsius"}),
    ]
    ids = [c.id for c in reply.tool_calls]
    assert len(set(ids)) == 2 and all(ids)  # the API sent none: made up, unique
    parts = reply.provider_data["google"]["parts"]  # type: ignore[index]
    wire_parts = payload("parallel_calls.json")["candidates"][0]["content"]["parts"]
    assert same_bytes(parts[0]["thought_signature"], wire_parts[0]["thoughtSignature"])
    assert reply.usage is not None
    assert (reply.usage.output_tokens, reply.usage.reasoning_tokens) == (38 + 210, 210)
    declarations = api.body()["tools"][0]["functionDeclarations"]
    assert [d["name"] for d in declarations] == ["get_weather"]
    assert declarations[0]["parametersJsonSchema"] == WEATHER.input_schema


async def test_tool_loop_resends_signatures_and_function_responses(api: Api) -> None:
    api.replies("parallel_calls.json", "text.json")
    llm = AugmentedLLM(api.provider(), instruction="You report weather.", tools=weather_tools())
    final = await llm.generate("Weather in SF and NYC?")

    assert final.text == "Paris is the capital of France."
    assert final.usage is not None and final.usage.requests == 2
    second = api.body(1)
    model_turn, results = second["contents"][1], second["contents"][2]
    wire_parts = wire(payload("parallel_calls.json")["candidates"][0]["content"]["parts"])
    assert model_turn == {"role": "model", "parts": wire_parts}  # signatures exactly as sent
    assert results["role"] == "user"
    responses = [p["functionResponse"] for p in results["parts"]]
    assert responses == [
        {"name": "get_weather", "response": {"output": "sunny in San Francisco, CA (fahrenheit)"}},
        {"name": "get_weather", "response": {"output": "sunny in New York, NY (celsius)"}},
    ]


async def test_call_ids_from_the_api_travel_back_on_the_responses(api: Api) -> None:
    api.replies("calls_with_ids.json", "text.json")
    provider = api.provider("gemini-3-pro-preview")
    first = await provider.complete(ask(Message.user("Paris?"), tools=[WEATHER]))
    assert [c.id for c in first.tool_calls] == ["fc_7e1f2a"]
    results = Message(
        role="user",
        tool_results=[ToolResult(call_id="fc_7e1f2a", content=[TextContent(text="rain")])],
    )
    await provider.complete(ask(Message.user("Paris?"), first, results, tools=[WEATHER]))
    sent = api.body(1)["contents"]
    assert sent[1]["parts"][0]["functionCall"]["id"] == "fc_7e1f2a"
    assert sent[2]["parts"] == [
        {
            "functionResponse": {
                "id": "fc_7e1f2a",
                "name": "get_weather",
                "response": {"output": "rain"},
            }
        }
    ]


async def test_error_results_and_structured_results_are_sent_as_such(api: Api) -> None:
    api.replies("parallel_calls.json", "text.json")
    provider = api.provider()
    first = await provider.complete(ask(Message.user("?"), tools=[WEATHER]))
    a, b = first.tool_calls
    results = Message(
        role="user",
        tool_results=[
            ToolResult.error(a.id, "service down"),
            ToolResult(call_id=b.id, structured_content={"temp": 21}),
        ],
    )
    await provider.complete(ask(Message.user("?"), first, results, tools=[WEATHER]))
    parts = api.body(1)["contents"][2]["parts"]
    assert parts[0]["functionResponse"]["response"] == {"error": "service down"}
    assert parts[1]["functionResponse"]["response"] == {"output": {"temp": 21}}


async def test_an_edited_model_turn_is_rebuilt_without_stale_signatures(api: Api) -> None:
    api.replies("parallel_calls.json", "text.json")
    provider = api.provider()
    first = await provider.complete(ask(Message.user("?"), tools=[WEATHER]))
    edited = first.model_copy(update={"tool_calls": first.tool_calls[:1]})
    results = Message(role="user", tool_results=[ToolResult.error(edited.tool_calls[0].id, "x")])
    await provider.complete(ask(Message.user("?"), edited, results, tools=[WEATHER]))
    model_turn = api.body(1)["contents"][1]
    assert model_turn["parts"] == [
        {"functionCall": {"name": "get_weather", "args": {"location": "San Francisco, CA"}}}
    ]


# --- thinking ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "params", "expected"),
    [
        ({}, RequestParams(reasoning="medium"), {"thinkingBudget": 8192}),
        ({"reasoning": "minimal"}, RequestParams(), {"thinkingBudget": 512}),
        ({"thinking_budget": "0"}, RequestParams(), {"thinkingBudget": 0}),
        (
            {"thinking_budget": "-1", "include_thoughts": "true"},
            RequestParams(),
            {"thinkingBudget": -1, "includeThoughts": True},
        ),
        ({"thinking_budget": "64"}, RequestParams(reasoning="high"), {"thinkingBudget": 24576}),
    ],
)
async def test_thinking_budgets(
    api: Api, options: dict[str, str], params: RequestParams, expected: dict[str, Any]
) -> None:
    api.replies("text.json")
    await api.provider(**options).complete(ask(Message.user("hi"), params=params))
    assert api.body()["generationConfig"]["thinkingConfig"] == expected


async def test_thoughts_stay_out_of_the_text_and_survive_a_resend(api: Api) -> None:
    api.replies("thinking_text.json", "text.json")
    provider = api.provider("gemini-2.5-pro", include_thoughts=True)
    reply = await provider.complete(ask(Message.user("A or B?")))
    assert reply.text == "Both are fine; pick the one you know."
    assert reply.usage is not None and reply.usage.reasoning_tokens == 312
    await provider.complete(ask(Message.user("A or B?"), reply, Message.user("Why?")))
    wire_parts = wire(payload("thinking_text.json")["candidates"][0]["content"]["parts"])
    assert api.body(1)["contents"][1] == {"role": "model", "parts": wire_parts}


# --- history -------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["json", "yaml", "text"])
async def test_save_and_load_in_the_middle_of_a_tool_loop_resends_provider_data(
    api: Api, tmp_path: Path, fmt: str
) -> None:
    api.replies("parallel_calls.json", "text.json")
    provider = api.provider()
    question = Message.user("Weather in SF and NYC?")
    assistant = await provider.complete(ask(question, tools=[WEATHER]))
    results = Message(
        role="user",
        tool_results=[
            ToolResult(
                call_id=c.id, content=[TextContent(text=f"sunny in {c.arguments['location']}")]
            )
            for c in assistant.tool_calls
        ],
    )
    path = tmp_path / f"history.{fmt}"
    save_history(path, [question, assistant, results], format=fmt)
    loaded = load_history(path, format=fmt)
    assert loaded[1].provider_data == assistant.provider_data

    await provider.complete(ask(*loaded, tools=[WEATHER]))
    contents = api.body(1)["contents"]
    wire_parts = wire(payload("parallel_calls.json")["candidates"][0]["content"]["parts"])
    assert contents[1] == {"role": "model", "parts": wire_parts}
    assert [p["functionResponse"]["name"] for p in contents[2]["parts"]] == ["get_weather"] * 2
    assert all("id" not in p["functionResponse"] for p in contents[2]["parts"])


# --- streaming -----------------------------------------------------------------------------


async def test_stream_with_tools_yields_events_and_keeps_signatures(api: Api) -> None:
    api.stream_route.mock(return_value=response("stream_tools.sse"))
    provider = api.provider()
    events = [e async for e in provider.stream(ask(Message.user("SF and NYC?"), tools=[WEATHER]))]

    assert (
        "".join(e.text for e in events if isinstance(e, TextDelta)) == "Let me check both cities."
    )
    starts = [e for e in events if isinstance(e, ToolCallStart)]
    ends = [e.call for e in events if isinstance(e, ToolCallEnd)]
    assert [s.name for s in starts] == ["get_weather", "get_weather"]
    assert [c.arguments["location"] for c in ends] == ["San Francisco, CA", "New York, NY"]
    assert any(isinstance(e, UsageUpdate) for e in events)
    done = events[-1]
    assert isinstance(done, StreamDone)
    message = done.message
    assert message.stop_reason is StopReason.TOOL_USE
    assert [c.id for c in message.tool_calls] == [s.id for s in starts]
    assert message.usage is not None and message.usage.reasoning_tokens == 120
    request = api.stream_route.calls[0].request
    assert request.url.params["alt"] == "sse"

    # the merged parts go back exactly: text joined, the signature on its function call
    api.replies("text.json")
    results = Message(
        role="user", tool_results=[ToolResult.error(c.id, "offline") for c in message.tool_calls]
    )
    await provider.complete(ask(Message.user("SF and NYC?"), message, results, tools=[WEATHER]))
    parts = api.body()["contents"][1]["parts"]
    assert parts[0] == {"text": "Let me check both cities."}
    assert parts[1]["thoughtSignature"] == "U3RyZWFtU2lnT25l"
    assert parts[2] == {
        "functionCall": {
            "name": "get_weather",
            "args": {"location": "New York, NY", "unit": "celsius"},
        }
    }


async def test_stream_of_text_puts_a_trailing_signature_on_the_text(api: Api) -> None:
    api.stream_route.mock(return_value=response("stream_text.sse"))
    events = [e async for e in api.provider().stream(ask(Message.user("Capital?")))]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.text == "Paris is the capital."
    assert done.message.provider_data == {
        "google": {
            "parts": [
                {"text": "Paris is the capital.", "thought_signature": "VGV4dFNpZ25hdHVyZQ=="}
            ]
        }
    }


async def test_stream_through_the_tool_loop(api: Api) -> None:
    api.stream_route.mock(side_effect=[response("stream_tools.sse"), response("stream_text.sse")])
    llm = AugmentedLLM(api.provider(), tools=weather_tools())
    events = [e async for e in llm.stream("SF and NYC?")]
    assert isinstance(events[-1], StreamDone)
    assert events[-1].message.text == "Paris is the capital."
    second = api.body(1, stream=True)
    assert [
        p["functionResponse"]["response"]["output"] for p in second["contents"][2]["parts"]
    ] == [
        "sunny in San Francisco, CA (fahrenheit)",
        "sunny in New York, NY (celsius)",
    ]


# --- structured output ---------------------------------------------------------------------


class City(BaseModel):
    city: str
    population: int


async def test_structured_output_uses_the_response_schema(api: Api) -> None:
    api.replies("structured.json")
    city = await AugmentedLLM(api.provider(), instruction="Answer.").structured("Biggest?", City)
    assert city == City(city="Paris", population=2102650)
    body = api.body()
    config = body["generationConfig"]
    assert config["responseMimeType"] == "application/json"
    assert config["responseJsonSchema"] == City.model_json_schema()
    assert body["systemInstruction"]["parts"] == [{"text": "Answer."}]  # no JSON instruction


# --- media ---------------------------------------------------------------------------------


async def test_images_pdfs_and_audio_go_inline(api: Api) -> None:
    api.replies("text.json")
    png = base64.b64encode(b"\x89PNG fake").decode()
    pdf = base64.b64encode(b"%PDF-1.7 fake").decode()
    wav = base64.b64encode(b"RIFF fake").decode()
    message = Message.user(
        "Describe these.",
        ImageContent(data=png, mime_type="image/png"),
        EmbeddedResource(
            resource=ResourceContents(uri="file:///r.pdf", mime_type="application/pdf", blob=pdf)
        ),
        AudioContent(data=wav, mime_type="audio/wav"),
        EmbeddedResource(resource=ResourceContents(uri="file:///n.txt", text="notes")),
        EmbeddedResource(
            resource=ResourceContents(uri="file:///x.bin", mime_type="application/zip", blob=pdf)
        ),
    )
    await api.provider().complete(ask(message))
    parts = api.body()["contents"][0]["parts"]
    inline = [p["inlineData"] for p in parts if "inlineData" in p]
    assert [(i["mimeType"], i["data"]) for i in inline] == [
        ("image/png", png),
        ("application/pdf", pdf),
        ("audio/wav", wav),
    ]
    texts = [p["text"] for p in parts if "text" in p]
    assert texts[0] == "Describe these."
    assert texts[1] == '<resource uri="file:///n.txt">\nnotes\n</resource>'
    assert "not sent" in texts[2]


async def test_images_a_tool_returns_follow_its_response(api: Api) -> None:
    api.replies("parallel_calls.json", "text.json")
    provider = api.provider()
    first = await provider.complete(ask(Message.user("?"), tools=[WEATHER]))
    png = base64.b64encode(b"chart").decode()
    results = Message(
        role="user",
        tool_results=[
            ToolResult(
                call_id=c.id,
                content=[
                    TextContent(text="see chart"),
                    ImageContent(data=png, mime_type="image/png"),
                ],
            )
            for c in first.tool_calls
        ],
    )
    await provider.complete(ask(Message.user("?"), first, results, tools=[WEATHER]))
    parts = api.body(1)["contents"][2]["parts"]
    assert [next(iter(p)) for p in parts] == [
        "functionResponse",
        "functionResponse",
        "inlineData",
        "inlineData",
    ]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "error_type"),
    [
        ("error_api_key.json", 400, AuthenticationError),
        ("error_permission.json", 403, AuthenticationError),
        ("error_not_found.json", 404, BadRequestError),
        ("error_rate_limit.json", 429, RateLimitError),
        ("error_internal.json", 500, ProviderServerError),
        ("error_unavailable.json", 503, ProviderServerError),
        ("error_bad_request.json", 400, BadRequestError),
    ],
)
async def test_http_errors_map_to_typed_errors(
    api: Api, name: str, status: int, error_type: type[Exception], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    api.route.mock(return_value=response(name, status, headers={"retry-after": "7"}))
    with pytest.raises(error_type) as caught:
        await api.provider().complete(ask(Message.user("hi")))
    error = caught.value
    assert type(error) is error_type
    assert error.provider == "google"  # type: ignore[attr-defined]
    assert "\n" not in error.message.strip() or name == "error_bad_request.json"
    assert KEY not in str(error) and KEY not in (error.body or "")  # type: ignore[attr-defined]
    assert KEY not in caplog.text
    assert error.hint  # type: ignore[attr-defined]
    if error_type is AuthenticationError:
        assert "GEMINI_API_KEY" in error.hint  # type: ignore[attr-defined]
    if status == 404:
        assert "model" in error.hint  # type: ignore[attr-defined]
    if error_type is RateLimitError:
        assert error.retry_after == 7.0  # type: ignore[attr-defined]


async def test_context_window_error_carries_the_counts(api: Api) -> None:
    api.route.mock(return_value=response("error_context.json", 400))
    with pytest.raises(ContextWindowError) as caught:
        await api.provider().complete(ask(Message.user("very long")))
    assert (caught.value.input_tokens, caught.value.context_window) == (1200345, 1048576)
    assert caught.value.status_code == 400


async def test_stream_errors_map_before_the_first_event(api: Api) -> None:
    api.stream_route.mock(return_value=response("error_unavailable.json", 503))
    with pytest.raises(ProviderServerError):
        async for _ in api.provider().stream(ask(Message.user("hi"))):
            pass


async def test_timeouts_and_connection_failures_are_typed(api: Api) -> None:
    provider = api.provider(timeout=3)
    api.route.mock(side_effect=httpx.ReadTimeout("timed out"))
    with pytest.raises(ProviderTimeoutError, match="within 3s"):
        await provider.complete(ask(Message.user("hi")))
    api.route.mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(ProviderConnectionError, match="Gemini API"):
        await provider.complete(ask(Message.user("hi")))


# --- credentials and configuration ----------------------------------------------------------


def test_missing_key_names_both_variables() -> None:
    with pytest.raises(MissingAPIKeyError) as caught:
        GoogleProvider(MODEL)
    assert "GEMINI_API_KEY" in (caught.value.hint or "")
    assert "GOOGLE_API_KEY" in (caught.value.hint or "")
    assert "vertexai" in (caught.value.hint or "")


async def test_key_from_either_variable_or_the_settings(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    api.route.mock(side_effect=[response("text.json") for _ in range(3)])
    monkeypatch.setenv("GOOGLE_API_KEY", "AIza-from-google-api-key-var")
    await GoogleProvider(MODEL, http_client=api.client).complete(ask(Message.user("a")))
    monkeypatch.setenv("GEMINI_API_KEY", "AIza-from-gemini-api-key-var")
    await GoogleProvider(MODEL, http_client=api.client).complete(ask(Message.user("b")))
    settings = GoogleSettings.model_validate({"api_key": "AIza-from-settings-0000"})
    await GoogleProvider(MODEL, settings=settings, http_client=api.client).complete(
        ask(Message.user("c"))
    )
    keys = [call.request.headers["x-goog-api-key"] for call in api.route.calls]
    assert keys == [
        "AIza-from-google-api-key-var",
        "AIza-from-gemini-api-key-var",
        "AIza-from-settings-0000",
    ]


async def test_vertex_express_mode_uses_the_key_on_vertex(api: Api) -> None:
    router_route = api.router.post(
        url__regex=r"https://aiplatform\.googleapis\.com/.*:generateContent"
    )
    router_route.mock(return_value=response("text.json"))
    provider = GoogleProvider(MODEL, api_key=KEY, vertexai=True, http_client=api.client)
    reply = await provider.complete(ask(Message.user("hi")))
    assert reply.text == "Paris is the capital of France."
    request = router_route.calls[0].request
    assert "publishers/google/models/gemini-2.5-flash" in str(request.url)


async def test_vertex_with_a_project_and_no_credentials_says_how_to_log_in(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(tmp_path / "missing.json"))
    settings = GoogleSettings(vertexai=True, project="my-project", location="us-central1")
    provider = GoogleProvider(MODEL, settings=settings)  # no key needed
    with pytest.raises(MissingAPIKeyError) as caught:
        await provider.complete(ask(Message.user("hi")))
    assert "application-default" in (caught.value.hint or "")
    await provider.aclose()


def test_unknown_and_bad_options_are_user_errors() -> None:
    with pytest.raises(UserError, match="unknown option"):
        GoogleProvider(MODEL, api_key=KEY, cache="true")
    with pytest.raises(UserError, match="thinking_budget"):
        GoogleProvider(MODEL, api_key=KEY, thinking_budget="lots")
    with pytest.raises(UserError, match="reasoning level"):
        GoogleProvider(MODEL, api_key=KEY, reasoning="extreme")


def test_model_strings_and_aliases_reach_the_google_provider() -> None:
    assert parse_model_string("gemini-flash").qualified_name == "google.gemini-2.5-flash"
    assert parse_model_string("gemini-pro").qualified_name == "google.gemini-2.5-pro"
    assert parse_model_string("gemini-3-pro-preview").provider == "google"
    spec = parse_model_string("google.gemini-2.5-pro.high?include_thoughts=true")
    assert (spec.model, spec.options["reasoning"]) == ("gemini-2.5-pro", "high")
    provider = create_provider("google.gemini-2.5-flash?thinking_budget=0", api_key=KEY)
    assert isinstance(provider, GoogleProvider)
    assert provider.options.thinking_budget == 0


def test_building_a_provider_does_not_import_the_sdk() -> None:
    code = (
        "import sys\n"
        "from fastagent.providers.google import GoogleProvider\n"
        "GoogleProvider('gemini-2.5-flash', api_key='AIza-x')\n"
        "print('google.genai' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_the_model_factory_builds_google_from_settings(api: Api) -> None:
    from fastagent.config import Settings
    from fastagent.providers.factory import ModelFactory

    api.replies("text.json")
    factory = ModelFactory(Settings.model_validate({"google": {"api_key": KEY}}))
    provider = factory.create("gemini-flash", http_client=api.client)
    reply = await provider.complete(ask(Message.user("hi")))
    await factory.aclose()
    assert reply.text == "Paris is the capital of France."
    assert api.route.calls[0].request.headers["x-goog-api-key"] == KEY
    assert factory.model_info(factory.resolve("gemini-flash")).known


async def test_an_error_in_the_middle_of_a_tool_loop_leaves_history_unchanged(api: Api) -> None:
    api.route.mock(
        side_effect=[
            response("text.json"),
            response("parallel_calls.json"),
            response("error_internal.json", 500),
        ]
    )
    llm = AugmentedLLM(api.provider(), tools=weather_tools())
    await llm.generate("First question")
    before = [m.to_dict() for m in llm.memory.messages()]
    started = time.monotonic()
    with pytest.raises(ProviderServerError):
        await llm.generate("Weather in SF and NYC?")
    assert time.monotonic() - started < 20
    assert [m.to_dict() for m in llm.memory.messages()] == before


async def test_vertex_with_application_default_credentials(
    api: Api, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """ADC end to end: google-auth refreshes a token at a local token endpoint (it uses
    requests, not httpx), then the SDK calls the Vertex AI URL with that bearer token."""
    from bedrock_server import BedrockServer, Reply

    with BedrockServer() as token_server:
        token_server.reply(
            Reply(
                200,
                {"access_token": "ya29.fastagent-test", "expires_in": 3600, "token_type": "Bearer"},
            )
        )
        credentials = tmp_path / "adc.json"
        credentials.write_text(
            json.dumps(
                {
                    "type": "external_account_authorized_user",
                    "audience": "//iam.googleapis.com/locations/global/workforcePools/p",
                    "client_id": "client",
                    "client_secret": "secret",
                    "refresh_token": "refresh-token",
                    "token_url": f"{token_server.url}/token",
                    "token_info_url": f"{token_server.url}/info",
                }
            )
        )
        monkeypatch.setenv("GOOGLE_APPLICATION_CREDENTIALS", str(credentials))
        monkeypatch.setenv("GEMINI_API_KEY", "AIza-must-not-be-sent-to-vertex")
        vertex = api.router.post(url__regex=r"https://us-central1-aiplatform\.googleapis\.com/.*")
        vertex.mock(return_value=response("text.json"))
        settings = GoogleSettings(vertexai=True, project="my-project", location="us-central1")
        provider = GoogleProvider(MODEL, settings=settings, http_client=api.client)
        reply = await provider.complete(ask(Message.user("hi")))
        await provider.aclose()

    assert reply.text == "Paris is the capital of France."
    request = vertex.calls[0].request
    assert "/projects/my-project/locations/us-central1/publishers/google/models/" in str(
        request.url
    )
    assert request.headers["authorization"] == "Bearer ya29.fastagent-test"
    assert "x-goog-api-key" not in request.headers
    assert token_server.requests[0].raw.startswith(b"grant_type=refresh_token")
