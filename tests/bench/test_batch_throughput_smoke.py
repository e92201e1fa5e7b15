"""Smoke test of bench/batch_throughput.py: every variant runs end to end on a few rows."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "batch_throughput.py"

pytest.importorskip("dbos", reason="the durable extra is not installed")


def test_bench_prints_a_row_per_variant() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--rows", "20", "--repeats", "1", "--delay", "0.001"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert lines[0] == "20 rows, concurrency 16, server delay 1 ms, median of 1"
    rows = {line.split(" | ")[0].strip("| "): line.split("|")[2:] for line in lines[4:]}
    assert set(rows) == {
        "raw SDK (gather + semaphore)",
        "fastagent batch --no-durable",
        "fastagent batch (durable, SQLite)",
    }
    for cells in rows.values():
        whole, phase, cpu = float(cells[0]), float(cells[3]), float(cells[6])
        assert 0 < phase <= whole and cpu > 0
