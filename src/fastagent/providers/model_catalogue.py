"""The model catalogue: context window, output limit, capabilities and prices of each model.

`lookup` finds a model by provider and id (dated snapshots such as
``claude-sonnet-4-5-20250929`` or ``gpt-4o-2024-08-06`` match their model). A model the
catalogue does not know gets conservative defaults, no prices, and a debug log line, so new
models work before the table is updated. `cost` prices a `Usage` in US dollars.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Final

from fastagent.logging import get_logger
from fastagent.providers._model_catalogue_data import ROWS, Row

if TYPE_CHECKING:
    from fastagent.messages import Usage

__all__ = ["ModelInfo", "cost", "known_models", "lookup"]

_log = get_logger("providers")
_SNAPSHOT_SUFFIX = re.compile(r"-(?:\d{8}|\d{4}-\d{2}-\d{2})$")
_PER_MILLION = 1_000_000


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """What fastagent knows about one model.

    Prices are US dollars per million tokens; 0.0 when unknown.

    Attributes:
        provider: The provider's registry name.
        model: The model id as asked for.
        context_window: Most tokens (input plus output) one request may use.
        max_output_tokens: Most tokens the model may produce in one reply.
        vision: Whether the model reads images.
        tool_use: Whether the model calls tools.
        reasoning: Whether the model takes a reasoning effort (``o3.high``).
        input_price: Uncached input tokens.
        output_price: Output tokens (reasoning tokens included).
        cache_read_price: Input tokens read from the prompt cache.
        cache_write_price: Input tokens written to the prompt cache.
        known: False when these are defaults for a model missing from the catalogue.
    """

    provider: str
    model: str
    context_window: int
    max_output_tokens: int
    vision: bool = False
    tool_use: bool = True
    reasoning: bool = False
    input_price: float = 0.0
    output_price: float = 0.0
    cache_read_price: float = 0.0
    cache_write_price: float = 0.0
    known: bool = True


_DEFAULT_LIMITS: Final[dict[str, tuple[int, int]]] = {
    "anthropic": (200_000, 4_096),
    "openai": (128_000, 4_096),
}
_FALLBACK_LIMITS: Final = (8_192, 2_048)


@cache
def _index() -> dict[tuple[str, str], Row]:
    return {(row.provider, model_id): row for row in ROWS for model_id in row.ids}


def lookup(provider: str, model: str) -> ModelInfo:
    """What the catalogue knows about `model` of `provider`.

    Args:
        provider: The provider's registry name, e.g. ``anthropic``.
        model: The model id, e.g. ``claude-sonnet-4-5`` or a dated snapshot of it.

    Returns:
        The catalogue entry, or conservative defaults with ``known=False``.
    """
    index = _index()
    row = index.get((provider, model)) or index.get((provider, _SNAPSHOT_SUFFIX.sub("", model)))
    if row is None:
        _log.debug("model %s.%s is not in the catalogue; using default limits", provider, model)
        context, output = _DEFAULT_LIMITS.get(provider, _FALLBACK_LIMITS)
        return ModelInfo(provider, model, context, output, known=False)
    return ModelInfo(
        provider=provider,
        model=model,
        context_window=row.context_window,
        max_output_tokens=row.max_output_tokens,
        vision=row.vision,
        tool_use=row.tool_use,
        reasoning=row.reasoning,
        input_price=row.input_price,
        output_price=row.output_price,
        cache_read_price=row.cache_read_price,
        cache_write_price=row.cache_write_price,
    )


def cost(info: ModelInfo, usage: Usage) -> float:
    """The price in US dollars of `usage` on the model `info` describes.

    ``usage.input_tokens`` counts uncached input only; cache reads and writes are priced at
    their own rates. Models without known prices cost 0.0.
    """
    total = (
        usage.input_tokens * info.input_price
        + usage.output_tokens * info.output_price
        + usage.cache_read_tokens * info.cache_read_price
        + usage.cache_write_tokens * info.cache_write_price
    )
    return total / _PER_MILLION


def known_models(provider: str | None = None) -> list[str]:
    """Canonical ids of the catalogued models (of `provider` only, when given), in table order."""
    return [row.ids[0] for row in ROWS if provider is None or row.provider == provider]
