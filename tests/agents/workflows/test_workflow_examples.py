"""examples/workflows/{chain,parallel,evaluator_optimizer}.py, run offline in subprocesses."""

from __future__ import annotations

import subprocess
from pathlib import Path

from process_helpers import run_offline

from ...conftest import without_progress

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "workflows"


def run_example(name: str, args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    (cwd / ".git").mkdir(exist_ok=True)  # stops the config search here
    return run_offline([str(EXAMPLES / f"{name}.py"), *args], cwd)


def test_chain_example(tmp_path: Path) -> None:
    result = run_example("chain", [], tmp_path)
    assert (result.returncode, without_progress(result.stderr)) == (0, "")
    assert result.stdout == (
        "Paris, France's capital, is home to 2.1 million people.\n---\n"
        "user: Tell me about Paris.\n\n"
        "researcher: Paris: capital of France, about 2.1 million people.\n\n"
        "writer: Paris, France's capital, is home to 2.1 million people.\n---\n"
        "model calls: 4\n"
    )


def test_chain_example_message_mode(tmp_path: Path) -> None:
    result = run_example(
        "chain", ["--agent", "post_with_notes", "--message", "Tell me about Rome."], tmp_path
    )
    assert (result.returncode, without_progress(result.stderr)) == (0, "")
    assert result.stdout.startswith("user: Tell me about Rome.\n\nresearcher: Paris")


def test_parallel_example(tmp_path: Path) -> None:
    result = run_example("parallel", [], tmp_path)
    assert (result.returncode, without_progress(result.stderr)) == (0, "")
    fan_in, _, collected = result.stdout.partition("---\n")
    assert fan_in.startswith("The request:\n<request>\nOur product is the best product.\n")
    assert "<response agent=\"style\">\nStyle: avoid repeating 'product'.\n</response>" in fan_in
    assert collected == (
        "style: Style: avoid repeating 'product'.\nfacts: Facts: 'the best' needs evidence.\n"
    )


def test_parallel_example_message_mode(tmp_path: Path) -> None:
    result = run_example("parallel", ["--agent", "reviews", "--message", "Buy now!"], tmp_path)
    assert (result.returncode, without_progress(result.stderr)) == (0, "")
    assert result.stdout == (
        "<response agent=\"style\">\nStyle: avoid repeating 'product'.\n</response>\n"
        "<response agent=\"facts\">\nFacts: 'the best' needs evidence.\n</response>\n"
    )


def test_evaluator_optimizer_example(tmp_path: Path) -> None:
    result = run_example("evaluator_optimizer", [], tmp_path)
    assert (result.returncode, without_progress(result.stderr)) == (0, "")
    assert result.stdout == (
        "Sourdough baked at dawn, still warm at breakfast.\n"
        "  draft 1: Fresh bread every day. -> FAIR\n"
        "  draft 2: Sourdough baked at dawn, still warm at breakfast. -> EXCELLENT\n"
    )


def test_evaluator_optimizer_example_message_mode(tmp_path: Path) -> None:
    result = run_example("evaluator_optimizer", ["--message", "A slogan, please."], tmp_path)
    assert (result.returncode, without_progress(result.stderr)) == (0, "")
    assert result.stdout == "Sourdough baked at dawn, still warm at breakfast.\n"
