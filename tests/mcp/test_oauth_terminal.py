"""The OAuth authorization URL in a real terminal: the live display must not draw over it.

``fastagent go`` runs under pexpect in a 120-column pseudo-terminal, its output read through
a terminal emulator (pyte), so the test sees the screen a person would. While it connects to
the OAuth-protected server (tests/mcp/servers/oauth_server.py) the live display shows the
server as connecting; the authorization URL printed meanwhile must stay intact, with nothing
drawn over or after it, until the browser comes back. The test then opens the URL it read
off the screen: the server accepts it only if every character of it survived.

The pause comes from `UserInputRequested` / `UserInputFinished` (kind ``authorization``),
published around the wait for the browser however it ends; the last tests check that pair.
"""

from __future__ import annotations

import io
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pexpect
import pyte
import pytest

from fastagent.events import Event, EventBus
from fastagent.exceptions import MCPServerError
from fastagent.mcp.oauth_redirect import Authorizer

COLUMNS, ROWS = 120, 40
HEADER = "Authorize access to MCP server 'guarded' in a browser:"


class Terminal:
    """A child process in a pseudo-terminal, and the screen its output draws."""

    def __init__(self, child: pexpect.spawn) -> None:
        self.child = child
        self.screen = pyte.Screen(COLUMNS, ROWS)
        self.stream = pyte.Stream(self.screen)
        self.output: list[str] = []
        self.ended = False

    def pump(self, seconds: float) -> None:
        """Feed the screen with what the child writes during `seconds`."""
        deadline = time.monotonic() + seconds
        while not self.ended and time.monotonic() < deadline:
            try:
                chunk = self.child.read_nonblocking(65536, timeout=0.1)
            except pexpect.TIMEOUT:
                continue
            except pexpect.EOF:
                self.ended = True
                break
            self.output.append(chunk)
            self.stream.feed(chunk)

    def lines(self) -> list[str]:
        """The screen's rows, trailing blanks cut."""
        return [row.rstrip() for row in self.screen.display]

    def wait_for(self, condition: Callable[[], bool], what: str, seconds: float = 60) -> None:
        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline or self.ended:
                raise AssertionError(f"{what} never came; the screen was:\n" + self.text())
            self.pump(0.2)

    def text(self) -> str:
        return "\n".join(self.lines())


@pytest.fixture
def terminal(oauth_server: str, tmp_path: Path) -> Iterator[Terminal]:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "fastagent.yaml").write_text(
        "mcp:\n  servers:\n    guarded:\n"
        f"      url: {oauth_server}\n"
        "      init_timeout: 120\n"
        f"      auth:\n        token_dir: {tmp_path / 'tokens'}\n",
        encoding="utf-8",
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path / "home"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "BROWSER": "true",  # "opening a browser" runs `true URL`: the test is the browser
        "PYTHONPATH": str(Path(__file__).resolve().parents[2] / "src"),
    }
    child = pexpect.spawn(
        sys.executable,
        [
            "-m",
            "fastagent",
            "go",
            "--model",
            "passthrough",
            "--servers",
            "guarded",
            "-m",
            "***CALL_TOOL guarded__whoami {}",
        ],
        cwd=str(project),
        env=env,
        encoding="utf-8",
        dimensions=(ROWS, COLUMNS),
    )
    try:
        yield Terminal(child)
    finally:
        child.close(force=True)


def _url_block(lines: list[str]) -> tuple[int, list[str]]:
    """Where the header is, and the rows from it to the last row that is not blank."""
    top = next(i for i, line in enumerate(lines) if HEADER in line)
    bottom = max(i for i, line in enumerate(lines) if line.strip())
    return top, lines[top : bottom + 1]


def _url(block: list[str]) -> str:
    """The URL printed under the header, joined across the rows it wrapped over."""
    assert block[1].startswith("  http://127.0.0.1:"), block
    parts = [block[1][2:]]
    for row in block[2:]:
        parts.append(row)
    return "".join(parts)


def test_the_authorization_url_is_not_drawn_over(terminal: Terminal) -> None:
    terminal.wait_for(lambda: HEADER in terminal.text(), "the authorization URL")
    # The URL wraps over several rows; wait until all of it is written.
    terminal.wait_for(
        lambda: "code_challenge_method=S256" in _url(_url_block(terminal.lines())[1]),
        "the whole authorization URL",
    )
    first = _url_block(terminal.lines())
    # The live display redraws 8 times a second while the server is connecting: give it
    # many chances to draw over the URL or below it.
    terminal.pump(2.5)
    top, block = _url_block(terminal.lines())
    assert (top, block) == first, terminal.text()
    assert block[0] == HEADER, terminal.text()  # nothing drawn on the header's row either
    assert all(len(row) == COLUMNS for row in block[1:-1]), terminal.text()  # wrapped rows
    url = _url(block)
    assert "connecting" not in url and "guarded" not in url, terminal.text()

    # The URL as read off the screen is the one the app waits for: the server redirects the
    # "browser" to the app's callback listener, which accepts the code.
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(url)
    assert page.status_code == 200 and "Authorization complete" in page.text, page.text

    terminal.wait_for(lambda: terminal.ended, "the end of the run", seconds=90)
    output = "".join(terminal.output)
    assert "client: " in output, terminal.text()
    terminal.child.close()
    assert terminal.child.exitstatus == 0, terminal.text()
    assert _url_block(terminal.lines())[1][: len(block)] == block, terminal.text()


# --- the announcement itself ------------------------------------------------------------------


def _authorizer(
    bus: EventBus, out: io.StringIO, **options: Any
) -> tuple[Authorizer, list[tuple[Event, str]]]:
    seen: list[tuple[Event, str]] = []
    bus.subscribe(lambda event: seen.append((event, out.getvalue())))
    values: dict[str, Any] = {"on_url": None, **options}
    authorizer = Authorizer(
        "guarded",
        0,
        interactive=True,
        open_browser=False,
        timeout=0.5,
        out=out,
        events=bus,
        **values,
    )
    return authorizer, seen


def _kinds(seen: list[tuple[Event, str]]) -> list[tuple[str, str, str | None]]:
    return [
        (type(event).__name__, getattr(event, "kind", ""), getattr(event, "server", None))
        for event, _ in seen
    ]


PAIR = [
    ("UserInputRequested", "authorization", "guarded"),
    ("UserInputFinished", "authorization", "guarded"),
]


async def test_the_wait_for_the_browser_is_announced_and_ends_on_a_timeout() -> None:
    bus, out = EventBus(), io.StringIO()
    authorizer, seen = _authorizer(bus, out)
    started = time.monotonic()
    await authorizer.redirect("http://127.0.0.1:1/authorize?state=s")
    assert _kinds(seen) == PAIR[:1]
    assert seen[0][1] == ""  # announced before the URL is printed
    with pytest.raises(MCPServerError, match="no OAuth authorization arrived"):
        await authorizer.callback()
    assert time.monotonic() - started < 20
    assert _kinds(seen) == PAIR
    assert "http://127.0.0.1:1/authorize?state=s" in seen[1][1]


async def test_the_wait_ends_when_showing_the_url_fails() -> None:
    bus, out = EventBus(), io.StringIO()

    def broken(url: str) -> None:
        raise RuntimeError("no way to show it")

    authorizer, seen = _authorizer(bus, out, on_url=broken)
    with pytest.raises(RuntimeError, match="no way to show it"):
        await authorizer.redirect("http://127.0.0.1:1/authorize")
    assert _kinds(seen) == PAIR
    assert authorizer._listener is None  # the callback listener is closed too


async def test_a_headless_handler_announces_nothing() -> None:
    bus, out = EventBus(), io.StringIO()
    authorizer, seen = _authorizer(
        bus, out, handler=lambda url: "http://127.0.0.1:1/callback?code=c&state=s"
    )
    await authorizer.redirect("http://127.0.0.1:1/authorize")
    assert (await authorizer.callback()).code == "c"
    assert seen == [] and out.getvalue() == ""
