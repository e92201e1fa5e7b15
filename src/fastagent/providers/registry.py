"""Model strings to providers: `create_provider` and the `ProviderRegistry` behind it.

A model string reads ``provider[.model][?key=value&...]``: ``passthrough``,
``playback?file=run.json``, later ``anthropic.claude-sonnet-4`` or an alias such as
``sonnet``. Providers are registered as lazy ``"module:attribute"`` strings naming a factory
(usually the provider class), so a provider's module, and its SDK, is imported only when a
model of that provider is built. Query parameters become keyword options of the factory.
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

if TYPE_CHECKING:
    from fastagent.providers.base import Provider

__all__ = [
    "BUILTIN_PROVIDERS",
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
        target: ``"module:attribute"`` of a factory ``(model: str, **options) -> Provider``.
        default_model: The model used when the string names only the provider.
        description: One line for listings.
    """

    name: str
    target: str
    default_model: str
    description: str = ""

    def load(self) -> Callable[..., Provider]:
        """Import the factory (this is where the provider's module is first imported)."""
        module_name, _, attribute = self.target.partition(":")
        factory: Callable[..., Provider] = getattr(importlib.import_module(module_name), attribute)
        return factory


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """A parsed model string.

    Attributes:
        provider: The provider's registry name.
        model: The model name passed to the provider's factory.
        options: Query parameters (``?key=value``), as strings.
        source: The model string as given.
    """

    provider: str
    model: str
    options: Mapping[str, str] = field(default_factory=dict)
    source: str = ""


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
)
"""The providers every registry starts with."""


class ProviderRegistry:
    """Provider names and aliases, resolved to provider instances on demand.

    Args:
        entries: Providers to register (defaults to `BUILTIN_PROVIDERS`).
        aliases: Alias to full model string, e.g. ``{"echo": "passthrough"}``.
    """

    def __init__(
        self,
        entries: Iterable[ProviderEntry] = BUILTIN_PROVIDERS,
        *,
        aliases: Mapping[str, str] | None = None,
    ) -> None:
        self._entries: dict[str, ProviderEntry] = {e.name: e for e in entries}
        self._aliases: dict[str, str] = dict(aliases or {})

    def register(self, entry: ProviderEntry) -> None:
        """Add a provider, replacing one of the same name."""
        self._entries[entry.name] = entry

    def register_alias(self, alias: str, model_string: str) -> None:
        """Let `alias` stand for `model_string`."""
        self._aliases[alias] = model_string

    @property
    def providers(self) -> list[str]:
        """Registered provider names, sorted."""
        return sorted(self._entries)

    @property
    def aliases(self) -> dict[str, str]:
        """A copy of the alias table."""
        return dict(self._aliases)

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

        Raises:
            UnknownModelError: The string names no registered provider or alias.
        """
        source = model_string
        head, _, query = model_string.strip().partition("?")
        alias_target = self._aliases.get(head)
        options: dict[str, str] = {}
        if alias_target is not None:
            head, _, alias_query = alias_target.partition("?")
            options.update(parse_qsl(alias_query, keep_blank_values=True))
        options.update(parse_qsl(query, keep_blank_values=True))
        if head in self._entries:
            return ModelSpec(head, self._entries[head].default_model, options, source)
        provider, dot, model = head.partition(".")
        if dot and provider in self._entries and model:
            return ModelSpec(provider, model, options, source)
        raise self._unknown(head or source)

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
        spec = self.parse(model_string)
        factory = self.entry(spec.provider).load()
        merged: dict[str, Any] = {**spec.options, **options}
        _check_options(factory, merged, spec)
        return factory(spec.model, **merged)

    def _unknown(self, name: str) -> UnknownModelError:
        known = [*self._entries, *self._aliases]
        close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
        suggestion = f"did you mean {' or '.join(close)}? " if close else ""
        return UnknownModelError(
            f"unknown model '{name}'",
            hint=f"{suggestion}known providers and aliases: {', '.join(sorted(known))}",
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
