"""Draw the benchmark charts from the result tables in docs/benchmarks.md.

Run by the mkdocs ``gen-files`` plugin: the tables the bench scripts' output was copied into
are the one source, so a re-run that updates a table updates its chart. A table or row that
cannot be found fails the build, naming it. Each chart puts fastagent beside the floor it
cannot beat (a bare interpreter, the raw SDK) and, where we have one, a peer's figure.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "docs" / "benchmarks.md"
OUT = "assets/generated/bench"
OURS, FLOOR, PEER = "#3f51b5", "#9e9e9e", "#e57373"


def section(text: str, heading: str) -> str:
    """The body of the ``## heading`` section."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    if match is None:
        raise SystemExit(f"{BENCH.name}: no section '## {heading}' (bench charts)")
    return match.group(1)


def tables(body: str) -> list[list[list[str]]]:
    """Every Markdown table in a section, as rows of stripped cells (header row first)."""
    found: list[list[list[str]]] = []
    current: list[list[str]] = []
    for line in [*body.splitlines(), ""]:
        if line.startswith("|"):
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if not all(re.fullmatch(r":?-+:?", cell) for cell in cells if cell):
                current.append(cells)
        elif current:
            found.append(current)
            current = []
    return found


def value(body: str, heading: str, row: str, column: str | None) -> float:
    """The number in the row whose first cell starts with ``row``.

    Under ``column`` when given, else the row's first numeric cell (for tables whose columns
    are runs rather than measures).
    """
    for table in tables(body):
        header = table[0]
        if column is not None and column not in header:
            continue
        for cells in table[1:]:
            if not cells[0].replace("`", "").startswith(row):
                continue
            candidates = [cells[header.index(column)]] if column is not None else cells[1:]
            for cell in candidates:
                number = re.search(r"[-+]?\d+(?:\.\d+)?", cell)
                if number:
                    return float(number.group())
    raise SystemExit(f"{BENCH.name}: no '{row}' / '{column}' in '## {heading}' (bench charts)")


def bars(
    name: str,
    title: str,
    unit: str,
    rows: list[tuple[str, float, str]],
    target: tuple[float, str] | None = None,
) -> None:
    """Write one horizontal bar chart as a deterministic SVG."""
    plt.rcParams["svg.hashsalt"] = "fastagent-docs"
    fig, ax = plt.subplots(figsize=(7.5, 0.55 * len(rows) + 1.3))
    labels = [label for label, _, _ in rows]
    values = [number for _, number, _ in rows]
    ax.barh(labels, values, color=[color for _, _, color in rows])
    ax.invert_yaxis()
    for y, number in enumerate(values):
        ax.text(number, y, f" {number:g} {unit}", va="center", fontsize=9)
    if target is not None:
        ax.axvline(target[0], color="#2e7d32", linestyle="--", linewidth=1)
        ax.text(target[0], len(rows) - 0.45, f" {target[1]}", color="#2e7d32", fontsize=8)
    ax.set_xlim(0, max([*values, target[0] if target else 0]) * 1.3)
    ax.set_title(title, fontsize=11, loc="left")
    ax.set_xlabel(unit)
    ax.spines[["top", "right"]].set_visible(False)
    fig.tight_layout()
    buffer = io.StringIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    plt.close(fig)
    with mkdocs_gen_files.open(f"{OUT}/{name}.svg", "w") as out:
        out.write(buffer.getvalue())


def main() -> None:
    """Draw every chart."""
    text = BENCH.read_text(encoding="utf-8")

    go = section(text, "One-shot `fastagent go`")
    cli = section(text, "CLI start-up")
    peer = re.search(r"best-known peer takes ~([\d.]+) s", go)
    if peer is None:
        raise SystemExit(f"{BENCH.name}: the peer's `go` time is gone (bench charts)")
    bars(
        "startup",
        "Start-up, median of a fresh process (lower is better)",
        "s",
        [
            (
                "python -c pass (floor)",
                value(cli, "CLI start-up", "python -c pass", "median (s)"),
                FLOOR,
            ),
            (
                "fastagent --help",
                value(cli, "CLI start-up", "fastagent --help", "median (s)"),
                OURS,
            ),
            ("fastagent go -m hi", value(go, "go", "fastagent go", "median (s)"), OURS),
            ("best-known peer, go", float(peer.group(1)), PEER),
        ],
        target=(0.3, "target for go: 0.3 s"),
    )

    fan = section(text, "Fan-out of 1,000 agent calls")
    heading = "Fan-out"
    bars(
        "fanout",
        "1,000 concurrent calls to a 20 ms server (higher is better)",
        "calls/s",
        [
            ("raw openai SDK (ceiling)", value(fan, heading, "raw SDK", "calls/s"), FLOOR),
            (
                "parallel, shared client",
                value(fan, heading, "fastagent parallel, shared", "calls/s"),
                OURS,
            ),
            (
                "parallel, default app",
                value(fan, heading, "fastagent parallel, default", "calls/s"),
                OURS,
            ),
        ],
        target=(0.9 * value(fan, heading, "raw SDK", "calls/s"), "target: 90 % of raw"),
    )

    provider = section(text, "Provider overhead")
    mcp = section(text, "MCP tool-call round trip and connect time")
    bars(
        "per-call",
        "One call, median: raw SDK vs through fastagent's layers (lower is better)",
        "ms",
        [
            (
                "model call, raw openai SDK",
                value(provider, "Provider", "raw", "median (ms)"),
                FLOOR,
            ),
            (
                "model call, GenericProvider",
                value(provider, "Provider", "GenericProvider", "median (ms)"),
                OURS,
            ),
            (
                "MCP echo, raw SDK session",
                value(mcp, "MCP", "echo round trip, raw SDK", None) / 1000,
                FLOOR,
            ),
            (
                "MCP echo, ToolSet → server",
                value(mcp, "MCP", "echo round trip, through", None) / 1000,
                OURS,
            ),
        ],
    )

    loop = section(text, "Tool loop overhead and import cost")
    bars(
        "tool-loop",
        "Framework overhead per tool-loop iteration (lower is better)",
        "µs",
        [
            (label, value(loop, "Tool loop", row, "µs/iteration"), OURS)
            for label, row in (
                ("no history, no events", "no history"),
                ("history", "history (cleared"),
                ("history + event subscriber", "history + event"),
            )
        ],
        target=(200, "target: 200 µs"),
    )


main()
