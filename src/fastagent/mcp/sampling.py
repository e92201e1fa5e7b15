"""Answering a server's ``sampling/createMessage`` with one of our models.

A server may ask the client to call a model for it. The answer comes from a `Sampler`:
anything with an async ``create(messages, *, system, max_tokens, model_hint)`` returning the
assistant `Message`. `ProviderSampler` is the default: it builds a provider from a model
string (the server's ``sampling.model`` setting, else the agent's model) and calls
``complete()`` once.

Policy lives in `sampling_callback`: ``sampling.enabled: false`` refuses with an MCP error
("sampling disabled for server X"), as does a server with no sampler. The server's
``modelPreferences`` are advisory (the spec says the client MAY ignore them); a server never
chooses which of our models it gets billed to, the configuration does.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Final, Protocol, runtime_checkable

from fastagent.events import EventBus, ModelRequest, ModelResponse
from fastagent.exceptions import FastAgentError, UserError
from fastagent.messages import (
    AudioContent,
    ContentBlock,
    ImageContent,
    Message,
    StopReason,
    TextContent,
    ToolCall,
    ToolResult,
    text_of,
)

if TYPE_CHECKING:
    import mcp_types
    from mcp.client.session import ClientRequestContext, SamplingFnT

    from fastagent.config.mcp_settings import SamplingSettings
    from fastagent.providers.base import Provider

__all__ = [
    "ProviderSampler",
    "Sampler",
    "messages_from_sampling",
    "sampling_callback",
    "sampling_result",
]

_log = logging.getLogger("fastagent.mcp.sampling")

_STOP_REASONS: Final[dict[StopReason, str]] = {
    StopReason.END_TURN: "endTurn",
    StopReason.MAX_TOKENS: "maxTokens",
    StopReason.STOP_SEQUENCE: "stopSequence",
    StopReason.TOOL_USE: "toolUse",
}


@runtime_checkable
class Sampler(Protocol):
    """Answers a server's sampling request with an assistant message."""

    async def create(
        self,
        messages: list[Message],
        *,
        system: str | None,
        max_tokens: int,
        model_hint: str | None,
    ) -> Message:
        """Call a model on `messages` and return its reply.

        Args:
            messages: The conversation the server sent, oldest first.
            system: The server's system prompt, if any.
            max_tokens: The most output tokens the server asked for.
            model_hint: The model configured for this server (``sampling.model``), or None
                for the sampler's default.
        """
        ...


class ProviderSampler:
    """A `Sampler` that calls a fastagent provider built from a model string.

    Providers are built on first use and kept, one per model string.

    Args:
        default_model: The model used when the server has no ``sampling.model`` (usually the
            agent's model); None means such servers cannot sample.
        provider_factory: Builds a provider from a model string (default
            `fastagent.providers.model_strings.create_provider`).
    """

    def __init__(
        self,
        default_model: str | None,
        *,
        provider_factory: Callable[[str], Provider] | None = None,
    ) -> None:
        self.default_model = default_model
        self._factory = provider_factory
        self._providers: dict[str, Provider] = {}

    def provider_for(self, model: str) -> Provider:
        """The provider for `model`, built on first use.

        Raises:
            UnknownModelError: The model string names no known provider.
        """
        provider = self._providers.get(model)
        if provider is None:
            factory = self._factory
            if factory is None:
                from fastagent.providers.model_strings import create_provider

                factory = create_provider
            provider = factory(model)
            self._providers[model] = provider
        return provider

    async def create(
        self,
        messages: list[Message],
        *,
        system: str | None,
        max_tokens: int,
        model_hint: str | None,
    ) -> Message:
        """Call the model `model_hint` (else the default model) once on `messages`.

        Raises:
            UserError: Neither a configured nor a default model is known.
        """
        from fastagent.model_params import ModelParams
        from fastagent.providers.base import CompletionRequest

        model = model_hint or self.default_model
        if model is None:
            raise UserError(
                "no model to answer sampling requests",
                hint="set mcp.servers.<name>.sampling.model, or give the agent a model",
            )
        provider = self.provider_for(model)
        request = CompletionRequest(
            messages=list(messages),
            system=system,
            params=ModelParams(max_tokens=max_tokens),
        )
        reply = await provider.complete(request)
        if reply.model is None:
            reply.model = provider.model
        return reply


def _block_from_sampling(block: Any) -> ContentBlock | ToolCall | ToolResult:
    """One MCP sampling content block as a fastagent block, tool call or tool result."""
    import mcp_types

    from fastagent.mcp.convert import content_from_mcp

    if isinstance(block, mcp_types.ToolUseContent):
        return ToolCall(id=block.id, name=block.name, arguments=dict(block.input))
    if isinstance(block, mcp_types.ToolResultContent):
        structured = block.structured_content
        return ToolResult(
            call_id=block.tool_use_id,
            content=[content_from_mcp(inner) for inner in block.content],
            is_error=bool(block.is_error),
            structured_content=structured if isinstance(structured, dict) else None,
        )
    return content_from_mcp(block)


def messages_from_sampling(messages: Sequence[mcp_types.SamplingMessage]) -> list[Message]:
    """Convert the messages of a sampling request to fastagent messages.

    Tool-use blocks become `ToolCall` values of their (assistant) message and tool-result
    blocks become `ToolResult` values of their (user) message.

    Raises:
        ValueError: A block has a content type fastagent does not know.
    """
    converted: list[Message] = []
    for sampling_message in messages:
        content: list[ContentBlock] = []
        calls: list[ToolCall] = []
        results: list[ToolResult] = []
        for block in sampling_message.content_as_list:
            item = _block_from_sampling(block)
            if isinstance(item, ToolCall):
                calls.append(item)
            elif isinstance(item, ToolResult):
                results.append(item)
            else:
                content.append(item)
        converted.append(
            Message(
                role=sampling_message.role,
                content=content,
                tool_calls=calls,
                tool_results=results,
            )
        )
    return converted


def sampling_result(reply: Message, *, model: str) -> mcp_types.CreateMessageResult:
    """The MCP result for an assistant reply: one text, image or audio block.

    Several text blocks are joined into one, since the basic result carries a single block;
    a reply with only an image or audio block keeps that block.

    Args:
        reply: The model's reply.
        model: The model name to report when the reply does not name one.
    """
    import mcp_types

    from fastagent.mcp.convert import content_to_mcp

    content: mcp_types.TextContent | mcp_types.ImageContent | mcp_types.AudioContent
    media = [b for b in reply.content if isinstance(b, ImageContent | AudioContent)]
    if not any(isinstance(b, TextContent) for b in reply.content) and media:
        converted = content_to_mcp(media[0])
        assert isinstance(converted, mcp_types.ImageContent | mcp_types.AudioContent)
        content = converted
    else:
        content = mcp_types.TextContent(text=text_of(reply.content))
    stop = _STOP_REASONS.get(reply.stop_reason) if reply.stop_reason is not None else None
    return mcp_types.CreateMessageResult(
        role="assistant",
        content=content,
        model=reply.model or model,
        stop_reason=stop or "endTurn",
    )


def sampling_callback(
    server_name: str,
    settings: SamplingSettings,
    sampler: Sampler | None,
    *,
    events: EventBus | None = None,
) -> SamplingFnT:
    """The SDK sampling callback for one server, applying its ``sampling`` settings.

    Refusals and failures are answered with an MCP error (the server sees why); a model
    call is published as `ModelRequest`/`ModelResponse` events under the agent name
    ``sampling:<server>``, so its usage is counted.

    Args:
        server_name: The server's configured name.
        settings: Its ``sampling`` settings.
        sampler: What answers; None refuses every request.
        events: Where model calls are published, if anywhere.
    """
    agent = f"sampling:{server_name}"

    async def on_sampling(
        context: ClientRequestContext,
        params: mcp_types.CreateMessageRequestParams,
    ) -> mcp_types.CreateMessageResult | mcp_types.ErrorData:
        import mcp_types

        def refuse(message: str) -> mcp_types.ErrorData:
            _log.warning("%s; told the server", message)
            return mcp_types.ErrorData(code=mcp_types.INVALID_REQUEST, message=message)

        if not settings.enabled:
            return refuse(f"sampling disabled for server {server_name}")
        if sampler is None:
            return refuse(f"no model answers sampling requests for server {server_name}")
        try:
            messages = messages_from_sampling(params.messages)
        except ValueError as exc:
            return refuse(f"cannot read sampling request from server {server_name}: {exc}")
        label = settings.model or getattr(sampler, "default_model", None) or "sampler"
        if events is not None:
            events.publish(ModelRequest(agent=agent, model=str(label)))
        started = time.perf_counter()
        try:
            reply = await sampler.create(
                messages,
                system=params.system_prompt,
                max_tokens=params.max_tokens,
                model_hint=settings.model,
            )
        except FastAgentError as exc:
            return refuse(f"sampling failed for server {server_name}: {exc.message}")
        if events is not None:
            usage = reply.usage
            events.publish(
                ModelResponse(
                    agent=agent,
                    model=reply.model or str(label),
                    stop_reason=reply.stop_reason.value if reply.stop_reason else None,
                    input_tokens=usage.input_tokens if usage else 0,
                    output_tokens=usage.output_tokens if usage else 0,
                    duration=time.perf_counter() - started,
                )
            )
        return sampling_result(reply, model=str(label))

    return on_sampling
