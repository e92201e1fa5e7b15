"""Broken replies from a real HTTP server, through the real SDKs: typed errors, retries,
history untouched.

The server (tests/providers/hostile_http.py) listens on 127.0.0.1 and the providers use
their SDK's own HTTP client, so every byte goes the way it goes in production.
"""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from fastagent.exceptions import (
    ProviderConnectionError,
    ProviderError,
    ProviderResponseError,
)
from fastagent.llm.augmented import AugmentedLLM
from fastagent.messages import Message
from fastagent.providers.anthropic import AnthropicProvider
from fastagent.providers.base import CompletionRequest
from fastagent.providers.openai import OpenAIProvider
from fastagent.providers.reliability import ReliableProvider
from fastagent.providers.retry import RetryPolicy

from .hostile_http import ScriptedServer, body, serve, sse

OPENAI_KEY = "sk-test-0123456789abcdefghijwxyz"
ANTHROPIC_KEY = "sk-ant-test-0123456789abcdefghij"
ANTHROPIC_MODEL = "claude-sonnet-4-6"
PAYLOADS = Path(__file__).parent / "payloads"


_OPEN: list[OpenAIProvider | AnthropicProvider] = []


@pytest.fixture
async def server() -> AsyncIterator[ScriptedServer]:
    for running in serve():
        yield running
        while _OPEN:  # the SDK clients own sockets to the server
            await _OPEN.pop().aclose()


def openai(server: ScriptedServer) -> OpenAIProvider:
    made = OpenAIProvider("gpt-4.1", api_key=OPENAI_KEY, base_url=f"{server.url}/v1", timeout=20)
    _OPEN.append(made)
    return made


def anthropic(server: ScriptedServer) -> AnthropicProvider:
    made = AnthropicProvider(
        ANTHROPIC_MODEL, api_key=ANTHROPIC_KEY, base_url=server.url, timeout=20
    )
    _OPEN.append(made)
    return made


def completion(text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion",
        "model": "gpt-4.1",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 3, "completion_tokens": 2, "total_tokens": 5},
    }


def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1",
        "object": "chat.completion.chunk",
        "model": "gpt-4.1",
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def anthropic_message() -> dict[str, Any]:
    return json.loads((PAYLOADS / "anthropic" / "message_text.json").read_text())


ANTHROPIC_START = {
    "type": "message_start",
    "message": {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "content": [],
        "model": ANTHROPIC_MODEL,
        "stop_reason": None,
        "usage": {"input_tokens": 5, "output_tokens": 1},
    },
}
ANTHROPIC_TEXT = [
    {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
    {
        "type": "content_block_delta",
        "index": 0,
        "delta": {"type": "text_delta", "text": "Half a sen"},
    },
]

OPENAI_BAD_BODIES = {
    "no choices": (body({"id": "x", "object": "chat.completion", "model": "m"}), "no choices"),
    "empty choices": (body({"id": "x", "choices": []}), "no choices"),
    "choice without message": (body({"id": "x", "choices": [{"index": 0}]}), "has no message"),
    "error object with 200": (
        body({"error": {"message": "upstream overloaded", "type": "server_error"}}),
        "answered with an error instead of a completion: 'upstream overloaded'",
    ),
    "malformed json": (body(b'{"id": "x", "choices": [{"mess'), "not valid JSON"),
    "html page": (body(b"<html>Welcome to nginx!</html>", content_type="text/html"), "not JSON"),
    "empty body": (body(b""), "not"),
}


@pytest.mark.parametrize("case", sorted(OPENAI_BAD_BODIES))
async def test_openai_body_that_is_no_completion_is_a_typed_error(
    server: ScriptedServer, case: str
) -> None:
    reply, expected = OPENAI_BAD_BODIES[case]
    server.script(reply)
    request = CompletionRequest([Message.user("hi")])
    with pytest.raises(ProviderResponseError) as caught:
        await openai(server).complete(request)
    assert str(caught.value).startswith("openai model gpt-4.1 ")
    assert expected in str(caught.value)
    assert "\n" not in caught.value.message
    assert caught.value.provider == "openai"
    assert caught.value.hint and "openai.base_url" in caught.value.hint


@pytest.mark.parametrize(
    "case",
    [
        "no content",
        "error object with 200",
        "malformed json",
        "html page",
    ],
)
async def test_anthropic_body_that_is_no_message_is_a_typed_error(
    server: ScriptedServer, case: str
) -> None:
    replies = {
        "no content": body({"id": "x", "type": "message", "role": "assistant"}),
        "error object with 200": body({"type": "error", "error": {"message": "boom"}}),
        "malformed json": body(b'{"type": "message", "content": [{"ty'),
        "html page": body(b"<html>hi</html>", content_type="text/html"),
    }
    server.script(replies[case])
    with pytest.raises(ProviderResponseError) as caught:
        await anthropic(server).complete(CompletionRequest([Message.user("hi")]))
    assert str(caught.value).startswith(f"anthropic model {ANTHROPIC_MODEL} ")
    assert "\n" not in caught.value.message


async def test_openai_stream_cut_before_its_end_is_a_typed_error(server: ScriptedServer) -> None:
    server.script(
        sse([chunk({"role": "assistant", "content": "Half a sen"})], done=False),
    )
    events = []
    with pytest.raises(ProviderResponseError, match=r"stream ended before the reply was complete"):
        async for event in openai(server).stream(CompletionRequest([Message.user("hi")])):
            events.append(event)
    assert [type(e).__name__ for e in events] == ["TextDelta"]


async def test_openai_stream_without_finish_reason_but_with_done_is_complete(
    server: ScriptedServer,
) -> None:
    # Lax servers send no finish_reason; their [DONE] line still marks a whole stream.
    server.script(sse([chunk({"role": "assistant", "content": "Whole."})], done=True))
    events = [e async for e in openai(server).stream(CompletionRequest([Message.user("hi")]))]
    assert events[-1].message.text == "Whole."  # type: ignore[attr-defined]


async def test_openai_stream_aborted_mid_chunk_is_a_connection_error(
    server: ScriptedServer,
) -> None:
    server.script(sse([chunk({"role": "assistant", "content": "Half"})], done=False, abort=True))
    with pytest.raises(ProviderConnectionError):
        async for _ in openai(server).stream(CompletionRequest([Message.user("hi")])):
            pass


async def test_openai_stream_with_malformed_event_is_a_typed_error(
    server: ScriptedServer,
) -> None:
    server.script(sse(['data: {"choices": [{"delta": {"content": "x"\n\n'], done=True))
    with pytest.raises(ProviderResponseError, match="not valid JSON"):
        async for _ in openai(server).stream(CompletionRequest([Message.user("hi")])):
            pass


async def test_anthropic_stream_cut_before_its_end_is_a_typed_error(
    server: ScriptedServer,
) -> None:
    server.script(sse([ANTHROPIC_START, *ANTHROPIC_TEXT], done=False))
    with pytest.raises(ProviderResponseError, match=r"stream ended before the reply was complete"):
        async for _ in anthropic(server).stream(CompletionRequest([Message.user("hi")])):
            pass


def reliable(provider: Any) -> ReliableProvider:
    return ReliableProvider(provider, policy=RetryPolicy(max_retries=2, base_delay=0.01))


async def test_bad_body_is_retried_and_a_good_one_wins(server: ScriptedServer) -> None:
    server.script(
        body({"id": "x"}), body(b"<html>", content_type="text/html"), body(completion("ok"))
    )
    llm = AugmentedLLM(reliable(openai(server)))
    reply = await llm.generate("hi")
    assert reply.text == "ok"
    assert len(server.requests) == 3
    assert [m.text for m in llm.memory.history()] == ["hi", "ok"]


@pytest.mark.parametrize("streaming", [False, True])
@pytest.mark.parametrize("which", ["openai", "anthropic"])
async def test_failed_turn_leaves_history_as_it_was(
    server: ScriptedServer, streaming: bool, which: str
) -> None:
    if which == "openai":
        provider: Any = openai(server)
        good = body(completion("first answer"))
        bad = (
            sse([chunk({"role": "assistant", "content": "Half a sen"})], done=False)
            if streaming
            else body({"id": "x", "choices": []})
        )
    else:
        provider = anthropic(server)
        good = body(anthropic_message())
        bad = (
            sse([ANTHROPIC_START, *ANTHROPIC_TEXT], done=False)
            if streaming
            else body({"id": "x", "type": "message", "role": "assistant"})
        )
    llm = AugmentedLLM(reliable(provider))
    server.script(good)
    await llm.generate("first")
    before = list(llm.memory.history())
    assert len(before) == 2
    server.script(bad)
    started = time.monotonic()
    with pytest.raises(ProviderResponseError):
        if streaming:
            async for _ in llm.stream("second"):
                pass
        else:
            await llm.generate("second")
    assert time.monotonic() - started < 20
    assert llm.memory.history() == before
    # A stream that already showed text is not retried; a plain call is, twice.
    assert len(server.requests) == (1 if streaming else 3)


async def test_provider_error_is_a_provider_error(server: ScriptedServer) -> None:
    server.script(body({"id": "x"}))
    with pytest.raises(ProviderError):
        await openai(server).complete(CompletionRequest([Message.user("hi")]))
