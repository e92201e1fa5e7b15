from __future__ import annotations

import subprocess
import sys

from fastagent.config import Settings
from fastagent.mcp.registry import ServerRegistry
from fastagent.runtime import Runtime

from .conftest import fixture_server, live_children


async def test_the_runtime_registry_closes_servers_with_the_runtime() -> None:
    settings = Settings.model_validate({"mcp": {"servers": {"fx": fixture_server("ok")}}})
    before = live_children()  # e.g. a session-wide model server started earlier
    async with Runtime.open(settings=settings) as runtime:
        assert not runtime.servers_opened
        registry = runtime.servers
        assert runtime.servers is registry
        assert isinstance(registry, ServerRegistry)
        await registry.get("fx")
        assert live_children() - before
    assert not live_children() - before


def test_importing_fastagent_mcp_does_not_import_the_sdk() -> None:
    code = "import sys, fastagent.mcp; print('mcp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
