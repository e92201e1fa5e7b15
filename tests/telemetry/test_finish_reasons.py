"""Every provider's stop reason reaches spans as a GenAI semantic-convention finish reason."""

from __future__ import annotations

import pytest

pytest.importorskip("opentelemetry.sdk")

from fastagent.messages import StopReason
from fastagent.providers._anthropic_convert import map_stop_reason as anthropic_reason
from fastagent.providers._bedrock_convert import map_stop_reason as bedrock_reason
from fastagent.providers._google_convert import map_finish_reason as gemini_reason
from fastagent.providers._openai_convert import finish_reason_to_stop as openai_reason
from fastagent.telemetry.finish_reasons import FINISH_REASONS, finish_reason

CONVENTION = {"stop", "length", "content_filter", "tool_call", "error"}


def test_every_stop_reason_has_a_convention_value() -> None:
    assert set(FINISH_REASONS) == {reason.value for reason in StopReason}
    assert set(FINISH_REASONS.values()) <= CONVENTION


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("pause_turn", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_call"),
        ("refusal", "content_filter"),
    ],
)
def test_anthropic(raw: str, expected: str) -> None:
    assert finish_reason(anthropic_reason(raw)) == expected


@pytest.mark.parametrize(
    ("raw", "has_calls", "expected"),
    [
        ("stop", False, "stop"),
        ("length", False, "length"),
        ("tool_calls", True, "tool_call"),
        ("function_call", True, "tool_call"),
        ("content_filter", False, "content_filter"),
        ("stop", True, "tool_call"),  # OpenAI-compatible servers that say stop on a tool call
    ],
)
def test_openai(raw: str, has_calls: bool, expected: str) -> None:
    assert finish_reason(openai_reason(raw, has_tool_calls=has_calls)) == expected


@pytest.mark.parametrize(
    ("raw", "has_calls", "expected"),
    [
        ("STOP", False, "stop"),
        ("STOP", True, "tool_call"),
        ("MAX_TOKENS", False, "length"),
        ("SAFETY", False, "content_filter"),
        ("RECITATION", False, "content_filter"),
        ("BLOCKLIST", False, "content_filter"),
        ("PROHIBITED_CONTENT", False, "content_filter"),
        ("SPII", False, "content_filter"),
        ("MALFORMED_FUNCTION_CALL", False, "error"),
        ("UNEXPECTED_TOOL_CALL", False, "error"),
    ],
)
def test_gemini(raw: str, has_calls: bool, expected: str) -> None:
    assert finish_reason(gemini_reason(raw, has_calls=has_calls)) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("end_turn", "stop"),
        ("stop_sequence", "stop"),
        ("max_tokens", "length"),
        ("model_context_window_exceeded", "length"),
        ("tool_use", "tool_call"),
        ("guardrail_intervened", "content_filter"),
        ("content_filtered", "content_filter"),
        ("malformed_model_output", "error"),
        ("malformed_tool_use", "error"),
    ],
)
def test_bedrock(raw: str, expected: str) -> None:
    assert finish_reason(bedrock_reason(raw)) == expected


def test_an_unknown_value_passes_through() -> None:
    assert finish_reason("something_new") == "something_new"
