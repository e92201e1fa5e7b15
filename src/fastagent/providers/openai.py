"""The OpenAI provider: Chat Completions through the official `openai` SDK.

``OpenAIProvider("gpt-4.1")`` turns a `CompletionRequest` into one ``POST /chat/completions``
(complete or streamed) and the reply into an assistant `Message`. Model rules: reasoning
models (o1, o3, o4-mini, gpt-5) get the system prompt as a ``developer`` message, take
``reasoning_effort`` and reject ``temperature`` (dropped, with a debug log). Output length is
sent as ``max_completion_tokens`` (``max_tokens`` is deprecated by the API). Structured output
uses ``response_format`` ``json_schema`` (strict when the schema allows). The SDK is imported
on the first call; every SDK error becomes a `fastagent.exceptions` error.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import AsyncIterator, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Final

from fastagent._redact import redact, register_secret
from fastagent.exceptions import (
    BadRequestError,
    FastAgentError,
    MissingAPIKeyError,
    MissingDependencyError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    UserError,
)
from fastagent.model_params import ModelParams
from fastagent.provider_defaults import PROVIDER_DEFAULTS, settings_section
from fastagent.providers._openai_convert import (
    parse_completion,
    to_openai_messages,
    to_openai_tools,
    to_response_format,
    to_tool_choice,
)
from fastagent.providers._openai_stream import StreamAssembler
from fastagent.providers._reply import (
    error_detail,
    is_malformed_body,
    not_a_completion,
    reading_reply,
    reply_dict,
)
from fastagent.providers.base import BaseProvider, CompletionRequest
from fastagent.providers.errors import (
    context_window_error,
    error_for_status,
    setting,
    stream_failure,
)
from fastagent.streaming import StreamDone, StreamEvent

if TYPE_CHECKING:
    import httpx

    from fastagent.config.settings import ProviderSettings
    from fastagent.messages import Message

__all__ = ["DEFAULT_TIMEOUT", "ModelRules", "OpenAIProvider", "is_reasoning_model"]

_log = logging.getLogger("fastagent.providers.openai")

DEFAULT_TIMEOUT: Final = 60.0
"""Seconds to wait for one model call when neither an argument nor settings say."""

_OPENAI_BASE_URL: Final = PROVIDER_DEFAULTS["openai"].base_url
_REASONING_PREFIXES: Final = ("o1", "o3", "o4", "gpt-5")
_PARAM_OPTIONS: Final = frozenset(
    {"temperature", "max_tokens", "reasoning", "tool_choice", "parallel_tool_calls"}
)
_TRUE: Final = frozenset({"1", "true", "yes", "on"})
_FALSE: Final = frozenset({"0", "false", "no", "off"})


def is_reasoning_model(model: str) -> bool:
    """Whether an OpenAI model is a reasoning model (o1, o3, o4-mini, gpt-5; not gpt-5-chat)."""
    name = model.rsplit("/", 1)[-1].lower()
    if name.startswith("gpt-5") and "chat" in name:
        return False
    return name.startswith(_REASONING_PREFIXES)


@dataclass(frozen=True, slots=True)
class ModelRules:
    """What one model accepts in a request.

    Attributes:
        system_role: The role of the system prompt message (``system`` or ``developer``).
        temperature: Whether ``temperature`` is accepted (else it is dropped).
        reasoning_effort: Whether ``reasoning_effort`` is accepted (else it is dropped).
        max_tokens_field: The request field for the output limit.
    """

    system_role: str
    temperature: bool
    reasoning_effort: bool
    max_tokens_field: str


class OpenAIProvider(BaseProvider):
    """Models of the OpenAI Chat Completions API.

    Args:
        model: The model, e.g. ``gpt-4.1`` or ``o3``.
        api_key: The API key; else ``settings.api_key``, else the environment variable
            (``OPENAI_API_KEY``).
        base_url: The endpoint; else ``settings.base_url``, else the SDK's default.
        timeout: Seconds per model call; else ``settings.timeout``, else 60.
        settings: The provider's settings from ``fastagent.yaml``.
        client: A ready ``openai.AsyncOpenAI`` client to use instead of building one.
        http_client: The HTTP client the SDK client should use (an ``httpx.AsyncClient``);
            the caller keeps ownership and closes it.
        default_headers: Extra headers for every request (added to the settings' ones).
        **options: Model-string options, as strings or values: ``temperature``,
            ``max_tokens``, ``reasoning``, ``tool_choice``, ``parallel_tool_calls``. They
            are defaults under each request's `ModelParams`.

    Raises:
        MissingAPIKeyError: No key from any source (and no `client` given).
        UserError: An unknown option, or an option value of the wrong type.
    """

    name = "openai"
    native_structured_output = True
    shareable = True
    api_key_env_var: ClassVar[str] = PROVIDER_DEFAULTS["openai"].api_key_vars[0]
    placeholder_api_key: ClassVar[str | None] = None
    """A key sent when none is configured (not a secret); None means a key is required."""
    tool_call_content: ClassVar[str | None] = None
    """``content`` sent on assistant messages that carry only tool calls (JSON null)."""
    option_types: ClassVar[Mapping[str, type]] = {
        "temperature": float,
        "max_tokens": int,
        "reasoning": str,
        "tool_choice": str,
        "parallel_tool_calls": bool,
    }
    """The options the model string may set, and their types."""

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
        **options: Any,
    ) -> None:
        super().__init__(model)
        self.options = _parse_options(self.name, options, self.option_types)
        self.base_url = base_url or (settings.base_url if settings else None)
        self.timeout = float(timeout or (settings.timeout if settings else DEFAULT_TIMEOUT))
        self.default_headers = {**(settings.default_headers if settings else {})}
        self.default_headers.update(default_headers or {})
        self._client = client
        self._http_client = http_client
        self._owns_client = False
        self._api_key = None if client is not None else self._resolve_api_key(api_key, settings)
        if self._api_key is not None and self._api_key != self.placeholder_api_key:
            register_secret(self._api_key)
        self.defaults = ModelParams(
            **{k: v for k, v in self.options.items() if k in _PARAM_OPTIONS}
        )

    # --- configuration hooks (GenericProvider overrides these) ------------------------------

    def _resolve_api_key(self, api_key: str | None, settings: ProviderSettings | None) -> str:
        if api_key:
            return api_key
        if settings is not None and settings.api_key is not None:
            return settings.api_key.get_secret_value()
        from_env = os.environ.get(self.api_key_env_var)
        if from_env:
            return from_env
        error = MissingAPIKeyError(self.name, self.api_key_env_var)
        section = settings_section(self.name)
        error.hint = f"set {self.api_key_env_var}, or {section}.api_key in fastagent.secrets.yaml"
        raise error

    def model_rules(self, model: str) -> ModelRules:
        """What `model` accepts: reasoning models differ from the others."""
        if is_reasoning_model(model):
            return ModelRules("developer", False, True, "max_completion_tokens")
        return ModelRules("system", True, False, "max_completion_tokens")

    def _tool_choice(self, params: ModelParams, request: CompletionRequest) -> Any:
        return to_tool_choice(params.tool_choice)

    # --- the request --------------------------------------------------------------------------

    def request_body(self, request: CompletionRequest, *, stream: bool) -> dict[str, Any]:
        """The JSON body of the ``/chat/completions`` request for `request`."""
        params = self.defaults.merged(request.params)
        model = params.model or self.model
        rules = self.model_rules(model)
        body: dict[str, Any] = {
            "model": model,
            "messages": to_openai_messages(
                request.messages,
                request.system,
                system_role=rules.system_role,
                tool_call_content=self.tool_call_content,
            ),
        }
        if request.tools:
            body["tools"] = to_openai_tools(request.tools)
            choice = self._tool_choice(params, request)
            if choice is not None:
                body["tool_choice"] = choice
            if "parallel_tool_calls" in params.explicit:
                body["parallel_tool_calls"] = params.parallel_tool_calls
        if params.max_tokens is not None:
            body[rules.max_tokens_field] = params.max_tokens
        _set_if_accepted(body, "temperature", params.temperature, rules.temperature, model)
        _set_if_accepted(body, "reasoning_effort", params.reasoning, rules.reasoning_effort, model)
        if params.stop_sequences:
            body["stop"] = list(params.stop_sequences)
        if params.response_format is not None and self.native_structured_output:
            body["response_format"] = to_response_format(params.response_format)
        if stream:
            body["stream"] = True
            body["stream_options"] = {"include_usage": True}
        return body

    # --- calls --------------------------------------------------------------------------------

    async def complete(self, request: CompletionRequest) -> Message:
        """Make one model call and return the assistant message (usage and stop_reason set)."""
        body = self.request_body(request, stream=False)
        create = self._sdk_client().chat.completions.create
        with self._translated(body["model"]):
            response = await create(**body, timeout=self._timeout_for(request))
        data = reply_dict(response, provider=self.name, model=body["model"])
        _check_completion(data, provider=self.name, model=body["model"])
        with reading_reply(self.name, body["model"]):
            return parse_completion(data, model=body["model"])

    async def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Make one streamed model call, yielding text and tool call deltas as they arrive."""
        body = self.request_body(request, stream=True)
        create = self._sdk_client().chat.completions.create
        assembler = StreamAssembler(body["model"])
        with self._translated(body["model"]):
            chunks = await create(**body, timeout=self._timeout_for(request))
            done = _watch_done_marker(chunks)
            async with chunks:
                async for chunk in chunks:
                    data = reply_dict(chunk, provider=self.name, model=body["model"])
                    with reading_reply(self.name, body["model"]):
                        produced = assembler.feed(data)
                    for event in produced:
                        yield event
        if not (assembler.complete or done.seen):
            raise not_a_completion(
                self.name,
                body["model"],
                "stream ended before the reply was complete (no finish_reason, no [DONE])",
            )
        with reading_reply(self.name, body["model"]):
            closing, message = assembler.finish()
        for event in closing:
            yield event
        yield StreamDone(message)

    async def aclose(self) -> None:
        """Close the SDK client if this provider built it (an injected one stays open)."""
        if self._owns_client and self._client is not None:
            await self._client.close()
            self._client = None
            self._owns_client = False

    def warm(self) -> None:
        """Import the ``openai`` SDK and build the client now (for ``fastagent batch``)."""
        self._sdk_client()

    def _timeout_for(self, request: CompletionRequest) -> float:
        return request.params.timeout or self.timeout

    def _sdk_client(self) -> Any:
        if self._client is not None:
            return self._client
        try:
            import openai
        except ImportError as exc:
            sdk = PROVIDER_DEFAULTS["openai"]
            raise MissingDependencyError(sdk.sdk, sdk.extra) from exc
        self._client = openai.AsyncOpenAI(
            api_key=self._api_key,
            base_url=self.base_url,
            timeout=self.timeout,
            max_retries=0,
            default_headers=self.default_headers or None,
            http_client=self._http_client,  # type: ignore[arg-type]  # legacy httpx accepted
        )
        self._owns_client = self._http_client is None
        return self._client

    # --- errors -------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _translated(self, model: str) -> Iterator[None]:
        """Raise what `_translate` makes of an exception raised inside (itself if unchanged)."""
        try:
            yield
        except Exception as exc:
            error = self._translate(exc, model)
            if error is exc:
                raise
            raise error from exc

    def _translate(self, exc: Exception, model: str) -> Exception:
        """The fastagent error for an SDK or transport error; other exceptions unchanged."""
        if isinstance(exc, FastAgentError):
            return exc
        if is_malformed_body(exc):
            return not_a_completion(self.name, model, "answered with a body that is not valid JSON")
        try:
            import openai
        except ImportError:  # pragma: no cover - the SDK raised, so it is installed
            return exc
        where = self.base_url or _OPENAI_BASE_URL
        if isinstance(exc, openai.APITimeoutError) or _is_transport_timeout(exc):
            return ProviderTimeoutError(
                f"{self.name} model {model} did not answer within {self._shown_timeout()}",
                provider=self.name,
                hint=f"raise {setting(self.name, 'timeout')} in fastagent.yaml, or try again",
            )
        if isinstance(exc, openai.APIConnectionError) or _is_transport_error(exc):
            return ProviderConnectionError(
                f"could not reach {self.name} at {where}: {redact(str(exc))}",
                provider=self.name,
                hint=f"check the network and {self.endpoint_setting}",
            )
        if isinstance(exc, openai.APIStatusError):
            return self._status_error(exc, model)
        if isinstance(exc, openai.APIError) and isinstance(exc.body, Mapping):
            # an error event inside a 200 stream: typed by its code, like a status would be
            code = exc.body.get("code") or exc.body.get("type")
            typed = stream_failure(
                {"code": code, "message": exc.message}, provider=self.name, model=model
            )
            if type(typed) is not ProviderError:
                return typed
        if isinstance(exc, openai.OpenAIError):
            detail = exc.message if isinstance(exc, openai.APIError) else str(exc)
            return ProviderError(
                f"{self.name} model {model} failed: {redact(detail)}",
                provider=self.name,
                hint="retrying may help; run with --verbose for details",
            )
        return exc

    @property
    def endpoint_setting(self) -> str:
        """The setting that says where this provider connects, named in hints."""
        return setting(self.name, "base_url")

    def _shown_timeout(self) -> str:
        return f"{self.timeout:g}s"

    def _status_error(self, exc: Any, model: str | None = None) -> Exception:
        message = redact(_error_message(exc))
        body = redact(_response_text(exc))
        error = error_for_status(
            exc.status_code,
            message,
            provider=self.name,
            body=body,
            headers=dict(exc.response.headers),
            model=model,
        )
        if type(error) is BadRequestError and exc.code == "context_length_exceeded":
            return context_window_error(
                message,
                provider=self.name,
                status_code=error.status_code,
                body=error.body,
                text=error.message,
            )
        return error


def _set_if_accepted(
    body: dict[str, Any], key: str, value: Any, accepted: bool, model: str
) -> None:
    if value is None:
        return
    if accepted:
        body[key] = value
    else:
        _log.debug("dropping %s=%r: model %s does not accept it", key, value, model)


def _parse_options(
    provider: str, options: Mapping[str, Any], types: Mapping[str, type]
) -> dict[str, Any]:
    parsed: dict[str, Any] = {}
    for key, raw in options.items():
        kind = types.get(key)
        if kind is None:
            raise UserError(
                f"provider '{provider}' has no option '{key}'",
                hint=f"valid options: {', '.join(sorted(types))}",
            )
        parsed[key] = _coerce(provider, key, raw, kind)
    return parsed


def _coerce(provider: str, key: str, raw: Any, kind: type) -> Any:
    if not isinstance(raw, str) or kind is str:
        return raw
    text = raw.strip().lower()
    try:
        if kind is bool:
            if text in _TRUE or text in _FALSE:
                return text in _TRUE
            raise ValueError(raw)
        return kind(raw)
    except ValueError:
        raise UserError(
            f"provider '{provider}' option '{key}' must be {kind.__name__}, got {raw!r}",
            hint=f"write e.g. ?{key}={_EXAMPLES.get(kind, '1')} in the model string",
        ) from None


_EXAMPLES: Final[Mapping[type, str]] = {bool: "true", int: "1024", float: "0.2"}


class _DoneMarker:
    """Whether a stream's ``data: [DONE]`` line arrived (the SDK consumes it silently)."""

    def __init__(self) -> None:
        self.seen = False


def _watch_done_marker(stream: Any) -> _DoneMarker:
    """Note the ``[DONE]`` line of an SDK stream, so a stream cut short can be told apart.

    Servers that send no ``finish_reason`` still end with ``[DONE]``; a connection that
    closes before either is a cut stream. The SDK hides the marker, so its SSE decoder is
    wrapped (an SDK without one leaves the check to ``finish_reason`` alone).
    """
    marker = _DoneMarker()
    decoder: Any = getattr(stream, "_decoder", None)
    inner = getattr(decoder, "aiter_bytes", None)
    if inner is None:
        return marker

    async def aiter_bytes(iterator: Any) -> Any:
        async for sse in inner(iterator):
            if str(getattr(sse, "data", "")).startswith("[DONE]"):
                marker.seen = True
            yield sse

    decoder.aiter_bytes = aiter_bytes
    return marker


def _check_completion(data: Mapping[str, Any], *, provider: str, model: str) -> None:
    """Raise unless `data` holds a completion: a first choice with a message."""
    choices = data.get("choices")
    if isinstance(choices, list) and choices:
        first = choices[0]
        if isinstance(first, Mapping) and isinstance(first.get("message"), Mapping):
            return
        raise not_a_completion(provider, model, "answered with a choice that has no message")
    detail = error_detail(data)
    if detail is not None:
        raise not_a_completion(
            provider, model, f"answered with an error instead of a completion: {detail}"
        )
    raise not_a_completion(provider, model, "answered without a completion (no choices)")


def _error_message(exc: Any) -> str:
    body = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and inner.get("message"):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    return str(exc.message)


def _response_text(exc: Any) -> str:
    try:
        return str(exc.response.text)
    except Exception:  # the body of a streamed response may be unread
        return str(exc.body or "")


def _transport_error_types(kind: str) -> tuple[type[BaseException], ...]:
    found: list[type[BaseException]] = []
    for module_name in ("httpx", "httpx2"):
        try:
            module = __import__(module_name)
        except ImportError:
            continue
        found.append(getattr(module, kind))
    return tuple(found)


def _is_transport_timeout(exc: Exception) -> bool:
    return isinstance(exc, _transport_error_types("TimeoutException"))


def _is_transport_error(exc: Exception) -> bool:
    return isinstance(exc, _transport_error_types("TransportError"))
