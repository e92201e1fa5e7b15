"""The documentation site, built with `mkdocs build --strict` and browsed in real Chromium.

The site is built into build/test-site, served on 127.0.0.1 by a plain HTTP server and
loaded in headless Debian Chromium through Playwright. Screenshots of every page visited are
saved under build/screenshots/ for a person to look at. Chromium comes from apt (`.ci/run`
installs it); without it these tests fail and say how to install it.
"""

from __future__ import annotations

import functools
import html
import http.server
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "build" / "test-site"
SHOTS = ROOT / "build" / "screenshots"
CHROMIUM = os.environ.get("FASTAGENT_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

pytestmark = pytest.mark.timeout(600)


@pytest.fixture(scope="module")
def site_url() -> Iterator[str]:
    """Build the site strictly, serve it on 127.0.0.1 and yield its base URL."""
    shutil.rmtree(SITE, ignore_errors=True)
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "DISABLE_MKDOCS_2_WARNING": "true"}
    env["PATH"] = f"{ROOT / 'node_modules' / '.bin'}{os.pathsep}{env.get('PATH', '')}"
    build = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(SITE)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=480,
    )
    assert build.returncode == 0, build.stderr[-4000:]
    handler = functools.partial(_QuietHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Headless Debian Chromium driven by Playwright."""
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} not found: `apt-get install chromium` (.ci/run installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield instance
        finally:
            instance.close()


class Visit:
    """One page in a fresh browser context, recording errors and requests off the site."""

    def __init__(self, browser: Any, site_url: str, path: str) -> None:
        self.context = browser.new_context(viewport={"width": 1280, "height": 900})
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.foreign: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(f"page error: {exc}"))
        self.page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )
        self.page.on("requestfailed", lambda req: self.errors.append(f"request failed: {req.url}"))
        self.page.on(
            "request",
            lambda req: None if req.url.startswith(site_url) else self.foreign.append(req.url),
        )
        response = self.page.goto(f"{site_url}/{path}", wait_until="networkidle")
        assert response is not None and response.status == 200, path

    def shot(self, name: str) -> Path:
        SHOTS.mkdir(parents=True, exist_ok=True)
        path = SHOTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        assert path.stat().st_size > 10_000, f"{path} is suspiciously small"
        return path

    def check_clean(self) -> None:
        assert self.errors == []
        assert self.foreign == [], "the site must work offline: it fetched other hosts"

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Any, site_url: str) -> Iterator[Any]:
    opened: list[Visit] = []

    def open_page(path: str) -> Visit:
        page = Visit(browser, site_url, path)
        opened.append(page)
        return page

    yield open_page
    for page in opened:
        page.close()


def nav_titles(page: Any) -> list[str]:
    """The top-level entries of the primary navigation, as shown."""
    titles = page.locator("nav.md-nav--primary > ul > li").evaluate_all(
        "items => items.map(li => li.querySelector('.md-nav__link').textContent)"
    )
    return [title.strip() for title in titles if title.strip()]


def test_home_page_renders_with_navigation_code_and_working_search(visit: Any) -> None:
    home = visit("")
    page = home.page
    assert page.title() == "fastagent"
    nav = nav_titles(page)
    for entry in ("Quickstart", "Agents", "Workflows", "Tools and MCP", "API reference"):
        assert entry in nav, ", ".join(nav)
    code = page.locator("pre code").first
    assert code.is_visible()
    assert "from fastagent import FastAgent" in code.inner_text()

    search = page.locator("input.md-search__input")
    assert search.count() == 1
    search.click()
    search.press_sequentially("orchestrator", delay=30)
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=20_000)
    assert results.count() > 0
    assert "orchestrator" in page.locator(".md-search-result").inner_text().lower()
    home.shot("home-search")
    home.check_clean()


def test_quickstart_guide_shows_the_example_and_the_chat_screenshot(visit: Any) -> None:
    guide = visit("quickstart/")
    page = guide.page
    assert page.title() == "Quickstart - fastagent"
    assert page.locator("h1").inner_text().rstrip("¶") == "Quickstart"
    code = [block.strip() for block in page.locator("pre code").all_inner_texts()]
    example = (ROOT / "examples" / "tools.py").read_text(encoding="utf-8")
    assert example.strip() in code  # the runnable example, included whole
    chat = page.locator("img[src$='chat.svg']")
    assert chat.evaluate("img => img.complete && img.naturalWidth > 0")
    # the screenshot is of a real chat: the MCP tool call and the server's answer are in it
    svg = html.unescape(page.request.get(chat.evaluate("img => img.src")).text())
    svg = svg.replace("\xa0", " ")
    assert "agent -> everything__echo" in svg
    assert "Echo: hi from an MCP server" in svg
    guide.shot("quickstart")
    guide.check_clean()


def test_api_page_documents_exactly_the_public_names(visit: Any) -> None:
    import fastagent.agents

    api = visit("reference/fastagent.agents/")
    page = api.page
    assert page.title() == "fastagent.agents - fastagent"
    headings = page.locator("h2.doc-heading").evaluate_all("hs => hs.map(h => h.id)")
    assert sorted(headings) == sorted(f"fastagent.agents.{n}" for n in fastagent.agents.__all__)
    assert page.locator("#fastagent\\.agents\\.FastAgent").is_visible()
    summary = (fastagent.agents.FastAgent.__doc__ or "").strip().splitlines()[0].replace("``", "")
    assert summary and summary in page.locator("article").inner_text()
    toc = page.locator(".md-sidebar--secondary nav.md-nav--secondary").inner_text()
    assert "FastAgent" in toc
    api.shot("api-fastagent-agents")
    api.check_clean()


def test_diagrams_and_charts_render(visit: Any) -> None:
    overview = visit("overview/")
    page = overview.page
    diagrams = page.locator("div.mermaid")
    assert diagrams.count() == 2
    # Material draws each diagram into a closed shadow root: an unrendered one is an empty,
    # flat div, a rendered one is as tall as its picture.
    page.wait_for_function(
        "() => [...document.querySelectorAll('div.mermaid')].every(d => d.offsetHeight > 150)",
        timeout=20_000,
    )
    assert page.locator("pre.mermaid, code.language-mermaid").count() == 0  # no raw source
    overview.shot("overview")
    overview.check_clean()

    bench = visit("benchmarks/")
    charts = bench.page.locator("img[src*='assets/generated/bench/']")
    assert charts.count() == 4
    for index in range(4):
        assert charts.nth(index).evaluate("img => img.complete && img.naturalWidth > 0")
    bench.shot("benchmarks")
    bench.check_clean()
