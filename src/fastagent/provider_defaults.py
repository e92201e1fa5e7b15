"""What each built-in API provider needs from its surroundings, in one table.

Each provider declares the environment variable(s) holding its API key, its default base URL
and the pip extra that installs its SDK. The config loader (conventional key variables),
the providers (error hints, the generic server's default endpoint, missing-SDK errors) and
``fastagent check`` all read this table, so adding a provider is one row.

The module imports nothing beyond `typing`: ``fastagent --help`` loads it.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["PROVIDER_DEFAULTS", "ProviderDefaults", "api_key_variable", "settings_key"]


class ProviderDefaults(NamedTuple):
    """One provider's API key variables, default endpoint and SDK.

    Attributes:
        name: The provider part of model strings (``anthropic`` in ``anthropic.claude-...``),
            and its settings key.
        api_key_vars: Environment variables that supply its key, in the order they are
            tried; the first is the one named in hints.
        base_url: The endpoint used when the settings name none.
        sdk: The import name of the SDK it calls.
        extra: The fastagent extra that installs the SDK (``pip install 'fastagent[extra]'``).
    """

    name: str
    api_key_vars: tuple[str, ...]
    base_url: str
    sdk: str
    extra: str


PROVIDER_DEFAULTS: Final[dict[str, ProviderDefaults]] = {
    entry.name: entry
    for entry in (
        ProviderDefaults(
            "anthropic",
            ("ANTHROPIC_API_KEY",),
            "https://api.anthropic.com",
            sdk="anthropic",
            extra="anthropic",
        ),
        ProviderDefaults(
            "openai", ("OPENAI_API_KEY",), "https://api.openai.com/v1", sdk="openai", extra="openai"
        ),
        ProviderDefaults(
            "generic",
            ("GENERIC_API_KEY",),
            "http://localhost:11434/v1",
            sdk="openai",
            extra="openai",
        ),
    )
}
"""The providers that call an API, by name (test providers need no key, URL or extra)."""


def api_key_variable(provider: str) -> str:
    """The environment variable named in hints about `provider`'s key.

    A provider outside the table (a preset, a plugin) gets ``<PROVIDER>_API_KEY``.
    """
    entry = PROVIDER_DEFAULTS.get(provider)
    return entry.api_key_vars[0] if entry is not None else f"{provider.upper()}_API_KEY"


def settings_key(provider: str) -> str:
    """The config key of `provider`'s settings block, for hints that name a setting.

    The built-in API providers have a top-level block (``anthropic``); every other provider
    (a preset such as ``ollama`` or ``openrouter``, or a named OpenAI-compatible server) is
    configured under ``providers`` (``providers.ollama``), so its key is
    ``providers.ollama.base_url``, not ``ollama.base_url``.
    """
    return provider if provider in PROVIDER_DEFAULTS else f"providers.{provider}"
