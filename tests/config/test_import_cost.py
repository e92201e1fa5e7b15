from __future__ import annotations

import json
import subprocess
import sys

import fastagent.config

PROBE = """
import json, sys
import fastagent.config
before = sorted(m for m in ("pydantic", "yaml", "pydantic_settings", "dotenv") if m in sys.modules)
fastagent.config.load_config
fastagent.config.Settings
fastagent.config.MCPServerSettings
after = sorted(m for m in ("pydantic_settings", "mcp", "anthropic", "openai") if m in sys.modules)
print(json.dumps({"before": before, "after": after}))
"""


def test_importing_config_is_lazy_and_never_imports_pydantic_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout)
    assert modules["before"] == []
    assert modules["after"] == []


def test_public_names_are_exactly_the_documented_ones() -> None:
    assert sorted(fastagent.config.__all__) == [
        "AnthropicSettings",
        "ElicitationSettings",
        "GenericSettings",
        "IdPSettings",
        "LoadedConfig",
        "LoggerSettings",
        "MCPRootSettings",
        "MCPServerSettings",
        "MCPSettings",
        "OAuthSettings",
        "OpenAISettings",
        "ProviderSettings",
        "SamplingSettings",
        "Settings",
        "find_config_file",
        "load_config",
        "redacted",
    ]
    for name in fastagent.config.__all__:
        assert getattr(fastagent.config, name) is not None
    assert dir(fastagent.config) == sorted(fastagent.config.__all__)


def test_unknown_attribute_is_an_attribute_error() -> None:
    try:
        fastagent.config.NoSuchThing  # noqa: B018
    except AttributeError as error:
        assert "NoSuchThing" in str(error)
    else:
        raise AssertionError("expected AttributeError")
