from __future__ import annotations

import pytest

from fastagent.config.env_source import EnvSetting, parse_env_value, settings_from_env


def test_prefix_and_double_underscore_nesting() -> None:
    env = {
        "FASTAGENT_LOGGER__LEVEL": "debug",
        "FASTAGENT_DEFAULT_MODEL": "sonnet",
        "FASTAGENT_MCP__SERVERS__FETCH__URL": "http://x/mcp",
        "PATH": "/bin",
        "FASTAGENT_CONFIG": "/somewhere.yaml",
    }
    assert settings_from_env(env, {}) == [
        EnvSetting("FASTAGENT_DEFAULT_MODEL", ("default_model",), "sonnet"),
        EnvSetting("FASTAGENT_LOGGER__LEVEL", ("logger", "level"), "debug"),
        EnvSetting(
            "FASTAGENT_MCP__SERVERS__FETCH__URL", ("mcp", "servers", "fetch", "url"), "http://x/mcp"
        ),
    ]


def test_names_are_case_insensitive_and_reuse_existing_spelling() -> None:
    existing = {"mcp": {"servers": {"GitHub": {"command": "x"}}}}
    env = {"fastagent_mcp__servers__GITHUB__command": "y"}
    [setting] = settings_from_env(env, existing)
    assert setting.path == ("mcp", "servers", "GitHub", "command")


def test_shallow_settings_come_before_deeper_ones() -> None:
    env = {
        "FASTAGENT_MCP__SERVERS__A__ARGS": "[x]",
        "FASTAGENT_MCP__SERVERS": '{"a": {"command": "c"}}',
    }
    paths = [setting.path for setting in settings_from_env(env, {})]
    assert paths == [("mcp", "servers"), ("mcp", "servers", "a", "args")]


@pytest.mark.parametrize(
    ("raw", "path", "expected"),
    [
        ("false", ("logger", "show_chat"), False),
        ("5", ("anthropic", "max_retries"), 5),
        ("2.5", ("openai", "timeout"), 2.5),
        ("[a, b]", ("mcp", "servers", "s", "args"), ["a", "b"]),
        ('["a", "b"]', ("mcp", "servers", "s", "include_tools"), ["a", "b"]),
        ('{"K": "v"}', ("mcp", "servers", "s", "env"), {"K": "v"}),
        ("null", ("mcp", "servers", "s", "ping_interval"), None),
        # text settings keep the value as written, even when it looks like YAML
        ("12345", ("anthropic", "api_key"), "12345"),
        ("yes", ("default_model",), "yes"),
        ("3.5", ("model_aliases", "x"), "3.5"),
        ("debug", ("logger", "level"), "debug"),
        # not text, but not a YAML value either: kept as written
        ("http://x: y", ("mcp", "servers", "s", "url"), "http://x: y"),
        ("[unclosed", ("mcp", "servers", "s", "args"), "[unclosed"),
        ("2024-01-01", ("agents", "x"), "2024-01-01"),
    ],
)
def test_values_are_parsed_by_the_type_of_their_setting(
    raw: str, path: tuple[str, ...], expected: object
) -> None:
    assert parse_env_value(raw, path) == expected
