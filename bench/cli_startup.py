"""Start-up time of the ``fastagent`` CLI compared with a bare interpreter.

Usage: .venv/bin/python bench/cli_startup.py [-n RUNS]

Runs each command RUNS times (default 20) as a fresh process and prints min / median / p90
wall-clock seconds. Nothing is written; copy the table into docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def commands() -> list[tuple[str, list[str]]]:
    python = sys.executable
    script = shutil.which("fastagent", path=str(Path(python).parent)) or "fastagent"
    return [
        ("python -c pass", [python, "-c", "pass"]),
        ("python -m fastagent --help", [python, "-m", "fastagent", "--help"]),
        ("fastagent --help", [script, "--help"]),
    ]


def time_once(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - start


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=20, help="runs per command")
    runs = parser.parse_args().runs

    rows = []
    for label, argv in commands():
        time_once(argv)  # warm the OS file cache; every measured run is still a new process
        samples = [time_once(argv) for _ in range(runs)]
        rows.append((label, min(samples), statistics.median(samples), percentile(samples, 0.9)))

    width = max(len(label) for label, *_ in rows)
    print(f"{runs} runs each, seconds")
    print(f"| {'command':<{width}} |   min  | median |   p90  |")
    print(f"|{'-' * (width + 2)}|-------:|-------:|-------:|")
    for label, low, median, p90 in rows:
        print(f"| {label:<{width}} | {low:.3f}  | {median:.3f}  | {p90:.3f}  |")


if __name__ == "__main__":
    main()
