"""Smoke test of bench/go_startup.py: one run of each command, every row and both ratios."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "go_startup.py"


def test_bench_prints_every_command_and_the_ratios_to_the_floor() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "-n", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = [line for line in done.stdout.splitlines() if line.startswith("| ")]
    labels = [row.split("|")[1].strip() for row in rows[1:]]
    assert labels == [
        "python -c pass",
        "import pydantic, yaml, asyncio, rich.console",
        "pydantic first use (floor + one model + event loop)",
        "fastagent --help",
        "fastagent go --model passthrough -m hi",
    ]
    assert re.search(r"Load average \(1/5/15 min\) before: [\d.]+ [\d.]+ [\d.]+", done.stdout)
    ratio = r"wall [\d.]+x, CPU [\d.]+x"
    assert re.search(rf"go one-shot / floor \(medians\): {ratio} \(target <= 1.5x\)", done.stdout)
    assert re.search(rf"pydantic first use / floor: {ratio}", done.stdout)
