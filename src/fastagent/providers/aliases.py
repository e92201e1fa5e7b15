"""Built-in model aliases (``sonnet``, ``gpt-4.1``, ``o3``) and model-family inference.

An alias stands for a full model string. Config ``model_aliases`` adds aliases and wins over
these. A bare model id of a known family resolves to its provider without an alias:
``claude-…`` to ``anthropic``; OpenAI reasoning models (``o1…``, ``o3…``, ``o4…``,
``gpt-5…`` except ``gpt-5-chat…``) to ``responses``, the Responses API, which carries their
reasoning across the tool loop; other ``gpt-…`` and ``chatgpt-…`` to ``openai`` (Chat
Completions); ``gemini-…`` to ``google``. ``openai.o3`` still names Chat Completions
explicitly (ADR 0015).
"""

from __future__ import annotations

import re
from typing import Final

__all__ = ["BUILTIN_ALIASES", "infer_provider"]

BUILTIN_ALIASES: Final[dict[str, str]] = {
    # Anthropic: the family names follow the newest model of each family.
    "sonnet": "anthropic.claude-sonnet-4-6",
    "opus": "anthropic.claude-opus-4-6",
    "haiku": "anthropic.claude-haiku-4-5",
    "sonnet46": "anthropic.claude-sonnet-4-6",
    "sonnet45": "anthropic.claude-sonnet-4-5",
    "sonnet4": "anthropic.claude-sonnet-4-0",
    "sonnet37": "anthropic.claude-3-7-sonnet-latest",
    "opus46": "anthropic.claude-opus-4-6",
    "opus45": "anthropic.claude-opus-4-5",
    "opus41": "anthropic.claude-opus-4-1",
    "opus4": "anthropic.claude-opus-4-0",
    "haiku45": "anthropic.claude-haiku-4-5",
    "haiku35": "anthropic.claude-3-5-haiku-latest",
    # OpenAI: the model ids themselves. Reasoning models use the Responses API, so `o3` is
    # `responses.o3`; the others Chat Completions, so `gpt-4.1` is `openai.gpt-4.1`.
    "gpt-5": "responses.gpt-5",
    "gpt-5-mini": "responses.gpt-5-mini",
    "gpt-5-nano": "responses.gpt-5-nano",
    "gpt-5.1": "responses.gpt-5.1",
    "gpt-4.1": "openai.gpt-4.1",
    "gpt-4.1-mini": "openai.gpt-4.1-mini",
    "gpt-4.1-nano": "openai.gpt-4.1-nano",
    "gpt-4o": "openai.gpt-4o",
    "gpt-4o-mini": "openai.gpt-4o-mini",
    "o1": "responses.o1",
    "o3": "responses.o3",
    "o3-mini": "responses.o3-mini",
    "o4-mini": "responses.o4-mini",
    # Google: the family names follow the newest stable model of each family.
    "gemini-flash": "google.gemini-2.5-flash",
    "gemini-pro": "google.gemini-2.5-pro",
    "gemini-flash-lite": "google.gemini-2.5-flash-lite",
}
"""Alias -> model string, for current Anthropic, OpenAI and Google models."""

_FAMILIES: Final[tuple[tuple[re.Pattern[str], str], ...]] = (
    (re.compile(r"claude-"), "anthropic"),
    (re.compile(r"(?:o[134](?:$|-)|gpt-5(?!.*chat))"), "responses"),
    (re.compile(r"(?:gpt-|chatgpt-)"), "openai"),
    (re.compile(r"gemini-"), "google"),
)


def infer_provider(model_id: str) -> str | None:
    """The provider of a bare model id of a known family, e.g. ``claude-opus-4-1``.

    Returns:
        ``anthropic``, ``responses`` (OpenAI reasoning models), ``openai`` or ``google``, or
        None when the id belongs to no known family.
    """
    for pattern, provider in _FAMILIES:
        if pattern.match(model_id):
            return provider
    return None
