"""The generic provider: any OpenAI-compatible server (Ollama, llama.cpp, vLLM, LM Studio, …).

``GenericProvider("llama3.2", base_url="http://localhost:11434/v1")`` speaks Chat Completions
like `OpenAIProvider`, with the differences such servers need:

- no API key is required: without one a placeholder (``not-needed``) is sent;
- assistant messages with only tool calls carry ``content: ""`` (llama.cpp rejects null);
- the output limit is sent as ``max_tokens``; the system prompt always as ``system``;
  ``temperature`` and ``reasoning_effort`` are passed through as given;
- replies without ``usage``, with ``content: null``, tool call arguments as an object, tool
  calls without ids or a ``finish_reason`` that is missing or ``eos`` are all accepted.

Options (model-string query parameters or keyword arguments), besides OpenAI's:

- ``force_tool_choice`` (default false): for servers that return tool calls only when
  ``tool_choice`` demands one. When the request has tools and the tool choice is unset or
  ``auto``, the first model call of a turn sends ``tool_choice`` naming the tool (when there
  is exactly one) or ``required`` (several); once tool results are in the conversation the
  choice is left unset, so the model can answer.
- ``stream_tools`` (default true): false for servers that cannot stream tool calls; a
  streamed request with tools is then made without streaming, and its events synthesized.
- ``json_schema`` (default false): true when the server supports ``response_format``
  ``json_schema``; structured output then uses it (``native_structured_output``), otherwise
  the tool loop asks for JSON in the system prompt and validates the reply.
- ``json_object_schema`` (default false): for servers that take the schema in the older
  ``{"type": "json_object", "schema": ...}`` form instead (llama-cpp-python's server answers
  500 to ``json_schema``); structured output then uses that form, natively.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Final

from fastagent.provider_defaults import PROVIDER_DEFAULTS
from fastagent.providers._openai_convert import to_tool_choice
from fastagent.providers.openai import ModelRules, OpenAIProvider
from fastagent.streaming import StreamEvent, events_for_message

if TYPE_CHECKING:
    import httpx

    from fastagent.config.settings import ProviderSettings
    from fastagent.model_params import ModelParams
    from fastagent.providers.base import CompletionRequest

__all__ = ["NO_API_KEY", "GenericProvider"]

NO_API_KEY: Final = "not-needed"
"""The placeholder key sent to servers when no key is configured."""

_DEFAULT_BASE_URL: Final = PROVIDER_DEFAULTS["generic"].base_url
_GENERIC_RULES: Final = ModelRules("system", True, True, "max_tokens")


class GenericProvider(OpenAIProvider):
    """A model behind any OpenAI-compatible Chat Completions endpoint.

    Args:
        model: The model name the server knows (e.g. ``llama3.2``).
        api_key: The key, if the server wants one; else ``settings.api_key``, else
            ``GENERIC_API_KEY``, else the placeholder `NO_API_KEY`.
        base_url: The endpoint; else ``settings.base_url``, else a local Ollama
            (``http://localhost:11434/v1``).
        timeout: Seconds per model call; else ``settings.timeout``, else 60.
        settings: ``generic`` settings (or a ``providers.<name>`` preset).
        client: A ready ``openai.AsyncOpenAI`` client to use.
        http_client: The HTTP client the SDK client should use.
        default_headers: Extra headers for every request.
        name: The provider name shown in errors (a preset's name, e.g. ``ollama``).
        **options: OpenAI's options, plus ``force_tool_choice``, ``stream_tools``,
            ``json_schema`` and ``json_object_schema`` (see the module docs).
    """

    name = "generic"
    native_structured_output = False
    api_key_env_var: ClassVar[str] = PROVIDER_DEFAULTS["generic"].api_key_vars[0]
    placeholder_api_key: ClassVar[str | None] = NO_API_KEY
    tool_call_content: ClassVar[str | None] = ""
    option_types: ClassVar[Mapping[str, type]] = {
        **OpenAIProvider.option_types,
        "force_tool_choice": bool,
        "stream_tools": bool,
        "json_schema": bool,
        "json_object_schema": bool,
    }

    def __init__(
        self,
        model: str,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        settings: ProviderSettings | None = None,
        client: Any | None = None,
        http_client: httpx.AsyncClient | None = None,
        default_headers: Mapping[str, str] | None = None,
        name: str | None = None,
        **options: Any,
    ) -> None:
        if name:
            self.name = name
        super().__init__(
            model,
            api_key=api_key,
            base_url=base_url,
            timeout=timeout,
            settings=settings,
            client=client,
            http_client=http_client,
            default_headers=default_headers,
            **options,
        )
        self.base_url = self.base_url or _DEFAULT_BASE_URL
        self.force_tool_choice: bool = self.options.get("force_tool_choice", False)
        self.stream_tools: bool = self.options.get("stream_tools", True)
        self.json_object_schema: bool = self.options.get("json_object_schema", False)
        self.native_structured_output = (
            self.options.get("json_schema", False) or self.json_object_schema
        )

    def request_body(self, request: CompletionRequest, *, stream: bool) -> dict[str, Any]:
        """The Chat Completions body; the schema in ``json_object`` form when so configured."""
        body = super().request_body(request, stream=stream)
        response_format = body.get("response_format")
        if self.json_object_schema and response_format and "json_schema" in response_format:
            schema = response_format["json_schema"]["schema"]
            body["response_format"] = {"type": "json_object", "schema": schema}
        return body

    def _resolve_api_key(self, api_key: str | None, settings: ProviderSettings | None) -> str:
        if api_key:
            return api_key
        if settings is not None and settings.api_key is not None:
            return settings.api_key.get_secret_value()
        return os.environ.get(self.api_key_env_var) or NO_API_KEY  # not registered as secret

    def model_rules(self, model: str) -> ModelRules:
        """Generic servers: ``system`` role, ``max_tokens``, parameters passed as given."""
        return _GENERIC_RULES

    def _tool_choice(self, params: ModelParams, request: CompletionRequest) -> Any:
        choice = params.tool_choice
        if self.force_tool_choice and choice in (None, "auto") and _starts_turn(request):
            if len(request.tools) == 1:
                return to_tool_choice(request.tools[0].name)
            return "required"
        return to_tool_choice(choice)

    async def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Stream one model call; with tools and ``stream_tools=False``, complete and replay."""
        if request.tools and not self.stream_tools:
            message = await self.complete(request)
            async for event in events_for_message(message):
                yield event
            return
        async for event in super().stream(request):
            yield event


def _starts_turn(request: CompletionRequest) -> bool:
    """Whether no tool results came back yet in this turn (the last message has none)."""
    return not (request.messages and request.messages[-1].tool_results)
