import subprocess
import sys
from pathlib import Path

import pytest

from fastagent.config import load_config
from fastagent.config.settings import AnthropicSettings, GenericSettings, Settings
from fastagent.events import EventBus
from fastagent.exceptions import MissingAPIKeyError, UnknownModelError, UserError
from fastagent.llm import AugmentedLLM
from fastagent.providers.factory import ModelFactory
from fastagent.providers.model_strings import ProviderEntry
from fastagent.providers.passthrough import PassthroughProvider
from fastagent.providers.reliability import ReliableProvider
from fastagent.runtime import RunOptions, Runtime


class Recorder(PassthroughProvider):
    """Stands in for a hosted provider and keeps what the factory passed it."""

    def __init__(self, model, **kwargs):
        super().__init__(model)
        self.kwargs = kwargs


def factory_with_recorders(settings=None, **kwargs):
    factory = ModelFactory(settings or Settings(), environ=kwargs.pop("environ", {}), **kwargs)
    for name in factory.registry.providers:
        if name not in ("passthrough", "playback"):
            entry = factory.registry.entry(name)
            factory.registry.register(ProviderEntry(name, Recorder, entry.default_model))
    return factory


def test_precedence_cli_beats_agent_beats_settings_beats_env_beats_builtin():
    env = {"FASTAGENT_DEFAULT_MODEL": "gpt-4.1"}
    configured = ModelFactory(Settings(default_model="haiku"), environ=env)
    overridden = ModelFactory(Settings(default_model="haiku"), environ=env, override="sonnet")
    spec = overridden.resolve("gpt-4o", agent_model="o3")
    assert (spec.qualified_name, spec.chosen_by) == ("anthropic.claude-sonnet-4-6", "cli")
    spec = configured.resolve(agent_model="o3")
    assert (spec.qualified_name, spec.chosen_by) == ("openai.o3", "agent")
    spec = configured.resolve()
    assert (spec.qualified_name, spec.chosen_by) == ("anthropic.claude-haiku-4-5", "settings")
    assert configured.default_source == "settings"
    from_env = ModelFactory(Settings(), environ=env)
    assert (from_env.resolve().qualified_name, from_env.default_source) == ("openai.gpt-4.1", "env")
    builtin = ModelFactory(Settings(), environ={})
    assert (builtin.resolve().qualified_name, builtin.default_source) == (
        "passthrough.passthrough",
        "builtin",
    )
    assert builtin.default_model == "passthrough"


def test_explicit_model_counts_as_the_agents_choice():
    factory = ModelFactory(Settings(), environ={})
    spec = factory.resolve("o4-mini.high", agent_model="gpt-4o")
    assert (spec.qualified_name, spec.reasoning, spec.chosen_by) == (
        "openai.o4-mini",
        "high",
        "agent",
    )
    overridden = ModelFactory(Settings(), environ={}, override="haiku")
    assert overridden.resolve(agent_model="gpt-4o").chosen_by == "cli"


def test_loaded_env_default_model_beats_the_file_and_is_reported_as_env(tmp_path: Path):
    (tmp_path / "fastagent.yaml").write_text("default_model: haiku\n")
    loaded = load_config(cwd=tmp_path, env={"FASTAGENT_DEFAULT_MODEL": "o3"})
    factory = ModelFactory(loaded.settings, sources=loaded.sources, environ={})
    assert (factory.default_model, factory.default_source) == ("o3", "env")
    loaded = load_config(cwd=tmp_path, env={})
    factory = ModelFactory(loaded.settings, sources=loaded.sources, environ={})
    assert (factory.default_model, factory.default_source) == ("haiku", "settings")
    loaded = load_config(cwd=tmp_path, env={}, overrides={"default_model": "opus"})
    factory = ModelFactory(loaded.settings, sources=loaded.sources, environ={})
    assert (factory.default_model, factory.default_source) == ("opus", "cli")


def test_user_aliases_win_and_unknown_models_raise():
    factory = ModelFactory(Settings(model_aliases={"sonnet": "passthrough.mine", "fast": "haiku"}))
    assert factory.resolve("sonnet").qualified_name == "passthrough.mine"
    assert factory.resolve("fast").qualified_name == "anthropic.claude-haiku-4-5"
    with pytest.raises(UnknownModelError) as info:
        factory.resolve("fsat")
    assert "did you mean fast" in (info.value.hint or "")


def test_hosted_providers_get_their_settings_block():
    settings = Settings(anthropic=AnthropicSettings(max_retries=5, timeout=12))
    factory = factory_with_recorders(settings)
    provider = factory.create("sonnet?temperature=0.2")
    assert isinstance(provider, ReliableProvider)
    inner = provider.inner
    assert isinstance(inner, Recorder)
    assert inner.model == "claude-sonnet-4-6"
    assert inner.kwargs == {"settings": settings.anthropic, "temperature": "0.2"}
    assert provider.policy.max_retries == 5
    assert factory.create("gpt-4.1").inner.kwargs == {"settings": settings.openai}
    assert factory.create("generic.qwen2.5").inner.kwargs == {"settings": settings.generic}


def test_keyword_options_override_what_the_factory_passes():
    factory = factory_with_recorders()
    marker = object()
    inner = factory.create("o3.high", settings=marker, http_client="client").inner
    assert inner.kwargs == {"settings": marker, "http_client": "client", "reasoning": "high"}


def test_local_presets_use_their_base_url_and_no_key():
    factory = factory_with_recorders()
    provider = factory.create("ollama.llama3.2")
    assert provider.name == "ollama"
    assert provider.inner.kwargs["name"] == "ollama"
    assert provider.model == "llama3.2"
    kwargs = provider.inner.kwargs
    assert kwargs["base_url"] == "http://localhost:11434/v1"
    assert kwargs["api_key"] == "none"
    assert isinstance(kwargs["settings"], GenericSettings)
    for name, url in [
        ("llamacpp", "http://localhost:8080/v1"),
        ("lmstudio", "http://localhost:1234/v1"),
        ("vllm", "http://localhost:8000/v1"),
    ]:
        assert factory.create(f"{name}.m").inner.kwargs["base_url"] == url


def test_hosted_presets_need_their_key_variable():
    factory = factory_with_recorders(environ={"OPENROUTER_API_KEY": "or-key-123456789"})
    kwargs = factory.create("openrouter.anthropic/claude-sonnet-4.5").inner.kwargs
    assert kwargs["base_url"] == "https://openrouter.ai/api/v1"
    assert kwargs["api_key"] == "or-key-123456789"
    assert factory.create("openrouter.x").model == "x"
    for preset, variable in [("groq", "GROQ_API_KEY"), ("deepseek", "DEEPSEEK_API_KEY")]:
        with pytest.raises(MissingAPIKeyError) as info:
            factory.create(f"{preset}.some-model")
        assert info.value.env_var == variable
        assert variable in (info.value.hint or "")


def test_config_providers_override_and_add_presets():
    settings = Settings(
        providers={
            "ollama": GenericSettings(base_url="http://gpu-box:11434/v1", max_retries=1),
            "lab": GenericSettings(base_url="http://lab:9000/v1", api_key="lab-secret-key"),
        }
    )
    factory = factory_with_recorders(settings)
    ollama = factory.create("ollama.qwen3")
    assert ollama.inner.kwargs["base_url"] == "http://gpu-box:11434/v1"
    assert ollama.policy.max_retries == 1
    lab = factory.create("lab.my-model")
    assert (lab.name, lab.model) == ("lab", "my-model")
    assert lab.inner.kwargs["api_key"] == "lab-secret-key"
    assert lab.inner.kwargs["base_url"] == "http://lab:9000/v1"


def test_config_provider_may_not_shadow_a_builtin_provider():
    with pytest.raises(UserError, match=r"providers\.openai") as info:
        ModelFactory(Settings(providers={"openai": GenericSettings()}))
    assert "top-level 'openai'" in (info.value.hint or "")


def test_test_providers_get_no_settings_and_no_retries():
    factory = ModelFactory(Settings())
    provider = factory.create("passthrough?fixed_response=hi")
    assert isinstance(provider.inner, PassthroughProvider)
    assert provider.inner.fixed_response == "hi"
    assert provider.policy.max_retries == 0
    assert provider.limiter is None
    assert factory.settings_for("passthrough") is None


def test_one_limiter_per_provider_shared_by_all_its_models():
    settings = Settings(anthropic=AnthropicSettings(max_concurrent=2))
    factory = factory_with_recorders(settings)
    sonnet, haiku = factory.create("sonnet"), factory.create("haiku")
    assert sonnet.limiter is not None
    assert sonnet.limiter is haiku.limiter is factory.limiter("anthropic")
    assert sonnet.limiter.max_concurrent == 2
    assert factory.create("gpt-4.1").limiter is None


def test_model_info_comes_from_the_catalogue():
    factory = ModelFactory(Settings())
    info = factory.model_info(factory.resolve("gpt-4.1"))
    assert (info.provider, info.model, info.known) == ("openai", "gpt-4.1", True)


async def test_factory_providers_drive_the_tool_loop():
    bus = EventBus()
    llm = AugmentedLLM(ModelFactory(Settings(), events=bus).create("passthrough"), name="echo")
    assert (await llm.generate("hello")).text == "hello"


async def test_the_runtime_builds_its_factory_on_first_use():
    settings = Settings(default_model="passthrough.ctx")
    async with Runtime.open(RunOptions(model="passthrough.cli"), settings=settings) as runtime:
        factory = runtime.models
        assert runtime.models is factory
        assert factory.events is runtime.events
        assert factory.override == "passthrough.cli"
        assert factory.resolve().qualified_name == "passthrough.cli"
        assert factory.default_model == "passthrough.ctx"


def test_real_provider_classes_are_built_without_network():
    from fastagent.providers.anthropic import AnthropicProvider
    from fastagent.providers.generic import GenericProvider
    from fastagent.providers.openai import OpenAIProvider

    settings = Settings(anthropic=AnthropicSettings(api_key="sk-ant-test-0123456789abcdef"))
    factory = ModelFactory(settings, environ={"GROQ_API_KEY": "gsk-test-0123456789"})
    sonnet = factory.create("sonnet")
    assert isinstance(sonnet.inner, AnthropicProvider)
    assert sonnet.inner.model == "claude-sonnet-4-6"
    groq = factory.create("groq.llama-3.3-70b-versatile")
    assert isinstance(groq.inner, GenericProvider)
    assert isinstance(groq.inner, OpenAIProvider)
    assert (groq.inner.name, groq.inner.base_url) == ("groq", "https://api.groq.com/openai/v1")
    local = factory.create("ollama.llama3.2")
    assert (local.inner.name, local.inner.base_url) == ("ollama", "http://localhost:11434/v1")


def test_provider_modules_are_imported_only_when_a_model_is_built():
    code = (
        "import sys\n"
        "from fastagent.config.settings import Settings\n"
        "from fastagent.providers.factory import ModelFactory\n"
        "f = ModelFactory(Settings(), environ={})\n"
        "f.resolve('sonnet'); f.resolve('gpt-4.1'); f.resolve('ollama.llama3.2')\n"
        "f.create('passthrough')\n"
        "for name in ('anthropic', 'openai', 'mcp', 'fastagent.providers.anthropic',\n"
        "             'fastagent.providers.openai', 'fastagent.providers.generic'):\n"
        "    assert name not in sys.modules, name\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_runtime_close_closes_the_providers_it_built():
    from fastagent.providers.generic import GenericProvider

    async with Runtime.open(settings=Settings()) as runtime:
        provider = runtime.models.create("generic.local-model")
        assert isinstance(provider.inner, GenericProvider)
        closed: list[str] = []
        original = provider.inner.aclose

        async def tracking_close() -> None:
            closed.append(provider.inner.model)
            await original()

        provider.inner.aclose = tracking_close  # type: ignore[method-assign]
    assert closed == ["local-model"]


def test_same_model_shares_one_provider_when_shareable():
    factory = ModelFactory(Settings())
    first = factory.create("generic.local-model")
    assert factory.create("generic.local-model") is first  # one SDK client for both agents
    assert factory.create("generic.other-model") is not first
    assert factory.create("generic.local-model?temperature=0.5") is not first


def test_scripted_test_models_are_never_shared():
    factory = ModelFactory(Settings())
    assert factory.create("passthrough") is not factory.create("passthrough")
    assert factory.create("playback") is not factory.create("playback")
