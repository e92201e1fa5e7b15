"""The authorization step of the browser flow: a person in a browser, or a headless handler.

- `CallbackListener`: a one-shot HTTP listener on ``127.0.0.1:<port>`` that receives the
  authorization ``code`` and ``state`` the browser is redirected to.
- `load_authorization_handler`: the configured ``authorization_handler`` (a callable, or
  ``module:function``), which gets the authorization URL and returns the redirect URL.
- `Authorizer`: the redirect and callback handlers the SDK's provider calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import inspect
import socket
import sys
from collections.abc import Awaitable, Callable
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import parse_qs, urlsplit

from fastagent.exceptions import MCPServerError

if TYPE_CHECKING:
    from mcp.shared.auth import AuthorizationCodeResult

    from fastagent.events import EventBus

__all__ = [
    "CALLBACK_PATH",
    "DEFAULT_CALLBACK_TIMEOUT",
    "AuthorizationHandler",
    "Authorizer",
    "CallbackListener",
    "code_from_redirect",
    "free_port",
    "load_authorization_handler",
    "not_authorized",
]

CALLBACK_PATH = "/callback"
"""The path of the redirect URI on the local listener."""

DEFAULT_CALLBACK_TIMEOUT = 300.0
"""Seconds the listener waits for the browser to come back with a code."""

_MAX_REQUEST_HEAD = 16 * 1024
_PAGE = "<!doctype html><html><body><h3>{title}</h3><p>{text}</p></body></html>"


class CallbackListener:
    """A one-shot HTTP listener on ``127.0.0.1:<port>`` for the OAuth redirect.

    `start` binds; `wait` returns the first ``code``/``state`` that arrives at
    `CALLBACK_PATH` (other paths get 404) and closes the listener.

    Args:
        server: The MCP server's configured name (for messages).
        port: The local port; 0 picks a free one (see `port` after `start`).
        timeout: Seconds `wait` waits.
    """

    def __init__(self, server: str, port: int, *, timeout: float = DEFAULT_CALLBACK_TIMEOUT):
        self.server = server
        self.port = port
        self.timeout = timeout
        self._listener: asyncio.Server | None = None
        self._result: asyncio.Future[AuthorizationCodeResult] | None = None

    @property
    def redirect_uri(self) -> str:
        """``http://127.0.0.1:<port>/callback``."""
        return f"http://127.0.0.1:{self.port}{CALLBACK_PATH}"

    async def start(self) -> None:
        """Bind the listener.

        Raises:
            MCPServerError: The port is in use.
        """
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._listener = await asyncio.start_server(self._handle, "127.0.0.1", self.port)
        except OSError as exc:
            raise MCPServerError(
                f"MCP server '{self.server}': cannot listen for the OAuth redirect on "
                f"127.0.0.1:{self.port}: {exc.strerror or exc}",
                server=self.server,
                hint=f"free that port or set mcp.servers.{self.server}.auth.redirect_port",
            ) from exc
        self.port = self._listener.sockets[0].getsockname()[1]

    async def wait(self) -> AuthorizationCodeResult:
        """The code and state of the redirect; closes the listener.

        Raises:
            MCPServerError: No redirect in time, or the authorization server sent an error.
        """
        if self._result is None:
            await self.start()
        assert self._result is not None
        try:
            return await asyncio.wait_for(asyncio.shield(self._result), self.timeout)
        except TimeoutError:
            raise MCPServerError(
                f"MCP server '{self.server}': no OAuth authorization arrived at "
                f"{self.redirect_uri} within {self.timeout:g}s",
                server=self.server,
                hint="open the printed authorization URL in a browser, approve, and try again",
            ) from None
        finally:
            await self.aclose()

    async def aclose(self) -> None:
        """Stop listening (idempotent)."""
        listener, self._listener = self._listener, None
        if listener is not None:
            listener.close()
            await listener.wait_closed()
        if self._result is not None and not self._result.done():
            self._result.cancel()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        status, page = self._accept(head[:_MAX_REQUEST_HEAD].decode("latin-1"))
        body = page.encode()
        writer.write(
            f"HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )
        with contextlib.suppress(ConnectionError):
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    def _accept(self, head: str) -> tuple[str, str]:
        from mcp.shared.auth import AuthorizationCodeResult

        request_line = head.split("\r\n", 1)[0].split(" ")
        target = urlsplit(request_line[1] if len(request_line) > 1 else "")
        if target.path != CALLBACK_PATH or self._result is None or self._result.done():
            return "404 Not Found", _PAGE.format(title="Not found", text="")
        query = {key: values[0] for key, values in parse_qs(target.query).items()}
        if "error" in query:
            reason = query.get("error_description") or query["error"]
            self._result.set_exception(
                MCPServerError(
                    f"MCP server '{self.server}': authorization was refused: {reason}",
                    server=self.server,
                    hint="approve the request in the browser, or check the client's scopes",
                )
            )
            return "400 Bad Request", _PAGE.format(title="Authorization failed", text=reason)
        if not query.get("code"):
            return "400 Bad Request", _PAGE.format(title="No code", text="missing 'code'")
        self._result.set_result(
            AuthorizationCodeResult(
                code=query["code"], state=query.get("state"), iss=query.get("iss")
            )
        )
        return "200 OK", _PAGE.format(
            title="Authorization complete", text="You can close this window."
        )


def free_port() -> int:
    """A free TCP port on 127.0.0.1 (for the redirect URI)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def not_authorized(server: str) -> MCPServerError:
    """The error of a run that only a person could authorize, with no person and no token."""
    return MCPServerError(
        f"MCP server '{server}' needs OAuth authorization and no token is stored",
        server=server,
        hint=(
            f"run once interactively (e.g. `fastagent go --servers {server}`) to authorize "
            "in a browser; the token is then reused"
        ),
    )


AuthorizationHandler = Callable[[str], "str | Awaitable[str]"]
"""Gets the authorization URL, returns the URL the browser was redirected to (sync or async)."""


def load_authorization_handler(
    server: str, value: str | Callable[[str], Any]
) -> Callable[..., Any]:
    """The configured ``authorization_handler``: a callable, or one named ``module:function``.

    Raises:
        MCPServerError: The name cannot be imported or is not callable.
    """
    if callable(value):
        return value
    key = f"mcp.servers.{server}.auth.authorization_handler"
    module_name, _, attribute = value.partition(":")
    if not attribute:
        module_name, _, attribute = value.rpartition(".")
    try:
        found = getattr(importlib.import_module(module_name), attribute)
    except (ImportError, AttributeError, ValueError) as exc:
        raise MCPServerError(
            f"{key}: cannot import '{value}': {exc}",
            server=server,
            hint="give it as module:function, with the module importable (on sys.path)",
        ) from exc
    if not callable(found):
        raise MCPServerError(
            f"{key}: '{value}' is not callable",
            server=server,
            hint="name a function taking the authorization URL and returning the redirect URL",
        )
    return found  # type: ignore[no-any-return]


def code_from_redirect(server: str, redirect_url: str) -> AuthorizationCodeResult:
    """The ``code``/``state``/``iss`` of the URL the browser was redirected to.

    Raises:
        MCPServerError: The URL carries an ``error``, or no ``code``.
    """
    from mcp.shared.auth import AuthorizationCodeResult

    query = {key: values[0] for key, values in parse_qs(urlsplit(redirect_url).query).items()}
    if "error" in query:
        reason = query.get("error_description") or query["error"]
        raise MCPServerError(
            f"MCP server '{server}': authorization was refused: {reason}",
            server=server,
            hint=f"approve the request, or check mcp.servers.{server}.auth (scopes, client_id)",
        )
    if not query.get("code"):
        raise MCPServerError(
            f"MCP server '{server}': the authorization handler returned a URL without 'code'",
            server=server,
            hint="return the full URL the authorization server redirected to",
        )
    return AuthorizationCodeResult(
        code=query["code"], state=query.get("state"), iss=query.get("iss")
    )


class Authorizer:
    """The redirect and callback handlers the SDK calls during the authorization step.

    With a `handler`, `redirect` hands it the URL and keeps the code of the URL it returns;
    otherwise it prints the URL, starts a `CallbackListener` and opens a browser if asked.
    From printing the URL until the redirect arrives (or the wait ends), the wait is
    announced on `events` (`UserInputRequested` / `UserInputFinished`, kind
    ``authorization``), so a live display does not draw over the URL, and told to `on_wait`
    (True, then False), so a start-up timeout does not count the person's time.
    """

    def __init__(
        self,
        server: str,
        port: int,
        *,
        interactive: bool,
        open_browser: bool,
        timeout: float,
        out: IO[str] | None,
        on_url: Callable[[str], Any] | None,
        handler: Callable[..., Any] | None = None,
        events: EventBus | None = None,
        on_wait: Callable[[bool], object] | None = None,
    ) -> None:
        self.server = server
        self.port = port
        self.interactive = interactive
        self.open_browser = open_browser
        self.timeout = timeout
        self.out = out
        self.on_url = on_url
        self.handler = handler
        self.events = events
        self.on_wait = on_wait
        self._listener: CallbackListener | None = None
        self._result: AuthorizationCodeResult | None = None
        self._on_screen = False

    async def redirect(self, url: str) -> None:
        """Let the user (or the handler) visit the authorization URL."""
        if self.handler is not None:
            returned = self.handler(url)
            if inspect.isawaitable(returned):
                returned = await returned
            if not isinstance(returned, str):
                raise MCPServerError(
                    f"MCP server '{self.server}': the authorization handler returned "
                    f"{type(returned).__name__}, not the redirect URL",
                    server=self.server,
                    hint="return the URL the authorization server redirected to (a str)",
                )
            self._result = code_from_redirect(self.server, returned)
            return
        if not self.interactive:
            raise not_authorized(self.server)
        self._listener = CallbackListener(self.server, self.port, timeout=self.timeout)
        await self._listener.start()
        self._announce()
        try:
            out = self.out if self.out is not None else sys.stderr
            print(
                f"Authorize access to MCP server '{self.server}' in a browser:\n  {url}", file=out
            )
            out.flush()
            if self.on_url is not None:
                outcome = self.on_url(url)
                if asyncio.iscoroutine(outcome):
                    await outcome
            if self.open_browser:
                import webbrowser

                await asyncio.to_thread(webbrowser.open, url)
        except BaseException:
            self._finish()
            listener, self._listener = self._listener, None
            if listener is not None:
                await listener.aclose()
            raise

    async def callback(self) -> AuthorizationCodeResult:
        """The code and state the authorization server redirected with."""
        result, self._result = self._result, None
        if result is not None:
            return result
        listener, self._listener = self._listener, None
        if listener is None:
            listener = CallbackListener(self.server, self.port, timeout=self.timeout)
        try:
            return await listener.wait()
        finally:
            self._finish()

    def _announce(self) -> None:
        """The URL goes on screen: a live display pauses until `_finish`."""
        from fastagent.events import UserInputRequested

        if self._on_screen:
            return
        self._on_screen = True
        if self.on_wait is not None:
            self.on_wait(True)
        if self.events is not None:
            self.events.publish(UserInputRequested(kind="authorization", server=self.server))

    def _finish(self) -> None:
        """The wait for the browser ended (a redirect, a refusal, a timeout, cancelled)."""
        from fastagent.events import UserInputFinished

        if not self._on_screen:
            return
        self._on_screen = False
        if self.on_wait is not None:
            self.on_wait(False)
        if self.events is not None:
            self.events.publish(UserInputFinished(kind="authorization", server=self.server))
