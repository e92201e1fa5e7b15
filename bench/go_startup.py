"""Cold start of ``fastagent go --model passthrough -m hi`` (one full one-shot run).

Usage: .venv/bin/python bench/go_startup.py [-n RUNS]

Runs each command RUNS times (default 10) as a fresh process in an empty project directory
(no config, no API keys), the commands interleaved run by run so that a change in the
machine's load hits them alike, and prints min / median / p90 wall-clock seconds and the
median CPU time (user + system) of each. Then the go one-shot's medians over the floor of
our own dependencies (``python -c "import pydantic, yaml, asyncio, rich.console"``),
measured in the same run, wall and CPU. Targets: median < 0.3 s, and at most 1.5x the floor.

Two reference rows explain the ratio: ``pydantic first use`` is the floor plus what any
program pays to define and validate one pydantic model and run an event loop (the floor's
``import pydantic`` loads none of pydantic's model machinery, and every fastagent run
validates its messages and settings with pydantic); ``fastagent --help`` is our CLI alone.

``--instructions`` also counts the instructions of one run of the floor, the pydantic first
use and the one-shot under valgrind's callgrind: on a shared, loaded machine that count does
not depend on the load, so it shows what a change saves when the clocks are noisy.

Bytecode is cached as an installed package has it: ``PYTHONDONTWRITEBYTECODE`` is dropped
from the environment and a warm-up run of each command writes the ``.pyc`` files, so an
editable install is not timed compiling its sources on every run.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

FLOOR = "import pydantic, yaml, asyncio, rich.console"
GO = "fastagent go --model passthrough -m hi"
PYDANTIC_FIRST_USE = "pydantic first use (floor + one model + event loop)"

_FIRST_USE_CODE = """
import pydantic, yaml, asyncio, rich.console
from pydantic import BaseModel
class Probe(BaseModel):
    text: str
Probe(text="hi")
asyncio.run(asyncio.sleep(0))
"""


def commands() -> list[tuple[str, list[str]]]:
    python = sys.executable
    return [
        ("python -c pass", [python, "-c", "pass"]),
        (FLOOR, [python, "-c", FLOOR]),
        (PYDANTIC_FIRST_USE, [python, "-c", _FIRST_USE_CODE]),
        ("fastagent --help", [python, "-m", "fastagent", "--help"]),
        (GO, [python, "-m", "fastagent", "go", "--model", "passthrough", "-m", "hi"]),
    ]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def time_once(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of `argv`."""
    cpu = _children_cpu()
    start = time.perf_counter()
    subprocess.run(
        argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True
    )
    return time.perf_counter() - start, _children_cpu() - cpu


def instructions(argv: list[str], cwd: Path, env: dict[str, str]) -> int:
    """Instructions executed by one run of `argv`, counted by valgrind's callgrind."""
    valgrind = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"]
    result = subprocess.run(
        [*valgrind, *argv], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    match = re.search(r"I\s+refs:\s+([\d,]+)", result.stderr)
    if match is None:
        raise RuntimeError(f"no instruction count in valgrind's output: {result.stderr[-300:]}")
    return int(match.group(1).replace(",", ""))


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=10, help="runs per command")
    parser.add_argument(
        "--instructions", action="store_true", help="also count instructions with valgrind"
    )
    options = parser.parse_args()
    runs = options.runs
    if options.instructions and shutil.which("valgrind") is None:
        parser.error("--instructions needs valgrind on PATH")
    counts: dict[str, int] = {}
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("FASTAGENT_") and k != "PYTHONDONTWRITEBYTECODE"
    }
    table = commands()
    samples: dict[str, list[tuple[float, float]]] = {label: [] for label, _ in table}
    load_before = _load()
    with tempfile.TemporaryDirectory() as tmp:
        cwd = Path(tmp)
        (cwd / ".git").mkdir()
        env["HOME"] = tmp
        for _label, argv in table:
            time_once(argv, cwd, env)  # warm the OS file cache and write the bytecode
        for _ in range(runs):
            for label, argv in table:
                samples[label].append(time_once(argv, cwd, env))
        if options.instructions:
            for label, argv in table:
                if label in (FLOOR, PYDANTIC_FIRST_USE, GO):
                    counts[label] = instructions(argv, cwd, env)
    width = max(len(label) for label, _ in table)
    print(
        f"{runs} runs each, interleaved; seconds. Load average (1/5/15 min) before: "
        f"{load_before}, after: {_load()}"
    )
    print(f"| {'command':<{width}} |   min  | median |   p90  | CPU median |")
    print(f"|{'-' * (width + 2)}|-------:|-------:|-------:|-----------:|")
    wall: dict[str, float] = {}
    cpu: dict[str, float] = {}
    for label, _ in table:
        walls = sorted(w for w, _ in samples[label])
        p90 = walls[min(len(walls) - 1, round(0.9 * (len(walls) - 1)))]
        wall[label] = statistics.median(walls)
        cpu[label] = statistics.median(c for _, c in samples[label])
        print(
            f"| {label:<{width}} | {walls[0]:.3f}  | {wall[label]:.3f}  | {p90:.3f}  |"
            f"   {cpu[label]:.3f}    |"
        )
    print(
        f"go one-shot / floor (medians): wall {wall[GO] / wall[FLOOR]:.2f}x, "
        f"CPU {cpu[GO] / cpu[FLOOR]:.2f}x (target <= 1.5x)"
    )
    print(
        f"pydantic first use / floor: wall {wall[PYDANTIC_FIRST_USE] / wall[FLOOR]:.2f}x, "
        f"CPU {cpu[PYDANTIC_FIRST_USE] / cpu[FLOOR]:.2f}x; go one-shot / pydantic first use: "
        f"wall {wall[GO] / wall[PYDANTIC_FIRST_USE]:.2f}x, "
        f"CPU {cpu[GO] / cpu[PYDANTIC_FIRST_USE]:.2f}x"
    )

    if counts:
        print(
            "instructions (callgrind, one run each): "
            + ", ".join(f"{label}: {count / 1e6:.0f} M" for label, count in counts.items())
        )
        print(
            f"go one-shot / floor: {counts[GO] / counts[FLOOR]:.2f}x; pydantic first use / "
            f"floor: {counts[PYDANTIC_FIRST_USE] / counts[FLOOR]:.2f}x"
        )


if __name__ == "__main__":
    main()
