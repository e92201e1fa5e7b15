import subprocess
import sys

import fastagent.tools
from fastagent.tools import base, function_tool, naming, toolset


def test_public_names_come_from_their_modules() -> None:
    assert fastagent.tools.ToolSet is toolset.ToolSet
    assert fastagent.tools.tool is function_tool.tool
    assert fastagent.tools.ToolDefinition is base.ToolDefinition
    assert fastagent.tools.sanitize_tool_name is naming.sanitize_tool_name


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
