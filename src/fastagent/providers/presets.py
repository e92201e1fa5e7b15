"""Built-in OpenAI-compatible presets: ``ollama.llama3.2``, ``groq.llama-3.3-70b-versatile``.

A preset is a named endpoint served by `GenericProvider`: a base URL and, for hosted
services, the environment variable holding the key. Config ``providers.<name>`` overrides a
preset's values or adds new presets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["BUILTIN_PRESETS", "KEYLESS_API_KEY", "Preset"]

KEYLESS_API_KEY: Final = "none"
"""The placeholder key sent to local servers that need none (the SDK insists on one)."""


@dataclass(frozen=True, slots=True)
class Preset:
    """An OpenAI-compatible endpoint known by name.

    Attributes:
        name: The provider part of model strings (``ollama`` in ``ollama.llama3.2``).
        base_url: The OpenAI-compatible endpoint.
        api_key_env: The environment variable holding the key; None for local servers.
        description: One line for listings.
    """

    name: str
    base_url: str
    api_key_env: str | None = None
    description: str = ""


BUILTIN_PRESETS: Final[dict[str, Preset]] = {
    p.name: p
    for p in (
        Preset("ollama", "http://localhost:11434/v1", None, "a local Ollama server"),
        Preset("llamacpp", "http://localhost:8080/v1", None, "a local llama.cpp server"),
        Preset("lmstudio", "http://localhost:1234/v1", None, "a local LM Studio server"),
        Preset("vllm", "http://localhost:8000/v1", None, "a local vLLM server"),
        Preset(
            "openrouter",
            "https://openrouter.ai/api/v1",
            "OPENROUTER_API_KEY",
            "OpenRouter (many hosted models)",
        ),
        Preset("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY", "Groq"),
        Preset("deepseek", "https://api.deepseek.com/v1", "DEEPSEEK_API_KEY", "DeepSeek"),
        Preset("xai", "https://api.x.ai/v1", "XAI_API_KEY", "xAI (Grok models)"),
        Preset("mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY", "Mistral AI"),
        Preset("together", "https://api.together.xyz/v1", "TOGETHER_API_KEY", "Together AI"),
        Preset(
            "fireworks",
            "https://api.fireworks.ai/inference/v1",
            "FIREWORKS_API_KEY",
            "Fireworks AI (models as accounts/fireworks/models/<name>)",
        ),
        Preset("cerebras", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY", "Cerebras"),
        Preset(
            "huggingface",
            "https://router.huggingface.co/v1",
            "HF_TOKEN",
            "Hugging Face inference providers (model[:provider], e.g. openai/gpt-oss-120b)",
        ),
    )
}
"""The presets every model factory knows, by name."""
