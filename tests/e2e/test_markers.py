"""`pytest -m realmodel` selects the real-model scenarios, and they are e2e tests too."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def collected(*args: str) -> set[str]:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return {line for line in done.stdout.splitlines() if "::" in line}


def test_the_realmodel_marker_selects_at_least_four_e2e_scenarios() -> None:
    real = collected("-m", "realmodel", "tests/e2e")

    assert len(real) >= 4, real
    assert all(node.startswith("tests/e2e/test_realmodel.py::") for node in real)
    assert real <= collected("-m", "e2e", "tests/e2e")
