from __future__ import annotations

import contextlib
import io
import json
import os
import stat
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from mcp.shared.auth import OAuthClientInformationFull, OAuthMetadata, OAuthToken
from pydantic import SecretStr

from fastagent._redact import redact
from fastagent.config.loader import load_config
from fastagent.config.mcp_settings import IdPSettings
from fastagent.exceptions import ConfigValidationError, MCPServerError
from fastagent.mcp.aggregator import add_server_tools
from fastagent.mcp.oauth import (
    CallbackListener,
    FileTokenStorage,
    build_oauth_provider,
    default_token_dir,
    token_path,
)
from fastagent.mcp.oauth_grants import (
    IdPTokenExchange,
    choose_token_auth_method,
    offers_only_client_credentials,
)
from fastagent.mcp.registry import ServerRegistry
from fastagent.messages import ToolCall
from fastagent.tools import ToolSet

from .conftest import free_port, mcp_settings, server_settings


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


# --- token-endpoint authentication, grants, headless authorization ---------------------------


@pytest.mark.parametrize(
    ("supported", "has_secret", "override", "chosen"),
    [
        (None, True, None, "client_secret_basic"),  # RFC 8414: absent means basic
        (["client_secret_post"], True, None, "client_secret_post"),
        (
            ["private_key_jwt", "client_secret_post", "client_secret_basic"],
            True,
            None,
            "client_secret_post",
        ),
        (["client_secret_basic"], True, "client_secret_post", "client_secret_post"),
        (["client_secret_basic"], False, None, "none"),
    ],
)
def test_token_endpoint_auth_method_follows_the_server_metadata(
    supported: list[str] | None, has_secret: bool, override: str | None, chosen: str
) -> None:
    assert choose_token_auth_method(supported, has_secret=has_secret, override=override) == chosen


def test_a_client_credentials_only_server_is_recognised() -> None:
    def metadata(grants: list[str] | None) -> OAuthMetadata:
        return OAuthMetadata.model_validate(
            {
                "issuer": "http://127.0.0.1:1",
                "authorization_endpoint": "http://127.0.0.1:1/authorize",
                "token_endpoint": "http://127.0.0.1:1/token",
                "grant_types_supported": grants,
            }
        )

    assert offers_only_client_credentials(metadata(["client_credentials"]))
    assert not offers_only_client_credentials(
        metadata(["authorization_code", "client_credentials"])
    )
    assert not offers_only_client_credentials(metadata(None))
    assert not offers_only_client_credentials(None)


@pytest.mark.parametrize(
    ("auth_yaml", "key", "words"),
    [
        ("        client_metadata_url: http://x/c.json\n", "auth.client_metadata_url", "https"),
        ("        client_metadata_url: https://x/\n", "auth.client_metadata_url", "path"),
        ("        private_key: k3y-material\n", "mcp.servers.web.auth", "client_id"),
        (
            "        grant: jwt_bearer\n        client_id: c\n"
            "        client_secret: s3cr3t-value\n",
            "mcp.servers.web.auth",
            "idp",
        ),
        (
            "        client_id: c\n        idp:\n          token_endpoint: http://127.0.0.1:1/t\n"
            "          id_token: s3cr3t-value\n",
            "mcp.servers.web.auth",
            "client_secret",
        ),
        (
            "        token_endpoint_auth_method: private_key\n",
            "auth.token_endpoint_auth_method",
            "",
        ),
        ("        redirect_uri: https://app/cb\n", "mcp.servers.web.auth", "authorization_handler"),
    ],
)
def test_bad_grant_settings_name_the_key(
    tmp_path: Path, auth_yaml: str, key: str, words: str
) -> None:
    message = _config_error(tmp_path, auth_yaml)
    assert key in message
    assert words in message
    assert "s3cr3t-value" not in message
    assert "k3y-material" not in message


def test_client_credentials_without_credentials_is_refused(tmp_path: Path) -> None:
    settings = oauth_server_settings("http://127.0.0.1:1/mcp", tmp_path, grant="client_credentials")
    with pytest.raises(MCPServerError) as info:
        build_oauth_provider("m2m", settings, interactive=False)
    assert "client_credentials grant needs client credentials" in str(info.value)
    assert info.value.hint is not None and "mcp.servers.m2m.auth.client_id" in info.value.hint


def test_an_unimportable_authorization_handler_names_the_key(tmp_path: Path) -> None:
    for value, words in (("no_such_module_xyz:go", "cannot import"), ("os:sep", "not callable")):
        settings = oauth_server_settings(
            "http://127.0.0.1:1/mcp", tmp_path, authorization_handler=value
        )
        with pytest.raises(MCPServerError) as info:
            build_oauth_provider("web", settings, interactive=False)
        assert "mcp.servers.web.auth.authorization_handler" in str(info.value)
        assert words in str(info.value)


HANDLER_MODULE = '''
import httpx

visited = []


def approve(url):
    """Sync handler: what a CI job or a desktop host does with its own browser view."""
    visited.append(url)
    answer = httpx.get(url, follow_redirects=False)
    return answer.headers["location"]


async def tamper(url):
    answer = httpx.get(url, follow_redirects=False)
    return answer.headers["location"].replace("state=", "state=forged")


def refuse(url):
    return "http://127.0.0.1:1/callback?error=access_denied&error_description=user+said+no"
'''


@pytest.fixture
def handler_module(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Any:
    folder = tmp_path / "handlers"
    folder.mkdir()
    (folder / "oauth_handlers_for_test.py").write_text(HANDLER_MODULE)
    monkeypatch.syspath_prepend(str(folder))
    import importlib

    module = importlib.import_module("oauth_handlers_for_test")
    yield module
    sys.modules.pop("oauth_handlers_for_test", None)


async def test_headless_handler_from_config_authorizes_without_a_terminal(
    oauth_server: str, tmp_path: Path, handler_module: Any
) -> None:
    # Under pytest stdin is not a terminal: without the handler this run would be refused.
    servers = mcp_settings(
        guarded={
            "url": oauth_server,
            "auth": {
                "token_dir": str(tmp_path),
                "authorization_handler": "oauth_handlers_for_test:approve",
            },
        }
    )
    started = time.monotonic()
    async with ServerRegistry(servers) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["guarded"])
        result = await tools.call(ToolCall(id="1", name="guarded__whoami", arguments={}))
    assert time.monotonic() - started < 30
    client_info = await FileTokenStorage(
        tmp_path / "guarded.json", server="guarded"
    ).get_client_info()
    assert client_info is not None
    assert result.text == f"client: {client_info.client_id}"
    assert len(handler_module.visited) == 1
    assert "code_challenge_method=S256" in handler_module.visited[0]


@pytest.mark.parametrize(
    ("handler", "words"),
    [
        ("oauth_handlers_for_test:refuse", "authorization was refused: user said no"),
        ("oauth_handlers_for_test:tamper", "OAuth authorization failed: State parameter mismatch"),
    ],
)
async def test_headless_authorization_failures_get_an_auth_hint(
    oauth_server: str, tmp_path: Path, handler_module: Any, handler: str, words: str
) -> None:
    servers = mcp_settings(
        guarded={
            "url": oauth_server,
            "auth": {"token_dir": str(tmp_path), "authorization_handler": handler},
        }
    )
    started = time.monotonic()
    async with ServerRegistry(servers) as registry:
        with pytest.raises(MCPServerError) as info:
            await registry.get("guarded")
    assert time.monotonic() - started < 30
    message = info.value.message
    assert words in message
    assert "\n" not in message
    assert info.value.hint is not None
    assert "server is running" not in info.value.hint
    assert "auth" in info.value.hint


async def test_headless_handler_from_the_api_is_a_callable(
    oauth_server: str, tmp_path: Path
) -> None:
    seen: list[str] = []

    async def approve(url: str) -> str:
        seen.append(url)
        async with httpx.AsyncClient() as client:
            answer = await client.get(url)
        return answer.headers["location"]

    settings = oauth_server_settings(oauth_server, tmp_path, authorization_handler=approve)
    provider = build_oauth_provider("guarded", settings, interactive=False)
    text = await _whoami_via_provider(oauth_server, provider)
    assert text.startswith("client: ")
    assert len(seen) == 1
    assert settings.model_dump(mode="json")["auth"]["authorization_handler"].endswith("approve")


# --- SEP-990 leg 1 against a real local identity provider --------------------------------------


@pytest.fixture
def idp() -> Iterator[tuple[str, list[dict[str, Any]], list[tuple[int, dict[str, Any]]]]]:
    """A token endpoint on 127.0.0.1 that records each form and plays scripted answers."""
    import base64
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import parse_qsl

    received: list[dict[str, Any]] = []
    answers: list[tuple[int, dict[str, Any]]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            form: dict[str, Any] = dict(parse_qsl(self.rfile.read(length).decode()))
            basic = self.headers.get("Authorization", "")
            if basic.startswith("Basic "):
                form["_basic"] = base64.b64decode(basic[6:]).decode()
            received.append(form)
            status, body = answers.pop(0)
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/token", received, answers
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


async def test_idp_token_exchange_sends_the_sep990_request_and_returns_the_id_jag(
    idp: tuple[str, list[dict[str, Any]], list[tuple[int, dict[str, Any]]]],
) -> None:
    endpoint, received, answers = idp
    answers.append(
        (
            200,
            {
                "access_token": "id-jag-0123456789",
                "issued_token_type": "urn:ietf:params:oauth:token-type:id-jag",
                "token_type": "N_A",
            },
        )
    )
    settings = IdPSettings(
        token_endpoint=endpoint,
        id_token=SecretStr("id-token-0123456789"),
        client_id="fastagent-at-idp",
        client_secret=SecretStr("idp-s3cr3t-value"),
    )
    exchange = IdPTokenExchange("corp", settings, ["tools"])
    assertion = await exchange("https://auth.example.com", "https://mcp.example.com/mcp")
    assert assertion == "id-jag-0123456789"
    assert received == [
        {
            "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
            "requested_token_type": "urn:ietf:params:oauth:token-type:id-jag",
            "subject_token": "id-token-0123456789",
            "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
            "audience": "https://auth.example.com",
            "resource": "https://mcp.example.com/mcp",
            "scope": "tools",
            "_basic": "fastagent-at-idp:idp-s3cr3t-value",
        }
    ]
    # The ID token and the assertion are secrets from now on.
    assert "id-token-0123456789" not in redact("sent id-token-0123456789")
    assert "id-jag-0123456789" not in redact("got id-jag-0123456789")


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (
            400,
            {"error": "invalid_grant", "error_description": "ID token expired"},
            "HTTP 400: ID token expired",
        ),
        (200, {"token_type": "N_A"}, "holds no ID-JAG"),
    ],
)
async def test_idp_refusals_are_one_line_errors_naming_the_idp_settings(
    idp: tuple[str, list[dict[str, Any]], list[tuple[int, dict[str, Any]]]],
    status: int,
    body: dict[str, Any],
    words: str,
) -> None:
    endpoint, _, answers = idp
    answers.append((status, body))
    settings = IdPSettings(token_endpoint=endpoint, id_token=SecretStr("id-token-9876543210"))
    with pytest.raises(MCPServerError) as info:
        await IdPTokenExchange("corp", settings)("https://auth.example.com", "https://m/mcp")
    message = info.value.message
    assert message.startswith("MCP server 'corp': enterprise authorization failed:")
    assert words in message
    assert "\n" not in message
    assert "id-token-9876543210" not in str(info.value)  # hint included
    assert info.value.hint is not None and "mcp.servers.corp.auth.idp" in info.value.hint


async def test_idp_unreachable_is_a_bounded_error(tmp_path: Path) -> None:
    port = free_port()
    settings = IdPSettings(token_endpoint=f"http://127.0.0.1:{port}/token", id_token=SecretStr("t"))
    started = time.monotonic()
    with pytest.raises(MCPServerError, match="cannot reach the identity provider"):
        await IdPTokenExchange("corp", settings)("https://a", "https://m/mcp")
    assert time.monotonic() - started < 20


# --- a machine-to-machine server (client_credentials only) on 127.0.0.1 ------------------------


class M2MServer:
    """An MCP server and its authorization server that grants only client_credentials."""

    def __init__(self, methods: list[str] | None, grants: list[str] | None = None) -> None:
        self.methods = methods
        self.grants = grants or ["client_credentials"]
        self.resource: str | None = None
        self.requests: list[tuple[str, str, dict[str, Any], str]] = []
        self.base = ""

    def handle(
        self, method: str, path: str, headers: Any, body: bytes
    ) -> tuple[int, Any, dict[str, str]]:
        from urllib.parse import parse_qsl

        form = dict(parse_qsl(body.decode())) if path.endswith("/token") else {}
        self.requests.append((method, path, form, headers.get("Authorization", "")))
        base = self.base
        if path == "/.well-known/oauth-protected-resource/mcp":
            resource = self.resource or f"{base}/mcp"
            return 200, {"resource": resource, "authorization_servers": [base]}, {}
        if path == "/.well-known/oauth-authorization-server":
            metadata: dict[str, Any] = {
                "issuer": base,
                "authorization_endpoint": f"{base}/authorize",
                "token_endpoint": f"{base}/token",
                "registration_endpoint": f"{base}/register",
                "response_types_supported": ["code"],
                "grant_types_supported": self.grants,
            }
            if self.methods is not None:
                metadata["token_endpoint_auth_methods_supported"] = self.methods
            return 200, metadata, {}
        if path == "/register":
            return 201, {"client_id": "registered", "redirect_uris": ["http://127.0.0.1:1/cb"]}, {}
        if path == "/idp/token":
            jag = {
                "access_token": "id-jag-0123456789",
                "issued_token_type": "urn:ietf:params:oauth:token-type:id-jag",
                "token_type": "N_A",
            }
            return 200, jag, {}
        if path == "/token":
            return (
                200,
                {
                    "access_token": "m2m-token-0123456789",
                    "token_type": "Bearer",
                    "expires_in": 3600,
                },
                {},
            )
        if path == "/mcp" and method == "POST":
            if headers.get("Authorization") != "Bearer m2m-token-0123456789":
                challenge = (
                    f'Bearer resource_metadata="{base}/.well-known/oauth-protected-resource/mcp"'
                )
                return 401, {"error": "invalid_token"}, {"WWW-Authenticate": challenge}
            message = json.loads(body)
            if "id" not in message:
                return 202, None, {}
            results = {
                "initialize": {
                    "protocolVersion": message.get("params", {}).get("protocolVersion"),
                    "capabilities": {"tools": {}},
                    "serverInfo": {"name": "m2m", "version": "1"},
                },
                "tools/list": {"tools": [{"name": "whoami", "inputSchema": {"type": "object"}}]},
                "tools/call": {"content": [{"type": "text", "text": "a machine"}]},
            }
            result = results.get(message["method"], {})
            return 200, {"jsonrpc": "2.0", "id": message["id"], "result": result}, {}
        return 405, None, {}

    def paths(self) -> list[str]:
        return [path for _, path, _, _ in self.requests]

    def token_requests(self, path: str = "/token") -> list[tuple[dict[str, Any], str]]:
        return [(form, auth) for _, at, form, auth in self.requests if at == path]


@contextlib.contextmanager
def serving(app: M2MServer) -> Iterator[str]:
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def _answer(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, payload, extra = app.handle(
                self.command, self.path.split("?")[0], self.headers, body
            )
            data = json.dumps(payload).encode() if payload is not None else b""
            self.send_response(status)
            for key, value in extra.items():
                self.send_header(key, value)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_DELETE = _answer

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    app.base = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"{app.base}/mcp"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(10)


@pytest.mark.parametrize(
    ("methods", "in_body", "basic"),
    [
        (["client_secret_post"], True, False),
        (["client_secret_basic"], False, True),
        (None, False, True),  # no field: RFC 8414's default, client_secret_basic
    ],
)
async def test_client_credentials_only_server_gets_a_secret_the_way_its_metadata_says(
    tmp_path: Path, methods: list[str] | None, in_body: bool, basic: bool
) -> None:
    app = M2MServer(methods)
    with serving(app) as url:
        servers = mcp_settings(
            m2m={
                "url": url,
                "auth": {
                    "token_dir": str(tmp_path),
                    "client_id": "robot",
                    "client_secret": "r0bot-s3cr3t-value",
                },
            }
        )
        started = time.monotonic()
        async with ServerRegistry(servers) as registry:  # stdin is no terminal here
            tools = ToolSet()
            await add_server_tools(tools, registry, ["m2m"])
            result = await tools.call(ToolCall(id="1", name="m2m__whoami", arguments={}))
        assert time.monotonic() - started < 30
    assert result.text == "a machine"
    assert "/authorize" not in app.paths()
    assert "/register" not in app.paths()
    [(form, authorization)] = app.token_requests()
    assert form["grant_type"] == "client_credentials"
    assert form["resource"] == url
    assert ("client_secret" in form) is in_body
    assert authorization.startswith("Basic ") is basic
    stored = json.loads((tmp_path / "m2m.json").read_text())
    assert stored["token_endpoint_auth_method"] == (methods or ["client_secret_basic"])[0]


async def test_client_credentials_only_server_never_gets_a_browser_without_credentials(
    tmp_path: Path,
) -> None:
    app = M2MServer(["client_secret_basic"])
    handed: list[str] = []
    with serving(app) as url:
        servers = mcp_settings(
            m2m={
                "url": url,
                "auth": {"token_dir": str(tmp_path), "authorization_handler": handed.append},
            }
        )
        async with ServerRegistry(servers) as registry:
            with pytest.raises(MCPServerError) as info:
                await registry.get("m2m")
    assert "accepts only the client_credentials grant" in str(info.value)
    assert info.value.hint is not None and "mcp.servers.m2m.auth.client_id" in info.value.hint
    assert handed == []
    assert "/authorize" not in app.paths()
    assert app.token_requests() == []


async def test_a_browser_grant_against_a_client_credentials_only_server_says_so(
    tmp_path: Path,
) -> None:
    app = M2MServer(["client_secret_basic"])
    with serving(app) as url:
        servers = mcp_settings(
            m2m={
                "url": url,
                "auth": {
                    "token_dir": str(tmp_path),
                    "grant": "authorization_code",
                    "client_id": "robot",
                    "client_secret": "r0bot-s3cr3t-value",
                },
            }
        )
        async with ServerRegistry(servers) as registry:
            with pytest.raises(MCPServerError) as info:
                await registry.get("m2m")
    assert "mcp.servers.m2m.auth.grant is authorization_code" in str(info.value)
    assert "r0bot-s3cr3t-value" not in str(info.value)
    assert app.token_requests() == []


async def test_a_web_app_redirect_uri_is_registered_and_sent(
    oauth_server: str, tmp_path: Path, handler_module: Any
) -> None:
    servers = mcp_settings(
        guarded={
            "url": oauth_server,
            "auth": {
                "token_dir": str(tmp_path),
                "authorization_handler": "oauth_handlers_for_test:approve",
                "redirect_uri": "https://app.example.com/oauth/callback",
            },
        }
    )
    async with ServerRegistry(servers) as registry:
        tools = ToolSet()
        await add_server_tools(tools, registry, ["guarded"])
        result = await tools.call(ToolCall(id="1", name="guarded__whoami", arguments={}))
    assert result.text.startswith("client: ")
    [visited] = handler_module.visited
    assert "redirect_uri=https%3A%2F%2Fapp.example.com%2Foauth%2Fcallback" in visited
    client_info = await FileTokenStorage(
        tmp_path / "guarded.json", server="guarded"
    ).get_client_info()
    assert client_info is not None
    assert [str(uri) for uri in client_info.redirect_uris or []] == [
        "https://app.example.com/oauth/callback"
    ]


async def test_enterprise_grant_exchanges_the_id_token_and_needs_no_terminal(
    tmp_path: Path,
) -> None:
    import base64

    app = M2MServer(["client_secret_basic"], grants=["urn:ietf:params:oauth:grant-type:jwt-bearer"])
    with serving(app) as url:
        servers = mcp_settings(
            corp={
                "url": url,
                "auth": {
                    "token_dir": str(tmp_path),
                    "client_id": "mcp-client",
                    "client_secret": "mcp-s3cr3t-value",
                    "idp": {
                        "token_endpoint": f"{app.base}/idp/token",
                        "id_token": "id-token-0123456789",
                        "client_id": "at-idp",
                    },
                },
            }
        )
        started = time.monotonic()
        async with ServerRegistry(servers) as registry:
            tools = ToolSet()
            await add_server_tools(tools, registry, ["corp"])
            result = await tools.call(ToolCall(id="1", name="corp__whoami", arguments={}))
        assert time.monotonic() - started < 30
    assert result.text == "a machine"
    [(exchange, _)] = app.token_requests("/idp/token")
    assert exchange["grant_type"] == "urn:ietf:params:oauth:grant-type:token-exchange"
    assert exchange["subject_token"] == "id-token-0123456789"
    assert exchange["audience"].rstrip("/") == app.base  # the issuer the server's PRM names
    assert exchange["resource"] == url
    assert exchange["client_id"] == "at-idp"
    [(grant, authorization)] = app.token_requests()
    assert grant["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer"
    assert grant["assertion"] == "id-jag-0123456789"
    assert base64.b64decode(authorization.removeprefix("Basic ")) == b"mcp-client:mcp-s3cr3t-value"
    assert "/authorize" not in app.paths()


async def test_enterprise_grant_refuses_a_server_naming_another_resource(tmp_path: Path) -> None:
    app = M2MServer(["client_secret_basic"], grants=["urn:ietf:params:oauth:grant-type:jwt-bearer"])
    app.resource = "https://evil.example.com/mcp"
    with serving(app) as url:
        settings = mcp_settings(
            corp={
                "url": url,
                "auth": {
                    "token_dir": str(tmp_path),
                    "client_id": "mcp-client",
                    "client_secret": "mcp-s3cr3t-value",
                    "idp": {"token_endpoint": f"{app.base}/idp/token", "id_token": "t0k"},
                },
            }
        )
        async with ServerRegistry(settings) as registry:
            with pytest.raises(MCPServerError) as info:
                await registry.get("corp")
    assert "OAuth authorization failed: protected resource" in str(info.value)
    assert "does not match" in str(info.value)
    assert app.token_requests("/idp/token") == []
    assert app.token_requests() == []


async def test_private_key_jwt_signs_an_assertion_for_the_authorization_server(
    tmp_path: Path,
) -> None:
    import jwt
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    key_file = tmp_path / "client.pem"
    key_file.write_text(pem)
    app = M2MServer(["private_key_jwt"])
    with serving(app) as url:
        servers = mcp_settings(
            m2m={
                "url": url,
                "auth": {
                    "token_dir": str(tmp_path),
                    "client_id": "robot",
                    "private_key_file": str(key_file),
                    "signing_algorithm": "ES256",
                },
            }
        )
        async with ServerRegistry(servers) as registry:
            tools = ToolSet()
            await add_server_tools(tools, registry, ["m2m"])
            result = await tools.call(ToolCall(id="1", name="m2m__whoami", arguments={}))
    assert result.text == "a machine"
    [(form, authorization)] = app.token_requests()
    assert authorization == ""
    assert form["grant_type"] == "client_credentials"
    assert form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
    claims = jwt.decode(
        form["client_assertion"], key.public_key(), algorithms=["ES256"], audience=app.base
    )
    assert claims["iss"] == claims["sub"] == "robot"
    assert "/authorize" not in app.paths()


def test_unreadable_private_key_file_names_the_key(tmp_path: Path) -> None:
    settings = oauth_server_settings(
        "http://127.0.0.1:1/mcp", tmp_path, client_id="robot", private_key_file=str(tmp_path / "no")
    )
    with pytest.raises(MCPServerError) as info:
        build_oauth_provider("m2m", settings, interactive=False)
    assert "mcp.servers.m2m.auth.private_key_file: cannot read" in str(info.value)
