"""The OAuth authorization URL in a real terminal: the live display must not draw over it.

``fastagent go`` runs under pexpect in a 120-column pseudo-terminal, its output read through
a terminal emulator (pyte), so the test sees the screen a person would. While it connects to
the OAuth-protected server (tests/mcp/servers/oauth_server.py) the live display shows the
server as connecting; the authorization URL printed meanwhile must stay intact, with nothing
drawn over or after it, until the browser comes back, however long past the server's
``init_timeout`` that takes. The test then opens the URL it read off the screen: the server
accepts it only if every character of it survived.

The pause comes from `UserInputRequested` / `UserInputFinished` (kind ``authorization``),
published around the wait for the browser however it ends; the last tests check that pair.
"""

from __future__ import annotations

import io
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pexpect
import pytest

from fastagent.events import Event, EventBus
from fastagent.exceptions import MCPServerError
from fastagent.mcp.oauth_redirect import Authorizer
from terminal_screen import PROGRESS_MARKS, Screen

COLUMNS, ROWS = 120, 40
HEADER = "Authorize access to MCP server 'guarded' in a browser:"


@pytest.fixture
def terminal(oauth_server: str, tmp_path: Path) -> Iterator[Screen]:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    (project / "fastagent.yaml").write_text(
        "mcp:\n  servers:\n    guarded:\n"
        f"      url: {oauth_server}\n"
        "      init_timeout: 5\n"  # the test takes longer than that to "open" the URL
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
        yield Screen(child, rows=ROWS, columns=COLUMNS)
    finally:
        child.close(force=True)


def _url(block: list[str]) -> str:
    """The URL printed under the header, joined across the rows it wrapped over ('' if none)."""
    if len(block) < 2 or not block[1].startswith("  http://"):
        return ""
    return block[1][2:] + "".join(block[2:])


def test_the_authorization_url_is_not_drawn_over(terminal: Screen) -> None:
    terminal.wait_for(lambda: HEADER in terminal.text(), "the authorization URL")
    # The URL wraps over several rows; wait until all of it is written (its line ended).
    whole = re.compile(re.escape(HEADER) + r"\r?\n  http://\S+\r?\n")
    terminal.wait_for(
        lambda: whole.search("".join(terminal.output)) is not None, "the whole authorization URL"
    )
    first = terminal.from_row_with(HEADER)
    # The live display redraws 8 times a second while the server is connecting: give it
    # many chances to draw over the URL or below it. Waiting longer than the server's
    # init_timeout also shows that the person's time in the browser does not count.
    terminal.pump(6)
    block = terminal.from_row_with(HEADER)
    assert block == first, terminal.text()
    assert block[0] == HEADER, terminal.text()  # nothing drawn on the header's row either
    assert all(len(row) == COLUMNS for row in block[1:-1]), terminal.text()  # wrapped rows
    url = _url(block)
    assert url.startswith("http://127.0.0.1:"), terminal.text()
    assert not any(mark in url for mark in PROGRESS_MARKS), terminal.text()

    # The URL as read off the screen is the one the app waits for: the server redirects the
    # "browser" to the app's callback listener, which accepts the code.
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        page = browser.get(url)
    assert page.status_code == 200 and "Authorization complete" in page.text, page.text

    terminal.wait_for(lambda: terminal.ended, "the end of the run", seconds=90)
    assert "client: " in "".join(terminal.output), terminal.text()
    terminal.child.close()
    assert terminal.child.exitstatus == 0, terminal.text()
    assert terminal.from_row_with(HEADER)[: len(block)] == block, terminal.text()


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
    waits: list[bool] = []
    authorizer, seen = _authorizer(bus, out, on_wait=waits.append)
    started = time.monotonic()
    await authorizer.redirect("http://127.0.0.1:1/authorize?state=s")
    assert _kinds(seen) == PAIR[:1]
    assert seen[0][1] == ""  # announced before the URL is printed
    assert waits == [True]  # the connection's start-up timeout stops meanwhile
    with pytest.raises(MCPServerError, match="no OAuth authorization arrived"):
        await authorizer.callback()
    assert time.monotonic() - started < 20
    assert _kinds(seen) == PAIR
    assert waits == [True, False]
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
