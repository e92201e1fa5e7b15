import subprocess
import sys

import pytest

from fastagent.exceptions import UnknownModelError, UserError
from fastagent.messages import Message
from fastagent.providers.base import Provider
from fastagent.providers.model_strings import (
    BUILTIN_PROVIDERS,
    ModelSpec,
    ProviderEntry,
    ProviderRegistry,
    create_provider,
    parse_model_string,
)
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider


def test_create_passthrough_and_playback():
    provider = create_provider("passthrough")
    assert isinstance(provider, PassthroughProvider)
    assert isinstance(provider, Provider)
    assert (provider.name, provider.model) == ("passthrough", "passthrough")
    assert isinstance(create_provider("playback"), PlaybackProvider)


def test_provider_dot_model_and_query_options():
    provider = create_provider("passthrough.echo-1?fixed_response=hi")
    assert isinstance(provider, PassthroughProvider)
    assert provider.model == "echo-1"
    assert provider.fixed_response == "hi"


def test_keyword_options_override_query():
    provider = create_provider("passthrough?fixed_response=a", fixed_response="b")
    assert isinstance(provider, PassthroughProvider)
    assert provider.fixed_response == "b"


async def test_playback_accepts_conversation_option():
    provider = create_provider("playback", conversation=[Message.assistant("recorded")])
    from fastagent.providers.base import CompletionRequest

    assert (await provider.complete(CompletionRequest([]))).text == "recorded"


def test_parse_model_string():
    assert parse_model_string("playback?file=run.json") == ModelSpec(
        "playback", "playback", {"file": "run.json"}, "playback?file=run.json"
    )
    assert parse_model_string("passthrough.x").model == "x"


def test_unknown_model_lists_close_matches():
    with pytest.raises(UnknownModelError, match="'passthru'") as info:
        create_provider("passthru")
    assert "did you mean passthrough" in (info.value.hint or "")


def test_unknown_model_without_close_match_lists_known():
    with pytest.raises(UnknownModelError) as info:
        create_provider("zzzzzz.model")
    assert "passthrough" in (info.value.hint or "")
    assert "did you mean" not in (info.value.hint or "")


def test_unknown_option_is_a_user_error_naming_valid_options():
    with pytest.raises(UserError, match="'colour'") as info:
        create_provider("passthrough?colour=red")
    assert "fixed_response" in (info.value.hint or "")


def test_aliases_and_custom_entries():
    registry = ProviderRegistry(aliases={"echo": "passthrough.echo?fixed_response=yo", "m": "mine"})
    provider = registry.create("echo")
    assert isinstance(provider, PassthroughProvider)
    assert (provider.model, provider.fixed_response) == ("echo", "yo")
    registry.register(
        ProviderEntry("mine", "fastagent.providers.passthrough:PassthroughProvider", "m0")
    )
    assert registry.create("m").model == "m0"
    assert "mine" in registry.providers
    assert registry.aliases == {"echo": "passthrough.echo?fixed_response=yo", "m": "mine"}


def test_provider_modules_are_imported_only_when_used():
    code = (
        "import sys\n"
        "from fastagent.providers.model_strings import create_provider, parse_model_string\n"
        "parse_model_string('passthrough')\n"
        "assert 'fastagent.providers.passthrough' not in sys.modules\n"
        "assert 'fastagent.providers.playback' not in sys.modules\n"
        "create_provider('passthrough')\n"
        "assert 'fastagent.providers.passthrough' in sys.modules\n"
        "assert 'fastagent.providers.playback' not in sys.modules\n"
        "for heavy in ('anthropic', 'openai', 'mcp'):\n"
        "    assert heavy not in sys.modules, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


@pytest.mark.parametrize(
    ("text", "provider", "model", "options"),
    [
        ("sonnet", "anthropic", "claude-sonnet-4-6", {}),
        ("haiku", "anthropic", "claude-haiku-4-5", {}),
        ("anthropic.claude-3.5-haiku", "anthropic", "claude-3.5-haiku", {}),
        ("claude-3.5-haiku", "anthropic", "claude-3.5-haiku", {}),
        ("claude-opus-4-1-20250805", "anthropic", "claude-opus-4-1-20250805", {}),
        ("anthropic.sonnet", "anthropic", "claude-sonnet-4-6", {}),
        ("anthropic", "anthropic", "claude-sonnet-4-6", {}),
        ("gpt-4.1", "openai", "gpt-4.1", {}),
        ("openai.gpt-4.1", "openai", "gpt-4.1", {}),
        ("gpt-4.1-mini.high", "openai", "gpt-4.1-mini", {"reasoning": "high"}),
        ("o3.high", "openai", "o3", {"reasoning": "high"}),
        ("o3?reasoning=minimal", "openai", "o3", {"reasoning": "minimal"}),
        ("openai.o3.low", "openai", "o3", {"reasoning": "low"}),
        ("o3-mini", "openai", "o3-mini", {}),
        ("o4-mini.medium", "openai", "o4-mini", {"reasoning": "medium"}),
        ("chatgpt-4o-latest", "openai", "chatgpt-4o-latest", {}),
        ("ollama.llama3.2", "ollama", "llama3.2", {}),
        ("groq.llama-3.3-70b-versatile", "groq", "llama-3.3-70b-versatile", {}),
        ("generic.qwen2.5:7b", "generic", "qwen2.5:7b", {}),
        (
            "gpt-4.1?temperature=0.2&max_tokens=500",
            "openai",
            "gpt-4.1",
            {"temperature": "0.2", "max_tokens": "500"},
        ),
        ("passthrough.high", "passthrough", "passthrough", {"reasoning": "high"}),
    ],
)
def test_model_strings(text, provider, model, options):
    spec = parse_model_string(text)
    assert (spec.provider, spec.model, dict(spec.options)) == (provider, model, options)
    assert spec.source == text
    assert spec.reasoning == options.get("reasoning")
    assert spec.qualified_name == f"{provider}.{model}"


def test_query_reasoning_wins_over_suffix_and_suffix_over_alias():
    registry = ProviderRegistry(aliases={"think": "openai.o3.high?temperature=1"})
    assert dict(registry.parse("think").options) == {"reasoning": "high", "temperature": "1"}
    assert registry.parse("think.low").reasoning == "low"
    assert registry.parse("think.low?reasoning=medium").reasoning == "medium"


def test_unknown_reasoning_level_is_a_user_error():
    with pytest.raises(UserError, match="unknown reasoning level 'extreme'") as info:
        parse_model_string("o3?reasoning=extreme")
    assert not isinstance(info.value, UnknownModelError)
    assert "minimal, low, medium, high" in (info.value.hint or "")


def test_user_aliases_win_over_builtin_ones():
    registry = ProviderRegistry(aliases={"sonnet": "passthrough.mine"})
    assert registry.parse("sonnet").qualified_name == "passthrough.mine"
    assert registry.aliases == {"sonnet": "passthrough.mine"}
    assert registry.all_aliases["sonnet"] == "passthrough.mine"
    assert registry.all_aliases["haiku"] == "anthropic.claude-haiku-4-5"
    assert ProviderRegistry().parse("sonnet").provider == "anthropic"


def test_alias_chains_resolve_and_cycles_are_reported():
    registry = ProviderRegistry(aliases={"fast": "quick", "quick": "haiku.low"})
    spec = registry.parse("fast")
    assert (spec.qualified_name, spec.reasoning) == ("anthropic.claude-haiku-4-5", "low")
    looping = ProviderRegistry(aliases={"a": "b", "b": "a"})
    with pytest.raises(UnknownModelError, match="alias cycle: a -> b -> a"):
        looping.parse("a")


def test_preset_without_model_asks_for_one():
    with pytest.raises(UnknownModelError, match="provider 'ollama' needs a model") as info:
        parse_model_string("ollama")
    assert "ollama.<model>" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [("sonet", "sonnet"), ("gtp-4.1", "gpt-4.1"), ("antropic.x", "anthropic"), ("olama", "ollama")],
)
def test_unknown_model_suggests_close_matches(typo, suggestion):
    with pytest.raises(UnknownModelError) as info:
        parse_model_string(typo)
    assert "did you mean" in (info.value.hint or "")
    assert suggestion in (info.value.hint or "").split("?")[0]


@pytest.mark.parametrize("text", ["", "  ", "?temperature=1", ".high"])
def test_empty_model_names_are_unknown(text):
    with pytest.raises(UnknownModelError):
        parse_model_string(text)


def test_entries_may_be_callables():
    made = []

    def build(model, **options):
        made.append((model, options))
        return PassthroughProvider(model)

    registry = ProviderRegistry([ProviderEntry("fake", build, "f1")])
    assert registry.create("fake?x=1").model == "f1"
    assert made == [("f1", {"x": "1"})]


def test_builtin_hosted_providers_point_at_their_modules():
    targets = {e.name: e.target for e in BUILTIN_PROVIDERS}
    assert targets["anthropic"] == "fastagent.providers.anthropic:AnthropicProvider"
    assert targets["openai"] == "fastagent.providers.openai:OpenAIProvider"
    assert targets["generic"] == "fastagent.providers.generic:GenericProvider"
    for preset in ("ollama", "llamacpp", "lmstudio", "vllm", "openrouter", "groq", "deepseek"):
        assert targets[preset] == targets["generic"]
