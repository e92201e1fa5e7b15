"""Smoke test of bench/tool_loop.py's ``--breakdown``: it runs end to end and splits the cost."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "tool_loop.py"


def test_breakdown_prints_every_part_of_the_tracing_overhead() -> None:
    done = subprocess.run(
        [sys.executable, str(BENCH), "--breakdown", "--turns", "20", "--rounds", "1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    for line in (
        "history + event subscriber",
        "tracing, no span processor",
        "tracing, batch processor",
        "whole tracing overhead:",
        "spans made in the loop",
        "the batch processor (gc off):",
        "extra garbage collection:",
        "chat span (3 start + 4 end attributes)",
        "execute_tool span (4 attributes)",
    ):
        assert line in out, out
    # Every timing is a number of microseconds, and the calls timed alone cost something.
    alone = out.split("the same SDK calls alone")[1].splitlines()[1:7]
    assert all(float(row.split()[-1]) > 0 for row in alone), alone
