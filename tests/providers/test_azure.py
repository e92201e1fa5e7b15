"""AzureOpenAIProvider: the real openai SDK's Azure client against recorded Azure payloads."""

import importlib.machinery
import json
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx
from pydantic import BaseModel, SecretStr

from fastagent.config.settings import AzureSettings, Settings
from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    MissingAPIKeyError,
    MissingDependencyError,
    ProviderConnectionError,
    ProviderServerError,
    RateLimitError,
    UserError,
)
from fastagent.history import load_history, save_history
from fastagent.llm.augmented import AugmentedLLM
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
from fastagent.providers.azure import DEFAULT_API_VERSION, AzureOpenAIProvider
from fastagent.providers.base import CompletionRequest
from fastagent.providers.factory import ModelFactory
from fastagent.streaming import StreamDone, ToolCallDelta, ToolCallEnd, ToolCallStart
from fastagent.tools.base import ToolDefinition
from fastagent.tools.function_tool import FunctionTool
from fastagent.tools.toolset import ToolSet

PAYLOADS = Path(__file__).parent / "payloads" / "azure"
ENDPOINT = "https://contoso-eu.openai.azure.com"
DEPLOYMENT = "chat-gpt4o"
URL = f"{ENDPOINT}/openai/deployments/{DEPLOYMENT}/chat/completions"
KEY = "azure-key-0123456789abcdef0123456789ab"

WEATHER = ToolDefinition(
    name="get_weather",
    description="Current weather in a city.",
    input_schema={
        "type": "object",
        "properties": {"city": {"type": "string"}},
        "required": ["city"],
    },
)


def payload(name: str) -> dict[str, Any]:
    return json.loads((PAYLOADS / name).read_text())


def reply(name: str) -> httpx.Response:
    return httpx.Response(200, json=payload(name))


def sent(route: respx.Route, call: int = -1) -> dict[str, Any]:
    return json.loads(route.calls[call].request.content)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch):
    for name in ("AZURE_OPENAI_API_KEY", "AZURE_OPENAI_ENDPOINT", "OPENAI_API_VERSION"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
async def http():
    async with httpx.AsyncClient() as client:
        yield client


@pytest.fixture
def api():
    with respx.mock(assert_all_called=False) as router:
        yield router


def make(http: httpx.AsyncClient, **kwargs: Any) -> AzureOpenAIProvider:
    kwargs.setdefault("api_key", KEY)
    kwargs.setdefault("endpoint", ENDPOINT)
    return AzureOpenAIProvider(DEPLOYMENT, http_client=http, **kwargs)


def req(*messages: Message, **kwargs: Any) -> CompletionRequest:
    return CompletionRequest(list(messages) or [Message.user("Hi")], **kwargs)


def weather_tools() -> ToolSet:
    def get_weather(city: str) -> str:
        """Current weather in a city."""
        return f"{city}: 18C"

    return ToolSet([FunctionTool(get_weather)])


# --- text, where it connects, how it signs in -------------------------------------------------


async def test_text_goes_to_the_deployment_with_api_version_and_key(api, http):
    route = api.post(URL).mock(return_value=reply("completion_text.json"))
    message = await make(http).complete(req(Message.user("Weather?"), system="Be brief."))
    request = route.calls.last.request
    assert request.url.params["api-version"] == DEFAULT_API_VERSION
    assert request.headers["api-key"] == KEY
    assert "authorization" not in request.headers
    assert sent(route) == {
        "model": DEPLOYMENT,
        "messages": [
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": "Weather?"},
        ],
    }
    assert message.text == "Paris is 18°C and cloudy; Tokyo is 24°C and sunny."
    assert message.stop_reason is StopReason.END_TURN
    assert message.usage == Usage(input_tokens=96, output_tokens=17, requests=1)


async def test_environment_supplies_endpoint_key_and_api_version(api, http, monkeypatch):
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", ENDPOINT + "/")
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("OPENAI_API_VERSION", "2025-04-01-preview")
    route = api.post(URL).mock(return_value=reply("completion_text.json"))
    await AzureOpenAIProvider(DEPLOYMENT, http_client=http).complete(req())
    assert route.calls.last.request.url.params["api-version"] == "2025-04-01-preview"
    assert route.calls.last.request.headers["api-key"] == KEY


async def test_entra_id_token_provider_sends_a_bearer_token(api, http):
    calls: list[int] = []

    async def token() -> str:
        calls.append(1)
        return "eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra"

    route = api.post(URL).mock(return_value=reply("completion_text.json"))
    provider = make(http, api_key=None, azure_ad_token_provider=token)
    await provider.complete(req())
    request = route.calls.last.request
    assert request.headers["authorization"] == "Bearer eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.entra"
    assert "api-key" not in request.headers
    assert calls == [1]


def test_missing_endpoint_names_the_variable():
    with pytest.raises(UserError) as caught:
        AzureOpenAIProvider(DEPLOYMENT, api_key=KEY)
    assert "AZURE_OPENAI_ENDPOINT" in (caught.value.hint or "")
    assert "azure.endpoint" in (caught.value.hint or "")


def test_missing_key_names_the_variable_and_entra_id():
    with pytest.raises(MissingAPIKeyError) as caught:
        AzureOpenAIProvider(DEPLOYMENT, endpoint=ENDPOINT)
    assert caught.value.env_var == "AZURE_OPENAI_API_KEY"
    assert "AZURE_OPENAI_API_KEY" in (caught.value.hint or "")
    assert "azure.entra_id" in (caught.value.hint or "")


def test_entra_id_without_azure_identity_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "azure", None)
    monkeypatch.setitem(sys.modules, "azure.identity", None)
    with pytest.raises(MissingDependencyError) as caught:
        AzureOpenAIProvider(DEPLOYMENT, endpoint=ENDPOINT, entra_id="true")
    assert caught.value.hint == "pip install 'fastagent[azure]'"
    with pytest.raises(MissingDependencyError):
        AzureOpenAIProvider(DEPLOYMENT, settings=AzureSettings(endpoint=ENDPOINT, entra_id=True))


async def test_factory_builds_azure_from_its_settings(http):
    settings = Settings(
        azure=AzureSettings(
            endpoint=ENDPOINT, api_version="2024-12-01-preview", api_key=SecretStr(KEY)
        )
    )
    factory = ModelFactory(settings, environ={})
    with respx.mock() as router:
        route = router.post(URL).mock(return_value=reply("completion_text.json"))
        provider = factory.create(f"azure.{DEPLOYMENT}", http_client=http)
        await provider.complete(req())
    assert route.calls.last.request.url.params["api-version"] == "2024-12-01-preview"
    assert route.calls.last.request.headers["api-key"] == KEY
    await factory.aclose()


def test_azure_needs_a_deployment_name():
    factory = ModelFactory(Settings(), environ={})
    with pytest.raises(UserError, match="provider 'azure' needs a model name"):
        factory.resolve("azure")


# --- tools, streaming, structured output, media ------------------------------------------------


async def test_tool_loop_with_parallel_calls(api, http):
    route = api.post(URL)
    route.side_effect = [
        reply("completion_tool_calls_parallel.json"),
        reply("completion_text.json"),
    ]
    llm = AugmentedLLM(make(http), tools=weather_tools())
    final = await llm.generate("Weather in Paris and Tokyo?")
    assert final.text.startswith("Paris is 18°C")
    second = sent(route, 1)["messages"]
    assert [m["role"] for m in second] == ["user", "assistant", "tool", "tool"]
    assert second[2] == {"role": "tool", "tool_call_id": "call_AzParis01", "content": "Paris: 18C"}
    assert second[3] == {"role": "tool", "tool_call_id": "call_AzTokyo02", "content": "Tokyo: 18C"}


@pytest.mark.parametrize("fmt", ["json", "yaml", "text"])
async def test_history_saved_mid_tool_loop_resends_the_same_conversation(api, http, tmp_path, fmt):
    route = api.post(URL)
    route.side_effect = [
        reply("completion_tool_calls_parallel.json"),
        reply("completion_text.json"),
        reply("completion_text.json"),
    ]
    first = Message.user("Weather in Paris and Tokyo?")
    assistant = await make(http).complete(req(first, tools=[WEATHER]))
    results = Message(
        role="user",
        tool_results=[
            ToolResult(call_id=c.id, content=[TextContent(text=f"{c.arguments['city']}: 18C")])
            for c in assistant.tool_calls
        ],
    )
    await make(http).complete(req(first, assistant, results, tools=[WEATHER]))
    path = tmp_path / "conversation.history"
    save_history(path, [first, assistant, results], format=fmt)
    loaded = load_history(path, format=fmt)
    await make(http).complete(req(*loaded, tools=[WEATHER]))
    assert sent(route, 2) == sent(route, 1)
    assert sent(route, 2)["messages"][1]["tool_calls"][1]["id"] == "call_AzTokyo02"


async def test_stream_with_parallel_tool_calls(api, http):
    body = (PAYLOADS / "stream_tool_calls.sse").read_bytes()
    route = api.post(URL).mock(
        return_value=httpx.Response(
            200, content=body, headers={"content-type": "text/event-stream"}
        )
    )
    events = [e async for e in make(http).stream(req(tools=[WEATHER]))]
    assert sent(route)["stream"] is True
    starts = [e for e in events if isinstance(e, ToolCallStart)]
    assert starts == [
        ToolCallStart("call_AzParis01", "get_weather"),
        ToolCallStart("call_AzTokyo02", "get_weather"),
    ]
    assert ToolCallDelta("call_AzParis01", '{"city":') in events
    ends = [e.call for e in events if isinstance(e, ToolCallEnd)]
    assert ends == [
        ToolCall(id="call_AzParis01", name="get_weather", arguments={"city": "Paris"}),
        ToolCall(id="call_AzTokyo02", name="get_weather", arguments={"city": "Tokyo"}),
    ]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.stop_reason is StopReason.TOOL_USE
    assert done.message.usage == Usage(input_tokens=81, output_tokens=46, requests=1)


class CityWeather(BaseModel):
    city: str
    temperature_c: int


async def test_structured_output(api, http):
    route = api.post(URL).mock(return_value=reply("completion_structured.json"))
    result = await AugmentedLLM(make(http)).structured("Weather in Paris?", CityWeather)
    assert result == CityWeather(city="Paris", temperature_c=18)
    response_format = sent(route)["response_format"]
    assert response_format["type"] == "json_schema"
    assert response_format["json_schema"]["name"] == "CityWeather"
    assert response_format["json_schema"]["strict"] is True


async def test_image_pdf_and_audio_input(api, http):
    route = api.post(URL).mock(return_value=reply("completion_text.json"))
    await make(http).complete(
        req(
            Message.user(
                "What do these say?",
                ImageContent(data="iVBORw0KGgo=", mime_type="image/png"),
                EmbeddedResource(
                    resource=ResourceContents(
                        uri="file:///docs/q3.pdf", mime_type="application/pdf", blob="JVBERi0x"
                    )
                ),
                AudioContent(data="SUQzBAA=", mime_type="audio/mpeg"),
            )
        )
    )
    assert sent(route)["messages"][0]["content"] == [
        {"type": "text", "text": "What do these say?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {
            "type": "file",
            "file": {"filename": "q3.pdf", "file_data": "data:application/pdf;base64,JVBERi0x"},
        },
        {"type": "input_audio", "input_audio": {"data": "SUQzBAA=", "format": "mp3"}},
    ]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "name", "kind"),
    [
        (401, "error_unauthorized.json", AuthenticationError),
        (403, "error_forbidden.json", AuthenticationError),
        (404, "error_deployment_not_found.json", BadRequestError),
        (429, "error_rate_limit.json", RateLimitError),
        (500, "error_server.json", ProviderServerError),
        (400, "error_context_length.json", ContextWindowError),
        (400, "error_content_filter.json", BadRequestError),
    ],
)
async def test_http_errors_map_to_typed_errors(api, http, status, name, kind):
    api.post(URL).mock(
        return_value=httpx.Response(status, json=payload(name), headers={"retry-after": "6"})
    )
    with pytest.raises(kind) as caught:
        await make(http).complete(req())
    error = caught.value
    assert type(error) is kind
    assert error.provider == "azure"
    assert error.status_code == status
    assert KEY not in str(error) and KEY not in (error.body or "")
    if status in (401, 403):
        assert "AZURE_OPENAI_API_KEY" in (error.hint or "")
        assert "azure.api_key" in (error.hint or "")
    if status == 404:
        assert f"deployment name '{DEPLOYMENT}'" in (error.hint or "")
    if status == 429:
        assert error.retry_after == 6.0
    if kind is ContextWindowError:
        assert (error.input_tokens, error.context_window) == (131072, 128000)


async def test_entra_id_uses_default_azure_credential_and_closes_it(api, http, monkeypatch):
    """azure-identity cannot sign in here (no Azure), so its two names are stood in for."""
    import types

    seen: dict[str, Any] = {}

    class DefaultAzureCredential:
        async def close(self) -> None:
            seen["closed"] = True

    def get_bearer_token_provider(credential: Any, scope: str) -> Any:
        seen["scope"] = scope

        async def token() -> str:
            return "entra-token-from-credential"

        return token

    aio = types.ModuleType("azure.identity.aio")
    aio.DefaultAzureCredential = DefaultAzureCredential  # type: ignore[attr-defined]
    aio.get_bearer_token_provider = get_bearer_token_provider  # type: ignore[attr-defined]
    identity = types.ModuleType("azure.identity")
    identity.aio = aio  # type: ignore[attr-defined]
    identity.__spec__ = importlib.machinery.ModuleSpec("azure.identity", None)
    azure = types.ModuleType("azure")
    azure.identity = identity  # type: ignore[attr-defined]
    azure.__path__ = []  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "azure", azure)
    monkeypatch.setitem(sys.modules, "azure.identity", identity)
    monkeypatch.setitem(sys.modules, "azure.identity.aio", aio)

    route = api.post(URL).mock(return_value=reply("completion_text.json"))
    provider = make(http, api_key=None, entra_id=True)
    await provider.complete(req())
    assert route.calls.last.request.headers["authorization"] == "Bearer entra-token-from-credential"
    assert seen["scope"] == "https://cognitiveservices.azure.com/.default"
    await provider.aclose()
    assert seen["closed"] is True


async def test_unreachable_endpoint_hint_names_the_endpoint_setting(api, http):
    api.post(URL).mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ProviderConnectionError) as caught:
        await make(http).complete(req())
    assert str(caught.value).startswith(f"could not reach azure at {ENDPOINT}")
    assert caught.value.hint == "check the network and azure.endpoint (AZURE_OPENAI_ENDPOINT)"
