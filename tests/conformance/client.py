"""The fastagent client the MCP conformance suite drives (one run per scenario).

Contract of ``conformance client --command CMD``: the server URL is the last argument,
``MCP_CONFORMANCE_SCENARIO`` names the scenario and ``MCP_CONFORMANCE_CONTEXT`` carries JSON
(credentials, keys, tokens) for some. Exit 0 when the client did its part.

Only fastagent's public API is used, and the same way for every scenario: the context becomes
``mcp.servers.<name>.auth`` settings (as a user would write them), the server is connected
through a `ServerRegistry` with the standard client callbacks, its tools are listed, and the
scenario's tool (if any) is called. Which grant is used, which token-endpoint authentication,
whether a metadata document replaces registration: fastagent decides from the servers'
metadata, as it does for users.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
from collections.abc import Mapping
from typing import Any

import httpx

from fastagent import ToolCall, ToolSet
from fastagent.config import MCPSettings
from fastagent.mcp import ServerRegistry, add_server_tools, build_client_callbacks
from fastagent.mcp.elicitation import ElicitationAnswer

SERVER = "conformance"
CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json"
TOOL_CALLS: dict[str, tuple[str, dict[str, Any]]] = {
    "tools_call": ("add_numbers", {"a": 5, "b": 3}),
    "sse-retry": ("test_reconnection", {}),
    "elicitation-sep1034-client-defaults": ("test_client_elicitation_defaults", {}),
}


async def follow_authorization(url: str) -> str:
    """Headless authorization: visit the URL, return where the server redirects."""
    async with httpx.AsyncClient(timeout=10) as client:
        response = await client.get(url)
    location = response.headers.get("location")
    if not response.is_redirect or not location:
        raise RuntimeError(f"authorization endpoint answered {response.status_code}")
    return str(location)


class AcceptEverything:
    """An elicitor that accepts with no values of its own (the defaults fill in)."""

    interactive = True

    async def elicit(
        self, server_name: str, message: str, schema: Mapping[str, Any]
    ) -> ElicitationAnswer:
        return ElicitationAnswer("accept", {})


def auth_settings(context: Mapping[str, Any], token_dir: str) -> dict[str, Any]:
    """The ``auth`` settings a user would write for this context."""
    auth: dict[str, Any] = {
        "token_dir": token_dir,
        "client_metadata_url": CLIENT_METADATA_URL,
        "authorization_handler": follow_authorization,
    }
    for key in ("client_id", "client_secret"):
        if context.get(key):
            auth[key] = context[key]
    if context.get("private_key_pem"):
        auth["private_key"] = context["private_key_pem"]
        auth["signing_algorithm"] = context.get("signing_algorithm", "RS256")
    if context.get("idp_token_endpoint"):
        auth["idp"] = {
            "token_endpoint": context["idp_token_endpoint"],
            "id_token": context["idp_id_token"],
            "client_id": context.get("idp_client_id"),
        }
    return auth


async def run(url: str, scenario: str, context: Mapping[str, Any]) -> None:
    with tempfile.TemporaryDirectory(prefix="fastagent-conformance-tokens-") as token_dir:
        server: dict[str, Any] = {"url": url, "transport": "http"}
        if scenario.startswith("auth/"):
            server["auth"] = auth_settings(context, token_dir)
        settings = MCPSettings.model_validate({"servers": {SERVER: server}})
        elicitor = AcceptEverything()

        def callbacks(name: str, server_settings: Any) -> Any:
            return build_client_callbacks(
                name, server_settings, sampler=None, elicitor=elicitor, events=None
            )

        async with ServerRegistry(settings, callbacks_factory=callbacks) as registry:
            tools = ToolSet()
            await add_server_tools(tools, registry, [SERVER])
            name, arguments = TOOL_CALLS.get(scenario, ("", {}))
            if not name and scenario.startswith("auth/"):
                listed = tools.names()
                name = listed[0].removeprefix(f"{SERVER}__") if listed else ""
            if name:
                call = ToolCall(id="1", name=f"{SERVER}__{name}", arguments=arguments)
                result = await tools.call(call)
                if result.is_error:
                    raise RuntimeError(f"tool {name} failed: {result.text}")
                print(result.text)


def main() -> int:
    url = sys.argv[-1]
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    context = json.loads(os.environ.get("MCP_CONFORMANCE_CONTEXT") or "{}")
    try:
        asyncio.run(run(url, scenario, context))
    except Exception as exc:
        hint = getattr(exc, "hint", None)
        print(f"error: {exc}" + (f"\nhint: {hint}" if hint else ""), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
