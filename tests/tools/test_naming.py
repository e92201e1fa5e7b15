from hypothesis import given
from hypothesis import strategies as st

from fastagent.tools.naming import (
    TOOL_NAME_PATTERN,
    join_tool_name,
    sanitize_tool_name,
    unique_tool_name,
)


def test_sanitize_replaces_invalid_characters_and_truncates() -> None:
    assert sanitize_tool_name("get weather.v2!") == "get_weather_v2_"
    assert sanitize_tool_name("ok-name_1") == "ok-name_1"
    assert sanitize_tool_name("x" * 100) == "x" * 64
    assert sanitize_tool_name("") == "tool"
    assert sanitize_tool_name("héllo") == "h_llo"


@given(st.text(max_size=200))
def test_sanitized_names_always_match_the_pattern(name: str) -> None:
    assert TOOL_NAME_PATTERN.match(sanitize_tool_name(name))


def test_unique_name_counts_up_from_two() -> None:
    assert unique_tool_name("a", set()) == "a"
    assert unique_tool_name("a", {"a"}) == "a_2"
    assert unique_tool_name("a", {"a", "a_2"}) == "a_3"


def test_unique_name_stays_within_64_characters() -> None:
    long = "n" * 64
    result = unique_tool_name(long, {long})
    assert len(result) == 64
    assert result.endswith("_2")


def test_join_uses_double_underscore() -> None:
    assert join_tool_name("server", "tool") == "server__tool"
