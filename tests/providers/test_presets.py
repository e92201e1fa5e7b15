"""Hosted OpenAI-compatible presets: key variable, base URL and errors, through the factory."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import respx

from fastagent.config.settings import GenericSettings, Settings
from fastagent.exceptions import AuthenticationError, MissingAPIKeyError
from fastagent.messages import Message
from fastagent.providers.base import CompletionRequest
from fastagent.providers.factory import ModelFactory
from fastagent.providers.presets import BUILTIN_PRESETS

COMPLETION = json.loads(
    (Path(__file__).parent / "payloads" / "openai" / "completion_text.json").read_text()
)
UNAUTHORIZED = json.loads(
    (Path(__file__).parent / "payloads" / "openai" / "error_invalid_api_key.json").read_text()
)

NEW_PRESETS = [
    ("xai", "https://api.x.ai/v1", "XAI_API_KEY", "grok-4"),
    ("mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY", "mistral-large-latest"),
    (
        "together",
        "https://api.together.xyz/v1",
        "TOGETHER_API_KEY",
        "meta-llama/Llama-3.3-70B-Instruct-Turbo",
    ),
    (
        "fireworks",
        "https://api.fireworks.ai/inference/v1",
        "FIREWORKS_API_KEY",
        "accounts/fireworks/models/llama-v3p1-8b-instruct",
    ),
    ("cerebras", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY", "llama-3.3-70b"),
    (
        "huggingface",
        "https://router.huggingface.co/v1",
        "HF_TOKEN",
        "openai/gpt-oss-120b:cerebras",
    ),
]


@pytest.fixture
async def http():
    async with httpx.AsyncClient() as client:
        yield client


@pytest.mark.parametrize(("name", "base_url", "variable", "model"), NEW_PRESETS)
async def test_preset_calls_its_endpoint_with_its_key(http, name, base_url, variable, model):
    assert BUILTIN_PRESETS[name].base_url == base_url
    assert BUILTIN_PRESETS[name].api_key_env == variable
    key = f"{name}-key-0123456789abcdef"
    factory = ModelFactory(Settings(), environ={variable: key})
    provider = factory.create(f"{name}.{model}", http_client=http)
    assert (provider.name, provider.model) == (name, model)
    with respx.mock(base_url=base_url) as router:
        route = router.post("/chat/completions").respond(200, json=COMPLETION)
        reply = await provider.complete(CompletionRequest([Message.user("Hi")]))
    assert reply.text == "Hello! How can I help you today?"
    request = route.calls.last.request
    assert request.headers["authorization"] == f"Bearer {key}"
    assert json.loads(request.content)["model"] == model
    await factory.aclose()


@pytest.mark.parametrize(("name", "base_url", "variable", "model"), NEW_PRESETS)
def test_missing_key_names_the_variable_and_the_config_key(name, base_url, variable, model):
    factory = ModelFactory(Settings(), environ={})
    with pytest.raises(MissingAPIKeyError) as caught:
        factory.create(f"{name}.{model}")
    assert caught.value.env_var == variable
    assert caught.value.hint == (
        f"set {variable}, or providers.{name}.api_key in fastagent.secrets.yaml"
    )


async def test_rejected_key_hint_names_the_preset_variable(http):
    factory = ModelFactory(Settings(), environ={"HF_TOKEN": "hf_0123456789abcdefghij"})
    provider = factory.create("huggingface.openai/gpt-oss-120b", http_client=http)
    with respx.mock(base_url="https://router.huggingface.co/v1") as router:
        router.post("/chat/completions").respond(401, json=UNAUTHORIZED)
        with pytest.raises(AuthenticationError) as caught:
            await provider.complete(CompletionRequest([Message.user("Hi")]))
    assert caught.value.hint == "check the API key (HF_TOKEN or providers.huggingface.api_key)"
    assert "hf_0123456789abcdefghij" not in str(caught.value)
    await factory.aclose()


def test_config_overrides_a_new_preset_base_url():
    settings = Settings(
        providers={"mistral": GenericSettings(base_url="https://eu.mistral.test/v1")}
    )
    factory = ModelFactory(settings, environ={"MISTRAL_API_KEY": "m-key-0123456789"})
    provider = factory.create("mistral.mistral-small-latest")
    assert provider.inner.base_url == "https://eu.mistral.test/v1"
