"""Cold start of ``fastagent go --model passthrough -m hi`` (one full one-shot run).

Usage: .venv/bin/python bench/go_startup.py [-n RUNS]

Runs each command RUNS times (default 10) as a fresh process in an empty project directory
(no config, no API keys) and prints min / median / p90 wall-clock seconds, then the go
one-shot's median over the floor of our own dependencies (``python -c "import pydantic,
yaml, asyncio, rich.console"``), measured in the same run. Targets: median < 0.3 s, and at
most 1.5x the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "import pydantic, yaml, asyncio, rich.console"
GO = "fastagent go --model passthrough -m hi"


def commands() -> list[tuple[str, list[str]]]:
    python = sys.executable
    return [
        ("python -c pass", [python, "-c", "pass"]),
        (FLOOR, [python, "-c", "import pydantic, yaml, asyncio, rich.console"]),
        ("fastagent --help", [python, "-m", "fastagent", "--help"]),
        (GO, [python, "-m", "fastagent", "go", "--model", "passthrough", "-m", "hi"]),
    ]


def time_once(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=10, help="runs per command")
    runs = parser.parse_args().runs
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTAGENT_")}
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / ".git").mkdir()
        env["HOME"] = tmp
        for label, argv in commands():
            time_once(argv, cwd, env)  # warm the OS file cache; each run is a new process
            samples = sorted(time_once(argv, cwd, env) for _ in range(runs))
            p90 = samples[min(len(samples) - 1, round(0.9 * (len(samples) - 1)))]
            rows.append((label, samples[0], statistics.median(samples), p90))
    width = max(len(label) for label, *_ in rows)
    print(f"{runs} runs each, seconds")
    print(f"| {'command':<{width}} |   min  | median |   p90  |")
    print(f"|{'-' * (width + 2)}|-------:|-------:|-------:|")
    for label, low, median, p90 in rows:
        print(f"| {label:<{width}} | {low:.3f}  | {median:.3f}  | {p90:.3f}  |")
    medians = {label: median for label, _, median, _ in rows}
    print(f"go one-shot / floor (medians): {medians[GO] / medians[FLOOR]:.2f}x (target <= 1.5x)")


if __name__ == "__main__":
    main()
