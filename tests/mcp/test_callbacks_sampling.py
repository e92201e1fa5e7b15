"""Sampling conversions, ProviderSampler and the sampling policy, without a server."""

from __future__ import annotations

import mcp_types
import pytest

from fastagent.config.mcp_settings import SamplingSettings
from fastagent.events import EventBus, ModelResponse
from fastagent.exceptions import UserError
from fastagent.mcp.sampling import (
    ProviderSampler,
    Sampler,
    messages_from_sampling,
    sampling_callback,
    sampling_result,
)
from fastagent.messages import ImageContent, Message, StopReason, TextContent
from fastagent.model_params import ModelParams
from fastagent.providers.base import CompletionRequest
from fastagent.providers.passthrough import PassthroughProvider


def params(
    *messages: mcp_types.SamplingMessage, **extra: object
) -> mcp_types.CreateMessageRequestParams:
    return mcp_types.CreateMessageRequestParams(messages=list(messages), max_tokens=50, **extra)  # type: ignore[arg-type]


def user(text: str) -> mcp_types.SamplingMessage:
    return mcp_types.SamplingMessage(role="user", content=mcp_types.TextContent(text=text))


def test_messages_keep_roles_content_tool_calls_and_results() -> None:
    converted = messages_from_sampling(
        [
            mcp_types.SamplingMessage(
                role="user",
                content=[
                    mcp_types.TextContent(text="look"),
                    mcp_types.ImageContent(data="aGk=", mime_type="image/png"),
                ],
            ),
            mcp_types.SamplingMessage(
                role="assistant",
                content=mcp_types.ToolUseContent(id="t1", name="lookup", input={"q": "x"}),
            ),
            mcp_types.SamplingMessage(
                role="user",
                content=mcp_types.ToolResultContent(
                    tool_use_id="t1", content=[mcp_types.TextContent(text="found")], is_error=True
                ),
            ),
        ]
    )
    first, second, third = converted
    assert first.role == "user"
    assert first.content == [
        TextContent(text="look"),
        ImageContent(data="aGk=", mime_type="image/png"),
    ]
    assert second.role == "assistant" and second.tool_calls[0].name == "lookup"
    assert second.tool_calls[0].arguments == {"q": "x"}
    [result] = third.tool_results
    assert (result.call_id, result.text, result.is_error) == ("t1", "found", True)


def test_result_joins_text_and_maps_stop_reason() -> None:
    reply = Message.assistant("one", "two", stop_reason=StopReason.MAX_TOKENS)
    result = sampling_result(reply, model="fallback")
    assert result.content == mcp_types.TextContent(text="one\ntwo")
    assert (result.model, result.stop_reason, result.role) == ("fallback", "maxTokens", "assistant")


def test_result_keeps_a_lone_image_and_the_replys_model() -> None:
    reply = Message.assistant(ImageContent(data="aGk=", mime_type="image/png"))
    reply.model = "painter"
    result = sampling_result(reply, model="fallback")
    assert isinstance(result.content, mcp_types.ImageContent)
    assert result.content.data == "aGk="
    assert result.model == "painter"


async def test_provider_sampler_prefers_the_server_model_and_caches_providers() -> None:
    built: list[str] = []

    def factory(model: str) -> PassthroughProvider:
        built.append(model)
        return PassthroughProvider(model)

    sampler = ProviderSampler("agent-model", provider_factory=factory)
    assert isinstance(sampler, Sampler)
    first = await sampler.create([Message.user("hi")], system=None, max_tokens=5, model_hint=None)
    second = await sampler.create([Message.user("yo")], system="s", max_tokens=5, model_hint=None)
    third = await sampler.create(
        [Message.user("x")], system=None, max_tokens=5, model_hint="srv-model"
    )
    assert (first.text, second.text, third.text) == ("hi", "yo", "x")
    assert (first.model, third.model) == ("agent-model", "srv-model")
    assert built == ["agent-model", "srv-model"]


async def test_provider_sampler_passes_system_and_max_tokens() -> None:
    seen: list[CompletionRequest] = []

    class Recording(PassthroughProvider):
        async def complete(self, request: CompletionRequest) -> Message:
            seen.append(request)
            return await super().complete(request)

    sampler = ProviderSampler("m", provider_factory=Recording)
    await sampler.create([Message.user("hi")], system="be brief", max_tokens=7, model_hint=None)
    assert seen[0].system == "be brief"
    assert seen[0].params == ModelParams(max_tokens=7)


async def test_provider_sampler_without_any_model_is_a_user_error() -> None:
    with pytest.raises(UserError, match="no model to answer sampling requests"):
        await ProviderSampler(None).create([], system=None, max_tokens=1, model_hint=None)


async def test_callback_refuses_without_sampler_or_when_disabled() -> None:
    no_sampler = sampling_callback("srv", SamplingSettings(), None)
    refused = await no_sampler(None, params(user("hi")))  # type: ignore[arg-type]
    assert isinstance(refused, mcp_types.ErrorData)
    assert refused.message == "no model answers sampling requests for server srv"

    disabled = sampling_callback(
        "srv", SamplingSettings(enabled=False), ProviderSampler("passthrough")
    )
    refused = await disabled(None, params(user("hi")))  # type: ignore[arg-type]
    assert isinstance(refused, mcp_types.ErrorData)
    assert refused.message == "sampling disabled for server srv"
    assert refused.code == mcp_types.INVALID_REQUEST


async def test_callback_answers_and_publishes_usage() -> None:
    bus = EventBus()
    responses: list[ModelResponse] = []
    bus.subscribe(responses.append, ModelResponse)
    callback = sampling_callback(
        "srv", SamplingSettings(model="passthrough"), ProviderSampler(None), events=bus
    )
    result = await callback(None, params(user("echo me"), system_prompt="sys"))  # type: ignore[arg-type]
    assert isinstance(result, mcp_types.CreateMessageResult)
    assert result.content == mcp_types.TextContent(text="echo me")
    [response] = responses
    assert response.agent == "sampling:srv" and response.model == "passthrough"
    assert response.input_tokens > 0 and response.stop_reason == "end_turn"
