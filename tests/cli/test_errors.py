from __future__ import annotations

import io

from fastagent.cli.errors import EXIT_ERROR, EXIT_INTERRUPTED, report_exception
from fastagent.exceptions import AgentGraphError, UnknownAgentError


def report(exc: BaseException, *, verbose: bool = False) -> tuple[int, str]:
    stream = io.StringIO()
    code = report_exception(exc, verbose=verbose, stream=stream)
    return code, stream.getvalue()


def test_error_without_hint_prints_one_line() -> None:
    assert report(UnknownAgentError("no agent named 'writer'")) == (
        EXIT_ERROR,
        "error: no agent named 'writer'\n",
    )


def test_multi_line_message_is_kept() -> None:
    code, text = report(AgentGraphError(["chain 'c' names unknown agent 'x'", "cycle: a -> a"]))
    assert code == EXIT_ERROR
    assert text.splitlines() == [
        "error: invalid agent graph (2 problem(s)):",
        "  - chain 'c' names unknown agent 'x'",
        "  - cycle: a -> a",
        "hint: fix the agent names and workflow members listed above",
    ]


def test_unexpected_exception_without_message() -> None:
    code, text = report(RuntimeError())
    assert code == EXIT_ERROR
    assert text.splitlines()[0] == "error: unexpected RuntimeError"
    assert "--verbose" in text.splitlines()[1]


def test_verbose_traceback_names_the_raising_frame() -> None:
    def explode() -> None:
        raise UnknownAgentError("no agent named 'writer'", hint="define it with @fast.agent")

    try:
        explode()
    except UnknownAgentError as exc:
        code, text = report(exc, verbose=True)
    assert code == EXIT_ERROR
    assert text.startswith("Traceback (most recent call last)")
    assert "in explode" in text
    assert text.endswith("error: no agent named 'writer'\nhint: define it with @fast.agent\n")


def test_interrupt_is_one_line_even_when_verbose() -> None:
    assert report(KeyboardInterrupt(), verbose=True) == (EXIT_INTERRUPTED, "interrupted\n")
