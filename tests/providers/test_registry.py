import subprocess
import sys

import pytest

import fastagent.providers
from fastagent.exceptions import UnknownModelError, UserError
from fastagent.messages import Message
from fastagent.providers.base import Provider
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.playback import PlaybackProvider
from fastagent.providers.registry import (
    ModelSpec,
    ProviderEntry,
    ProviderRegistry,
    create_provider,
    parse_model_string,
)


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
    registry = ProviderRegistry(aliases={"echo": "passthrough.echo?fixed_response=yo"})
    provider = registry.create("echo")
    assert isinstance(provider, PassthroughProvider)
    assert (provider.model, provider.fixed_response) == ("echo", "yo")
    registry.register(
        ProviderEntry("mine", "fastagent.providers.passthrough:PassthroughProvider", "m0")
    )
    registry.register_alias("m", "mine")
    assert registry.create("m").model == "m0"
    assert "mine" in registry.providers
    assert registry.aliases == {"echo": "passthrough.echo?fixed_response=yo", "m": "mine"}


def test_provider_modules_are_imported_only_when_used():
    code = (
        "import sys\n"
        "from fastagent.providers.registry import create_provider, parse_model_string\n"
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


def test_providers_public_names_resolve_lazily():
    assert sorted(dir(fastagent.providers)) == sorted(fastagent.providers.__all__)
    for name in fastagent.providers.__all__:
        assert getattr(fastagent.providers, name) is not None
