"""Context compaction in the tool loop: truncate keeps tool pairs, summarize, none, /compact."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastagent import FastAgent
from fastagent.events import ContextCompacted
from fastagent.exceptions import ContextWindowExceededError
from fastagent.llm.compaction import SUMMARY_PREFIX, estimate_tokens, split_turns
from fastagent.messages import Message
from fastagent.runtime import RunOptions
from fastagent.sessions import SessionStore
from fastagent.tools import tool


@tool
def lookup(key: str) -> str:
    """Look a key up."""
    return f"value of {key} " + "x" * 200


def make_app(
    compaction: object, directory: Path | None = None, model: str | None = None
) -> FastAgent:
    from fastagent.config import Settings

    sessions = {"enabled": directory is not None, "directory": str(directory or ".")}
    fast = FastAgent(
        "compact",
        parse_cli_args=False,
        settings=Settings.model_validate(
            {"logger": {"type": "none"}, "default_model": "passthrough", "sessions": sessions}
        ),
    )
    fast.agent("a", tools=[lookup], compaction=compaction, model=model)  # type: ignore[arg-type]
    return fast


def ask(n: int) -> str:
    return '***CALL_TOOL lookup {"key": "k' + str(n) + '"}'


def assert_pairs_intact(history: list[Message]) -> None:
    calls = {c.id for m in history for c in m.tool_calls}
    results = {r.call_id for m in history for r in m.tool_results}
    assert calls == results
    assert history[0].role == "user" and not history[0].tool_results


async def test_truncate_keeps_tool_pairs_and_the_conversation_goes_on(tmp_path: Path) -> None:
    policy = {"strategy": "truncate", "context_window": 1000, "threshold": 0.8}
    events: list[ContextCompacted] = []
    options = RunOptions(quiet=True, save_session=True)
    async with make_app(policy, tmp_path).run(options) as app:
        app.runtime.events.subscribe(events.append, ContextCompacted)
        for n in range(8):
            assert (await app.a.send(ask(n))).startswith(f"value of k{n} ")
            history = app.a.history
            assert estimate_tokens(history) < 2000  # the window plus the newest turn, at most
            assert_pairs_intact(history)
        assert events, "no compaction happened"
        assert all(e.strategy == "truncate" and e.context_window == 1000 for e in events)
        assert events[0].messages_after < events[0].messages_before
        assert all(e.tokens_after <= 800 for e in events)  # what is sent fits the threshold
        assert "k7" in app.a.history[-1].text
        session_id = app.session.session_id if app.session else ""
    _, saved = SessionStore(tmp_path).load(session_id)
    assert len(saved["a"]) == 8 * 4  # the session keeps every turn


async def test_summarize_replaces_old_turns_with_one_summary() -> None:
    policy = {"strategy": "summarize", "context_window": 1000, "threshold": 0.8}
    async with make_app(policy).run(RunOptions(quiet=True)) as app:
        for n in range(6):
            await app.a.send(ask(n))
        history = app.a.history
        assert history[0].text.startswith(SUMMARY_PREFIX)
        assert "k0" in history[0].text  # passthrough "summarizes" by echoing the transcript
        assert_pairs_intact(history[1:])
        assert (await app.a.send("still there?")) == "still there?"


async def test_compact_now_keeps_the_last_turn() -> None:
    async with make_app(None).run(RunOptions(quiet=True)) as app:
        for n in range(3):
            await app.a.send(ask(n))
        event = await app.a.llm.compact()
        assert event is not None and event.strategy == "truncate"
        assert (event.messages_before, event.messages_after) == (12, 4)
        assert len(split_turns(app.a.history)) == 1
        assert await app.a.llm.compact() is None


async def test_none_reports_the_counts_on_a_context_error() -> None:
    async with make_app("none").run(RunOptions(quiet=True)) as app:
        await app.a.send("hello")
        before = app.a.history
        with pytest.raises(ContextWindowExceededError) as raised:
            await app.a.send("***RAISE ContextWindowExceededError prompt is too long")
        assert "tokens to send; context window 8192 tokens)" in str(raised.value)
        assert app.a.history == before


def test_bad_compaction_settings_are_clear_errors() -> None:
    with pytest.raises(Exception, match="compaction strategy 'shrink' is not one of"):
        make_app("shrink")


async def test_the_last_calls_reported_usage_triggers_compaction_mid_turn(tmp_path: Path) -> None:
    """Small messages, but the provider reports a big count: that count decides."""
    from fastagent.events import ModelRequest
    from fastagent.history import save_history
    from fastagent.messages import ToolCall, Usage

    script: list[Message] = [Message.user("go")]
    for n, reported in enumerate([10, 1900]):
        call = Message.assistant(tool_calls=[ToolCall(id=f"c{n}", name="lookup", arguments={})])
        call.usage = Usage(input_tokens=reported, output_tokens=5)
        script.append(call)
    script.append(Message.assistant("done"))
    save_history(tmp_path / "script.json", script)
    policy = {"strategy": "truncate", "context_window": 2000, "threshold": 0.8}
    events: list[ContextCompacted] = []
    requests: list[ModelRequest] = []
    app_def = make_app(policy, model=f"playback?file={tmp_path / 'script.json'}")
    async with app_def.run(RunOptions(quiet=True)) as app:
        app.runtime.events.subscribe(events.append, ContextCompacted)
        app.runtime.events.subscribe(requests.append, ModelRequest)
        assert await app.a.send("go") == "done"
    assert estimate_tokens(requests[-1].messages) < 800  # the estimate alone would not compact
    [event] = events
    assert event.iteration == 3 and event.tokens_before > 1905  # reported + the new results
    sent = requests[-1].messages
    assert [c.id for m in sent for c in m.tool_calls] == ["c1"]  # round c0 went, with its result
    assert_pairs_intact(sent)
