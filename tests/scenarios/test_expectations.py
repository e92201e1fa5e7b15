from __future__ import annotations

from typing import Any

from fastagent.messages import Message, ToolCall, ToolResult
from fastagent.scenarios.expectations import (
    check_expectations,
    check_final_text,
    check_tool_calls,
    is_subset,
)
from fastagent.scenarios.scenario_file import Expectations, ExpectedToolCall


def expect(**values: Any) -> Expectations:
    return Expectations.model_validate(values)


def call(name: str, call_id: str = "c1", **arguments: Any) -> ToolCall:
    return ToolCall(id=call_id, name=name, arguments=arguments)


def transcript(*rounds: tuple[ToolCall, ToolResult]) -> list[Message]:
    messages = [Message.user("hi")]
    for made, result in rounds:
        messages.append(Message.assistant(tool_calls=[made]))
        messages.append(Message(role="user", tool_results=[result]))
    messages.append(Message.assistant("done"))
    return messages


def test_final_text_contains_equals_matches() -> None:
    assert check_final_text(expect(final_text_contains=["sun", "Paris"]), "sunny in Paris") == []
    assert check_final_text(expect(final_text_contains="rain"), "sunny") == [
        "expected the final reply to contain 'rain'; it was 'sunny'"
    ]
    assert check_final_text(expect(final_text_equals="sunny"), "  sunny\n") == []
    assert check_final_text(expect(final_text_equals="sunny"), "sunny!") == [
        "expected the final reply to be 'sunny'; it was 'sunny!'"
    ]
    assert check_final_text(expect(final_text_matches=r"\d+ C"), "it is 22 C") == []
    assert check_final_text(expect(final_text_matches=r"^\d+$"), "22 C") == [
        r"expected the final reply to match /^\d+$/; it was '22 C'"
    ]


def test_long_final_text_is_shortened() -> None:
    [failure] = check_final_text(expect(final_text_contains="x"), "a" * 500)
    assert failure.endswith("...'")
    assert len(failure) < 300


def test_tool_calls_subset_in_order() -> None:
    calls = [
        call("get_weather", city="Paris", days=2),
        call("log"),
        call("get_weather", city="Berlin"),
    ]
    wanted = [
        ExpectedToolCall(name="get_weather", arguments={"city": "Paris"}),
        ExpectedToolCall(name="get_weather"),
    ]
    assert check_tool_calls(wanted, calls) == []


def test_tool_call_with_other_arguments_names_the_calls() -> None:
    wanted = [ExpectedToolCall(name="get_weather", arguments={"city": "Paris"})]
    assert check_tool_calls(wanted, [call("get_weather", city="Berlin")]) == [
        "expected a call to get_weather with {'city': 'Paris'}; "
        "calls were: get_weather({'city': 'Berlin'})"
    ]
    assert check_tool_calls([ExpectedToolCall(name="x")], []) == [
        "expected a call to x; calls were: none"
    ]


def test_tool_calls_in_the_wrong_order() -> None:
    wanted = [ExpectedToolCall(name="b"), ExpectedToolCall(name="a")]
    assert check_tool_calls(wanted, [call("a"), call("b")]) == [
        "expected a call to a after b({}) (in this order); calls were: a({}), b({})"
    ]


def test_is_subset_recurses_into_dicts_only() -> None:
    assert is_subset({"a": {"b": 1}}, {"a": {"b": 1, "c": 2}, "d": 3})
    assert not is_subset({"a": {"b": 1}}, {"a": {"b": 2}})
    assert not is_subset({"a": [1]}, {"a": [1, 2]})
    assert not is_subset({"a": 1}, {})


def test_tool_results_contain_and_no_tool_errors() -> None:
    good = (
        call("get_weather", "c1"),
        ToolResult(call_id="c1", content=[{"type": "text", "text": "22 C"}]),
    )
    bad = (call("get_weather", "c2"), ToolResult.error("c2", "tool 'get_weather' failed: boom"))
    messages = transcript(good, bad)
    assert check_expectations(expect(tool_results_contain=["22"]), messages, "done") == []
    assert check_expectations(expect(tool_results_contain=["31"]), messages, "done") == [
        "expected a tool result containing '31'; tool results were: get_weather: '22 C'; "
        "get_weather: \"tool 'get_weather' failed: boom\""
    ]
    assert check_expectations(expect(no_tool_errors=True), messages, "done") == [
        "expected no tool errors; get_weather returned an error: "
        "\"tool 'get_weather' failed: boom\""
    ]
    assert check_expectations(expect(no_tool_errors=True), transcript(good), "done") == []
    assert check_expectations(expect(tool_results_contain="x"), [], "") == [
        "expected a tool result containing 'x'; tool results were: none"
    ]
