"""Smoke test of bench/fanout.py: it runs end to end at N=20 and compares like with like."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx

from fastagent.agents.workflows.parallel import ParallelAgent
from file_modules import load_module

ROOT = Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench" / "fanout.py"


def load_fanout() -> ModuleType:
    return load_module("fastagent_bench_fanout", BENCH)


def test_bench_runs_every_variant_and_prints_the_table() -> None:
    args = ["--n", "20", "--delay", "0.001", "--repeats", "1", "--variants", "raw,shared,app"]
    done = subprocess.run(
        [sys.executable, str(BENCH), *args, "--trace-n", "10"],
        capture_output=True,
        text=True,
        timeout=100,
        cwd=ROOT,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    rows = {
        line.split("|")[1].strip(): [cell.strip() for cell in line.split("|")[2:-1]]
        for line in done.stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| variant")
    }
    fanout = load_fanout()
    assert set(rows) == set(fanout.VARIANTS.values())
    for cells in rows.values():
        wall, calls_per_s, ratio, rss_mib, rss_per_call, traced_per_call, setup = cells
        assert float(wall) > 0
        assert float(calls_per_s.replace(",", "")) > 0
        assert float(ratio) > 0
        assert float(traced_per_call) > 0
        assert float(setup) >= 0
        assert float(rss_per_call) >= 0 and float(rss_mib.rstrip("*")) >= 0
    assert rows[fanout.VARIANTS["raw"]][2] == "1.00"
    assert "Command: `python bench/fanout.py --n 20 --delay 0.001 --repeats 1" in done.stdout


def test_child_mode_reports_json_for_one_variant() -> None:
    fanout = load_fanout()
    server = fanout.load_server_module().FakeOpenAIServer(0.0)
    with server:
        args = ["--child", "shared", "--n", "5", "--trace-n", "3", "--base-url", server.base_url]
        done = subprocess.run(
            [sys.executable, str(BENCH), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["variant"] == "shared"
    assert result["n"] == 5
    assert result["trace_n"] == 3
    assert result["wall_s"] > 0
    assert result["traced_peak"] > 0


async def test_raw_sdk_and_agents_send_the_same_request_body() -> None:
    fanout = load_fanout()
    bodies: list[dict[str, Any]] = []

    def answer(request: httpx.Request) -> httpx.Response:
        bodies.append(json.loads(request.content))
        return httpx.Response(200, content=fanout.load_server_module().completion_body())

    base_url = "http://127.0.0.1:9/v1"
    http_client = httpx.AsyncClient(transport=httpx.MockTransport(answer))
    client = fanout.raw_client(base_url, http_client=http_client)
    try:
        assert await fanout.raw_call(client) == fanout.REPLY
        async with fanout.fanout_app(2, base_url, client).run() as app:
            workflow = app["fanout"]
            assert isinstance(workflow, ParallelAgent)
            result = await workflow.run(fanout.PROMPT)
            assert [r.text for r in result.branches] == [fanout.REPLY] * 2
    finally:
        await client.close()
        await http_client.aclose()
    assert len(bodies) == 3
    assert bodies[1] == bodies[0]
    assert bodies[2] == bodies[0]


def test_fake_server_answers_completions_and_rejects_other_paths() -> None:
    server_module = load_fanout().load_server_module()
    with server_module.FakeOpenAIServer(0.0) as server, httpx.Client() as http:
        reply = http.post(f"{server.base_url}/chat/completions", json={"model": "m"})
        assert reply.status_code == 200
        assert reply.json()["choices"][0]["message"]["content"] == server_module.REPLY_TEXT
        assert http.get(f"{server.base_url}/chat/completions").status_code == 405
        assert http.post(f"{server.base_url}/embeddings", json={}).status_code == 404
