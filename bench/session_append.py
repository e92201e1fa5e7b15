"""Cost of saving one turn to a session, by session size.

Builds sessions of 0, 1,000 and 10,000 messages (turns of a user message and a 200-word
reply), then times appending one more such turn through `SessionWriter` (one line written
and fsynced, plus the atomic rewrite of ``meta.json``), and opening the session to resume
it (reading every turn back). Appending should not grow with the session; resuming does.

Usage: python bench/session_append.py [--repeat N] [--dir DIR]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastagent.messages import Message, Usage
from fastagent.sessions import SessionStore

SIZES = (0, 1_000, 10_000)


def turn(n: int) -> list[Message]:
    """A user message and a 200-word reply with usage."""
    reply = Message.assistant(" ".join(f"word{n}-{i}" for i in range(200)))
    reply.usage = Usage(input_tokens=1000 + n, output_tokens=250, requests=1)
    return [Message.user(f"question number {n}: what next?"), reply]


def build(store: SessionStore, messages: int) -> str:
    """A session holding `messages` messages; returns its id."""
    with store.create() as writer:
        for n in range(messages // 2):
            writer.append("agent", turn(n))
        writer.save_info()
        return writer.id


def main() -> None:
    """Print a table of append and resume times per session size."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=50, help="appends timed per size")
    parser.add_argument("--dir", default=None, help="where to build the sessions (a temp dir)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as root:
        store = SessionStore(Path(root))
        print("| messages in session | append one turn (median) | p95 | resume (open + load) |")
        print("|---:|---:|---:|---:|")
        for size in SIZES:
            session_id = build(store, size)
            writer, _ = store.open(session_id)
            times = []
            with writer:
                for n in range(args.repeat):
                    started = time.perf_counter()
                    writer.append("agent", turn(size + n))
                    writer.save_info()
                    times.append(time.perf_counter() - started)
            started = time.perf_counter()
            writer, _ = store.open(session_id)
            resume = time.perf_counter() - started
            writer.close()
            times.sort()
            p95 = times[int(len(times) * 0.95) - 1]
            print(
                f"| {size:,} | {statistics.median(times) * 1000:.2f} ms "
                f"| {p95 * 1000:.2f} ms | {resume * 1000:.0f} ms |"
            )


if __name__ == "__main__":
    main()
