from __future__ import annotations

import json
import subprocess
import sys

PROBE = """
import json, sys
import fastagent.config
before = sorted(m for m in ("pydantic", "yaml", "pydantic_settings", "dotenv") if m in sys.modules)
fastagent.config.load_config
fastagent.config.Settings
fastagent.config.MCPServerSettings
after = sorted(m for m in ("pydantic_settings", "mcp", "anthropic", "openai") if m in sys.modules)
print(json.dumps({"before": before, "after": after}))
"""


def test_importing_config_is_lazy_and_never_imports_pydantic_settings() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    )
    modules = json.loads(result.stdout)
    assert modules["before"] == []
    assert modules["after"] == []
