from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from pydantic import SecretStr

from fastagent._redact import secret_values
from fastagent.config import LoadedConfig, redacted
from fastagent.config.redaction import redact_value

Load = Callable[..., LoadedConfig]
Write = Callable[[Path, str], Path]


def test_secret_values_are_collected() -> None:
    data = {
        "api_key": SecretStr("sk-1"),
        "empty": SecretStr(""),
        "env": {"GITHUB_TOKEN": "ghp_x", "PATH": "/bin"},
        "headers": [{"Authorization": "Bearer abc"}],
    }
    assert secret_values(data) == {"sk-1", "ghp_x", "Bearer abc"}


def test_secret_values_walk_settings_models_too() -> None:
    from fastagent.config import Settings

    settings = Settings.model_validate(
        {
            "openai": {"api_key": "sk-model"},
            "mcp": {
                "servers": {
                    "gh": {
                        "command": "gh-mcp",
                        "env": {"GITHUB_TOKEN": "ghp_model"},
                        "args": ("--x",),
                    }
                }
            },
        }
    )
    assert secret_values(settings) == {"sk-model", "ghp_model"}
    assert secret_values(settings) == secret_values(settings.model_dump())


def test_secrets_inside_other_strings_are_masked() -> None:
    data = {
        "env": {"SERVICE_TOKEN": "tok-0123456789abcdef"},
        "args": ["--token=tok-0123456789abcdef", "--header", "Authorization: Bearer xyz"],
        "url": "https://host/mcp?key=tok-0123456789abcdef",
    }
    result = redact_value(data)
    assert "tok-0123456789abcdef" not in str(result)
    assert "xyz" not in str(result)
    assert result["args"][1] == "--header"


def test_redact_value_keeps_structure_and_non_secrets() -> None:
    data = {
        "api_key": SecretStr("sk-1"),
        "unset": None,
        "tokens_per_minute": 1000,
        "env": {"GITHUB_TOKEN": "ghp_x", "PATH": "/bin", "EMPTY_TOKEN": ""},
        "args": ["--verbose"],
    }
    assert redact_value(data) == {
        "api_key": "***",
        "unset": None,
        "tokens_per_minute": 1000,
        "env": {"GITHUB_TOKEN": "***", "PATH": "/bin", "EMPTY_TOKEN": ""},
        "args": ["--verbose"],
    }


def test_redacted_config_never_contains_a_secret(load: Load, project: Path, write: Write) -> None:
    write(
        project / "fastagent.yaml",
        "mcp:\n"
        "  servers:\n"
        "    gh:\n"
        "      url: http://localhost/mcp\n"
        "      headers: {Authorization: Bearer ghp-header-secret, Accept: json}\n"
        "    local:\n"
        "      command: srv\n"
        "      env: {SERVICE_API_KEY: sk-env-secret, MODE: fast}\n"
        "providers:\n"
        "  ollama: {api_key: sk-preset-secret}\n",
    )
    loaded = load(env={"ANTHROPIC_API_KEY": "sk-ant-secret"})
    config = redacted(loaded)
    text = json.dumps(config)
    for secret in ["ghp-header-secret", "sk-env-secret", "sk-preset-secret", "sk-ant-secret"]:
        assert secret not in text
    assert config["anthropic"]["api_key"] == "***"
    assert config["openai"]["api_key"] is None
    assert config["mcp"]["servers"]["gh"]["headers"] == {"Authorization": "***", "Accept": "json"}
    assert config["mcp"]["servers"]["local"]["env"] == {"SERVICE_API_KEY": "***", "MODE": "fast"}
    assert config["providers"]["ollama"]["api_key"] == "***"
    assert config["logger"]["level"] == "warning"
