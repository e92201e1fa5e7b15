"""Which model an agent gets, and the one place its provider is built.

The run's `ModelFactory` (``ctx.models``) picks the model (`ModelFactory.resolve`: the command
line's ``--model``, the agent's ``model=``, the config's ``default_model`` or
``FASTAGENT_DEFAULT_MODEL``, then the built-in ``passthrough``, an echo model, so everything
runs without an API key; a one-line notice says so) and builds it, so providers get the
retries and rate limits of their settings block, and agents of one provider share its rate
limiter.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from fastagent.context import Context
    from fastagent.providers.base import Provider
    from fastagent.providers.factory import ModelFactory

__all__ = ["FALLBACK_NOTICE", "build_agent_provider", "model_factory"]

FALLBACK_NOTICE: Final = (
    "no model configured; using passthrough (echo). "
    "Set default_model in fastagent.yaml or pass --model"
)
"""Printed on stderr (unless quiet) when an agent falls back to the built-in model
(`fastagent.providers.factory.BUILTIN_DEFAULT_MODEL`)."""


def model_factory(ctx: Context) -> ModelFactory:
    """The run's model factory, ``ctx.models``; attached to `ctx` on first use."""
    from fastagent.providers.factory import ModelFactory, attach_model_factory

    factory = ctx.models
    if isinstance(factory, ModelFactory):
        return factory
    return attach_model_factory(ctx)


def build_agent_provider(
    ctx: Context, *, cli_model: str | None, agent_model: str | None
) -> tuple[Provider, str, bool]:
    """Resolve an agent's model by precedence and build its provider with ``ctx.models``.

    Args:
        ctx: The running context (its model factory is attached when missing).
        cli_model: ``--model`` from the command line.
        agent_model: The agent's own ``model=``.

    Returns:
        The provider, the model string it was built from, and whether that is the built-in
        fallback (the caller shows `FALLBACK_NOTICE`).

    Raises:
        UnknownModelError: The chosen model string is unknown.
        MissingAPIKeyError: The provider needs a key that is not configured.
    """
    from fastagent.exceptions import UnknownModelError

    factory = model_factory(ctx)
    try:
        spec = factory.resolve(agent_model=agent_model, cli_model=cli_model)
    except UnknownModelError as exc:
        if cli_model or agent_model or factory.default_source != "settings" or ctx.config is None:
            raise
        from fastagent.agents.config_check import where_set

        # The config's default_model: name the file and line it was written at.
        where = where_set(ctx.config, "default_model")
        raise UnknownModelError(f"{where}: default_model: {exc.message}", hint=exc.hint) from None
    provider = factory.build(spec)
    return provider, spec.source or spec.qualified_name, spec.chosen_by == "builtin"
