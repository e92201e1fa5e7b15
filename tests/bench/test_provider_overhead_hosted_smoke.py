"""Smoke test of bench/provider_overhead_hosted.py: both pairs run against the fake server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "provider_overhead_hosted.py"


def test_bench_prints_a_line_per_provider() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "-n", "5", "--delay", "0.001"],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("5 sequential calls per client")
    rows = {line.split()[0]: line.split() for line in lines[2:]}
    assert set(rows) == {"responses", "azure"}
    for cells in rows.values():
        assert float(cells[1]) > 0 and float(cells[2]) > 0
        assert 0 < float(cells[-1]) < 5  # in-process work per call, ms
