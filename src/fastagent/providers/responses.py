"""The OpenAI Responses API provider: ``responses.gpt-5``, ``responses.o3.high``.

``ResponsesProvider("o3")`` turns a `CompletionRequest` into one ``POST /responses``
(complete or streamed) through the official `openai` SDK's ``client.responses``, and reads
the reply into an assistant `Message`. It shares the ``openai:`` settings (api_key,
base_url, ...) and the key variable ``OPENAI_API_KEY`` with the Chat Completions provider.

Calls are stateless: ``store: false``, the whole conversation is sent every time, and no
``previous_response_id`` is needed. Reasoning models (o1, o3, o4-mini, gpt-5) are asked for
``reasoning.encrypted_content``; their reasoning items travel in ``Message.provider_data``
and are sent back on the next call, so the model keeps its chain of thought across the tool
loop, and across a save and load of the history. The system prompt goes in
``instructions``; the output limit is ``max_output_tokens``; structured output is
``text.format`` ``json_schema``. Stop sequences are not part of the Responses API and are
dropped (with a debug log).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any, Final

from fastagent._redact import redact
from fastagent.exceptions import ProviderResponseError
from fastagent.providers._responses_convert import (
    parse_response,
    to_input_items,
    to_responses_text_format,
    to_responses_tool_choice,
    to_responses_tools,
)
from fastagent.providers._responses_stream import ResponsesStreamAssembler
from fastagent.providers.openai import (
    OpenAIProvider,
    _set_if_accepted,
    is_reasoning_model,
)
from fastagent.streaming import StreamDone, StreamEvent

if TYPE_CHECKING:
    from fastagent.messages import Message
    from fastagent.providers.base import CompletionRequest

__all__ = ["ResponsesProvider"]

_log = logging.getLogger("fastagent.providers.responses")

_ENCRYPTED_REASONING: Final = "reasoning.encrypted_content"
_MALFORMED: Final = (ValueError, TypeError, AttributeError, KeyError)
"""What reading a reply of the wrong shape raises (a field of the wrong type, not JSON)."""


class ResponsesProvider(OpenAIProvider):
    """Models of the OpenAI Responses API.

    Takes the same arguments and model-string options as `OpenAIProvider` (``temperature``,
    ``max_tokens``, ``reasoning``, ``tool_choice``, ``parallel_tool_calls``), reads the
    ``openai`` settings and ``OPENAI_API_KEY``.
    """

    name = "responses"

    def request_body(self, request: CompletionRequest, *, stream: bool) -> dict[str, Any]:
        """The JSON body of the ``/responses`` request for `request`."""
        params = self.defaults.merged(request.params)
        model = params.model or self.model
        reasoning_model = is_reasoning_model(model)
        body: dict[str, Any] = {
            "model": model,
            "input": to_input_items(request.messages, reasoning=reasoning_model),
            "store": False,
        }
        if request.system:
            body["instructions"] = request.system
        if reasoning_model:
            body["include"] = [_ENCRYPTED_REASONING]
        if request.tools:
            body["tools"] = to_responses_tools(request.tools)
            choice = to_responses_tool_choice(params.tool_choice)
            if choice is not None:
                body["tool_choice"] = choice
            if "parallel_tool_calls" in params.explicit:
                body["parallel_tool_calls"] = params.parallel_tool_calls
        if params.max_tokens is not None:
            body["max_output_tokens"] = params.max_tokens
        _set_if_accepted(body, "temperature", params.temperature, not reasoning_model, model)
        if params.reasoning is not None:
            if reasoning_model:
                body["reasoning"] = {"effort": params.reasoning}
            else:
                _log.debug(
                    "dropping reasoning=%r: model %s does not take it", params.reasoning, model
                )
        if params.stop_sequences:
            _log.debug("dropping stop sequences: the Responses API has none")
        if params.response_format is not None:
            body["text"] = to_responses_text_format(params.response_format)
        if stream:
            body["stream"] = True
        return body

    async def complete(self, request: CompletionRequest) -> Message:
        """Make one model call and return the assistant message (usage and stop_reason set)."""
        body = self.request_body(request, stream=False)
        create = self._sdk_client().responses.create
        with self._translated(body["model"]):
            response = await create(**body, timeout=self._timeout_for(request))
        try:
            data = _reply_object(response)
            if not isinstance(data.get("output"), list):
                raise ValueError("it has no 'output' list")
            return parse_response(data, model=body["model"])
        except _MALFORMED as exc:
            raise self._malformed(body["model"], exc) from exc

    async def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Make one streamed model call, yielding text and function call deltas as they arrive."""
        body = self.request_body(request, stream=True)
        create = self._sdk_client().responses.create
        assembler = ResponsesStreamAssembler(body["model"], provider=self.name)
        with self._translated(body["model"]):
            events = await create(**body, timeout=self._timeout_for(request))
            async with events:
                async for event in events:
                    try:
                        produced = assembler.feed(_reply_object(event))
                    except _MALFORMED as exc:
                        raise self._malformed(body["model"], exc) from exc
                    for out in produced:
                        yield out
        closing, message = assembler.finish()
        for out in closing:
            yield out
        yield StreamDone(message)

    def _translate(self, exc: Exception, model: str) -> Exception:
        """As `OpenAIProvider._translate`; a reply that is not JSON is a malformed reply."""
        if isinstance(exc, json.JSONDecodeError):
            return self._malformed(model, exc)
        return super()._translate(exc, model)

    def _malformed(self, model: str, exc: Exception) -> ProviderResponseError:
        return ProviderResponseError(
            f"{self.name} model {model} sent a malformed reply: {redact(str(exc))[:200]}",
            provider=self.name,
            hint=f"check {self.endpoint_setting} points at the OpenAI Responses API; "
            "retrying may help",
        )


def _reply_object(obj: Any) -> dict[str, Any]:
    """An SDK object (or dict) as its JSON object; anything else is a malformed reply."""
    data = obj if isinstance(obj, dict) else None
    if data is None and hasattr(obj, "model_dump"):
        dumped: dict[str, Any] = obj.model_dump(mode="json", warnings=False)
        data = dumped
    if not isinstance(data, dict):
        raise ValueError(f"it is not a JSON object but {type(obj).__name__}")
    return data
