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
        MCPRootSettings,
        MCPServerSettings,
        MCPSettings,
        SamplingSettings,
    )
    from fastagent.config.models import (
        AnthropicSettings,
        AzureSettings,
        GenericSettings,
        LoggerSettings,
        OpenAISettings,
        ProviderSettings,
        Settings,
    )
    from fastagent.config.redaction import redacted

__all__ = [
    "AnthropicSettings",
    "AzureSettings",
    "ElicitationSettings",
    "GenericSettings",
    "LoadedConfig",
    "LoggerSettings",
    "MCPRootSettings",
    "MCPServerSettings",
    "MCPSettings",
    "OpenAISettings",
    "ProviderSettings",
    "SamplingSettings",
    "Settings",
    "find_config_file",
    "load_config",
    "redacted",
]

_LAZY: dict[str, str] = {
    "AnthropicSettings": "fastagent.config.models",
    "AzureSettings": "fastagent.config.models",
    "ElicitationSettings": "fastagent.config.mcp_settings",
    "GenericSettings": "fastagent.config.models",
    "LoadedConfig": "fastagent.config.loader",
    "LoggerSettings": "fastagent.config.models",
    "MCPRootSettings": "fastagent.config.mcp_settings",
    "MCPServerSettings": "fastagent.config.mcp_settings",
    "MCPSettings": "fastagent.config.mcp_settings",
    "OpenAISettings": "fastagent.config.models",
    "ProviderSettings": "fastagent.config.models",
    "SamplingSettings": "fastagent.config.mcp_settings",
    "Settings": "fastagent.config.models",
    "find_config_file": "fastagent.config.discovery",
    "load_config": "fastagent.config.loader",
    "redacted": "fastagent.config.redaction",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
