from __future__ import annotations

import pytest
from pydantic import SecretStr, ValidationError

from fastagent.config import (
    GenericSettings,
    LoggerSettings,
    MCPServerSettings,
    ProviderSettings,
    Settings,
)


def test_defaults_match_the_documented_values() -> None:
    settings = Settings()
    assert settings.default_model is None
    assert settings.model_aliases == {}
    assert settings.logger == LoggerSettings(
        level="warning",
        type="console",
        path="fastagent.jsonl",
        show_chat=True,
        show_tools=True,
        progress_display=True,
    )
    assert settings.generic.base_url == "http://localhost:11434/v1"
    assert settings.anthropic.base_url is None
    assert settings.openai.max_retries == 3
    assert settings.anthropic.api_key is None
    assert settings.providers == {}
    assert settings.mcp.servers == {}
    assert settings.agents == {}


def test_provider_rate_limits_are_optional_and_positive() -> None:
    provider = ProviderSettings(max_concurrent=2, requests_per_minute=60, tokens_per_minute=1000)
    assert (provider.max_concurrent, provider.requests_per_minute) == (2, 60)
    with pytest.raises(ValidationError, match="greater than or equal to 1"):
        ProviderSettings(max_concurrent=0)
    with pytest.raises(ValidationError, match="greater than 0"):
        ProviderSettings(timeout=0)


def test_api_key_is_a_secret() -> None:
    provider = GenericSettings(api_key="sk-123")
    assert isinstance(provider.api_key, SecretStr)
    assert provider.api_key.get_secret_value() == "sk-123"
    assert "sk-123" not in repr(provider)


def test_named_provider_presets_are_generic_settings() -> None:
    settings = Settings.model_validate({"providers": {"ollama": {"base_url": "http://h:1/v1"}}})
    assert isinstance(settings.providers["ollama"], GenericSettings)
    assert settings.providers["ollama"].base_url == "http://h:1/v1"


@pytest.mark.parametrize(
    ("data", "transport"),
    [
        ({"url": "http://localhost:8000/mcp"}, "http"),
        ({"command": "uvx", "args": ["mcp-server-time"]}, "stdio"),
        ({"transport": "sse", "url": "http://localhost:8000/sse"}, "sse"),
        ({"transport": None, "url": "http://x/mcp"}, "http"),
    ],
)
def test_transport_is_inferred_when_omitted(data: dict[str, object], transport: str) -> None:
    assert MCPServerSettings.model_validate(data).transport == transport


def test_server_defaults() -> None:
    server = MCPServerSettings(command="uvx")
    assert server.init_timeout == 30
    assert server.load_on_start is True
    assert server.reconnect is False
    assert server.ping_interval is None
    assert server.sampling.enabled is True
    assert server.sampling.model is None
    assert server.elicitation.mode == "auto"
    assert server.include_tools == server.exclude_tools == []


def test_stdio_server_without_command_is_rejected_with_the_fix() -> None:
    with pytest.raises(ValidationError, match="a stdio server needs 'command'"):
        MCPServerSettings.model_validate({"args": ["x"]})


@pytest.mark.parametrize("transport", ["http", "sse"])
def test_remote_server_without_url_is_rejected_with_the_fix(transport: str) -> None:
    with pytest.raises(ValidationError, match=f"an {transport} server needs 'url'; set url"):
        MCPServerSettings.model_validate({"transport": transport, "command": "x"})


def test_scalar_args_env_and_headers_become_text() -> None:
    server = MCPServerSettings.model_validate(
        {
            "command": "server",
            "args": ["--port", 8080, "--debug", True],
            "env": {"PORT": 8080, "VERBOSE": False, "RATIO": 0.5},
        }
    )
    assert server.args == ["--port", "8080", "--debug", "true"]
    assert server.env == {"PORT": "8080", "VERBOSE": "false", "RATIO": "0.5"}
    remote = MCPServerSettings.model_validate({"url": "http://x", "headers": {"X-Id": 7}})
    assert remote.headers == {"X-Id": "7"}


def test_roots_sampling_and_elicitation_parse() -> None:
    server = MCPServerSettings.model_validate(
        {
            "command": "fs",
            "roots": [{"uri": "file:///tmp", "name": "tmp"}],
            "sampling": {"model": "haiku", "enabled": False},
            "elicitation": {"mode": "decline"},
        }
    )
    assert server.roots[0].uri == "file:///tmp"
    assert server.roots[0].name == "tmp"
    assert server.sampling.model == "haiku"
    assert server.sampling.enabled is False
    assert server.elicitation.mode == "decline"


def test_unknown_keys_are_forbidden_at_every_level() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Settings.model_validate({"logger": {"levl": "debug"}})
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Settings.model_validate({"mcp": {"servers": {"a": {"command": "x", "cmd": "y"}}}})


def test_agents_is_a_loose_mapping_for_now() -> None:
    settings = Settings.model_validate({"agents": {"helper": {"anything": [1, 2]}}})
    assert settings.agents == {"helper": {"anything": [1, 2]}}


def test_inferred_transport_is_not_marked_as_written() -> None:
    from fastagent.config import MCPServerSettings

    inferred = MCPServerSettings(url="http://127.0.0.1:1/mcp")
    written = MCPServerSettings(url="http://127.0.0.1:1/mcp", transport="http")
    assert inferred.transport == written.transport == "http"
    assert "transport" not in inferred.model_fields_set
    assert "transport" in written.model_fields_set
