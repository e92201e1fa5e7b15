"""Providers: the `Provider` protocol, the registry of model strings, and the providers.

Names are imported lazily on first access; a provider's module (and its SDK) is imported only
when a model of that provider is built through `create_provider`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from fastagent._lazy import lazy_exports

if TYPE_CHECKING:
    from fastagent.providers.base import BaseProvider, CompletionRequest, Provider
    from fastagent.providers.model_strings import (
        ModelSpec,
        ProviderEntry,
        ProviderRegistry,
        create_provider,
        parse_model_string,
    )
    from fastagent.providers.passthrough import PassthroughProvider
    from fastagent.providers.playback import PlaybackProvider

__all__ = [
    "BaseProvider",
    "CompletionRequest",
    "ModelSpec",
    "PassthroughProvider",
    "PlaybackProvider",
    "Provider",
    "ProviderEntry",
    "ProviderRegistry",
    "create_provider",
    "parse_model_string",
]

_LAZY: dict[str, str] = {
    "BaseProvider": "fastagent.providers.base",
    "CompletionRequest": "fastagent.providers.base",
    "Provider": "fastagent.providers.base",
    "PassthroughProvider": "fastagent.providers.passthrough",
    "PlaybackProvider": "fastagent.providers.playback",
    "ModelSpec": "fastagent.providers.model_strings",
    "ProviderEntry": "fastagent.providers.model_strings",
    "ProviderRegistry": "fastagent.providers.model_strings",
    "create_provider": "fastagent.providers.model_strings",
    "parse_model_string": "fastagent.providers.model_strings",
}


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)
