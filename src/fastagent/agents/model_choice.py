"""Which model an agent gets: the notice shown when it falls back to the built-in model.

Precedence, highest first: the command line's ``--model``, the agent's ``model=``, the
config's ``default_model`` (or ``FASTAGENT_DEFAULT_MODEL``), then the built-in default
``passthrough`` (an echo model, so everything runs without an API key; a one-line notice says
so). The run's `ModelFactory` applies it (`ModelFactory.resolve`) and builds the provider
(`Runtime.provider_for`), so providers get the retries and rate limits of their settings block,
and agents of one provider share its rate limiter.
"""

from __future__ import annotations

from typing import Final

__all__ = ["FALLBACK_NOTICE"]

FALLBACK_NOTICE: Final = (
    "no model configured; using passthrough (echo). "
    "Set default_model in fastagent.yaml or pass --model"
)
"""Printed on stderr (unless quiet) when an agent falls back to the built-in model
(`fastagent.providers.factory.BUILTIN_DEFAULT_MODEL`)."""
