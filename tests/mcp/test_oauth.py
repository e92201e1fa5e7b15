from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

from fastagent._redact import redact
from fastagent.config.loader import load_config
from fastagent.exceptions import ConfigValidationError, MCPServerError
from fastagent.mcp.aggregator import add_server_tools
from fastagent.mcp.oauth import (
    CallbackListener,
    FileTokenStorage,
    build_oauth_provider,
    default_token_dir,
    token_path,
)
from fastagent.mcp.registry import ServerRegistry
from fastagent.messages import ToolCall
from fastagent.tools import ToolSet

from .conftest import free_port, mcp_settings, server_settings

OAUTH_SERVER = Path(__file__).parent / "servers" / "oauth_server.py"


def oauth_server_settings(url: str, tmp_path: Path, **auth: Any) -> Any:
    return server_settings(url=url, auth={"type": "oauth", "token_dir": str(tmp_path), **auth})


# --- settings -------------------------------------------------------------------------------


def test_auth_settings_defaults_and_scope_string(tmp_path: Path) -> None:
    settings = oauth_server_settings("http://127.0.0.1:1/mcp", tmp_path, scopes="read write")
    assert settings.auth is not None
    assert settings.auth.scopes == ["read", "write"]
    assert settings.auth.client_name == "fastagent"
    assert settings.auth.redirect_port is None


def _config_error(tmp_path: Path, auth_yaml: str, *, extra: str = "") -> str:
    config = tmp_path / "fastagent.config.yaml"
    config.write_text(
        "mcp:\n  servers:\n    web:\n"
        f"      {extra or 'url: http://127.0.0.1:1/mcp'}\n"
        f"      auth:\n{auth_yaml}"
    )
    with pytest.raises(ConfigValidationError) as info:
        load_config(config, cwd=tmp_path, env={}, user_config_dir=tmp_path / "user")
    return str(info.value)


@pytest.mark.parametrize(
    ("auth_yaml", "key", "words"),
    [
        ("        type: basic\n", "mcp.servers.web.auth.type", "oauth"),
        ("        redirect_port: 70000\n", "mcp.servers.web.auth.redirect_port", "65535"),
        ("        client_secret: s3cr3t-value\n", "mcp.servers.web.auth", "client_id"),
        ("        scope: read\n", "mcp.servers.web.auth.scope", ""),
    ],
)
def test_bad_auth_settings_name_the_key(
    tmp_path: Path, auth_yaml: str, key: str, words: str
) -> None:
    message = _config_error(tmp_path, auth_yaml)
    assert key in message
    assert words in message
    assert "s3cr3t-value" not in message


def test_auth_on_stdio_server_is_rejected(tmp_path: Path) -> None:
    message = _config_error(tmp_path, "        type: oauth\n", extra="command: some-server")
    assert "mcp.servers.web" in message
    assert "http and sse" in message


# --- token storage ------------------------------------------------------------------------


def test_token_path_is_per_server_under_xdg_config_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    auth = server_settings(url="http://x/mcp", auth={}).auth
    assert auth is not None
    assert default_token_dir() == tmp_path / "fastagent" / "tokens"
    assert token_path("web", auth) == tmp_path / "fastagent" / "tokens" / "web.json"
    assert token_path("../evil", auth).parent == tmp_path / "fastagent" / "tokens"
    custom = server_settings(url="http://x/mcp", auth={"token_dir": str(tmp_path / "t")}).auth
    assert custom is not None
    assert token_path("web", custom) == tmp_path / "t" / "web.json"


async def test_token_storage_round_trip_mode_0600_and_per_server(tmp_path: Path) -> None:
    path = tmp_path / "tokens" / "alpha.json"
    storage = FileTokenStorage(path, server="alpha")
    assert await storage.get_tokens() is None
    assert await storage.get_client_info() is None
    assert not storage.has_tokens()

    tokens = OAuthToken(
        access_token="access-abc123456",
        refresh_token="refresh-xyz98765",
        expires_in=60,
        scope="tools",
    )
    client = OAuthClientInformationFull(
        client_id="client-1",
        client_secret="client-secret-777",
        redirect_uris=["http://127.0.0.1:4567/callback"],
    )
    await storage.set_tokens(tokens)
    await storage.set_client_info(client)

    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    again = FileTokenStorage(path, server="alpha")
    assert await again.get_tokens() == tokens
    loaded_client = await again.get_client_info()
    assert loaded_client is not None
    assert loaded_client.client_id == "client-1"
    assert loaded_client.client_secret == "client-secret-777"
    assert again.has_tokens()
    assert again.stored_redirect_port() == 4567
    expires_at = again.expires_at()
    assert expires_at is not None

    other = FileTokenStorage(tmp_path / "tokens" / "beta.json", server="beta")
    assert await other.get_tokens() is None
    assert redact("token access-abc123456 and client-secret-777") == "token *** and ***"


async def test_corrupt_token_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "web.json"
    path.write_text("{not json")
    with pytest.raises(MCPServerError) as info:
        await FileTokenStorage(path, server="web").get_tokens()
    assert str(path) in str(info.value)
    assert info.value.hint is not None and "delete" in info.value.hint


# --- callback listener -----------------------------------------------------------------------


async def test_callback_listener_receives_code_and_state() -> None:
    listener = CallbackListener("web", 0, timeout=10)
    await listener.start()
    assert listener.port != 0
    async with httpx.AsyncClient() as client:
        missing = await client.get(f"http://127.0.0.1:{listener.port}/favicon.ico")
        answer = await client.get(listener.redirect_uri, params={"code": "c0de", "state": "st"})
    assert missing.status_code == 404
    assert answer.status_code == 200
    assert "Authorization complete" in answer.text
    result = await listener.wait()
    assert (result.code, result.state) == ("c0de", "st")
    with pytest.raises(httpx.ConnectError):
        async with httpx.AsyncClient() as client:
            await client.get(listener.redirect_uri, params={"code": "again"})


async def test_callback_listener_reports_a_refusal() -> None:
    listener = CallbackListener("web", 0, timeout=10)
    await listener.start()
    async with httpx.AsyncClient() as client:
        answer = await client.get(
            listener.redirect_uri,
            params={"error": "access_denied", "error_description": "user said no"},
        )
    assert answer.status_code == 400
    with pytest.raises(MCPServerError, match=r"'web'.*refused: user said no"):
        await listener.wait()


async def test_callback_listener_times_out_with_a_clear_error() -> None:
    listener = CallbackListener("web", 0, timeout=0.05)
    await listener.start()
    with pytest.raises(MCPServerError) as info:
        await listener.wait()
    assert "MCP server 'web'" in str(info.value)
    assert "within 0.05s" in str(info.value)


async def test_callback_listener_port_in_use_names_the_setting() -> None:
    first = CallbackListener("web", 0)
    await first.start()
    second = CallbackListener("web", first.port)
    try:
        with pytest.raises(MCPServerError, match="address already in use") as info:
            await second.start()
        assert info.value.hint is not None
        assert "mcp.servers.web.auth.redirect_port" in info.value.hint
    finally:
        await first.aclose()
        await second.aclose()


# --- non-interactive ---------------------------------------------------------------------------


def test_non_interactive_without_token_names_server_and_command(tmp_path: Path) -> None:
    settings = oauth_server_settings("http://127.0.0.1:1/mcp", tmp_path)
    with pytest.raises(MCPServerError) as info:
        build_oauth_provider("guarded", settings, interactive=False)
    assert "'guarded'" in str(info.value)
    assert info.value.hint is not None
    assert "fastagent go --servers guarded" in info.value.hint


async def test_registry_reports_non_interactive_error(tmp_path: Path) -> None:
    # Under pytest stdin is not a terminal, so the transport's provider is non-interactive.
    servers = mcp_settings(
        guarded={"url": "http://127.0.0.1:9/mcp", "auth": {"token_dir": str(tmp_path)}}
    )
    async with ServerRegistry(servers) as registry:
        with pytest.raises(MCPServerError, match="needs OAuth authorization"):
            await registry.get("guarded")


# --- the full flow against the SDK's authorization server ------------------------------------


@pytest.fixture
def oauth_server() -> Iterator[str]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, str(OAUTH_SERVER), str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        with httpx.Client() as client:
            for _ in range(400):
                try:
                    client.get(f"http://127.0.0.1:{port}/.well-known/oauth-authorization-server")
                    break
                except httpx.TransportError:
                    if process.poll() is not None:
                        raise RuntimeError("oauth server exited") from None

                    time.sleep(0.025)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        os.killpg(process.pid, 15)
        process.wait(10)


async def _whoami_via_provider(url: str, provider: Any) -> str:
    import httpx2
    from mcp.client.streamable_http import streamable_http_client

    from mcp import ClientSession

    async with (
        httpx2.AsyncClient(auth=provider, timeout=30) as client,
        streamable_http_client(url, http_client=client) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        result = await session.call_tool("whoami", {})
    block = result.content[0]
    return str(getattr(block, "text", ""))


async def test_full_flow_discovery_registration_authorize_token_call(
    oauth_server: str, tmp_path: Path
) -> None:
    settings = oauth_server_settings(oauth_server, tmp_path, client_name="fastagent-test")
    visited: list[str] = []

    async def follow(url: str) -> None:
        visited.append(url)
        async with httpx.AsyncClient(follow_redirects=True) as client:
            answer = await client.get(url)
        assert "Authorization complete" in answer.text

    printed = io.StringIO()
    provider = build_oauth_provider(
        "guarded", settings, interactive=True, open_browser=False, out=printed, on_url=follow
    )
    text = await _whoami_via_provider(oauth_server, provider)

    stored = FileTokenStorage(tmp_path / "guarded.json", server="guarded")
    client_info = await stored.get_client_info()
    tokens = await stored.get_tokens()
    assert client_info is not None and tokens is not None
    assert text == f"client: {client_info.client_id}"
    assert client_info.client_name == "fastagent-test"
    assert len(visited) == 1
    assert "code_challenge_method=S256" in visited[0]
    assert visited[0] in printed.getvalue()
    assert stat.S_IMODE(os.stat(stored.path).st_mode) == 0o600
    assert tokens.access_token not in redact(f"token {tokens.access_token}")

    # A later non-interactive run reuses the stored token through the normal transport path.
    servers = mcp_settings(guarded={"url": oauth_server, "auth": {"token_dir": str(tmp_path)}})
    async with ServerRegistry(servers) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["guarded"])
        result = await tools.call(ToolCall(id="1", name="guarded__whoami", arguments={}))
    assert not result.is_error
    assert result.text == f"client: {client_info.client_id}"

    # An expired stored token is refreshed without a browser, and the new one is stored.
    data = json.loads(stored.path.read_text())
    data["expires_at"] = time.time() - 10
    stored.path.write_text(json.dumps(data))
    async with ServerRegistry(servers) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["guarded"])
        again = await tools.call(ToolCall(id="2", name="guarded__whoami", arguments={}))
    assert again.text == f"client: {client_info.client_id}"
    refreshed = await stored.get_tokens()
    assert refreshed is not None
    assert refreshed.access_token != tokens.access_token
