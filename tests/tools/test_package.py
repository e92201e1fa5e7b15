import subprocess
import sys

import pytest

import fastagent.tools
from fastagent.tools import base, function_tool, naming, toolset

EXPECTED = {
    "TOOL_NAME_PATTERN",
    "FunctionTool",
    "Tool",
    "ToolDefinition",
    "ToolSet",
    "sanitize_tool_name",
    "tool",
}


def test_public_names_are_exactly_the_documented_ones() -> None:
    assert set(fastagent.tools.__all__) == EXPECTED
    assert set(dir(fastagent.tools)) == EXPECTED
    assert fastagent.tools.ToolSet is toolset.ToolSet
    assert fastagent.tools.tool is function_tool.tool
    assert fastagent.tools.ToolDefinition is base.ToolDefinition
    assert fastagent.tools.sanitize_tool_name is naming.sanitize_tool_name


def test_unknown_attribute_raises_attribute_error() -> None:
    with pytest.raises(AttributeError, match="NoSuchThing"):
        getattr(fastagent.tools, "NoSuchThing")  # noqa: B009


def test_importing_tools_does_not_pull_in_schema_building_or_sdks() -> None:
    code = (
        "import sys, fastagent.tools.toolset, fastagent.tools.function_tool; "
        "heavy = ['fastagent.tools.schema', 'mcp', 'anthropic', 'openai']; "
        "print([m for m in heavy if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"
