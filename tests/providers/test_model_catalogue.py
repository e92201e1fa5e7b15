import logging

import pytest

from fastagent.messages import Usage
from fastagent.providers.aliases import BUILTIN_ALIASES
from fastagent.providers.model_catalogue import ModelInfo, cost, known_models, lookup
from fastagent.providers.model_strings import parse_model_string


def test_lookup_known_models():
    sonnet = lookup("anthropic", "claude-sonnet-4-5")
    assert sonnet.known
    assert (sonnet.context_window, sonnet.max_output_tokens) == (200_000, 64_000)
    assert sonnet.vision and sonnet.tool_use and sonnet.reasoning
    assert (sonnet.input_price, sonnet.output_price) == (3.0, 15.0)
    assert (sonnet.cache_read_price, sonnet.cache_write_price) == (0.3, 3.75)
    gpt = lookup("openai", "gpt-4.1")
    assert gpt.context_window == 1_047_576
    assert not gpt.reasoning
    assert gpt.cache_write_price == 0.0
    assert lookup("openai", "o3").reasoning


@pytest.mark.parametrize(
    ("provider", "snapshot", "base"),
    [
        ("anthropic", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"),
        ("anthropic", "claude-3-5-haiku-20241022", "claude-3-5-haiku-latest"),
        ("openai", "gpt-4o-2024-08-06", "gpt-4o"),
        ("openai", "gpt-4.1-mini-2025-04-14", "gpt-4.1-mini"),
    ],
)
def test_dated_snapshots_match_their_model(provider, snapshot, base):
    info = lookup(provider, snapshot)
    expected = lookup(provider, base)
    assert info.model == snapshot
    assert info.known
    assert (info.context_window, info.input_price) == (
        expected.context_window,
        expected.input_price,
    )


def test_unknown_model_gets_conservative_defaults_and_a_debug_line(caplog):
    with caplog.at_level(logging.DEBUG, logger="fastagent.providers"):
        info = lookup("anthropic", "claude-future-9")
    assert info == ModelInfo("anthropic", "claude-future-9", 200_000, 4_096, known=False)
    assert "claude-future-9" in caplog.text
    local = lookup("ollama", "llama3.2")
    assert not local.known
    assert local.context_window == 8_192
    assert (local.input_price, local.output_price) == (0.0, 0.0)


def test_model_of_another_provider_is_not_borrowed():
    assert not lookup("openai", "claude-sonnet-4-5").known


def test_cost_prices_every_kind_of_token():
    info = lookup("anthropic", "claude-sonnet-4-5")
    usage = Usage(
        input_tokens=1_000_000,
        output_tokens=100_000,
        cache_read_tokens=2_000_000,
        cache_write_tokens=400_000,
    )
    assert cost(info, usage) == pytest.approx(3.0 + 1.5 + 0.6 + 1.5)
    assert cost(info, Usage()) == 0.0
    assert cost(lookup("ollama", "x"), usage) == 0.0


def test_every_builtin_alias_of_a_hosted_provider_is_catalogued():
    for alias in BUILTIN_ALIASES:
        spec = parse_model_string(alias)
        assert spec.provider in ("anthropic", "openai")
        assert lookup(spec.provider, spec.model).known, alias


def test_known_models_lists_canonical_ids():
    anthropic = known_models("anthropic")
    assert "claude-sonnet-4-5" in anthropic
    assert "claude-sonnet-4-5-20250929" not in anthropic
    assert all(m.startswith("claude-") for m in anthropic)
    assert set(known_models()) == {*anthropic, *known_models("openai")}
