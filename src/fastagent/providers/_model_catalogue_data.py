"""The rows of the model catalogue (see `fastagent.providers.model_catalogue`).

Prices are US dollars per million tokens, as the providers publish them. Anthropic bills
cache writes at 1.25x and cache reads at 0.1x the input price; OpenAI bills cached input at
its own rate and cache writes not at all. Edit this table when providers change their lineup.

Google (Gemini API, https://ai.google.dev/gemini-api/docs/pricing, paid tier, prices as
known on 2025-12-15; not re-checked since): the rows hold the prices of prompts up to 200k
tokens (2.5 Pro and 3 Pro cost more above that); thinking tokens are billed as output;
cached input costs 10 % of input. Vertex AI lists the same prices.

AWS Bedrock (https://aws.amazon.com/bedrock/pricing/, on-demand, us-east-1, as known on
2025-12-15; not re-checked since): Claude models cost what Anthropic charges (global
inference profiles; regional profiles of Claude 4.5 models cost 10 % more); Amazon Nova
cache reads cost 25 % of input.
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


def _gemini(
    ids: tuple[str, ...], price_in: float, price_out: float, *, output: int = 65_536
) -> Row:
    return Row(
        "google",
        ids,
        1_048_576,
        output,
        True,
        True,
        True,
        price_in,
        price_out,
        round(price_in * 0.1, 4),
        0.0,
    )


def _bedrock(
    ids: tuple[str, ...],
    context: int,
    output: int,
    price_in: float,
    price_out: float,
    cache_read: float,
    cache_write: float,
    *,
    reasoning: bool,
) -> Row:
    return Row(
        "bedrock",
        ids,
        context,
        output,
        True,
        True,
        reasoning,
        price_in,
        price_out,
        cache_read,
        cache_write,
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
    # Served by the Responses API only (`responses.o3-pro`, `gpt-5-codex`); list prices from
    # openai.com/api/pricing (o3-pro has no cached-input rate). Added 2026-11-30.
    _openai(("o3-pro",), 200_000, 100_000, 20.0, 80.0, 0.0, reasoning=True),
    _openai(("gpt-5-codex",), 400_000, 128_000, 1.25, 10.0, 0.125, reasoning=True),
    _openai(("o1",), 200_000, 100_000, 15.0, 60.0, 7.50, reasoning=True),
    _openai(("o3",), 200_000, 100_000, 2.0, 8.0, 0.50, reasoning=True),
    _openai(("o3-mini",), 200_000, 100_000, 1.10, 4.40, 0.55, reasoning=True, vision=False),
    _openai(("o4-mini",), 200_000, 100_000, 1.10, 4.40, 0.275, reasoning=True),
    _gemini(("gemini-3-pro-preview",), 2.0, 12.0),
    _gemini(("gemini-2.5-pro",), 1.25, 10.0),
    _gemini(("gemini-2.5-flash",), 0.30, 2.50),
    _gemini(("gemini-2.5-flash-lite",), 0.10, 0.40),
    _gemini(("gemini-2.0-flash", "gemini-2.0-flash-001"), 0.10, 0.40, output=8_192),
    _bedrock(
        ("anthropic.claude-opus-4-5", "anthropic.claude-opus-4-5-20251101-v1:0"),
        200_000,
        64_000,
        5.0,
        25.0,
        0.5,
        6.25,
        reasoning=True,
    ),
    _bedrock(
        ("anthropic.claude-sonnet-4-5", "anthropic.claude-sonnet-4-5-20250929-v1:0"),
        200_000,
        64_000,
        3.0,
        15.0,
        0.3,
        3.75,
        reasoning=True,
    ),
    _bedrock(
        ("anthropic.claude-haiku-4-5", "anthropic.claude-haiku-4-5-20251001-v1:0"),
        200_000,
        64_000,
        1.0,
        5.0,
        0.1,
        1.25,
        reasoning=True,
    ),
    _bedrock(
        ("amazon.nova-pro", "amazon.nova-pro-v1:0"),
        300_000,
        10_000,
        0.80,
        3.20,
        0.20,
        0.0,
        reasoning=False,
    ),
    _bedrock(
        ("amazon.nova-lite", "amazon.nova-lite-v1:0"),
        300_000,
        10_000,
        0.06,
        0.24,
        0.015,
        0.0,
        reasoning=False,
    ),
    _bedrock(
        ("amazon.nova-micro", "amazon.nova-micro-v1:0"),
        128_000,
        10_000,
        0.035,
        0.14,
        0.00875,
        0.0,
        reasoning=False,
    ),
)
"""Every model the catalogue knows."""
