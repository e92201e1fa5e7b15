"""The Bedrock provider: models on AWS Bedrock through the Converse / ConverseStream API.

`BedrockProvider` sends a `CompletionRequest` to ``converse`` (or ``converse_stream``) of a
boto3 ``bedrock-runtime`` client and returns an assistant `Message`. boto3 is imported, and
the client built, on the first call; boto3 blocks, so every call (and every read of a stream)
runs on the provider's own thread pool, never on the event loop. The wire conversion lives in
`_bedrock_convert` and `_bedrock_stream`; every botocore exception becomes a
`fastagent.exceptions` error.

Credentials come from the standard AWS chain (``AWS_ACCESS_KEY_ID`` /
``AWS_SECRET_ACCESS_KEY``, ``AWS_PROFILE`` or ``bedrock.profile``, SSO, an instance role, or a
Bedrock API key in ``AWS_BEARER_TOKEN_BEDROCK``); the region from ``bedrock.region``, else
``AWS_REGION`` / ``AWS_DEFAULT_REGION`` or the profile.

Model strings: ``bedrock.anthropic.claude-sonnet-4-5`` (short names expand to Bedrock ids and
get the inference profile of the region's geography), ``bedrock.amazon.nova-pro-v1:0``, or any
model id, inference-profile id or ARN. Options: ``max_tokens``, ``temperature``,
``reasoning`` (Claude's extended thinking), ``inference_profile`` (``us``, ``eu``, ``apac``,
``global`` or ``none``).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import AsyncIterator, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, ClassVar, Final, TypeVar

from fastagent._redact import redact, register_secret
from fastagent.exceptions import (
    MissingAPIKeyError,
    MissingDependencyError,
    ProviderConnectionError,
    ProviderError,
    ProviderTimeoutError,
    UserError,
)
from fastagent.logging import get_logger
from fastagent.provider_defaults import PROVIDER_DEFAULTS
from fastagent.providers._bedrock_convert import (
    RequestOptions,
    WireRequest,
    build_request,
    message_from_response,
    resolve_model_id,
)
from fastagent.providers._bedrock_stream import StreamAssembler
from fastagent.providers._options import parse_options
from fastagent.providers._reply import not_a_completion, reading_reply
from fastagent.providers.base import BaseProvider, CompletionRequest
from fastagent.providers.errors import error_for_status, transport_kind
from fastagent.streaming import StreamDone, StreamEvent

if TYPE_CHECKING:
    from fastagent.config.settings import BedrockSettings
    from fastagent.messages import Message

__all__ = ["DEFAULT_TIMEOUT", "BedrockProvider"]

DEFAULT_TIMEOUT: Final = 600.0
"""Seconds to wait for one call (and for each read of a stream) when nothing else says."""

_DEFAULTS: Final = PROVIDER_DEFAULTS["bedrock"]
_CONNECT_TIMEOUT: Final = 10.0
_DEFAULT_WORKERS: Final = 16
_T = TypeVar("_T")
_END = object()

# error codes (of HTTP replies and of exceptions inside a stream) -> HTTP status
_CODE_STATUS: Final[Mapping[str, int]] = {
    "accessdeniedexception": 403,
    "unrecognizedclientexception": 403,
    "expiredtokenexception": 403,
    "resourcenotfoundexception": 404,
    "validationexception": 400,
    "throttlingexception": 429,
    "servicequotaexceededexception": 429,
    "modelnotreadyexception": 503,
    "internalserverexception": 500,
    "serviceunavailableexception": 503,
    "modelstreamerrorexception": 500,
    "modelerrorexception": 500,
}

_log = get_logger("providers.bedrock")


class BedrockProvider(BaseProvider):
    """Calls models on AWS Bedrock through the Converse API.

    Args:
        model: A short name (``anthropic.claude-sonnet-4-5``), a Bedrock model id
            (``amazon.nova-pro-v1:0``), an inference-profile id or an ARN.
        region: The AWS region (else ``settings.region``, else the AWS chain's).
        profile: A named AWS profile (else ``settings.profile``, else ``AWS_PROFILE``).
        base_url: The endpoint URL (else ``settings.base_url``, else the region's).
        timeout: Seconds to wait for one call (else ``settings.timeout``, else 600).
        settings: The ``bedrock`` section of the configuration.
        client: A ready boto3 ``bedrock-runtime`` client to use instead of building one.
        max_workers: Threads for blocking boto3 calls (else ``settings.max_concurrent``,
            else 16): at most this many calls run at once.
        **options: Model-string options: ``max_tokens``, ``temperature``, ``reasoning``,
            ``inference_profile``.

    Raises:
        UserError: An unknown or invalid option.
    """

    name = "bedrock"
    native_structured_output = True
    shareable = True
    option_types: ClassVar[Mapping[str, type]] = {
        "max_tokens": int,
        "temperature": float,
        "reasoning": str,
        "inference_profile": str,
    }
    """The options the model string may set, and their types."""

    def __init__(
        self,
        model: str,
        *,
        region: str | None = None,
        profile: str | None = None,
        base_url: str | None = None,
        timeout: float | None = None,
        settings: BedrockSettings | None = None,
        client: Any | None = None,
        max_workers: int | None = None,
        **options: Any,
    ) -> None:
        super().__init__(model)
        parsed = parse_options(self.name, options, self.option_types)
        self.inference_profile: str | None = parsed.pop("inference_profile", None)
        self.options = RequestOptions(**parsed)
        self.region = region or (settings.region if settings else None)
        self.profile = profile or (settings.profile if settings else None)
        self.base_url = base_url or (settings.base_url if settings else None)
        self.timeout = timeout or (settings.timeout if settings else None) or DEFAULT_TIMEOUT
        workers = max_workers or (settings.max_concurrent if settings else None)
        self._workers = workers or _DEFAULT_WORKERS
        self._client = client
        self._client_lock = asyncio.Lock()
        self._executor: ThreadPoolExecutor | None = None

    @property
    def model_id(self) -> str:
        """The Bedrock model id sent (short names expanded, inference profile added)."""
        region = self.region or getattr(getattr(self._client, "meta", None), "region_name", None)
        return resolve_model_id(self.model, region=region, profile=self.inference_profile)

    async def complete(self, request: CompletionRequest) -> Message:
        """Make one ``converse`` call and return the assistant message.

        Raises:
            ProviderError: The call failed (a typed subclass for HTTP status, timeout or
                connection failures).
            MissingAPIKeyError: No AWS credentials were found.
            MissingDependencyError: boto3 is not installed.
        """
        client = await self._get_client()
        wire = self._wire(request)
        try:
            response = await self._run(client.converse, **wire.body)
        except Exception as exc:
            raise self._translate(exc) from exc
        output = (response.get("output") or {}).get("message") or {}
        if not isinstance(output.get("content"), list) or not response.get("stopReason"):
            # botocore hands back what it could parse of any 200 body: nothing, for HTML
            raise not_a_completion(
                self.name, self.model_id, "answered without a message (no output.message)"
            )
        with reading_reply(self.name, self.model_id):
            return message_from_response(
                response, model=wire.body["modelId"], structured=wire.structured
            )

    async def stream(self, request: CompletionRequest) -> AsyncIterator[StreamEvent]:
        """Make one ``converse_stream`` call, yielding events; the last is `StreamDone`.

        Raises:
            ProviderError: The call failed, before or during the stream.
        """
        client = await self._get_client()
        wire = self._wire(request)
        assembler = StreamAssembler(model=wire.body["modelId"], structured=wire.structured)
        try:
            response = await self._run(client.converse_stream, **wire.body)
        except Exception as exc:
            raise self._translate(exc) from exc
        events = response["stream"]
        iterator = iter(events)
        try:
            while True:
                try:
                    raw = await self._run(next, iterator, _END)
                except Exception as exc:
                    raise self._translate(exc) from exc
                if raw is _END:
                    break
                with reading_reply(self.name, self.model_id):
                    produced = assembler.feed(raw)
                for event in produced:
                    yield event
        finally:
            with contextlib.suppress(Exception):
                events.close()
        if assembler.stop_reason is None:
            raise not_a_completion(
                self.name,
                self.model_id,
                "stream ended before the reply was complete (no messageStop)",
            )
        with reading_reply(self.name, self.model_id):
            message = assembler.finish()
        yield StreamDone(message)

    async def aclose(self) -> None:
        """Close the client's connections and the thread pool (if this provider made them)."""
        executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
        client, self._client = self._client, None
        close = getattr(client, "close", None)
        if close is not None:
            close()

    def _wire(self, request: CompletionRequest) -> WireRequest:
        wire = build_request(self.model_id, request, self.options)
        _log.debug(
            "bedrock request: model=%s messages=%d",
            wire.body["modelId"],
            len(wire.body["messages"]),
        )
        return wire

    async def _run(self, function: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        if self._executor is None:
            self._executor = ThreadPoolExecutor(
                max_workers=self._workers, thread_name_prefix="fastagent-bedrock"
            )
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, lambda: function(*args, **kwargs))

    async def _get_client(self) -> Any:
        if self._client is not None:
            return self._client
        async with self._client_lock:
            if self._client is None:
                try:
                    self._client = await self._run(self._build_client)
                except (ProviderError, UserError):
                    raise
                except Exception as exc:
                    raise self._translate(exc) from exc
        return self._client

    def _build_client(self) -> Any:
        """Import boto3 and build the client, in a worker thread (both block)."""
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise MissingDependencyError(_DEFAULTS.sdk, _DEFAULTS.extra) from None
        session = boto3.session.Session(profile_name=self.profile, region_name=self.region)
        if session.region_name is None:
            raise UserError(
                "bedrock: no AWS region",
                hint="set AWS_REGION (or AWS_DEFAULT_REGION), or bedrock.region in fastagent.yaml",
            )
        credentials = session.get_credentials()
        bearer = os.environ.get("AWS_BEARER_TOKEN_BEDROCK")
        if credentials is None and not bearer:
            raise _missing_credentials()
        frozen = credentials.get_frozen_credentials() if credentials is not None else None
        for secret in (bearer, frozen and frozen.secret_key, frozen and frozen.token):
            if secret:
                register_secret(secret)
        config = Config(
            retries={"total_max_attempts": 1, "mode": "standard"},
            read_timeout=self.timeout,
            connect_timeout=min(self.timeout, _CONNECT_TIMEOUT),
            max_pool_connections=self._workers,
            user_agent_extra="fastagent",
        )
        return session.client("bedrock-runtime", endpoint_url=self.base_url, config=config)

    def _translate(self, exc: Exception) -> Exception:
        if isinstance(exc, ProviderError | UserError):
            return exc
        from botocore import exceptions as boto

        if isinstance(exc, boto.ClientError):
            return self._status_error(exc)
        if isinstance(exc, boto.NoCredentialsError | boto.PartialCredentialsError):
            return _missing_credentials()
        if isinstance(exc, boto.ProfileNotFound | boto.NoRegionError):
            return UserError(f"bedrock: {exc}", hint=_DEFAULTS.credentials)
        if isinstance(exc, boto.ReadTimeoutError | boto.ConnectTimeoutError):
            return ProviderTimeoutError(
                f"bedrock did not answer within {self.timeout:g}s (model {self.model_id})",
                provider=self.name,
                hint="retry, or raise bedrock.timeout in fastagent.yaml",
            )
        if isinstance(exc, boto.EndpointConnectionError | boto.ConnectionClosedError):
            return ProviderConnectionError(
                f"could not connect to Bedrock: {redact(str(exc))}",
                provider=self.name,
                hint="check your network connection, the region and bedrock.base_url",
            )
        kind = transport_kind(exc)  # urllib3's own, raised while a stream is read
        if kind == "timeout":
            return ProviderTimeoutError(
                f"bedrock did not answer within {self.timeout:g}s (model {self.model_id})",
                provider=self.name,
                hint="retry, or raise bedrock.timeout in fastagent.yaml",
            )
        if kind == "connect":
            return ProviderConnectionError(
                f"the connection to Bedrock failed: {redact(str(exc))}",
                provider=self.name,
                hint="check your network connection, the region and bedrock.base_url",
            )
        if isinstance(exc, boto.BotoCoreError):
            return ProviderError(
                f"bedrock call failed: {redact(str(exc))}",
                provider=self.name,
                hint="check the request and the AWS configuration; run with --verbose",
            )
        return exc

    def _status_error(self, exc: Any) -> ProviderError:
        error = exc.response.get("Error") or {}
        code = str(error.get("Code") or "")
        message = redact(str(error.get("Message") or exc))
        meta = exc.response.get("ResponseMetadata") or {}
        status = int(meta.get("HTTPStatusCode") or 0)
        if status < 400:  # an exception event inside a 200 stream
            status = _CODE_STATUS.get(code.lower(), 500)
        if code == "ModelTimeoutException":
            return ProviderTimeoutError(
                f"bedrock model {self.model_id} timed out: {message}",
                provider=self.name,
                hint="retry, or ask for a shorter answer",
            )
        typed = error_for_status(
            status,
            f"{code}: {message}" if code else message,
            provider=self.name,
            body=redact(str(exc.response.get("Error"))),
            headers=meta.get("HTTPHeaders"),
        )
        if status == 403 and code == "AccessDeniedException":
            typed.hint = (
                f"check that your AWS identity may invoke {self.model_id} and that the model "
                "is enabled under Bedrock model access in this region"
            )
        return typed


def _missing_credentials() -> MissingAPIKeyError:
    error = MissingAPIKeyError("bedrock", "AWS_ACCESS_KEY_ID")
    error.message = "no AWS credentials for provider 'bedrock'"
    error.args = (error.message,)
    error.hint = f"set {_DEFAULTS.credentials}"
    return error
