"""The provider table: one row per API provider, read by config, providers and check."""

from __future__ import annotations

import subprocess
import sys

import pytest

from fastagent.cli.commands.check import EXTRAS, PROVIDERS
from fastagent.config import Settings
from fastagent.exceptions import MissingDependencyError
from fastagent.provider_defaults import PROVIDER_DEFAULTS, api_key_variable
from fastagent.providers.errors import error_for_status
from fastagent.providers.generic import GenericProvider
from fastagent.providers.openai import OpenAIProvider


def test_importing_the_table_imports_nothing_beyond_the_package() -> None:
    code = (
        "import sys, json, fastagent\n"
        "before = set(sys.modules)\n"
        "import fastagent.provider_defaults\n"
        "new = sorted(m for m in set(sys.modules) - before if not m.startswith('fastagent'))\n"
        "print(json.dumps(new))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_every_row_has_settings_and_feeds_check() -> None:
    for name, defaults in PROVIDER_DEFAULTS.items():
        assert name in Settings.model_fields, name
        assert defaults.api_key_vars and all(v.endswith("_KEY") for v in defaults.api_key_vars)
        assert defaults.base_url.startswith(("http://", "https://"))
        assert PROVIDERS[name] == defaults.api_key_vars[0]
        assert EXTRAS[defaults.sdk] == defaults.extra
    assert EXTRAS["mcp"] == "mcp"


def test_providers_and_settings_use_the_table() -> None:
    assert Settings().generic.base_url == PROVIDER_DEFAULTS["generic"].base_url
    assert GenericProvider("m").base_url == PROVIDER_DEFAULTS["generic"].base_url
    assert OpenAIProvider.api_key_env_var == PROVIDER_DEFAULTS["openai"].api_key_vars[0]
    assert GenericProvider.api_key_env_var == PROVIDER_DEFAULTS["generic"].api_key_vars[0]
    for name in PROVIDER_DEFAULTS:
        assert api_key_variable(name) in (error_for_status(401, "no", provider=name).hint or "")
    assert api_key_variable("groq") == "GROQ_API_KEY"


def test_missing_sdk_names_the_extra_from_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "openai", None)  # import openai -> ImportError
    provider = OpenAIProvider("gpt-4.1", api_key="sk-test")
    with pytest.raises(MissingDependencyError) as caught:
        provider._sdk_client()
    assert caught.value.hint == f"pip install 'fastagent[{PROVIDER_DEFAULTS['openai'].extra}]'"
