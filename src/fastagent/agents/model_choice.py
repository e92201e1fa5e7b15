"""Which model an agent gets, and the one place its provider is built.

Precedence, highest first: the command line's ``--model``, the agent's ``model=``, the
config's ``default_model`` (or ``FASTAGENT_DEFAULT_MODEL``), then the built-in default
``passthrough`` (an echo model, so everything runs without an API key; a one-line notice says
so). Providers come from the run's `ModelFactory` (`Runtime.provider_for`), so they get the
retries and rate limits of their settings block, and agents of one provider share its rate
limiter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from fastagent.config import Settings
    from fastagent.providers.base import Provider
    from fastagent.providers.factory import ModelFactory

__all__ = [
    "BUILTIN_DEFAULT_MODEL",
    "FALLBACK_NOTICE",
    "create_agent_provider",
    "select_model",
]

BUILTIN_DEFAULT_MODEL: Final = "passthrough"
"""The model used when neither the command line, the agent nor the config names one."""

FALLBACK_NOTICE: Final = (
    "no model configured; using passthrough (echo). "
    "Set default_model in fastagent.yaml or pass --model"
)
"""Printed on stderr (unless quiet) when an agent falls back to `BUILTIN_DEFAULT_MODEL`."""


def select_model(
    *, cli_model: str | None, agent_model: str | None, default_model: str | None
) -> tuple[str, bool]:
    """Pick an agent's model string by precedence (without the environment step).

    Args:
        cli_model: ``--model`` from the command line.
        agent_model: The agent's own ``model=``.
        default_model: The config's ``default_model``.

    Returns:
        The model string, and whether it is the built-in fallback.
    """
    for candidate in (cli_model, agent_model, default_model):
        if candidate:
            return candidate, False
    return BUILTIN_DEFAULT_MODEL, True


def create_agent_provider(
    model: str, settings: Settings, *, factory: ModelFactory | None = None
) -> Provider:
    """Build the provider of `model` (the config's ``model_aliases`` apply).

    Args:
        model: A model string or alias.
        settings: The app's settings.
        factory: The run's factory (`Runtime.models`); a new one for `settings` when None, in
            which case rate limits are not shared with other agents.

    Raises:
        UnknownModelError: `model` names no known provider or alias.
    """
    if factory is None:
        from fastagent.providers.factory import ModelFactory

        factory = ModelFactory(settings)
    return factory.create(model)
