"""The public API is exactly the documented names, and each resolves lazily."""

import subprocess
import sys

import fastagent

DOCUMENTED = {
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
    "Usage",
    "__version__",
    "create_provider",
    "current_context",
    "current_runtime",
    "load_history",
    "save_history",
    "tool",
}


def test_all_is_the_documented_api() -> None:
    assert set(fastagent.__all__) == DOCUMENTED


def test_every_public_name_resolves() -> None:
    for name in fastagent.__all__:
        assert getattr(fastagent, name) is not None, name


def test_unknown_name_is_an_attribute_error() -> None:
    try:
        fastagent.NoSuchThing  # noqa: B018
    except AttributeError as exc:
        assert "NoSuchThing" in str(exc)
    else:
        raise AssertionError("expected AttributeError")


def test_import_fastagent_imports_nothing_heavy() -> None:
    code = (
        "import sys, fastagent\n"
        "heavy = {'pydantic', 'yaml', 'rich', 'mcp', 'anthropic', 'openai', 'asyncio'}\n"
        "print(sorted(heavy & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_fast_agent_import_loads_no_sdk_or_mcp() -> None:
    code = (
        "import sys\n"
        "from fastagent import FastAgent\n"
        "fast = FastAgent('x', parse_cli_args=False)\n"
        "print(sorted({'mcp', 'anthropic', 'openai'} & set(sys.modules)))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
