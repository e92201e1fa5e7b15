"""Configuration: the settings models and the loader.

``load_config()`` finds ``fastagent.yaml`` (plus ``fastagent.secrets.yaml`` and ``.env``),
substitutes ``${VAR}``, applies ``FASTAGENT_*`` environment variables and command-line
overrides, validates the result as `Settings` and reports the source of every value.
See docs/configuration.md and docs/adr/0002-config-precedence.md.

Names are imported lazily, so ``import fastagent.config`` stays cheap until one is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.config.discovery import find_config_file
    from fastagent.config.loader import LoadedConfig, load_config
    from fastagent.config.mcp_settings import (
        ElicitationSettings,
        IdPSettings,
        MCPRootSettings,
        MCPServerSettings,
        MCPSettings,
        OAuthSettings,
        SamplingSettings,
    )
    from fastagent.config.redaction import redacted
    from fastagent.config.settings import (
        AnthropicSettings,
        GenericSettings,
        LoggerSettings,
        OpenAISettings,
        ProviderSettings,
        Settings,
    )

__all__ = [
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

_LAZY: dict[str, str] = {
    "AnthropicSettings": "fastagent.config.settings",
    "ElicitationSettings": "fastagent.config.mcp_settings",
    "GenericSettings": "fastagent.config.settings",
    "IdPSettings": "fastagent.config.mcp_settings",
    "LoadedConfig": "fastagent.config.loader",
    "LoggerSettings": "fastagent.config.settings",
    "MCPRootSettings": "fastagent.config.mcp_settings",
    "MCPServerSettings": "fastagent.config.mcp_settings",
    "MCPSettings": "fastagent.config.mcp_settings",
    "OAuthSettings": "fastagent.config.mcp_settings",
    "OpenAISettings": "fastagent.config.settings",
    "ProviderSettings": "fastagent.config.settings",
    "SamplingSettings": "fastagent.config.mcp_settings",
    "Settings": "fastagent.config.settings",
    "find_config_file": "fastagent.config.discovery",
    "load_config": "fastagent.config.loader",
    "redacted": "fastagent.config.redaction",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
