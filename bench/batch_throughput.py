"""Batch throughput: ``fastagent batch`` over N rows vs the raw ``openai`` SDK doing the same.

A local OpenAI-compatible server (bench/_fake_openai_server.py, its own process) answers every
chat completion after ``--delay`` seconds. The same N-row JSONL file is then run by:

- ``raw``: the ``openai`` SDK (one ``AsyncOpenAI``, ``max_retries=0``), ``asyncio.gather``
  over the rows with an ``asyncio.Semaphore(concurrency)``; each reply is written as a JSON
  line in input order, as the batch does.
- ``plain``: ``fastagent batch --no-durable`` (the same turns, no database).
- ``durable``: ``fastagent batch`` on the embedded SQLite database (a fresh one each run).

Every variant is one fresh process (the raw one this script as a child), interleaved,
``--repeats`` times; the table shows medians. Two times per run: the whole command (start-up,
app build, DBOS launch, reading the rows' status included), and the rows phase alone (from
the first row sent to the output written; for ``fastagent batch`` the time of its final
summary line). Rows/s and the ratio to the raw SDK are given for both.

Usage:
    python bench/batch_throughput.py [--rows 2000] [--concurrency 16] [--delay 0.02]
                                     [--repeats 3] [--variants raw,plain,durable]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

HERE = Path(__file__).resolve().parent
MODEL = "bench-model"
INSTRUCTION = "You answer in one word."
VARIANTS = {
    "raw": "raw SDK (gather + semaphore)",
    "plain": "fastagent batch --no-durable",
    "durable": "fastagent batch (durable, SQLite)",
}
CHILD_TIMEOUT = 900.0
_SUMMARY = re.compile(r"batch: (\d+)/(\d+) rows in ([0-9.]+) s")

APP = f"""\
from fastagent import FastAgent

fast = FastAgent("bench-batch")
fast.agent("bench", {INSTRUCTION!r})(lambda: None)
"""


def load_server_module() -> ModuleType:
    """bench/_fake_openai_server.py as a module (bench/ is not a package)."""
    name = "fastagent_bench_fake_openai_server"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, HERE / "_fake_openai_server.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


# --- the raw SDK child ---------------------------------------------------------------------


async def raw_batch(base_url: str, data: Path, out: Path, concurrency: int) -> float:
    """Run every row of `data` through the SDK; returns the rows phase in seconds."""
    import openai

    rows = [json.loads(line) for line in data.read_text().splitlines() if line.strip()]
    client = openai.AsyncOpenAI(api_key="not-needed", base_url=base_url, max_retries=0)
    gate = asyncio.Semaphore(concurrency)

    async def one(row: dict[str, Any]) -> dict[str, Any]:
        async with gate:
            response = await client.chat.completions.create(
                model=MODEL,
                messages=[
                    {"role": "system", "content": INSTRUCTION},
                    {"role": "user", "content": row["prompt"]},
                ],
            )
        usage = response.usage
        return {
            "id": row["id"],
            "text": response.choices[0].message.content,
            "usage": usage.model_dump() if usage is not None else None,
        }

    start = time.perf_counter()
    lines = await asyncio.gather(*(one(row) for row in rows))
    with out.open("w") as sink:
        for line in lines:
            sink.write(json.dumps(line) + "\n")
    elapsed = time.perf_counter() - start
    await client.close()
    return elapsed


# --- the parent ----------------------------------------------------------------------------


def run_variant(
    variant: str, base_url: str, rows: int, concurrency: int
) -> tuple[float, float, float]:
    """One run in a fresh process and folder: (whole command s, rows phase s, CPU s)."""
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as tmp:
        folder = Path(tmp)
        data = folder / "rows.jsonl"
        data.write_text(
            "".join(json.dumps({"id": i, "prompt": f"row {i}"}) + "\n" for i in range(rows))
        )
        folder.joinpath("app.py").write_text(APP)
        env = {
            **os.environ,
            "FASTAGENT_DEFAULT_MODEL": f"generic.{MODEL}",
            "FASTAGENT_GENERIC__BASE_URL": base_url,
            "FASTAGENT_GENERIC__API_KEY": "not-needed",
        }
        if variant == "raw":
            command = [sys.executable, str(Path(__file__).resolve()), "--child", base_url]
            command += ["--concurrency", str(concurrency), "--data", str(data)]
        else:
            command = [sys.executable, "-m", "fastagent", "batch", "app.py", "rows.jsonl"]
            command += ["-o", "out.jsonl", "--concurrency", str(concurrency)]
            if variant == "plain":
                command.append("--no-durable")
        cpu_before = _children_cpu()
        start = time.perf_counter()
        done = subprocess.run(
            command,
            cwd=folder,
            env=env,
            capture_output=True,
            text=True,
            timeout=CHILD_TIMEOUT,
            check=False,
        )
        whole = time.perf_counter() - start
        cpu = _children_cpu() - cpu_before
        if done.returncode != 0:
            raise RuntimeError(f"{variant} failed ({done.returncode}): {done.stderr[-2000:]}")
        out = [json.loads(line) for line in folder.joinpath("out.jsonl").read_text().splitlines()]
        if [str(line["id"]) for line in out] != [str(i) for i in range(rows)]:
            raise RuntimeError(f"{variant}: the output is not every row in order")
        if variant == "raw":
            phase = float(done.stdout.split()[-1])
        else:
            found = _SUMMARY.findall(done.stderr)
            if not found or found[-1][0] != str(rows):
                raise RuntimeError(f"{variant}: no summary line in {done.stderr[-500:]!r}")
            phase = float(found[-1][2])
        return whole, phase, cpu


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    """Run the variants and print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--delay", type=float, default=0.02)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--variants", default="raw,plain,durable")
    parser.add_argument("--child", metavar="BASE_URL", help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        out = args.data.with_name("out.jsonl")
        print(f"{asyncio.run(raw_batch(args.child, args.data, out, args.concurrency)):.3f}")
        return
    variants = [v for v in args.variants.split(",") if v]
    results: dict[str, list[tuple[float, float, float]]] = {v: [] for v in variants}
    server_module = load_server_module()
    with server_module.FakeOpenAIServer(delay=args.delay) as server:
        for _ in range(args.repeats):
            for variant in variants:
                results[variant].append(
                    run_variant(variant, server.base_url, args.rows, args.concurrency)
                )
    print(
        f"{args.rows} rows, concurrency {args.concurrency}, server delay "
        f"{args.delay * 1000:.0f} ms, median of {args.repeats}\n"
    )
    print(
        "| variant | whole s | rows/s (whole) | vs raw | rows phase s | rows/s (phase) "
        "| vs raw | CPU s | CPU ms/row |"
    )
    print("|---|--:|--:|--:|--:|--:|--:|--:|--:|")
    base_whole = base_phase = None
    if "raw" in results:
        base_whole = statistics.median(r[0] for r in results["raw"])
        base_phase = statistics.median(r[1] for r in results["raw"])
    for variant in variants:
        whole = statistics.median(r[0] for r in results[variant])
        phase = statistics.median(r[1] for r in results[variant])
        cpu = statistics.median(r[2] for r in results[variant])
        ratio_whole = f"{base_whole / whole:.2f}" if base_whole else "-"
        ratio_phase = f"{base_phase / phase:.2f}" if base_phase else "-"
        print(
            f"| {VARIANTS[variant]} | {whole:.2f} | {args.rows / whole:.0f} | {ratio_whole} | "
            f"{phase:.2f} | {args.rows / phase:.0f} | {ratio_phase} | {cpu:.2f} | "
            f"{cpu / args.rows * 1000:.2f} |"
        )


if __name__ == "__main__":
    main()
