"""Model strings to providers: `create_provider` and the `ProviderRegistry` behind it.

A model string reads ``provider.model[.level][?key=value&...]`` or ``alias[.level][?...]``:
``anthropic.claude-sonnet-4-5``, ``sonnet``, ``o3.high``, ``ollama.llama3.2``,
``gpt-4.1?temperature=0.2``, ``playback?file=run.json``. Model names contain dots, so the text
before the first dot is the provider only when it names one; a last dot-part that is a
reasoning level (minimal, low, medium, high) becomes the ``reasoning`` option. A bare model id
of a known family (``claude-…``, ``gpt-…``, ``o3-mini``) finds its provider by itself.
Aliases registered by the user win over the built-in ones (`fastagent.providers.aliases`).

Providers are registered as lazy ``"module:attribute"`` strings naming a factory (usually the
provider class), so a provider's module, and its SDK, is imported only when a model of that
provider is built. Query parameters become keyword options of the factory, as strings.
"""

from __future__ import annotations

import difflib
import importlib
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qsl

from fastagent.exceptions import UnknownModelError, UserError
from fastagent.model_params import REASONING_LEVELS
from fastagent.providers.aliases import BUILTIN_ALIASES, infer_provider
from fastagent.providers.presets import BUILTIN_PRESETS

if TYPE_CHECKING:
    from fastagent.providers.base import Provider

__all__ = [
    "BUILTIN_PROVIDERS",
    "GENERIC_TARGET",
    "ModelSpec",
    "ProviderEntry",
    "ProviderRegistry",
    "create_provider",
    "parse_model_string",
]


@dataclass(frozen=True, slots=True)
class ProviderEntry:
    """A registered provider.

    Attributes:
        name: The provider part of model strings (``passthrough`` in ``passthrough.x``).
        target: ``"module:attribute"`` of a factory ``(model: str, **options) -> Provider``,
            or the factory itself.
        default_model: The model used when the string names only the provider; empty when
            the string must name a model (``ollama.llama3.2``).
        description: One line for listings.
    """

    name: str
    target: str | Callable[..., Provider]
    default_model: str
    description: str = ""

    def load(self) -> Callable[..., Provider]:
        """Import the factory (this is where the provider's module is first imported)."""
        if not isinstance(self.target, str):
            return self.target
        module_name, _, attribute = self.target.partition(":")
        factory: Callable[..., Provider] = getattr(importlib.import_module(module_name), attribute)
        return factory


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A parsed model string.

    Attributes:
        provider: The provider's registry name.
        model: The model name passed to the provider's factory.
        options: Query parameters (``?key=value``) and the reasoning suffix, as strings.
        source: The model string as given.
        chosen_by: Which step of the model precedence chose it (set by `ModelFactory`):
            ``cli``, ``agent``, ``settings``, ``env`` or ``builtin``; empty when parsed
            directly.
    """

    provider: str
    model: str
    options: Mapping[str, str] = field(default_factory=dict)
    source: str = ""
    chosen_by: str = ""

    @property
    def reasoning(self) -> str | None:
        """The reasoning level asked for (``o3.high`` or ``?reasoning=high``), if any."""
        return self.options.get("reasoning")

    @property
    def qualified_name(self) -> str:
        """``provider.model``."""
        return f"{self.provider}.{self.model}"


GENERIC_TARGET: Final = "fastagent.providers.generic:GenericProvider"
"""The factory of OpenAI-compatible servers: ``generic`` and every preset."""

BUILTIN_PROVIDERS: Final[tuple[ProviderEntry, ...]] = (
    ProviderEntry(
        "passthrough",
        "fastagent.providers.passthrough:PassthroughProvider",
        "passthrough",
        "echoes the last user message; understands ***CALL_TOOL, ***FIXED_RESPONSE, ***RAISE",
    ),
    ProviderEntry(
        "playback",
        "fastagent.providers.playback:PlaybackProvider",
        "playback",
        "replays the assistant turns of a recorded conversation (?file=history.json)",
    ),
    ProviderEntry(
        "anthropic",
        "fastagent.providers.anthropic:AnthropicProvider",
        "claude-sonnet-4-6",
        "Anthropic's Claude models (ANTHROPIC_API_KEY)",
    ),
    ProviderEntry(
        "openai",
        "fastagent.providers.openai:OpenAIProvider",
        "gpt-4.1",
        "OpenAI's models (OPENAI_API_KEY)",
    ),
    ProviderEntry(
        "generic",
        GENERIC_TARGET,
        "",
        "any OpenAI-compatible server (config `generic`, GENERIC_API_KEY)",
    ),
    *(
        ProviderEntry(preset.name, GENERIC_TARGET, "", preset.description)
        for preset in BUILTIN_PRESETS.values()
    ),
)
"""The providers every registry starts with (OpenAI-compatible presets included)."""


class ProviderRegistry:
    """Provider names and aliases, resolved to provider instances on demand.

    Args:
        entries: Providers to register (defaults to `BUILTIN_PROVIDERS`).
        aliases: The user's aliases, alias -> model string, e.g. ``{"echo": "passthrough"}``;
            they win over `builtin_aliases`.
        builtin_aliases: The aliases shipped with fastagent (defaults to `BUILTIN_ALIASES`).
    """

    def __init__(
        self,
        entries: Iterable[ProviderEntry] = BUILTIN_PROVIDERS,
        *,
        aliases: Mapping[str, str] | None = None,
        builtin_aliases: Mapping[str, str] = BUILTIN_ALIASES,
    ) -> None:
        self._entries: dict[str, ProviderEntry] = {e.name: e for e in entries}
        self._aliases: dict[str, str] = dict(aliases or {})
        self._builtin_aliases: dict[str, str] = dict(builtin_aliases)

    def register(self, entry: ProviderEntry) -> None:
        """Add a provider, replacing one of the same name."""
        self._entries[entry.name] = entry

    @property
    def providers(self) -> list[str]:
        """Registered provider names, sorted."""
        return sorted(self._entries)

    @property
    def aliases(self) -> dict[str, str]:
        """A copy of the user's alias table (registered or passed in)."""
        return dict(self._aliases)

    @property
    def all_aliases(self) -> dict[str, str]:
        """Built-in and user aliases together, the user's winning."""
        return {**self._builtin_aliases, **self._aliases}

    def entry(self, name: str) -> ProviderEntry:
        """The entry registered under `name`.

        Raises:
            UnknownModelError: No such provider (the message lists close matches).
        """
        found = self._entries.get(name)
        if found is None:
            raise self._unknown(name)
        return found

    def parse(self, model_string: str) -> ModelSpec:
        """Split a model string into provider, model and options (aliases resolved).

        Options come from the alias's own query, then the reasoning suffix, then the string's
        query, later ones winning.

        Raises:
            UnknownModelError: The string names no registered provider, alias or model family.
            UserError: The ``reasoning`` option is not a known level.
        """
        spec = self._parse(model_string, ())
        level = spec.options.get("reasoning")
        if level is not None and level not in REASONING_LEVELS:
            raise UserError(
                f"model '{model_string}': unknown reasoning level '{level}'",
                hint=f"use one of: {', '.join(REASONING_LEVELS)}",
            )
        return spec

    def _parse(self, model_string: str, seen: tuple[str, ...]) -> ModelSpec:
        text = model_string.strip()
        head, _, query = text.partition("?")
        reasoning: str | None = None
        base, dot, last = head.rpartition(".")
        if dot and base and last in REASONING_LEVELS:
            head, reasoning = base, last
        if not head:
            raise UnknownModelError(
                f"empty model name in '{model_string}'",
                hint="name a model, e.g. sonnet, openai.gpt-4.1 or passthrough",
            )
        provider, model, options = self._resolve_head(head, seen)
        if reasoning is not None:
            options["reasoning"] = reasoning
        options.update(parse_qsl(query, keep_blank_values=True))
        return ModelSpec(provider, model, options, model_string)

    def _resolve_head(self, head: str, seen: tuple[str, ...]) -> tuple[str, str, dict[str, str]]:
        target = self._aliases.get(head, self._builtin_aliases.get(head))
        if target is not None:
            if head in seen:
                chain = " -> ".join((*seen, head))
                raise UnknownModelError(
                    f"model alias cycle: {chain}",
                    hint="make one of these aliases name a model, not another alias",
                )
            spec = self._parse(target, (*seen, head))
            return spec.provider, spec.model, dict(spec.options)
        entry = self._entries.get(head)
        if entry is not None:
            if not entry.default_model:
                raise UnknownModelError(
                    f"provider '{head}' needs a model name",
                    hint=f"write {head}.<model>, e.g. {head}.llama3.2",
                )
            return head, entry.default_model, {}
        provider, dot, model = head.partition(".")
        if dot and model and provider in self._entries:
            return provider, *self._same_provider_alias(provider, model, seen)
        inferred = infer_provider(head)
        if inferred is not None and inferred in self._entries:
            return inferred, head, {}
        raise self._unknown(head)

    def _same_provider_alias(
        self, provider: str, model: str, seen: tuple[str, ...]
    ) -> tuple[str, dict[str, str]]:
        """``anthropic.sonnet``: an alias after its own provider's name stands for its model."""
        target = self._aliases.get(model, self._builtin_aliases.get(model))
        if target is None or target == f"{provider}.{model}" or model in seen:
            return model, {}
        spec = self._parse(target, (*seen, model))
        if spec.provider != provider:
            return model, {}
        return spec.model, dict(spec.options)

    def build(self, spec: ModelSpec, **options: Any) -> Provider:
        """Build the provider `spec` names, importing its module now.

        Args:
            spec: A parsed model string.
            **options: Extra keyword options for the provider's factory; they override the
                spec's options of the same name.

        Raises:
            UnknownModelError: The spec names no registered provider.
            UserError: An option the provider does not accept.
        """
        factory = self.entry(spec.provider).load()
        merged: dict[str, Any] = {**spec.options, **options}
        _check_options(factory, merged, spec)
        return factory(spec.model, **merged)

    def create(self, model_string: str, **options: Any) -> Provider:
        """Build the provider a model string names.

        Args:
            model_string: ``provider[.model][?key=value...]`` or an alias.
            **options: Extra keyword options for the provider's factory; they override
                query parameters of the same name.

        Raises:
            UnknownModelError: The string names no registered provider or alias.
            UserError: An option the provider does not accept.
        """
        return self.build(self.parse(model_string), **options)

    def _unknown(self, name: str) -> UnknownModelError:
        from fastagent.providers.model_catalogue import known_models

        aliases = sorted(self.all_aliases)
        candidates = [*self._entries, *aliases, *known_models()]
        close = difflib.get_close_matches(name, candidates, n=3, cutoff=0.6)
        suggestion = f"did you mean {' or '.join(close)}? " if close else ""
        return UnknownModelError(
            f"unknown model '{name}'",
            hint=(
                f"{suggestion}write provider.model; known providers: "
                f"{', '.join(sorted(self._entries))}; aliases: {', '.join(aliases)}"
            ),
        )


def _check_options(
    factory: Callable[..., Any], options: Mapping[str, Any], spec: ModelSpec
) -> None:
    if not options:
        return
    parameters = inspect.signature(factory).parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in parameters.values()):
        return
    accepted = [
        name
        for name, p in parameters.items()
        if p.kind in (inspect.Parameter.KEYWORD_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        and name != "model"
    ]
    unknown = sorted(set(options) - set(accepted))
    if unknown:
        raise UserError(
            f"model '{spec.source}': provider '{spec.provider}' has no option "
            f"{', '.join(repr(u) for u in unknown)}",
            hint=f"valid options: {', '.join(accepted) or 'none'}",
        )


def create_provider(
    model_string: str, *, registry: ProviderRegistry | None = None, **options: Any
) -> Provider:
    """Build the provider a model string names, importing its module only now.

    Args:
        model_string: ``provider[.model][?key=value...]``, e.g. ``"passthrough"`` or
            ``"playback?file=run.json"``.
        registry: The registry to use (defaults to the built-in providers).
        **options: Keyword options for the provider (override query parameters).

    Raises:
        UnknownModelError: The string names no known provider (lists close matches).
        UserError: An option the provider does not accept.
    """
    return (registry or ProviderRegistry()).create(model_string, **options)


def parse_model_string(model_string: str, *, registry: ProviderRegistry | None = None) -> ModelSpec:
    """Split a model string into provider, model and options without building anything.

    Raises:
        UnknownModelError: The string names no known provider (lists close matches).
    """
    return (registry or ProviderRegistry()).parse(model_string)
