"""The rows of the model catalogue (see `fastagent.providers.model_catalogue`).

Prices are US dollars per million tokens, as the providers publish them. Anthropic bills
cache writes at 1.25x and cache reads at 0.1x the input price; OpenAI bills cached input at
its own rate and cache writes not at all. Edit this table when providers change their lineup.
"""

from __future__ import annotations

from typing import Final, NamedTuple

__all__ = ["ROWS", "Row"]


class Row(NamedTuple):
    """One model: its ids (first is canonical), limits, capabilities and prices."""

    provider: str
    ids: tuple[str, ...]
    context_window: int
    max_output_tokens: int
    vision: bool
    tool_use: bool
    reasoning: bool
    input_price: float
    output_price: float
    cache_read_price: float
    cache_write_price: float


def _claude(
    ids: tuple[str, ...],
    context: int,
    output: int,
    price_in: float,
    price_out: float,
    *,
    reasoning: bool = True,
) -> Row:
    return Row(
        "anthropic",
        ids,
        context,
        output,
        True,
        True,
        reasoning,
        price_in,
        price_out,
        round(price_in * 0.1, 4),
        round(price_in * 1.25, 4),
    )


def _openai(
    ids: tuple[str, ...],
    context: int,
    output: int,
    price_in: float,
    price_out: float,
    cached: float,
    *,
    reasoning: bool,
    vision: bool = True,
) -> Row:
    return Row(
        "openai", ids, context, output, vision, True, reasoning, price_in, price_out, cached, 0.0
    )


ROWS: Final[tuple[Row, ...]] = (
    _claude(("claude-opus-4-6",), 1_000_000, 128_000, 5.0, 25.0),
    _claude(("claude-sonnet-4-6",), 1_000_000, 128_000, 3.0, 15.0),
    _claude(("claude-opus-4-5", "claude-opus-4-5-20251101"), 200_000, 64_000, 5.0, 25.0),
    _claude(("claude-sonnet-4-5", "claude-sonnet-4-5-20250929"), 200_000, 64_000, 3.0, 15.0),
    _claude(("claude-haiku-4-5", "claude-haiku-4-5-20251001"), 200_000, 64_000, 1.0, 5.0),
    _claude(("claude-opus-4-1", "claude-opus-4-1-20250805"), 200_000, 32_000, 15.0, 75.0),
    _claude(("claude-opus-4-0", "claude-opus-4-20250514"), 200_000, 32_000, 15.0, 75.0),
    _claude(("claude-sonnet-4-0", "claude-sonnet-4-20250514"), 200_000, 64_000, 3.0, 15.0),
    _claude(("claude-3-7-sonnet-latest", "claude-3-7-sonnet-20250219"), 200_000, 64_000, 3.0, 15.0),
    _claude(
        ("claude-3-5-haiku-latest", "claude-3-5-haiku-20241022"),
        200_000,
        8_192,
        0.8,
        4.0,
        reasoning=False,
    ),
    _openai(("gpt-5.1",), 400_000, 128_000, 1.25, 10.0, 0.125, reasoning=True),
    _openai(("gpt-5",), 400_000, 128_000, 1.25, 10.0, 0.125, reasoning=True),
    _openai(("gpt-5-mini",), 400_000, 128_000, 0.25, 2.0, 0.025, reasoning=True),
    _openai(("gpt-5-nano",), 400_000, 128_000, 0.05, 0.40, 0.005, reasoning=True),
    _openai(("gpt-4.1",), 1_047_576, 32_768, 2.0, 8.0, 0.50, reasoning=False),
    _openai(("gpt-4.1-mini",), 1_047_576, 32_768, 0.40, 1.60, 0.10, reasoning=False),
    _openai(("gpt-4.1-nano",), 1_047_576, 32_768, 0.10, 0.40, 0.025, reasoning=False),
    _openai(("gpt-4o",), 128_000, 16_384, 2.50, 10.0, 1.25, reasoning=False),
    _openai(("gpt-4o-mini",), 128_000, 16_384, 0.15, 0.60, 0.075, reasoning=False),
    _openai(("o1",), 200_000, 100_000, 15.0, 60.0, 7.50, reasoning=True),
    _openai(("o3",), 200_000, 100_000, 2.0, 8.0, 0.50, reasoning=True),
    _openai(("o3-mini",), 200_000, 100_000, 1.10, 4.40, 0.55, reasoning=True, vision=False),
    _openai(("o4-mini",), 200_000, 100_000, 1.10, 4.40, 0.275, reasoning=True),
)
"""Every model the catalogue knows."""
