"""``fastagent test PATH...``: run scenario files and report PASS/FAIL, no API key needed.

Files are run as given; folders are searched recursively for scenario files (YAML with a
top-level ``turns`` or ``recording`` key, or ``model: passthrough``). One line per scenario,
the failures under it, then ``N passed, M failed``. Exit status 0 when every scenario passed,
1 otherwise (an invalid scenario counts as failed).
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path

    from rich.console import Console

    from fastagent.scenarios.runner import ScenarioResult

__all__ = ["register", "run", "transcript_path"]

_INDENT = "      "


def register(subparsers: argparse._SubParsersAction[Any]) -> None:
    """Add the ``test`` subcommand.

    Args:
        subparsers: The ``fastagent`` subparsers.
    """
    parser = subparsers.add_parser(
        "test",
        help="run scenario files (scripted model turns, real tools) and check expectations",
        description=(
            "Run test scenarios: each names an agent, the model's scripted turns, the user's "
            "inputs and expectations. The turns are replayed through the agent's real tool "
            "loop, so no API key is needed. Exit status 0 when every scenario passed."
        ),
        epilog=(
            "examples:\n"
            "  fastagent test examples/scenarios\n"
            "  fastagent test weather.yaml --save-transcripts runs/"
        ),
    )
    parser.add_argument(
        "paths", nargs="+", metavar="PATH", help="scenario files, or folders to search"
    )
    parser.add_argument(
        "--save-transcripts",
        metavar="DIR",
        default=None,
        help="write each scenario's conversation to DIR/<scenario file name>.json",
    )
    parser.add_argument(
        "-x", "--exitfirst", action="store_true", help="stop after the first failing scenario"
    )


def run(args: argparse.Namespace) -> int:
    """Run the scenarios and print the report.

    Args:
        args: Parsed arguments (``paths``, ``save_transcripts``, ``exitfirst`` and the
            global options).

    Returns:
        0 when every scenario passed, 1 otherwise.

    Raises:
        UserError: A path does not exist, or no scenario files were found.
    """
    import asyncio

    from fastagent.cli.console import make_console
    from fastagent.exceptions import UserError
    from fastagent.scenarios.loader import find_scenario_files

    files = find_scenario_files(args.paths)
    if not files:
        raise UserError(
            f"no scenario files found in {', '.join(args.paths)}",
            hint="scenario files are *.yaml / *.yml with a top-level 'turns' or 'recording' key",
        )
    console = make_console(args)
    passed, failed = asyncio.run(_run_all(files, args, console))
    summary = f"{passed} passed, {failed} failed"
    console.quiet = False
    console.print(summary, style="red" if failed else "green")
    return 1 if failed else 0


async def _run_all(
    files: list[Path], args: argparse.Namespace, console: Console
) -> tuple[int, int]:
    from fastagent.exceptions import FastAgentError
    from fastagent.scenarios.testing import run_scenario_async

    passed = failed = 0
    used: set[str] = set()
    for file in files:
        try:
            result = await run_scenario_async(file, config_path=args.config)
        except FastAgentError as exc:
            failed += 1
            _print_error(console, file, exc.message, exc.hint)
        except Exception as exc:  # one broken scenario must not hide the others' results
            failed += 1
            if args.verbose:
                _print_traceback(console, exc)
            _print_error(console, file, f"unexpected {type(exc).__name__}: {exc}", None)
        else:
            if result.passed:
                passed += 1
            else:
                failed += 1
            _print_result(console, file, result)
            if args.save_transcripts:
                _save(result, file, args.save_transcripts, used)
            if result.passed:
                continue
        if args.exitfirst:
            break
    return passed, failed


def transcript_path(directory: str, scenario_file: Path, used: set[str]) -> Path:
    """Where a scenario's transcript goes: ``DIR/<file stem>.json``, numbered if taken.

    Args:
        directory: The ``--save-transcripts`` folder.
        scenario_file: The scenario file.
        used: File names already written in this run (updated).
    """
    from pathlib import Path

    stem = scenario_file.stem
    name, number = f"{stem}.json", 1
    while name in used:
        number += 1
        name = f"{stem}_{number}.json"
    used.add(name)
    return Path(directory) / name


def _save(result: ScenarioResult, file: Path, directory: str, used: set[str]) -> None:
    from fastagent.history import save_history

    save_history(transcript_path(directory, file, used), result.transcript)


def _print_result(console: Console, file: Path, result: ScenarioResult) -> None:
    from rich.text import Text

    quiet = console.quiet
    line = Text()
    if result.passed:
        line.append("PASS ", style="bold green")
    else:
        line.append("FAIL ", style="bold red")
        console.quiet = False  # failures are this command's result, even with --quiet
    line.append(f" {result.name}  ({result.duration:.2f}s)  ")
    line.append(str(file), style="dim")
    console.print(line)
    for failure in result.failures:
        console.print(Text(f"{_INDENT}- {failure}"))
    console.quiet = quiet


def _print_traceback(console: Console, exc: BaseException) -> None:
    """The traceback with its cause chain, secrets masked (as the CLI prints every one)."""
    import traceback

    from rich.text import Text

    from fastagent._redact import redact

    console.print(Text(redact("".join(traceback.format_exception(exc)))))


def _print_error(console: Console, file: Path, message: str, hint: str | None) -> None:
    from rich.text import Text

    from fastagent._redact import redact

    message = redact(message)
    hint = redact(hint) if hint else hint
    quiet, console.quiet = console.quiet, False
    line = Text()
    line.append("ERROR", style="bold red")
    line.append(f" {file}")
    console.print(line)
    for index, text in enumerate(message.splitlines()):
        prefix = "error: " if index == 0 else "  "
        console.print(Text(f"{_INDENT}{prefix}{text}"))
    if hint:
        console.print(Text(f"{_INDENT}hint: {hint}"))
    console.quiet = quiet
