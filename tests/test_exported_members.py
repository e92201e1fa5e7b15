"""Every package's public API is exactly the documented names; each resolves, lazily.

One table, one set of parametrized checks for all packages: ``__all__`` is the documented
set, ``dir()`` shows it, every name resolves, an unknown name is an `AttributeError` naming
it, and importing the package in a fresh interpreter loads no heavy dependency (pydantic,
yaml, rich, mcp, the SDKs, asyncio ...) beyond what it is documented to need.
"""

from __future__ import annotations

import importlib
import json
import subprocess
import sys
from types import ModuleType

import pytest

HEAVY = frozenset(
    {
        "pydantic",
        "yaml",
        "rich",
        "mcp",
        "anthropic",
        "openai",
        "asyncio",
        "httpx",
        "prompt_toolkit",
        "opentelemetry",
    }
)
"""Modules whose import cost matters (the `fastagent --help` budget, ADR 0004)."""

DOCUMENTED: dict[str, set[str]] = {
    "fastagent": {
        "Agent",
        "AgentApp",
        "AugmentedLLM",
        "Context",
        "EventBus",
        "FastAgent",
        "FunctionTool",
        "Message",
        "ModelFactory",
        "RequestParams",
        "RunOptions",
        "Runtime",
        "SimpleMemory",
        "StopReason",
        "ToolCall",
        "ToolResult",
        "ToolSet",
        "UnknownAgentError",
        "Usage",
        "__version__",
        "create_provider",
        "current_context",
        "current_runtime",
        "load_history",
        "save_history",
        "tool",
    },
    "fastagent.agents": {
        "Agent",
        "AgentApp",
        "AgentDeclaration",
        "AgentTool",
        "BuildContext",
        "Declaration",
        "FastAgent",
    },
    "fastagent.agents.workflows": {
        "BranchResult",
        "ChainAgent",
        "ChainDeclaration",
        "ChainResult",
        "Evaluation",
        "EvaluatorOptimizerAgent",
        "EvaluatorOptimizerDeclaration",
        "EvaluatorOptimizerResult",
        "OrchestratorAgent",
        "OrchestratorDeclaration",
        "OrchestratorResult",
        "ParallelAgent",
        "ParallelDeclaration",
        "ParallelResult",
        "QualityRating",
        "Round",
        "RouterAgent",
        "RouterDeclaration",
        "RouterResult",
    },
    "fastagent.config": {
        "AnthropicSettings",
        "AzureSettings",
        "ElicitationSettings",
        "GenericSettings",
        "IdPSettings",
        "LoadedConfig",
        "LoggerSettings",
        "MCPRootSettings",
        "MCPServerSettings",
        "MCPSettings",
        "OAuthSettings",
        "OpenAISettings",
        "ProviderSettings",
        "SamplingSettings",
        "Settings",
        "find_config_file",
        "load_config",
        "redacted",
    },
    "fastagent.durable": {"DurableEngine", "DurableError", "TurnHandler"},
    "fastagent.history": {
        "EXTENSIONS",
        "FORMATS",
        "HISTORY_VERSION",
        "HistoryFormat",
        "dumps_history",
        "load_history",
        "loads_history",
        "save_history",
    },
    "fastagent.llm": {
        "AugmentedLLM",
        "LLMStreamEvent",
        "Memory",
        "RequestParams",
        "SimpleMemory",
        "StreamDone",
        "StreamEvent",
        "TextDelta",
        "ToolCallDelta",
        "ToolCallEnd",
        "ToolCallStart",
        "ToolResultEvent",
        "UsageUpdate",
    },
    "fastagent.mcp": {
        "ClientCallbacks",
        "Elicitor",
        "MCPAggregator",
        "MCPTool",
        "PromptInfo",
        "ProviderSampler",
        "ResourceInfo",
        "Sampler",
        "ServerConnection",
        "ServerRegistry",
        "add_server_tools",
        "build_client_callbacks",
        "get_prompt",
        "list_prompts",
        "list_resources",
        "read_resource",
        "resource_as_block",
    },
    "fastagent.providers": {
        "BaseProvider",
        "CompletionRequest",
        "ModelSpec",
        "PassthroughProvider",
        "PlaybackProvider",
        "Provider",
        "ProviderEntry",
        "ProviderRegistry",
        "create_provider",
        "parse_model_string",
    },
    "fastagent.scenarios": {
        "Scenario",
        "ScenarioResult",
        "assert_scenario",
        "find_scenario_files",
        "is_scenario_file",
        "load_scenario",
        "run_scenario",
        "run_scenario_async",
    },
    "fastagent.serve": {"Transport", "serve_app"},
    "fastagent.sessions": {
        "SESSION_VERSION",
        "AgentSummary",
        "SessionError",
        "SessionInfo",
        "SessionLockedError",
        "SessionStore",
        "SessionWriter",
        "read_histories",
        "sessions_directory",
    },
    "fastagent.telemetry": {"start_tracing"},
    "fastagent.tools": {
        "FunctionTool",
        "TOOL_NAME_PATTERN",
        "Tool",
        "ToolDefinition",
        "ToolSet",
        "sanitize_tool_name",
        "tool",
    },
    "fastagent.ui": {
        "TerminalElicitor",
        "print_usage_summary",
        "run_interactive",
        "start_display",
        "usage_table",
    },
    "fastagent.cli.commands": {"COMMAND_MODULES"},
}
"""Each package's documented public names."""

ALLOWED_HEAVY: dict[str, set[str]] = {
    "fastagent.history": {"pydantic"},
    "fastagent.sessions": {"pydantic"},
}
"""Heavy modules a package may import eagerly (history's and sessions' models are their API)."""

PACKAGES = sorted(DOCUMENTED)


def package(name: str) -> ModuleType:
    return importlib.import_module(name)


def test_every_package_is_listed() -> None:
    import pathlib

    import fastagent

    root = pathlib.Path(fastagent.__file__).parent
    found = {
        ".".join(("fastagent", *init.parent.relative_to(root).parts))
        for init in root.rglob("__init__.py")
        if "templates" not in init.parts
    }
    assert found - {"fastagent.cli"} == set(DOCUMENTED)  # cli has no public names


@pytest.mark.parametrize("name", PACKAGES)
def test_all_is_the_documented_api(name: str) -> None:
    assert set(package(name).__all__) == DOCUMENTED[name]


@pytest.mark.parametrize("name", PACKAGES)
def test_every_public_name_resolves_and_dir_shows_it(name: str) -> None:
    module = package(name)
    for public in module.__all__:
        assert getattr(module, public) is not None, f"{name}.{public}"
    if hasattr(module, "_LAZY"):  # lazy packages show exactly their public names
        assert dir(module) == sorted(module.__all__)
    else:
        assert set(module.__all__) <= set(dir(module))


@pytest.mark.parametrize("name", PACKAGES)
def test_unknown_name_is_an_attribute_error(name: str) -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        getattr(package(name), "NoSuchThing")  # noqa: B009


@pytest.mark.parametrize("name", PACKAGES)
def test_importing_a_package_imports_nothing_heavy(name: str) -> None:
    code = (
        "import importlib, json, sys\n"
        f"importlib.import_module({name!r})\n"
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(out.stdout)) & HEAVY
    assert loaded <= ALLOWED_HEAVY.get(name, set()), loaded


def test_fast_agent_import_loads_no_sdk_or_mcp() -> None:
    code = (
        "import sys\n"
        "from fastagent import FastAgent\n"
        "fast = FastAgent('x', parse_cli_args=False)\n"
        "print(sorted({'mcp', 'anthropic', 'openai'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_a_run_without_tracing_imports_no_opentelemetry() -> None:
    code = (
        "import asyncio, sys\n"
        "from fastagent import FastAgent\n"
        "from fastagent.config import Settings\n"
        "fast = FastAgent('x', parse_cli_args=False, quiet=True,\n"
        "                 settings=Settings.model_validate({'logger': {'type': 'none'}}))\n"
        "fast.agent('a', model='passthrough')\n"
        "async def main():\n"
        "    async with fast.run() as app:\n"
        "        assert await app.a.send('hi') == 'hi'\n"
        "asyncio.run(main())\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
