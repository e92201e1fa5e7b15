"""`fastagent._signals`: SIGTERM/SIGHUP cancel the run, its cleanup runs whole, exit 128+N."""

from __future__ import annotations

import contextlib
import signal
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator

from fastagent._signals import TerminatedBySignal, ending_on_signals

PROGRAM = textwrap.dedent(
    """
    import asyncio, contextlib, os, signal, sys
    from fastagent._signals import ending_on_signals

    @contextlib.asynccontextmanager
    async def run():
        try:
            yield "app"
        finally:
            print("cleanup started", flush=True)
            os.kill(os.getpid(), signal.SIG{second})  # must not cut the cleanup short
            await asyncio.sleep(0.2)
            print("cleanup done", flush=True)

    async def main():
        async with ending_on_signals(run()):
            os.kill(os.getpid(), signal.SIG{first})
            await asyncio.sleep(30)
            print("body went on")

    try:
        asyncio.run(main())
    finally:
        print("handler after:", signal.getsignal(signal.SIG{first}) is signal.SIG_DFL)
    """
)


def run_program(first: str, second: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", PROGRAM.format(first=first, second=second)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_sigterm_cancels_the_body_and_the_cleanup_runs_whole() -> None:
    done = run_program("TERM", "TERM")
    assert done.returncode == 143, done.stderr
    assert done.stdout.splitlines() == ["cleanup started", "cleanup done", "handler after: True"]
    assert done.stderr == ""


def test_sighup_exits_129() -> None:
    done = run_program("HUP", "TERM")
    assert done.returncode == 129, done.stderr
    assert "cleanup done" in done.stdout and "body went on" not in done.stdout


@contextlib.asynccontextmanager
async def nothing() -> AsyncIterator[str]:
    yield "app"


async def test_a_handler_the_program_installed_is_left_alone() -> None:
    def mine(signum: int, frame: object) -> None:
        return None

    previous = signal.signal(signal.SIGTERM, mine)
    try:
        async with ending_on_signals(nothing()) as value:
            assert value == "app"
            assert signal.getsignal(signal.SIGTERM) is mine
        assert signal.getsignal(signal.SIGTERM) is mine
    finally:
        signal.signal(signal.SIGTERM, previous)


async def test_handlers_are_installed_only_while_the_run_is_open() -> None:
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL
    async with ending_on_signals(nothing()):
        assert signal.getsignal(signal.SIGHUP) is not signal.SIG_DFL
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL


def test_terminated_by_signal_is_a_system_exit_with_the_shell_code() -> None:
    error = TerminatedBySignal(signal.SIGTERM)
    assert isinstance(error, SystemExit)
    assert error.code == 143
    assert str(error) == "terminated by SIGTERM"
