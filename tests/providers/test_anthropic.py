"""AnthropicProvider.complete via the real SDK; HTTP answered by respx with recorded payloads."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
import respx
from pydantic import BaseModel

from fastagent.config.settings import AnthropicSettings
from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    ContextWindowExceededError,
    MissingAPIKeyError,
    ProviderConnectionError,
    ProviderServerError,
    ProviderTimeoutError,
    RateLimitError,
    UserError,
)
from fastagent.history import load_history, save_history
from fastagent.llm.params import RequestParams
from fastagent.messages import (
    EmbeddedResource,
    ImageContent,
    Message,
    ResourceContents,
    ResourceLink,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
)
from fastagent.providers._anthropic_convert import RequestOptions
from fastagent.providers.anthropic import AnthropicProvider
from fastagent.providers.base import CompletionRequest
from fastagent.tools.base import ToolDefinition

PAYLOADS = Path(__file__).parent / "payloads" / "anthropic"
URL = "https://api.anthropic.com/v1/messages"
KEY = "sk-ant-test-0123456789abcdefghijklmnop"
MODEL = "claude-sonnet-4-6"

WEATHER = ToolDefinition(
    name="get_weather",
    description="Current weather for a location.",
    input_schema={
        "type": "object",
        "properties": {"location": {"type": "string"}},
        "required": ["location"],
    },
)


def payload(name: str) -> Any:
    return json.loads((PAYLOADS / name).read_text())


class Api:
    """A respx router for the Messages endpoint plus the client that reaches it."""

    def __init__(self, router: respx.MockRouter, client: httpx.AsyncClient) -> None:
        self.router = router
        self.client = client
        self.route = router.post(URL)

    def reply(self, name: str, status: int = 200, headers: dict[str, str] | None = None) -> None:
        self.route.mock(return_value=httpx.Response(status, json=payload(name), headers=headers))

    def replies(self, *names: str) -> None:
        self.route.mock(side_effect=[httpx.Response(200, json=payload(n)) for n in names])

    def body(self, index: int = -1) -> dict[str, Any]:
        return json.loads(self.route.calls[index].request.content)

    def headers(self, index: int = -1) -> httpx.Headers:
        return self.route.calls[index].request.headers

    def provider(self, model: str = MODEL, **kwargs: Any) -> AnthropicProvider:
        kwargs.setdefault("api_key", KEY)
        return AnthropicProvider(model, http_client=self.client, **kwargs)


@pytest.fixture
async def api() -> AsyncIterator[Api]:
    async with (
        respx.mock(assert_all_called=False) as router,
        httpx.AsyncClient() as client,
    ):
        yield Api(router, client)


def ask(*messages: Message, **kwargs: Any) -> CompletionRequest:
    return CompletionRequest(messages=list(messages), **kwargs)


# --- replies -------------------------------------------------------------------------------


async def test_text_reply_maps_content_usage_and_stop_reason(api: Api) -> None:
    api.reply("message_text.json")
    provider = api.provider()
    reply = await provider.complete(ask(Message.user("Capital of France?"), system="Be brief."))
    await provider.aclose()

    assert reply.role == "assistant"
    assert reply.text == "Paris is the capital of France."
    assert reply.stop_reason is StopReason.END_TURN
    assert reply.model == MODEL
    assert reply.usage is not None
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (25, 9)
    assert (reply.usage.cache_write_tokens, reply.usage.cache_read_tokens) == (1200, 300)
    assert reply.usage.requests == 1

    body = api.body()
    assert body["model"] == MODEL
    assert body["system"] == [{"type": "text", "text": "Be brief."}]
    assert body["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "Capital of France?"}]}
    ]
    assert body["max_tokens"] == 16384
    assert "tools" not in body and "temperature" not in body and "thinking" not in body


async def test_headers_carry_key_and_version_and_custom_headers(api: Api) -> None:
    api.reply("message_text.json")
    settings = AnthropicSettings(default_headers={"x-from-settings": "1"})
    provider = api.provider(settings=settings, default_headers={"x-from-arg": "2"})
    await provider.complete(ask(Message.user("hi")))
    await provider.aclose()

    headers = api.headers()
    # anthropic SDK 2.x sends the key as a bearer token rather than x-api-key
    assert headers["authorization"] == f"Bearer {KEY}"
    assert headers["anthropic-version"]
    assert headers["x-from-settings"] == "1"
    assert headers["x-from-arg"] == "2"
    assert "x-stainless-retry-count" not in headers or headers["x-stainless-retry-count"] == "0"


async def test_parallel_tool_calls_become_tool_calls(api: Api) -> None:
    api.reply("message_tool_use_parallel.json")
    provider = api.provider()
    reply = await provider.complete(ask(Message.user("Weather in SF and NYC?"), tools=[WEATHER]))

    assert reply.stop_reason is StopReason.TOOL_USE
    assert reply.text == "I'll check the weather in both cities."
    assert reply.tool_calls == [
        ToolCall(
            id="toolu_01A09q90qw90lq917835lq9",
            name="get_weather",
            arguments={"location": "San Francisco, CA"},
        ),
        ToolCall(
            id="toolu_01B18r81rx81mr828946mr8",
            name="get_weather",
            arguments={"location": "New York, NY", "unit": "celsius"},
        ),
    ]
    body = api.body()
    assert body["tools"] == [
        {
            "name": "get_weather",
            "description": "Current weather for a location.",
            "input_schema": WEATHER.input_schema,
        }
    ]
    assert "tool_choice" not in body  # auto with parallel calls is the API default


async def test_tool_round_sends_tool_use_then_tool_results_in_a_user_turn(api: Api) -> None:
    api.replies("message_tool_use_parallel.json", "message_text.json")
    provider = api.provider()
    first = Message.user("Weather in SF and NYC?")
    assistant = await provider.complete(ask(first, tools=[WEATHER]))
    results = Message(
        role="user",
        tool_results=[
            ToolResult(call_id=assistant.tool_calls[0].id, content=[TextContent(text="18C")]),
            ToolResult(
                call_id=assistant.tool_calls[1].id,
                content=[
                    TextContent(text="radar:"),
                    ImageContent(data="iVBORw0KGgo=", mime_type="image/png"),
                ],
            ),
            ToolResult.error("toolu_unknown", "tool exploded"),
        ],
    )
    await provider.complete(ask(first, assistant, results, tools=[WEATHER]))

    sent = api.body()["messages"]
    assert sent[1] == {
        "role": "assistant",
        "content": [
            {"type": "text", "text": "I'll check the weather in both cities."},
            {
                "type": "tool_use",
                "id": "toolu_01A09q90qw90lq917835lq9",
                "name": "get_weather",
                "input": {"location": "San Francisco, CA"},
            },
            {
                "type": "tool_use",
                "id": "toolu_01B18r81rx81mr828946mr8",
                "name": "get_weather",
                "input": {"location": "New York, NY", "unit": "celsius"},
            },
        ],
    }
    assert sent[2] == {
        "role": "user",
        "content": [
            {
                "type": "tool_result",
                "tool_use_id": "toolu_01A09q90qw90lq917835lq9",
                "content": [{"type": "text", "text": "18C"}],
            },
            {
                "type": "tool_result",
                "tool_use_id": "toolu_01B18r81rx81mr828946mr8",
                "content": [
                    {"type": "text", "text": "radar:"},
                    {
                        "type": "image",
                        "source": {
                            "type": "base64",
                            "media_type": "image/png",
                            "data": "iVBORw0KGgo=",
                        },
                    },
                ],
            },
            {
                "type": "tool_result",
                "tool_use_id": "toolu_unknown",
                "content": [{"type": "text", "text": "tool exploded"}],
                "is_error": True,
            },
        ],
    }


async def test_user_content_images_pdfs_resources_and_links(api: Api) -> None:
    api.reply("message_text.json")
    provider = api.provider()
    message = Message.user(
        "Look:",
        ImageContent(data="R0lGODlh", mime_type="image/gif"),
        EmbeddedResource(
            resource=ResourceContents(
                uri="file:///report.pdf", mime_type="application/pdf", blob="JVBERi0x"
            )
        ),
        EmbeddedResource(
            resource=ResourceContents(uri="file:///notes.md", mime_type="text/markdown", text="# N")
        ),
        ResourceLink(uri="https://example.com/data.csv", name="data.csv", description="raw"),
    )
    await provider.complete(ask(message))

    assert api.body()["messages"][0]["content"] == [
        {"type": "text", "text": "Look:"},
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/gif", "data": "R0lGODlh"},
        },
        {
            "type": "document",
            "source": {"type": "base64", "media_type": "application/pdf", "data": "JVBERi0x"},
        },
        {"type": "text", "text": '<resource uri="file:///notes.md">\n# N\n</resource>'},
        {"type": "text", "text": "[resource link data.csv <https://example.com/data.csv>: raw]"},
    ]


async def test_documents_in_assistant_turns_become_text(api: Api) -> None:
    api.reply("message_text.json")
    pdf = EmbeddedResource(
        resource=ResourceContents(uri="file:///a.pdf", mime_type="application/pdf", blob="JVBE")
    )
    await api.provider().complete(ask(Message.user("x"), Message.assistant(pdf), Message.user("y")))
    assert api.body()["messages"][1]["content"] == [
        {"type": "text", "text": "[PDF document omitted]"}
    ]


# --- parameters ----------------------------------------------------------------------------


async def test_request_params_are_mapped(api: Api) -> None:
    api.reply("message_stop_sequence.json")
    provider = api.provider()
    params = RequestParams(
        max_tokens=300,
        temperature=0.3,
        stop_sequences=("4",),
        tool_choice="get_weather",
        parallel_tool_calls=False,
    )
    reply = await provider.complete(ask(Message.user("count"), tools=[WEATHER], params=params))

    assert reply.stop_reason is StopReason.STOP_SEQUENCE
    body = api.body()
    assert body["max_tokens"] == 300
    assert "temperature" not in body  # API 2026-10-21 rejects sampling parameters
    assert body["stop_sequences"] == ["4"]
    assert body["tool_choice"] == {
        "type": "tool",
        "name": "get_weather",
        "disable_parallel_tool_use": True,
    }


@pytest.mark.parametrize(
    ("choice", "expected"),
    [
        ("auto", None),
        ("none", {"type": "none"}),
        ("required", {"type": "any"}),
        ("get_weather", {"type": "tool", "name": "get_weather"}),
    ],
)
async def test_tool_choice_values(api: Api, choice: str, expected: dict[str, Any] | None) -> None:
    api.reply("message_text.json")
    provider = api.provider()
    params = RequestParams(tool_choice=choice)
    await provider.complete(ask(Message.user("x"), tools=[WEATHER], params=params))
    assert api.body().get("tool_choice") == expected


async def test_model_string_options_are_defaults_that_params_override(api: Api) -> None:
    api.reply("message_text.json")
    provider = api.provider("claude-3-5-haiku-latest", max_tokens="2000", temperature="0.7")
    await provider.complete(ask(Message.user("x")))
    assert api.body()["max_tokens"] == 2000
    assert "temperature" not in api.body()

    await provider.complete(ask(Message.user("x"), params=RequestParams(max_tokens=50)))
    assert api.body()["max_tokens"] == 50


async def test_default_max_tokens_for_unknown_model_is_4096(api: Api) -> None:
    api.reply("message_text.json")
    await api.provider("some-future-model").complete(ask(Message.user("x")))
    assert api.body()["max_tokens"] == 4096


async def test_refusal_stop_reason(api: Api) -> None:
    api.reply("message_refusal.json")
    reply = await api.provider().complete(ask(Message.user("x")))
    assert reply.stop_reason is StopReason.REFUSAL
    assert reply.content == []


class City(BaseModel):
    city: str
    population: int


async def test_structured_output_forces_a_tool_and_returns_its_input_as_json(api: Api) -> None:
    api.reply("message_structured.json")
    provider = api.provider()
    assert provider.native_structured_output is True
    params = RequestParams(response_format=City, reasoning="high")
    reply = await provider.complete(ask(Message.user("Biggest French city?"), params=params))

    assert City.model_validate_json(reply.text) == City(city="Paris", population=2102650)
    assert reply.tool_calls == []
    assert reply.stop_reason is StopReason.END_TURN
    body = api.body()
    assert body["tools"] == [
        {
            "name": "structured_output",
            "description": "Give the final answer; its input is the answer itself.",
            "input_schema": City.model_json_schema(),
        }
    ]
    assert body["tool_choice"] == {"type": "tool", "name": "structured_output"}
    assert "thinking" not in body  # a forced tool cannot be combined with thinking


async def test_reasoning_enables_thinking_and_raises_max_tokens(api: Api) -> None:
    api.reply("message_text.json")
    params = RequestParams(reasoning="medium", temperature=0.5, max_tokens=1000)
    await api.provider().complete(ask(Message.user("x"), params=params))
    body = api.body()
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 8192}
    assert body["max_tokens"] > 8192
    assert "temperature" not in body


@pytest.mark.parametrize(
    ("level", "budget"), [("minimal", 1024), ("low", 2048), ("medium", 8192), ("high", 16384)]
)
async def test_reasoning_budgets(api: Api, level: str, budget: int) -> None:
    api.reply("message_text.json")
    await api.provider(reasoning=level).complete(ask(Message.user("x")))
    assert api.body()["thinking"]["budget_tokens"] == budget


async def test_thinking_blocks_are_resent_before_their_tool_calls(api: Api) -> None:
    api.replies("message_thinking_tool_use.json", "message_text.json")
    provider = api.provider(reasoning="low")
    first = Message.user("Weather in Paris?")
    assistant = await provider.complete(ask(first, tools=[WEATHER]))
    assert assistant.text == ""  # thinking stays out of our content
    assert assistant.tool_calls[0].arguments == {"location": "Paris"}

    results = Message(
        role="user",
        tool_results=[ToolResult(call_id=assistant.tool_calls[0].id, content=[])],
    )
    await provider.complete(ask(first, assistant, results, tools=[WEATHER]))
    body = api.body()
    assert [b["type"] for b in body["messages"][1]["content"]] == [
        "thinking",
        "redacted_thinking",
        "tool_use",
    ]
    assert body["messages"][1]["content"][0]["signature"].startswith("EqQB")
    assert body["messages"][2]["content"] == [
        {"type": "tool_result", "tool_use_id": "toolu_01Thinking0000000000001"}
    ]
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}


async def test_thinking_blocks_are_kept_exactly_in_provider_data(api: Api) -> None:
    api.reply("message_thinking_tool_use.json")
    assistant = await api.provider(reasoning="low").complete(
        ask(Message.user("Weather in Paris?"), tools=[WEATHER])
    )
    returned = payload("message_thinking_tool_use.json")["content"][:2]
    assert assistant.provider_data == {"anthropic": {"thinking": returned}}


@pytest.mark.parametrize("fmt", ["json", "yaml", "text"])
async def test_thinking_survives_save_and_load_of_the_history(
    api: Api, tmp_path: Path, fmt: str
) -> None:
    api.replies("message_thinking_tool_use.json", "message_text.json")
    first = Message.user("Weather in Paris?")
    assistant = await api.provider(reasoning="low").complete(ask(first, tools=[WEATHER]))
    results = Message(
        role="user",
        tool_results=[ToolResult(call_id=assistant.tool_calls[0].id, content=[])],
    )
    path = tmp_path / "conversation.history"
    save_history(path, [first, assistant, results], format=fmt)
    loaded = load_history(path, format=fmt)
    assert loaded[1].provider_data == assistant.provider_data

    fresh = api.provider(reasoning="low")  # a new process: nothing cached in memory
    await fresh.complete(ask(*loaded, tools=[WEATHER]))
    body = api.body()
    returned = payload("message_thinking_tool_use.json")["content"]
    assert body["messages"][1]["content"] == returned
    assert body["thinking"] == {"type": "enabled", "budget_tokens": 2048}


async def test_thinking_is_not_resent_without_reasoning(api: Api) -> None:
    api.replies("message_thinking_tool_use.json", "message_text.json")
    first = Message.user("Weather in Paris?")
    assistant = await api.provider(reasoning="low").complete(ask(first, tools=[WEATHER]))
    results = Message(role="user", tool_results=[ToolResult(call_id=assistant.tool_calls[0].id)])
    await api.provider().complete(ask(first, assistant, results, tools=[WEATHER]))
    body = api.body()
    assert [b["type"] for b in body["messages"][1]["content"]] == ["tool_use"]
    assert "thinking" not in body


async def test_malformed_provider_data_counts_as_lost_thinking(api: Api) -> None:
    api.reply("message_text.json")
    assistant = Message(
        role="assistant",
        tool_calls=[ToolCall(id="toolu_old", name="get_weather")],
        provider_data={"anthropic": {"thinking": "not a list"}, "openai": {"x": 1}},
    )
    results = Message(role="user", tool_results=[ToolResult(call_id="toolu_old")])
    provider = api.provider(reasoning="low")
    await provider.complete(ask(Message.user("x"), assistant, results, tools=[WEATHER]))
    body = api.body()
    assert "thinking" not in body
    assert [b["type"] for b in body["messages"][1]["content"]] == ["tool_use"]


async def test_thinking_is_dropped_when_a_tool_turn_has_lost_its_thinking(api: Api) -> None:
    api.reply("message_text.json")
    assistant = Message.assistant(tool_calls=[ToolCall(id="toolu_old", name="get_weather")])
    results = Message(role="user", tool_results=[ToolResult(call_id="toolu_old")])
    provider = api.provider(reasoning="low")
    await provider.complete(ask(Message.user("x"), assistant, results, tools=[WEATHER]))
    assert "thinking" not in api.body()


async def test_cache_marks_system_tools_and_last_message(api: Api) -> None:
    api.reply("message_text.json")
    provider = api.provider(cache="true")
    request = ask(
        Message.user("one"),
        Message.assistant("two"),
        Message.user("three", "four"),
        system="sys",
        tools=[WEATHER, WEATHER],
    )
    await provider.complete(request)
    body = api.body()
    ephemeral = {"type": "ephemeral"}
    assert body["system"] == [{"type": "text", "text": "sys", "cache_control": ephemeral}]
    assert "cache_control" not in body["tools"][0]
    assert body["tools"][1]["cache_control"] == ephemeral
    assert body["messages"][-1]["content"] == [
        {"type": "text", "text": "three"},
        {"type": "text", "text": "four", "cache_control": ephemeral},
    ]
    assert all("cache_control" not in b for m in body["messages"][:-1] for b in m["content"])


# --- keys and options ----------------------------------------------------------------------


def test_api_key_order(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-from-environment-000000")
    settings = AnthropicSettings(api_key="sk-ant-from-settings-0000000000")  # type: ignore[arg-type]
    assert AnthropicProvider(
        MODEL, api_key="sk-ant-arg-0000000000", settings=settings
    )._api_key == ("sk-ant-arg-0000000000")
    assert AnthropicProvider(MODEL, settings=settings)._api_key == "sk-ant-from-settings-0000000000"
    assert AnthropicProvider(MODEL)._api_key == "sk-ant-from-environment-000000"


def test_missing_key_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANTHROPIC_API_KEY", raising=False)
    with pytest.raises(MissingAPIKeyError) as caught:
        AnthropicProvider(MODEL)
    assert caught.value.env_var == "ANTHROPIC_API_KEY"


@pytest.mark.parametrize(
    "options",
    [
        {"colour": "red"},
        {"max_tokens": "0"},
        {"temperature": "hot"},
        {"reasoning": "max"},
        {"cache": "maybe"},
    ],
)
def test_bad_options_are_user_errors(options: dict[str, Any]) -> None:
    with pytest.raises(UserError):
        AnthropicProvider(MODEL, api_key=KEY, **options)


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, RequestOptions()),
        (
            {"max_tokens": "512", "temperature": "0.2", "reasoning": "low", "cache": "yes"},
            RequestOptions(max_tokens=512, temperature=0.2, reasoning="low", cache=True),
        ),
        (
            {"max_tokens": 64, "temperature": 1, "cache": False},
            RequestOptions(max_tokens=64, temperature=1.0, cache=False),
        ),
        ({"cache": "off", "reasoning": None}, RequestOptions(cache=False)),
    ],
)
def test_options_are_converted_by_type(options: dict[str, Any], expected: RequestOptions) -> None:
    assert AnthropicProvider(MODEL, api_key=KEY, **options).options == expected


@pytest.mark.parametrize(
    ("options", "message", "hint"),
    [
        (
            {"colour": "red", "size": 1},
            "anthropic: unknown option(s) 'colour', 'size'",
            "valid options: cache, max_tokens, reasoning, temperature",
        ),
        (
            {"max_tokens": "0"},
            "anthropic: option max_tokens must be a positive integer, got '0'",
            "write e.g. ?max_tokens=4096",
        ),
        (
            {"max_tokens": -5},
            "anthropic: option max_tokens must be a positive integer, got -5",
            "write e.g. ?max_tokens=4096",
        ),
        (
            {"reasoning": "max"},
            "anthropic: unknown reasoning level 'max'",
            "use one of: minimal, low, medium, high",
        ),
    ],
)
def test_bad_option_messages(options: dict[str, Any], message: str, hint: str) -> None:
    with pytest.raises(UserError) as caught:
        AnthropicProvider(MODEL, api_key=KEY, **options)
    assert (caught.value.message, caught.value.hint) == (message, hint)


async def test_key_never_logged(api: Api, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    api.reply("error_authentication.json", status=401)
    provider = api.provider()
    with pytest.raises(AuthenticationError) as caught:
        await provider.complete(ask(Message.user("x")))
    assert KEY not in caplog.text
    assert KEY not in str(caught.value) and KEY not in (caught.value.body or "")


async def test_httpx2_client_is_used_directly() -> None:
    seen: list[httpx2.Request] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return httpx2.Response(200, json=payload("message_text.json"))

    async with httpx2.AsyncClient(transport=httpx2.MockTransport(handler)) as client:
        provider = AnthropicProvider(MODEL, api_key=KEY, http_client=client)
        reply = await provider.complete(ask(Message.user("x")))
    assert reply.text == "Paris is the capital of France."
    assert seen[0].headers["authorization"] == f"Bearer {KEY}"


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "status", "error_type"),
    [
        ("error_invalid_request.json", 400, BadRequestError),
        ("error_prompt_too_long.json", 400, ContextWindowError),
        ("error_authentication.json", 401, AuthenticationError),
        ("error_permission.json", 403, AuthenticationError),
        ("error_not_found.json", 404, BadRequestError),
        ("error_request_too_large.json", 413, BadRequestError),
        ("error_rate_limit.json", 429, RateLimitError),
        ("error_api.json", 500, ProviderServerError),
        ("error_overloaded.json", 529, ProviderServerError),
    ],
)
async def test_http_errors_are_typed(
    api: Api, name: str, status: int, error_type: type[Exception]
) -> None:
    api.reply(name, status=status, headers={"retry-after": "7"} if status == 429 else None)
    provider = api.provider()
    with pytest.raises(error_type) as caught:
        await provider.complete(ask(Message.user("x")))
    error = caught.value
    assert type(error) is error_type
    assert error.status_code == status  # type: ignore[attr-defined]
    assert payload(name)["error"]["message"] in str(error)
    assert error.provider == "anthropic"  # type: ignore[attr-defined]
    assert error.hint  # type: ignore[attr-defined]
    if status == 429:
        assert error.retry_after == 7.0  # type: ignore[attr-defined]
    assert len(api.route.calls) == 1  # the SDK does not retry; our reliability layer does
    if error_type is ContextWindowError:
        assert isinstance(error, ContextWindowExceededError)
        assert (error.input_tokens, error.context_window) == (215000, 200000)  # type: ignore[attr-defined]


async def test_timeout_becomes_provider_timeout(api: Api) -> None:
    api.route.mock(side_effect=httpx.ReadTimeout("read timed out"))
    provider = api.provider(timeout=2.5)
    with pytest.raises(ProviderTimeoutError, match=r"within 2\.5s"):
        await provider.complete(ask(Message.user("x")))


async def test_connection_error_becomes_provider_connection_error(api: Api) -> None:
    api.route.mock(side_effect=httpx.ConnectError("connection refused"))
    with pytest.raises(ProviderConnectionError) as caught:
        await api.provider().complete(ask(Message.user("x")))
    assert caught.value.hint


async def test_unreachable_base_url_without_injected_client() -> None:
    provider = AnthropicProvider(MODEL, api_key=KEY, base_url="http://127.0.0.1:9", timeout=5)
    with pytest.raises(ProviderConnectionError, match=r"127\.0\.0\.1:9"):
        await provider.complete(ask(Message.user("x")))
    await provider.aclose()
