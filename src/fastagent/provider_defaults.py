"""What each built-in API provider needs from its surroundings, in one table.

Each provider declares the environment variable(s) holding its API key, its default base URL
and the pip extra that installs its SDK. The config loader (conventional key variables),
the providers (error hints, the generic server's default endpoint, missing-SDK errors) and
``fastagent check`` all read this table, so adding a provider is one row.

The module imports nothing beyond `typing`: ``fastagent --help`` loads it.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = [
    "PROVIDER_DEFAULTS",
    "ProviderDefaults",
    "api_key_variable",
    "credentials_hint",
    "settings_key",
    "settings_section",
]


class ProviderDefaults(NamedTuple):
    """One provider's API key variables, default endpoint and SDK.

    Attributes:
        name: The provider part of model strings (``anthropic`` in ``anthropic.claude-...``),
            and its settings key unless `settings` names another.
        api_key_vars: Environment variables that supply its key, in the order they are
            tried; the first is the one named in hints. Empty for a provider whose SDK finds
            its own credentials (Bedrock: the AWS credential chain).
        base_url: The endpoint used when the settings name none (``{region}`` stands for the
            configured region); empty when each user has their own (Azure), supplied by
            `endpoint_vars`.
        sdk: The import name of the SDK it calls.
        extra: The fastagent extra that installs the SDK (``pip install 'fastagent[extra]'``).
        credentials: For a provider without key variables: where its credentials come from,
            as one line for hints.
        settings: The settings section it reads when that is another provider's (the
            Responses API shares ``openai``); empty for its own section, `name`.
        endpoint_vars: Environment variables that supply the endpoint when `base_url` is
            empty, in the order they are tried.
    """

    name: str
    api_key_vars: tuple[str, ...]
    base_url: str
    sdk: str
    extra: str
    credentials: str = ""
    settings: str = ""
    endpoint_vars: tuple[str, ...] = ()


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
            "responses",
            ("OPENAI_API_KEY",),
            "https://api.openai.com/v1",
            sdk="openai",
            extra="openai",
            settings="openai",
        ),
        ProviderDefaults(
            "azure",
            ("AZURE_OPENAI_API_KEY",),
            "",
            sdk="openai",
            extra="openai",
            endpoint_vars=("AZURE_OPENAI_ENDPOINT",),
        ),
        ProviderDefaults(
            "generic",
            ("GENERIC_API_KEY",),
            "http://localhost:11434/v1",
            sdk="openai",
            extra="openai",
        ),
        ProviderDefaults(
            "google",
            ("GEMINI_API_KEY", "GOOGLE_API_KEY"),
            "https://generativelanguage.googleapis.com",
            sdk="google.genai",
            extra="google",
        ),
        ProviderDefaults(
            "bedrock",
            (),
            "https://bedrock-runtime.{region}.amazonaws.com",
            sdk="boto3",
            extra="bedrock",
            credentials=(
                "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or an instance "
                "role; and a region (AWS_REGION or bedrock.region)"
            ),
        ),
    )
}
"""The providers that call an API, by name (test providers need no key, URL or extra)."""


def api_key_variable(provider: str) -> str:
    """The environment variable named in hints about `provider`'s key.

    A provider outside the table (a preset, a plugin) gets ``<PROVIDER>_API_KEY``.
    """
    entry = PROVIDER_DEFAULTS.get(provider)
    if entry is not None and entry.api_key_vars:
        return entry.api_key_vars[0]
    return f"{provider.upper()}_API_KEY"


def credentials_hint(provider: str) -> str:
    """The hint for rejected or missing credentials of `provider`."""
    entry = PROVIDER_DEFAULTS.get(provider)
    if entry is not None and entry.credentials:
        return f"check the credentials: {entry.credentials}"
    return (
        f"check the API key ({api_key_variable(provider)} or {settings_section(provider)}.api_key)"
    )


def settings_section(provider: str) -> str:
    """The settings section `provider` reads: its own name unless its row names another."""
    entry = PROVIDER_DEFAULTS.get(provider)
    return entry.settings or entry.name if entry is not None else provider


def settings_key(provider: str) -> str:
    """The config key of `provider`'s settings block, for hints that name a setting.

    A built-in API provider has a top-level block (``anthropic``; ``responses`` reads
    ``openai``); every other provider (a preset such as ``ollama`` or ``openrouter``, or a
    named OpenAI-compatible server) is configured under ``providers`` (``providers.ollama``),
    so its key is ``providers.ollama.base_url``, not ``ollama.base_url``.
    """
    return settings_section(provider) if provider in PROVIDER_DEFAULTS else f"providers.{provider}"
