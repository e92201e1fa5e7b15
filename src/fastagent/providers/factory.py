"""`ModelFactory`: from settings and model strings to ready, reliable providers.

The factory decides which model an agent uses, builds its provider with that provider's
settings block, and wraps it in a `ReliableProvider` (retries, rate limits). Which model:

1. the factory's ``override``: ``--model`` on the command line (`RunOptions.model`);
2. ``model`` / ``agent_model``: what the code or the agent declaration asks for;
3. ``settings.default_model``: from the config files, or from ``FASTAGENT_DEFAULT_MODEL``
   when the settings were loaded by `load_config` (the loader lets the environment beat the
   files, as for every setting; `default_source` then says ``env``);
4. ``FASTAGENT_DEFAULT_MODEL`` in the process environment, for settings built in code;
5. ``passthrough``, the built-in default.

Every provider name has one `RateLimiter`, shared by all the agents using it. A provider's
module (and its SDK) is imported when its first model is built.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from fastagent.exceptions import MissingAPIKeyError, UserError
from fastagent.provider_defaults import PROVIDER_DEFAULTS
from fastagent.providers.model_strings import (
    BUILTIN_PROVIDERS,
    GENERIC_TARGET,
    ModelSpec,
    ProviderEntry,
    ProviderRegistry,
)
from fastagent.providers.presets import BUILTIN_PRESETS, KEYLESS_API_KEY
from fastagent.providers.ratelimit import RateLimiter
from fastagent.providers.reliability import ReliableProvider
from fastagent.providers.retry import RetryPolicy

if TYPE_CHECKING:
    from fastagent.config.settings import GenericSettings, ProviderSettings, Settings
    from fastagent.events import EventBus
    from fastagent.providers.model_catalogue import ModelInfo

__all__ = ["BUILTIN_DEFAULT_MODEL", "DEFAULT_MODEL_ENV_VAR", "ModelFactory"]

BUILTIN_DEFAULT_MODEL: Final = "passthrough"
"""The model used when nothing names one."""

DEFAULT_MODEL_ENV_VAR: Final = "FASTAGENT_DEFAULT_MODEL"
"""The environment variable naming the default model."""

_CORE_PROVIDERS: Final = tuple(PROVIDER_DEFAULTS)  # each has a settings block of its own
_RESERVED: Final = frozenset({*(e.name for e in BUILTIN_PROVIDERS)} - set(BUILTIN_PRESETS))


class ModelFactory:
    """Resolves model strings with the configured aliases and builds reliable providers.

    Args:
        settings: The app's settings (aliases, provider blocks, presets, default model).
        events: Where providers publish `RetryScheduled` events.
        sources: `LoadedConfig.sources`, to tell a default model set by
            ``FASTAGENT_DEFAULT_MODEL`` from one set in a file.
        environ: The environment (defaults to ``os.environ``): ``FASTAGENT_DEFAULT_MODEL``
            and the key variables of presets (``OPENROUTER_API_KEY``, ...).
        override: A model string that wins over every other step of `resolve` (the
            command line's ``--model``).

    Raises:
        UserError: A config ``providers.<name>`` reuses the name of a built-in provider.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        events: EventBus | None = None,
        sources: Mapping[str, str] | None = None,
        environ: Mapping[str, str] | None = None,
        override: str | None = None,
    ) -> None:
        self.settings = settings
        self.events = events
        self.override = override or None
        self._sources = dict(sources or {})
        self._environ = os.environ if environ is None else environ
        clashes = sorted(set(settings.providers) & _RESERVED)
        if clashes:
            raise UserError(
                f"providers.{clashes[0]} reuses the name of a built-in provider",
                hint=f"rename it, or configure the built-in one under the top-level "
                f"'{clashes[0]}' key",
            )
        extra = [
            ProviderEntry(name, GENERIC_TARGET, "", f"OpenAI-compatible server '{name}' (config)")
            for name in settings.providers
            if name not in BUILTIN_PRESETS
        ]
        self.registry = ProviderRegistry(
            [*BUILTIN_PROVIDERS, *extra], aliases=settings.model_aliases
        )
        self._limiters: dict[str, RateLimiter | None] = {}
        self._preset_settings: dict[str, GenericSettings] = {}
        self._built: list[ReliableProvider] = []
        self._shared: dict[tuple[str, str, tuple[tuple[str, str], ...]], ReliableProvider] = {}

    @property
    def default_model(self) -> str:
        """The model string used when neither the command line nor the agent names one."""
        return self._default()[0]

    @property
    def default_source(self) -> str:
        """Which step chose `default_model`: ``settings``, ``env``, ``cli`` or ``builtin``.

        ``cli`` means a command-line override of ``default_model`` given to the config loader.
        """
        return self._default()[1]

    def resolve(self, model: str | None = None, *, agent_model: str | None = None) -> ModelSpec:
        """The model to use, parsed, with `ModelSpec.chosen_by` naming the step that chose it.

        The factory's `override` (``--model``) wins over both arguments (step ``cli``).

        Args:
            model: The model the code asks for (same step as `agent_model`, checked first).
            agent_model: The model of the agent's declaration.

        Raises:
            UnknownModelError: The chosen string names no known provider, alias or model.
            UserError: The string's reasoning level is unknown.
        """
        for text, step in ((self.override, "cli"), (model, "agent"), (agent_model, "agent")):
            if text:
                return dataclasses.replace(self.registry.parse(text), chosen_by=step)
        text, step = self._default()
        return dataclasses.replace(self.registry.parse(text), chosen_by=step)

    def create(
        self, model: str | None = None, *, agent_model: str | None = None, **options: Any
    ) -> ReliableProvider:
        """Resolve the model (see `resolve`) and build its provider (see `build`)."""
        return self.build(self.resolve(model, agent_model=agent_model), **options)

    def build(self, spec: ModelSpec, **options: Any) -> ReliableProvider:
        """Build the provider of `spec`, with its settings block, wrapped for reliability.

        Args:
            spec: A parsed model string.
            **options: Keyword options for the provider (e.g. ``http_client``); they override
                the settings the factory passes and the model string's options.

        Returns:
            A provider. Agents asking for the same model string (and no `options`) get the
            same instance when the provider is `shareable`, so they share one SDK client,
            connection pool and rate limiter.

        Raises:
            UnknownModelError: The spec names no known provider.
            MissingAPIKeyError: A hosted preset has no key in config or its variable.
            MissingDependencyError: The provider's SDK is not installed.
            UserError: An option the provider does not accept.
        """
        key = (spec.provider, spec.model, tuple(sorted(spec.options.items())))
        if not options and (shared := self._shared.get(key)) is not None:
            return shared
        block = self.settings_for(spec.provider)
        inner = self.registry.build(spec, **{**self._provider_kwargs(spec.provider), **options})
        provider = ReliableProvider(
            inner,
            policy=RetryPolicy(max_retries=block.max_retries if block is not None else 0),
            limiter=self.limiter(spec.provider),
            events=self.events,
            name=spec.provider,
        )
        self._built.append(provider)
        if not options and getattr(inner, "shareable", False):
            self._shared[key] = provider
        return provider

    async def aclose(self) -> None:
        """Close every provider this factory built (their SDK clients and connections)."""
        built, self._built = self._built, []
        self._shared.clear()
        for provider in built:
            await provider.aclose()

    def model_info(self, spec: ModelSpec) -> ModelInfo:
        """What the catalogue knows about the model of `spec`."""
        from fastagent.providers.model_catalogue import lookup

        return lookup(spec.provider, spec.model)

    def settings_for(self, provider: str) -> ProviderSettings | None:
        """The settings block of `provider` (presets: built-in values overlaid by config).

        Returns:
            ``settings.anthropic`` / ``.openai`` / ``.generic``, a preset's settings, or None
            for providers without settings (passthrough, playback).
        """
        if provider in _CORE_PROVIDERS:
            block: ProviderSettings = getattr(self.settings, provider)
            return block
        if provider in self._preset_names():
            return self._preset(provider)
        return None

    def limiter(self, provider: str) -> RateLimiter | None:
        """The one rate limiter of `provider`, or None when its settings set no limit."""
        if provider not in self._limiters:
            block = self.settings_for(provider)
            self._limiters[provider] = (
                RateLimiter.from_settings(block) if block is not None else None
            )
        return self._limiters[provider]

    def _default(self) -> tuple[str, str]:
        configured = self.settings.default_model
        if configured:
            source = self._sources.get("default_model", "file")
            return configured, source if source in ("env", "cli") else "settings"
        from_env = self._environ.get(DEFAULT_MODEL_ENV_VAR)
        if from_env:
            return from_env, "env"
        return BUILTIN_DEFAULT_MODEL, "builtin"

    def _preset_names(self) -> set[str]:
        return {*BUILTIN_PRESETS, *self.settings.providers}

    def _preset(self, name: str) -> GenericSettings:
        cached = self._preset_settings.get(name)
        if cached is not None:
            return cached
        from pydantic import SecretStr

        from fastagent.config.settings import GenericSettings

        preset = BUILTIN_PRESETS.get(name)
        merged = GenericSettings() if preset is None else GenericSettings(base_url=preset.base_url)
        configured = self.settings.providers.get(name)
        if configured is not None:
            updates = {key: getattr(configured, key) for key in configured.model_fields_set}
            merged = merged.model_copy(update=updates)
        if merged.api_key is None:
            key = self._environ.get(_key_env_var(name))
            if key:
                merged = merged.model_copy(update={"api_key": SecretStr(key)})
        self._preset_settings[name] = merged
        return merged

    def _provider_kwargs(self, provider: str) -> dict[str, Any]:
        block = self.settings_for(provider)
        if block is None:
            return {}
        if provider in _CORE_PROVIDERS:
            return {"settings": block}
        preset = BUILTIN_PRESETS.get(provider)
        if block.api_key is not None:
            key = block.api_key.get_secret_value()
        elif preset is not None and preset.api_key_env is not None:
            raise MissingAPIKeyError(provider, preset.api_key_env)
        else:
            key = KEYLESS_API_KEY
        return {"settings": block, "base_url": block.base_url, "api_key": key, "name": provider}


def _key_env_var(preset_name: str) -> str:
    preset = BUILTIN_PRESETS.get(preset_name)
    if preset is not None and preset.api_key_env is not None:
        return preset.api_key_env
    return f"{preset_name.upper()}_API_KEY"
