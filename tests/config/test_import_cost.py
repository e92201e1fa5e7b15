from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

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


def test_loading_the_config_builds_only_the_settings_schema(tmp_path: Path) -> None:
    # ADR 0004: models on the start-up path defer their build; Settings validates the
    # defaults of absent sections in its own schema instead of building each section's.
    probe = (
        "import json, pathlib, pydantic\n"
        "from fastagent.config import load_config, settings, mcp_settings, durable_settings\n"
        "here = pathlib.Path.cwd()\n"
        "load_config(cwd=here, env={}, user_config_dir=here)\n"
        "models = [v for m in (settings, mcp_settings, durable_settings) for v in vars(m).values()"
        " if isinstance(v, type) and issubclass(v, pydantic.BaseModel)"
        " and v.__module__.startswith('fastagent.')]\n"
        "print(json.dumps({m.__name__: [m.model_config.get('defer_build', False),"
        " m.__pydantic_complete__] for m in models}))\n"
    )
    (tmp_path / ".git").mkdir()
    result = subprocess.run(
        [sys.executable, "-c", probe], cwd=tmp_path, capture_output=True, text=True, check=True
    )
    models = json.loads(result.stdout)
    assert len(models) > 15
    assert [name for name, (deferred, _) in models.items() if not deferred] == []
    assert [name for name, (_, built) in models.items() if built] == ["Settings"]
