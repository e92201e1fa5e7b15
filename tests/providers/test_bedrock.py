"""BedrockProvider via real boto3; a local HTTP server on 127.0.0.1 answers with recorded payloads.

botocore does not use httpx, so the server (tests/bedrock_server.py) stands in for
bedrock-runtime through ``endpoint_url``, with fake static credentials from the environment.
ConverseStream replies are framed in the AWS event-stream binary format.
"""

from __future__ import annotations

import asyncio
import base64
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

from bedrock_server import BedrockServer, Reply, event_stream
from fastagent.config.settings import BedrockSettings
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
from fastagent.providers.bedrock import BedrockProvider
from fastagent.providers.model_strings import parse_model_string
from fastagent.streaming import StreamDone, TextDelta, ToolCallDelta, ToolCallEnd, ToolCallStart
from fastagent.tools import ToolSet, tool
from fastagent.tools.base import ToolDefinition

PAYLOADS = Path(__file__).parent / "payloads" / "bedrock"
ACCESS_KEY = "AKIAFASTAGENTTEST01"
SECRET_KEY = "fastagent-test-secret-key-0123456789abcdef"
SONNET = "anthropic.claude-sonnet-4-5"
SONNET_ID = "us.anthropic.claude-sonnet-4-5-20250929-v1:0"
NOVA = "amazon.nova-pro-v1:0"

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


def ok(name: str) -> Reply:
    return Reply(200, payload(name))


def streamed(name: str) -> Reply:
    return Reply(200, raw=event_stream(payload(name)))


def failure(name: str) -> Reply:
    data = payload(name)
    return Reply(data["status"], data["body"], headers={"x-amzn-ErrorType": f"{data['type']}:"})


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake static credentials; no profile, config file or instance metadata to find."""
    for name in (
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_BEARER_TOKEN_BEDROCK",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", ACCESS_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_KEY)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


@pytest.fixture
def server() -> Iterator[BedrockServer]:
    with BedrockServer() as running:
        yield running


@pytest.fixture
async def provider(server: BedrockServer) -> AsyncIterator[BedrockProvider]:
    built = BedrockProvider(SONNET, region="us-east-1", base_url=server.url)
    yield built
    await built.aclose()


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


async def test_text_reply_maps_content_usage_and_request(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(ok("converse_text.json"))
    params = RequestParams(max_tokens=300, temperature=0.3, stop_sequences=("END",))
    reply = await provider.complete(
        ask(Message.user("Capital?"), system="Be brief.", params=params)
    )

    assert reply.text == "Paris is the capital of France."
    assert reply.stop_reason is StopReason.END_TURN
    assert reply.model == SONNET_ID
    assert reply.usage is not None
    assert (reply.usage.input_tokens, reply.usage.output_tokens) == (21, 9)
    assert (reply.usage.cache_read_tokens, reply.usage.cache_write_tokens) == (1200, 100)
    request = server.requests[0]
    assert request.path == "/model/us.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse"
    assert request.headers["Authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={ACCESS_KEY}/")
    assert "/us-east-1/bedrock/aws4_request" in request.headers["Authorization"]
    assert SECRET_KEY not in json.dumps(request.headers)
    assert request.body == {
        "messages": [{"role": "user", "content": [{"text": "Capital?"}]}],
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {"maxTokens": 300, "temperature": 0.3, "stopSequences": ["END"]},
    }


async def test_full_model_ids_pass_through_and_short_ones_get_a_profile(
    server: BedrockServer,
) -> None:
    server.reply(ok("converse_text.json"), ok("converse_text.json"), ok("converse_text.json"))
    for model, region in (
        (NOVA, "us-east-1"),
        (SONNET, "eu-west-1"),
        ("amazon.nova-lite", "us-west-2"),
    ):
        provider = BedrockProvider(model, region=region, base_url=server.url)
        await provider.complete(ask(Message.user("hi")))
        await provider.aclose()
    paths = [r.path for r in server.requests]
    assert paths == [
        "/model/amazon.nova-pro-v1%3A0/converse",
        "/model/eu.anthropic.claude-sonnet-4-5-20250929-v1%3A0/converse",
        "/model/amazon.nova-lite-v1%3A0/converse",
    ]


async def test_inference_profile_option(server: BedrockServer) -> None:
    server.reply(ok("converse_text.json"), ok("converse_text.json"))
    for profile in ("global", "none"):
        provider = BedrockProvider(
            SONNET, region="us-east-1", base_url=server.url, inference_profile=profile
        )
        await provider.complete(ask(Message.user("hi")))
        await provider.aclose()
    assert [r.path.split("/")[2] for r in server.requests] == [
        "global.anthropic.claude-sonnet-4-5-20250929-v1%3A0",
        "anthropic.claude-sonnet-4-5-20250929-v1%3A0",
    ]


async def test_guardrail_intervention_is_a_refusal(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(ok("converse_guardrail.json"))
    reply = await provider.complete(ask(Message.user("...")))
    assert reply.stop_reason is StopReason.REFUSAL


async def test_parallel_tool_calls_and_the_tool_loop(server: BedrockServer) -> None:
    server.reply(ok("converse_tool_use_parallel.json"), ok("converse_text.json"))
    provider = BedrockProvider(NOVA, region="us-east-1", base_url=server.url)
    llm = AugmentedLLM(provider, instruction="You report weather.", tools=weather_tools())
    final = await llm.generate("Weather in SF and NYC?")
    await provider.aclose()

    assert final.text == "Paris is the capital of France."
    assert final.usage is not None and final.usage.requests == 2
    first, second = (r.body for r in server.requests)
    assert first["toolConfig"]["tools"][0]["toolSpec"] == {
        "name": "get_weather",
        "description": "Current weather for a location.",
        "inputSchema": {"json": get_weather.definition.input_schema},
    }
    assistant, results = second["messages"][1], second["messages"][2]
    assert assistant == payload("converse_tool_use_parallel.json")["output"]["message"]
    assert results == {
        "role": "user",
        "content": [
            {
                "toolResult": {
                    "toolUseId": "tooluse_kZJMlvQmRJ6eAyJE5GIl7Q",
                    "content": [{"text": "sunny in San Francisco, CA (fahrenheit)"}],
                }
            },
            {
                "toolResult": {
                    "toolUseId": "tooluse_3Ztp8sPbQ0KxG2mBn5r1Wg",
                    "content": [{"text": "sunny in New York, NY (celsius)"}],
                }
            },
        ],
    }


async def test_error_and_structured_results(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(ok("converse_tool_use_parallel.json"), ok("converse_text.json"))
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
    sent = [c["toolResult"] for c in server.requests[1].body["messages"][2]["content"]]
    assert sent[0] == {"toolUseId": a.id, "content": [{"text": "service down"}], "status": "error"}
    assert sent[1] == {"toolUseId": b.id, "content": [{"json": {"temp": 21}}]}


async def test_tool_choice_maps_to_converse(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(*(ok("converse_text.json") for _ in range(3)))
    for choice in ("required", "get_weather", "auto"):
        params = RequestParams(tool_choice=choice)
        await provider.complete(ask(Message.user("?"), tools=[WEATHER], params=params))
    choices = [r.body["toolConfig"].get("toolChoice") for r in server.requests]
    assert choices == [{"any": {}}, {"tool": {"name": "get_weather"}}, None]


# --- reasoning -----------------------------------------------------------------------------


async def test_reasoning_blocks_are_kept_and_resent_before_their_tool_calls(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(ok("converse_reasoning_tool_use.json"), ok("converse_text.json"))
    params = RequestParams(reasoning="low")
    first = await provider.complete(ask(Message.user("Paris?"), tools=[WEATHER], params=params))
    assert first.text == ""
    kept = first.provider_data["bedrock"]["reasoning"]  # type: ignore[index]
    assert kept[1] == {"reasoningContent": {"redactedContent": "cmVkYWN0ZWQgdGhpbmtpbmc="}}
    body = server.requests[0].body
    assert body["additionalModelRequestFields"] == {
        "thinking": {"type": "enabled", "budget_tokens": 2048}
    }
    assert body["inferenceConfig"]["maxTokens"] == 2048 + 4096

    results = Message(role="user", tool_results=[ToolResult.error("tooluse_R1", "offline")])
    await provider.complete(
        ask(Message.user("Paris?"), first, results, tools=[WEATHER], params=params)
    )
    resent = server.requests[1].body["messages"][1]["content"]
    assert resent == payload("converse_reasoning_tool_use.json")["output"]["message"]["content"]


@pytest.mark.parametrize("fmt", ["json", "yaml", "text"])
async def test_save_and_load_in_the_middle_of_a_tool_loop_resends_provider_data(
    server: BedrockServer, provider: BedrockProvider, tmp_path: Path, fmt: str
) -> None:
    server.reply(ok("converse_reasoning_tool_use.json"), ok("converse_text.json"))
    params = RequestParams(reasoning="low")
    question = Message.user("Weather in Paris?")
    assistant = await provider.complete(ask(question, tools=[WEATHER], params=params))
    results = Message(
        role="user",
        tool_results=[ToolResult(call_id="tooluse_R1", content=[TextContent(text="rain")])],
    )
    path = tmp_path / f"history.{fmt}"
    save_history(path, [question, assistant, results], format=fmt)
    loaded = load_history(path, format=fmt)
    assert loaded[1].provider_data == assistant.provider_data

    reply = await provider.complete(ask(*loaded, tools=[WEATHER], params=params))
    assert reply.text == "Paris is the capital of France."
    sent = server.requests[1].body["messages"]
    assert (
        sent[1]["content"]
        == payload("converse_reasoning_tool_use.json")["output"]["message"]["content"]
    )
    assert sent[2]["content"] == [
        {"toolResult": {"toolUseId": "tooluse_R1", "content": [{"text": "rain"}]}}
    ]


# --- streaming -----------------------------------------------------------------------------


async def test_stream_with_parallel_tool_calls(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(streamed("stream_tool_use.json"))
    events = [e async for e in provider.stream(ask(Message.user("SF and NYC?"), tools=[WEATHER]))]

    assert server.requests[0].path.endswith("/converse-stream")
    assert "".join(e.text for e in events if isinstance(e, TextDelta)) == "I'll check both cities."
    assert [(e.id, e.name) for e in events if isinstance(e, ToolCallStart)] == [
        ("tooluse_S1", "get_weather"),
        ("tooluse_S2", "get_weather"),
    ]
    fragments = [e.arguments_json_fragment for e in events if isinstance(e, ToolCallDelta)]
    assert fragments[:2] == ['{"location": "San', ' Francisco, CA"}']
    ends = [e.call for e in events if isinstance(e, ToolCallEnd)]
    assert [c.arguments for c in ends] == [
        {"location": "San Francisco, CA"},
        {"location": "New York, NY", "unit": "celsius"},
    ]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert done.message.stop_reason is StopReason.TOOL_USE
    assert done.message.usage is not None and done.message.usage.output_tokens == 96


async def test_stream_through_the_tool_loop(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(streamed("stream_tool_use.json"), streamed("stream_text.json"))
    llm = AugmentedLLM(provider, tools=weather_tools())
    events = [e async for e in llm.stream("SF and NYC?")]
    final = events[-1]
    assert isinstance(final, StreamDone) and final.message.text == "Paris is the capital."
    results = server.requests[1].body["messages"][2]["content"]
    assert [r["toolResult"]["toolUseId"] for r in results] == ["tooluse_S1", "tooluse_S2"]


async def test_an_exception_inside_the_stream_is_typed(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(streamed("stream_throttled.json"))
    seen: list[Any] = []
    with pytest.raises(RateLimitError, match="Too many tokens"):
        async for event in provider.stream(ask(Message.user("hi"))):
            seen.append(event)
    assert seen == [TextDelta("Par")]


# --- structured output ---------------------------------------------------------------------


class City(BaseModel):
    city: str
    population: int


async def test_structured_output_forces_the_answer_tool(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(ok("converse_structured.json"), streamed("stream_structured.json"))
    city = await AugmentedLLM(provider).structured("Biggest French city?", City)
    assert city == City(city="Paris", population=2102650)
    body = server.requests[0].body
    assert body["toolConfig"]["toolChoice"] == {"tool": {"name": "structured_output"}}
    assert (
        body["toolConfig"]["tools"][0]["toolSpec"]["inputSchema"]["json"]["properties"]
        == (City.model_json_schema()["properties"])
    )
    assert "system" not in body

    params = RequestParams(response_format=City)
    events = [e async for e in provider.stream(ask(Message.user("Biggest?"), params=params))]
    done = events[-1]
    assert isinstance(done, StreamDone)
    assert json.loads(done.message.text) == {"city": "Paris", "population": 2102650}
    assert done.message.stop_reason is StopReason.END_TURN


# --- media ---------------------------------------------------------------------------------


async def test_images_documents_and_audio_are_sent_as_bytes(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(ok("converse_text.json"))
    png, pdf, mp3 = b"\x89PNG fake", b"%PDF-1.7 fake", b"ID3 fake"
    b64 = lambda raw: base64.b64encode(raw).decode()  # noqa: E731
    message = Message.user(
        "Describe these.",
        ImageContent(data=b64(png), mime_type="image/png"),
        EmbeddedResource(
            resource=ResourceContents(
                uri="file:///docs/Q3 report_v2.pdf", mime_type="application/pdf", blob=b64(pdf)
            )
        ),
        AudioContent(data=b64(mp3), mime_type="audio/mpeg"),
        ImageContent(data=b64(png), mime_type="image/bmp"),
    )
    await provider.complete(ask(message))
    content = server.requests[0].body["messages"][0]["content"]
    assert content[0] == {"text": "Describe these."}
    assert content[1] == {"image": {"format": "png", "source": {"bytes": b64(png)}}}
    assert content[2] == {
        "document": {"format": "pdf", "name": "Q3 report v2", "source": {"bytes": b64(pdf)}}
    }
    assert content[3] == {"audio": {"format": "mp3", "source": {"bytes": b64(mp3)}}}
    assert "not sent" in content[4]["text"]


# --- errors --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "error_type"),
    [
        ("error_unrecognized_client.json", AuthenticationError),
        ("error_access_denied.json", AuthenticationError),
        ("error_not_found.json", BadRequestError),
        ("error_validation.json", BadRequestError),
        ("error_throttling.json", RateLimitError),
        ("error_internal.json", ProviderServerError),
        ("error_unavailable.json", ProviderServerError),
        ("error_model_timeout.json", ProviderTimeoutError),
    ],
)
async def test_http_errors_map_to_typed_errors(
    server: BedrockServer, provider: BedrockProvider, name: str, error_type: type[Exception]
) -> None:
    server.reply(failure(name))
    with pytest.raises(error_type) as caught:
        await provider.complete(ask(Message.user("hi")))
    error = caught.value
    assert type(error) is error_type
    assert error.provider == "bedrock"  # type: ignore[attr-defined]
    assert payload(name)["body"]["message"] in str(error)
    assert SECRET_KEY not in str(error) and ACCESS_KEY not in str(error)
    hint = error.hint or ""  # type: ignore[attr-defined]
    if name == "error_unrecognized_client.json":
        assert "AWS_ACCESS_KEY_ID" in hint and "AWS_PROFILE" in hint
    if name == "error_access_denied.json":
        assert "model access" in hint
    if name == "error_not_found.json":
        assert "model" in hint


async def test_context_window_errors_carry_counts_when_given(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(failure("error_context.json"), failure("error_context_counts.json"))
    with pytest.raises(ContextWindowError) as plain:
        await provider.complete(ask(Message.user("long")))
    assert (plain.value.input_tokens, plain.value.context_window) == (None, None)
    with pytest.raises(ContextWindowError) as counted:
        await provider.complete(ask(Message.user("long")))
    assert (counted.value.input_tokens, counted.value.context_window) == (215344, 200000)


async def test_missing_credentials_name_the_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    provider = BedrockProvider(NOVA, region="us-east-1", base_url="http://127.0.0.1:9")
    started = time.monotonic()
    with pytest.raises(MissingAPIKeyError) as caught:
        await provider.complete(ask(Message.user("hi")))
    assert time.monotonic() - started < 20
    assert "AWS credentials" in str(caught.value)
    for variable in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_PROFILE"):
        assert variable in (caught.value.hint or "")
    await provider.aclose()


async def test_missing_region_and_unknown_profile_are_user_errors() -> None:
    provider = BedrockProvider(NOVA, base_url="http://127.0.0.1:9")
    with pytest.raises(UserError, match="region") as caught:
        await provider.complete(ask(Message.user("hi")))
    assert "AWS_REGION" in (caught.value.hint or "")
    await provider.aclose()
    settings = BedrockSettings(region="us-east-1", profile="nobody")
    with pytest.raises(UserError, match="nobody"):
        await BedrockProvider(NOVA, settings=settings).complete(ask(Message.user("hi")))


async def test_connection_failure_and_read_timeout_are_typed(server: BedrockServer) -> None:
    refused = BedrockProvider(NOVA, region="us-east-1", base_url="http://127.0.0.1:9")
    with pytest.raises(ProviderConnectionError):
        await refused.complete(ask(Message.user("hi")))
    await refused.aclose()

    server.reply(Reply(200, payload("converse_text.json"), delay=5))
    slow = BedrockProvider(NOVA, region="us-east-1", base_url=server.url, timeout=1)
    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError, match="within 1s"):
        await slow.complete(ask(Message.user("hi")))
    assert time.monotonic() - started < 20
    await slow.aclose()


async def test_calls_do_not_block_the_event_loop(server: BedrockServer) -> None:
    server.reply(Reply(200, payload("converse_text.json"), delay=1.0))
    provider = BedrockProvider(NOVA, region="us-east-1", base_url=server.url)
    await provider._get_client()  # built (and boto3 imported) before we count
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.05)
            ticks += 1

    counting = asyncio.create_task(ticker())
    reply = await provider.complete(ask(Message.user("hi")))
    counting.cancel()
    await provider.aclose()
    assert reply.text == "Paris is the capital of France."
    assert ticks >= 5  # a blocked loop would not have ticked at all during the 1 s reply


async def test_concurrent_calls_share_one_client(server: BedrockServer) -> None:
    server.reply(*(ok("converse_text.json") for _ in range(4)))
    provider = BedrockProvider(NOVA, region="us-east-1", base_url=server.url)
    replies = await asyncio.gather(*(provider.complete(ask(Message.user("hi"))) for _ in range(4)))
    assert provider._client is not None and all(r.text for r in replies)
    assert len(server.requests) == 4
    await provider.aclose()


# --- configuration -------------------------------------------------------------------------


def test_model_strings_reach_the_bedrock_provider() -> None:
    spec = parse_model_string("bedrock.amazon.nova-pro-v1:0")
    assert (spec.provider, spec.model) == ("bedrock", NOVA)
    spec = parse_model_string("bedrock.anthropic.claude-sonnet-4-5.high?inference_profile=global")
    assert (spec.model, spec.options["reasoning"]) == (SONNET, "high")
    assert spec.options["inference_profile"] == "global"
    with pytest.raises(UserError, match="unknown option"):
        BedrockProvider(NOVA, cache="true")


def test_building_a_provider_does_not_import_boto3() -> None:
    code = (
        "import sys\n"
        "from fastagent.providers.bedrock import BedrockProvider\n"
        "BedrockProvider('amazon.nova-pro-v1:0', region='us-east-1')\n"
        "print(any(m.partition('.')[0] in ('boto3', 'botocore') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


async def test_the_model_factory_builds_bedrock_from_settings(server: BedrockServer) -> None:
    from fastagent.config import Settings
    from fastagent.providers.factory import ModelFactory

    server.reply(ok("converse_text.json"))
    settings = Settings.model_validate(
        {"bedrock": {"region": "eu-central-1", "base_url": server.url, "max_retries": 0}}
    )
    factory = ModelFactory(settings)
    provider = factory.create("bedrock.anthropic.claude-haiku-4-5")
    reply = await provider.complete(ask(Message.user("hi")))
    await factory.aclose()
    assert reply.text == "Paris is the capital of France."
    assert server.requests[0].path.split("/")[2] == (
        "eu.anthropic.claude-haiku-4-5-20251001-v1%3A0"
    )
    assert factory.model_info(factory.resolve("bedrock.anthropic.claude-haiku-4-5")).known


async def test_streamed_reasoning_is_kept_for_the_next_turn(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    events = [
        {"messageStart": {"role": "assistant"}},
        {
            "contentBlockDelta": {
                "contentBlockIndex": 0,
                "delta": {"reasoningContent": {"text": "Need the "}},
            }
        },
        {
            "contentBlockDelta": {
                "contentBlockIndex": 0,
                "delta": {"reasoningContent": {"text": "tool."}},
            }
        },
        {
            "contentBlockDelta": {
                "contentBlockIndex": 0,
                "delta": {"reasoningContent": {"signature": "c2lnMQ=="}},
            }
        },
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {
            "contentBlockStart": {
                "contentBlockIndex": 1,
                "start": {"toolUse": {"toolUseId": "tooluse_T", "name": "get_weather"}},
            }
        },
        {
            "contentBlockDelta": {
                "contentBlockIndex": 1,
                "delta": {"toolUse": {"input": '{"location": "Oslo"}'}},
            }
        },
        {"contentBlockStop": {"contentBlockIndex": 1}},
        {"messageStop": {"stopReason": "tool_use"}},
    ]
    server.reply(Reply(200, raw=event_stream(events)), ok("converse_text.json"))
    params = RequestParams(reasoning="minimal")
    streamed_events = [
        e async for e in provider.stream(ask(Message.user("Oslo?"), tools=[WEATHER], params=params))
    ]
    message = streamed_events[-1].message  # type: ignore[union-attr]
    expected = {
        "reasoningContent": {"reasoningText": {"text": "Need the tool.", "signature": "c2lnMQ=="}}
    }
    assert message.provider_data == {"bedrock": {"reasoning": [expected]}}
    assert message.text == ""
    results = Message(role="user", tool_results=[ToolResult.error("tooluse_T", "offline")])
    await provider.complete(
        ask(Message.user("Oslo?"), message, results, tools=[WEATHER], params=params)
    )
    assert server.requests[1].body["messages"][1]["content"][0] == expected


# --- broken replies (the same cases as test_hostile_matrix.py for the httpx providers) -------


def tool_stream(arguments: str, stop: str | None) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"messageStart": {"role": "assistant"}},
        {
            "contentBlockStart": {
                "contentBlockIndex": 0,
                "start": {"toolUse": {"toolUseId": "t", "name": "get_weather"}},
            }
        },
        {
            "contentBlockDelta": {
                "contentBlockIndex": 0,
                "delta": {"toolUse": {"input": arguments}},
            }
        },
        {"contentBlockStop": {"contentBlockIndex": 0}},
    ]
    return [*events, {"messageStop": {"stopReason": stop}}] if stop else events


def text_stream(text: str, *, final: bool) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = [
        {"messageStart": {"role": "assistant"}},
        {"contentBlockDelta": {"contentBlockIndex": 0, "delta": {"text": text}}},
    ]
    if not final:
        return events
    return [
        *events,
        {"contentBlockStop": {"contentBlockIndex": 0}},
        {"messageStop": {"stopReason": "end_turn"}},
    ]


@pytest.mark.parametrize("arguments", ['{"location": ', '["SF"]'])
async def test_invalid_streamed_tool_arguments_are_an_error_result_for_the_model(
    server: BedrockServer, provider: BedrockProvider, arguments: str
) -> None:
    server.reply(
        Reply(200, raw=event_stream(tool_stream(arguments, "tool_use"))),
        Reply(200, raw=event_stream(text_stream("I could not call it.", final=True))),
    )
    llm = AugmentedLLM(provider, tools=weather_tools())
    async for _ in llm.stream("Weather?"):
        pass
    history = llm.memory.history()
    (result,) = history[2].tool_results
    assert result.is_error
    assert "not a JSON object" in result.text and arguments in result.text
    assert history[-1].text == "I could not call it."
    sent = server.requests[1].body["messages"][2]["content"][0]["toolResult"]
    assert sent["status"] == "error"


async def test_tool_call_cut_by_max_tokens_is_a_typed_error(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    from fastagent.exceptions import ModelOutputError

    server.reply(Reply(200, raw=event_stream(tool_stream('{"location": "S', "max_tokens"))))
    llm = AugmentedLLM(provider, tools=weather_tools())
    with pytest.raises(ModelOutputError, match="max_tokens") as caught:
        async for _ in llm.stream("Weather?"):
            pass
    assert caught.value.hint and "max_tokens" in caught.value.hint
    assert llm.memory.history() == []
    assert len(server.requests) == 1


@pytest.mark.parametrize("cut", ["no messageStop", "mid-frame", "no event"])
async def test_stream_that_ends_early_is_a_typed_error(
    server: BedrockServer, provider: BedrockProvider, cut: str
) -> None:
    from fastagent.exceptions import ProviderError, ProviderResponseError

    whole = event_stream(text_stream("Half a sen", final=False))
    raw = {
        "no messageStop": whole,
        "mid-frame": whole + event_stream(text_stream("tence.", final=True))[:30],
        "no event": b"",
    }[cut]
    server.reply(Reply(200, raw=raw))
    llm = AugmentedLLM(provider)
    started = time.monotonic()
    with pytest.raises(ProviderError) as caught:
        async for _ in llm.stream("Hi"):
            pass
    assert time.monotonic() - started < 20
    assert isinstance(caught.value, ProviderResponseError), repr(caught.value)
    assert "stream ended before the reply was complete" in caught.value.message
    assert llm.memory.history() == []


async def test_stream_that_stalls_is_a_timeout(server: BedrockServer) -> None:
    server.reply(Reply(200, raw=event_stream(text_stream("Half", final=False)), hang=True))
    slow = BedrockProvider(NOVA, region="us-east-1", base_url=server.url, timeout=1)
    llm = AugmentedLLM(slow)
    started = time.monotonic()
    with pytest.raises(ProviderTimeoutError, match="within 1s"):
        async for _ in llm.stream("Hi"):
            pass
    assert time.monotonic() - started < 20
    assert llm.memory.history() == []
    await slow.aclose()


@pytest.mark.parametrize(
    "reply",
    [
        Reply(200, raw=b"<html>502 Bad Gateway</html>", content_type="text/html"),
        Reply(200, raw=b"", content_type="application/json"),
        Reply(200, {"metrics": {"latencyMs": 5}}),
        Reply(200, raw=b'{"output": {"message": {"role": "assis', content_type="application/json"),
    ],
    ids=["html", "empty", "missing fields", "cut json"],
)
async def test_body_that_is_no_completion_is_a_typed_error(
    server: BedrockServer, provider: BedrockProvider, reply: Reply
) -> None:
    from fastagent.exceptions import ProviderError, ProviderResponseError

    server.reply(reply)
    llm = AugmentedLLM(provider)
    with pytest.raises(ProviderError) as caught:
        await llm.generate("Hi")
    assert isinstance(caught.value, ProviderResponseError), repr(caught.value)
    assert llm.memory.history() == []


@pytest.mark.parametrize("streaming", [False, True])
async def test_reply_with_a_field_of_the_wrong_shape_is_a_typed_error(
    server: BedrockServer, provider: BedrockProvider, streaming: bool
) -> None:
    from fastagent.exceptions import ProviderError, ProviderResponseError

    event = {"contentBlockStart": {"contentBlockIndex": 0, "start": {"toolUse": {}}}}
    whole = {
        "output": {"message": {"role": "assistant", "content": [{"toolUse": {"input": {}}}]}},
        "stopReason": "tool_use",
    }
    server.reply(Reply(200, raw=event_stream([event])) if streaming else Reply(200, whole))
    llm = AugmentedLLM(provider, tools=weather_tools())
    with pytest.raises(ProviderError) as caught:
        if streaming:
            async for _ in llm.stream("Hi"):
                pass
        else:
            await llm.generate("Hi")
    assert isinstance(caught.value, ProviderResponseError), repr(caught.value)
    assert "wrong shape" in caught.value.message
    assert llm.memory.history() == []


async def test_bad_credentials_never_show_the_secret_key(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(
        Reply(
            403,
            {"message": f"The security token included in the request is invalid: {SECRET_KEY}"},
            headers={"x-amzn-ErrorType": "UnrecognizedClientException:"},
        )
    )
    with pytest.raises(AuthenticationError) as caught:
        await provider.complete(ask(Message.user("hi")))
    error = caught.value
    shown = [str(error), error.message, error.hint or "", error.body or ""]
    assert not any(SECRET_KEY in text or SECRET_KEY[10:30] in text for text in shown)


async def test_an_error_in_the_middle_of_a_tool_loop_leaves_history_unchanged(
    server: BedrockServer, provider: BedrockProvider
) -> None:
    server.reply(
        ok("converse_text.json"),
        ok("converse_tool_use_parallel.json"),
        failure("error_throttling.json"),
    )
    llm = AugmentedLLM(provider, tools=weather_tools())
    await llm.generate("First question")
    before = [m.to_dict() for m in llm.memory.messages()]
    with pytest.raises(RateLimitError):
        await llm.generate("Weather in SF and NYC?")
    assert [m.to_dict() for m in llm.memory.messages()] == before
