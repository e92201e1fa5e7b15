from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fastagent.config.interpolation import substitute_env_vars
from fastagent.exceptions import MissingEnvVarError


def test_substitutes_whole_and_embedded_references() -> None:
    env = {"TOKEN": "abc", "HOST": "example.com"}
    data = {
        "a": "${TOKEN}",
        "b": "Bearer ${TOKEN}",
        "c": ["https://${HOST}/mcp", 3, True],
        "d": {"e": "${HOST}:${TOKEN}"},
    }
    assert substitute_env_vars(data, env) == {
        "a": "abc",
        "b": "Bearer abc",
        "c": ["https://example.com/mcp", 3, True],
        "d": {"e": "example.com:abc"},
    }


def test_default_is_used_when_unset_or_empty() -> None:
    assert substitute_env_vars("${PORT:-8000}", {}) == "8000"
    assert substitute_env_vars("${PORT:-8000}", {"PORT": ""}) == "8000"
    assert substitute_env_vars("${PORT:-8000}", {"PORT": "9"}) == "9"
    assert substitute_env_vars("x${EMPTY:-}y", {}) == "xy"


def test_set_but_empty_variable_without_default_is_empty() -> None:
    assert substitute_env_vars("a${EMPTY}b", {"EMPTY": ""}) == "ab"


def test_double_dollar_escapes() -> None:
    assert substitute_env_vars("$${HOME} and ${HOME}", {"HOME": "/h"}) == "${HOME} and /h"


def test_keys_are_not_substituted() -> None:
    assert substitute_env_vars({"${X}": "v"}, {"X": "y"}) == {"${X}": "v"}


def test_missing_variable_names_variable_key_and_file(tmp_path: Path) -> None:
    path = tmp_path / "fastagent.yaml"
    data = {"mcp": {"servers": {"gh": {"headers": {"Authorization": "Bearer ${GH_TOKEN}"}}}}}
    with pytest.raises(MissingEnvVarError) as caught:
        substitute_env_vars(data, {}, path=path)
    error = caught.value
    assert error.variable == "GH_TOKEN"
    assert error.key == "mcp.servers.gh.headers.Authorization"
    assert error.path == str(path)
    assert error.message == (
        "environment variable GH_TOKEN is not set "
        f"(referenced by mcp.servers.gh.headers.Authorization in {path})"
    )


def test_list_items_are_named_by_index() -> None:
    with pytest.raises(MissingEnvVarError) as caught:
        substitute_env_vars({"args": ["ok", "${NOPE}"]}, {})
    assert caught.value.key == "args[1]"


@given(st.text().filter(lambda text: "$" not in text))
def test_text_without_references_is_unchanged(text: str) -> None:
    assert substitute_env_vars(text, {}) == text


@given(st.text(alphabet=st.characters(blacklist_characters="$}")))
def test_escaped_reference_is_written_literally(body: str) -> None:
    assert substitute_env_vars(f"$${{{body}}}", {}) == f"${{{body}}}"
