"""Checking a scenario's expectations against the transcript of its run.

Each check returns failures as whole sentences that say what was expected and what happened,
e.g. ``expected a call to get_weather with {'city': 'Paris'}; calls were:
get_weather({'city': 'Berlin'})``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastagent.messages import Message, ToolCall, ToolResult
from fastagent.scenarios.scenario_file import Expectations, ExpectedToolCall

__all__ = [
    "check_expectations",
    "check_final_text",
    "check_tool_calls",
    "check_tool_results",
    "format_call",
    "is_subset",
    "tool_calls_of",
    "tool_results_of",
]

_SHOWN_TEXT = 200


def check_expectations(
    expect: Expectations, transcript: Sequence[Message], final_text: str
) -> list[str]:
    """Every failed expectation, in the order they are declared.

    Args:
        expect: The scenario's expectations.
        transcript: The whole conversation, tool calls and results included.
        final_text: The text of the reply to the last input.
    """
    calls = tool_calls_of(transcript)
    results = tool_results_of(transcript)
    return [
        *check_final_text(expect, final_text),
        *check_tool_calls(expect.tools_called, calls),
        *check_tool_results(expect, results, calls),
    ]


def check_final_text(expect: Expectations, final_text: str) -> list[str]:
    """Failures of ``final_text_contains``, ``final_text_equals`` and ``final_text_matches``."""
    failures: list[str] = []
    shown = _shorten(final_text)
    for needle in expect.final_text_contains:
        if needle not in final_text:
            failures.append(f"expected the final reply to contain {needle!r}; it was {shown}")
    wanted = expect.final_text_equals
    if wanted is not None and final_text.strip() != wanted.strip():
        failures.append(f"expected the final reply to be {wanted!r}; it was {shown}")
    pattern = expect.final_text_matches
    if pattern is not None and re.search(pattern, final_text) is None:
        failures.append(f"expected the final reply to match /{pattern}/; it was {shown}")
    return failures


def check_tool_calls(expected: Sequence[ExpectedToolCall], calls: Sequence[ToolCall]) -> list[str]:
    """Whether `expected` appear in `calls` in order (other calls may come in between).

    Only the first missing call is reported: the ones after it cannot be placed.
    """
    position = 0
    for want in expected:
        found = next(
            (i for i in range(position, len(calls)) if _matches(want, calls[i])),
            None,
        )
        if found is not None:
            position = found + 1
            continue
        listed = ", ".join(format_call(c) for c in calls) or "none"
        wanted = f"a call to {want.name}" + (
            f" with {want.arguments!r}" if want.arguments is not None else ""
        )
        earlier = any(_matches(want, call) for call in calls[:position])
        if earlier:
            after = format_call(calls[position - 1])
            return [f"expected {wanted} after {after} (in this order); calls were: {listed}"]
        return [f"expected {wanted}; calls were: {listed}"]
    return []


def check_tool_results(
    expect: Expectations, results: Sequence[ToolResult], calls: Sequence[ToolCall]
) -> list[str]:
    """Failures of ``tool_results_contain`` and ``no_tool_errors``."""
    names = {call.id: call.name for call in calls}
    failures: list[str] = []
    for needle in expect.tool_results_contain:
        if not any(needle in result.text for result in results):
            listed = "; ".join(f"{_result_name(r, names)}: {_shorten(r.text)}" for r in results)
            failures.append(
                f"expected a tool result containing {needle!r}; "
                f"tool results were: {listed or 'none'}"
            )
    if expect.no_tool_errors:
        failures.extend(
            f"expected no tool errors; {_result_name(r, names)} returned an error: "
            f"{_shorten(r.text)}"
            for r in results
            if r.is_error
        )
    return failures


def tool_calls_of(transcript: Sequence[Message]) -> list[ToolCall]:
    """Every tool call the model made, in order."""
    return [call for message in transcript for call in message.tool_calls]


def tool_results_of(transcript: Sequence[Message]) -> list[ToolResult]:
    """Every tool result, in order."""
    return [result for message in transcript for result in message.tool_results]


def format_call(call: ToolCall) -> str:
    """A call as ``name({'arg': 'value'})``."""
    return f"{call.name}({call.arguments!r})"


def is_subset(wanted: Any, actual: Any) -> bool:
    """Whether `actual` has everything `wanted` has: dicts by key (recursively), else equal."""
    if isinstance(wanted, dict) and isinstance(actual, dict):
        return all(key in actual and is_subset(value, actual[key]) for key, value in wanted.items())
    return bool(wanted == actual)


def _matches(want: ExpectedToolCall, call: ToolCall) -> bool:
    if call.name != want.name:
        return False
    return want.arguments is None or is_subset(want.arguments, call.arguments)


def _result_name(result: ToolResult, names: dict[str, str]) -> str:
    return result.tool_name or names.get(result.call_id, result.call_id)


def _shorten(text: str) -> str:
    if len(text) > _SHOWN_TEXT:
        text = text[: _SHOWN_TEXT - 3] + "..."
    return repr(text)
