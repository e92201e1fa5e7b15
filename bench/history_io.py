"""Save and load time of a long conversation in each history format, and redaction speed.

The conversation: N turns of a user message, an assistant tool call with nested arguments, a
tool result and a multi-line markdown answer (about 1 KB per turn). Loading includes the
checks against hostile files (YAML alias refusal and the nesting bound).

Usage: python bench/history_io.py [--turns N] [--repeat R]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastagent._redact import redact
from fastagent.history import load_history, save_history
from fastagent.messages import Message, TextContent, ToolCall, ToolResult

ANSWER = "\n".join(
    ["## Weather", "", "| city | sky |", "|---|---|", "| Paris | sunny |", "", "Done."]
)


def conversation(turns: int, ending: str) -> list[Message]:
    """A conversation of `turns` turns, four messages each; answers end with `ending`."""
    messages: list[Message] = []
    for turn in range(turns):
        call = ToolCall(
            id=f"call_{turn}",
            name="weather__forecast",
            arguments={"city": "Paris", "days": [1, 2, 3], "opts": {"units": {"t": "C"}}},
        )
        messages += [
            Message.user(f"What is the weather in Paris, day {turn}? 🌍"),
            Message(role="assistant", tool_calls=[call]),
            Message(
                role="user",
                tool_results=[ToolResult(call_id=call.id, content=[TextContent(text="sunny")])],
            ),
            Message.assistant(ANSWER + ending),
        ]
    return messages


def timed(fn: object, repeat: int) -> float:
    """Median seconds of `repeat` calls of `fn`."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()  # type: ignore[operator]
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    """Print the table."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--turns", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument(
        "--ending",
        default="\n\n",
        help="end of each answer (default: a blank line; versions before the YAML fix need \\n)",
    )
    args = parser.parse_args()
    messages = conversation(args.turns, args.ending.encode().decode("unicode_escape"))
    print(f"{len(messages)} messages, median of {args.repeat} runs")
    print("| format | file size (KB) | save (ms) | load (ms) |")
    print("|---|---:|---:|---:|")
    with tempfile.TemporaryDirectory() as directory:
        for name in ("chat.json", "chat.yaml", "chat.md"):
            path = Path(directory) / name
            save = timed(lambda path=path: save_history(path, messages), args.repeat)
            load = timed(lambda path=path: load_history(path), args.repeat)
            size = path.stat().st_size / 1024
            print(f"| {path.suffix[1:]} | {size:.0f} | {save * 1000:.1f} | {load * 1000:.1f} |")
    line = "GET https://api.example.com/v1/items?page=2&sort=asc took 12 ms (user alice) " * 4
    per_line = timed(lambda: [redact(line) for _ in range(1000)], args.repeat) / 1000
    print(f"\nredact: {per_line * 1e6:.1f} µs per {len(line)}-character line")


if __name__ == "__main__":
    main()
