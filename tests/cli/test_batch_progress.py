"""The plain (not a terminal) progress lines of ``fastagent batch``, exactly, on a fake clock."""

from __future__ import annotations

import io

from fastagent.cli.batch_progress import BatchProgress


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def _ok(tokens: int = 12, cost: float | None = None) -> dict[str, object]:
    usage = {"input_tokens": tokens - 2, "output_tokens": 2, "requests": 1}
    return {"id": "x", "text": "t", "usage": usage, "cost": cost}


def test_plain_lines_at_most_one_a_second_then_a_summary() -> None:
    clock, out = Clock(), io.StringIO()
    progress = BatchProgress(4, out, clock=clock, tty=False)
    for _ in range(3):
        progress.started()
    clock.now += 0.5
    progress.finished(_ok())  # 0.5 s after the start: no line yet
    clock.now += 0.5
    progress.finished({"id": "y", "error": "BadRequestError: refused"})  # 1 s: a line
    clock.now += 0.2
    progress.started()
    progress.finished(_ok())  # 0.2 s after the last line: none
    clock.now += 1.8
    progress.finished(_ok())  # a line
    progress.close()
    assert out.getvalue().splitlines() == [
        "batch: 2/4 rows · 1 done · 1 failed · 1 in flight · 12 tokens · cost n/a · 2.0 rows/s",
        "batch: 4/4 rows · 3 done · 1 failed · 0 in flight · 36 tokens · cost n/a · 1.3 rows/s",
        "batch: 4/4 rows in 3.0 s · 3 done · 1 failed · 0 in flight · 36 tokens · cost n/a · "
        "1.3 rows/s",
    ]


def test_cost_is_summed_when_the_model_has_a_price_and_tokens_use_separators() -> None:
    clock, out = Clock(), io.StringIO()
    progress = BatchProgress(2, out, clock=clock, tty=False)
    progress.started()
    progress.started()
    progress.finished(_ok(tokens=1500, cost=0.0125))
    progress.finished(_ok(tokens=1500, cost=0.0005))
    clock.now += 4.0
    progress.close()
    assert out.getvalue() == (
        "batch: 2/2 rows in 4.0 s · 2 done · 0 failed · 0 in flight · 3,000 tokens · $0.0130 · "
        "0.5 rows/s\n"
    )


def test_quiet_prints_only_the_summary_and_notes_go_through() -> None:
    clock, out = Clock(), io.StringIO()
    progress = BatchProgress(1, out, clock=clock, tty=False, quiet=True)
    progress.note("batch: 1 of 1 rows already done")
    progress.started()
    clock.now += 5.0
    progress.finished(_ok())
    progress.close()
    assert out.getvalue().splitlines() == [
        "batch: 1 of 1 rows already done",
        "batch: 1/1 rows in 5.0 s · 1 done · 0 failed · 0 in flight · 12 tokens · cost n/a · "
        "0.2 rows/s",
    ]


def test_a_stream_that_is_not_a_terminal_gets_no_bar() -> None:
    out = io.StringIO()
    progress = BatchProgress(1, out)
    assert not progress.tty
    progress.close()
    assert "\x1b" not in out.getvalue()
