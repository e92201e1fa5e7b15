"""Compaction before every model call: a long tool round is compacted mid-turn.

A playback model asks a real MCP server (the FastMCP fixture server, a subprocess) for big
results, round after round, in one turn, with a context window far too small for all of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from fastagent import FastAgent
from fastagent.events import ContextCompacted, ModelRequest
from fastagent.history import save_history
from fastagent.llm.compaction import SUMMARY_PREFIX, estimate_tokens
from fastagent.messages import Message, ToolCall
from fastagent.runtime import RunOptions
from fastagent.sessions import SessionStore

from .conftest import settings
from .conftest_mcp import fixture_server, no_orphans

pytestmark = pytest.mark.usefixtures("no_orphans")
_ = no_orphans

ROUNDS = 6
BIG = 600  # characters each tool call sends and each result brings back


def script(path: Path) -> str:
    """A playback recording: one turn of `ROUNDS` tool rounds, then an answer."""
    messages: list[Message] = [Message.user("collect the pages")]
    for n in range(ROUNDS):
        call = ToolCall(
            id=f"c{n}", name="fixture__echo", arguments={"message": f"p{n} " + "y" * BIG}
        )
        messages.append(Message.assistant(tool_calls=[call]))
    messages.append(Message.assistant("all pages collected"))
    save_history(path, messages)
    return f"playback?file={path}"


def make_app(model: str, strategy: str, sessions: Path) -> FastAgent:
    fast = FastAgent(
        "mid-turn",
        parse_cli_args=False,
        settings=settings(
            mcp={"servers": {"fixture": fixture_server()}},
            sessions={"enabled": True, "directory": str(sessions)},
        ),
    )
    policy = {"strategy": strategy, "context_window": 2000, "threshold": 0.8}
    if strategy == "summarize":
        policy["model"] = "passthrough"  # the playback model's turns are the script's
    fast.agent("a", servers=["fixture"], model=model, compaction=policy)  # type: ignore[arg-type]
    return fast


def pairs_intact(messages: list[Message]) -> bool:
    calls = {c.id for m in messages for c in m.tool_calls}
    results = {r.call_id for m in messages for r in m.tool_results}
    return calls == results


@pytest.mark.parametrize("strategy", ["truncate", "summarize"])
async def test_a_long_tool_round_is_compacted_between_model_calls(
    tmp_path: Path, strategy: str
) -> None:
    model = script(tmp_path / "script.json")
    compacted: list[ContextCompacted] = []
    requests: list[ModelRequest] = []
    options = RunOptions(quiet=True, save_session=True)
    async with make_app(model, strategy, tmp_path / "sessions").run(options) as app:
        app.runtime.events.subscribe(compacted.append, ContextCompacted)
        app.runtime.events.subscribe(requests.append, ModelRequest)
        reply = await app.a.send("collect the pages")
        assert reply == "all pages collected"
        history = app.a.history
        session_id = app.session.session_id if app.session else ""

    # Compaction happened between tool rounds, more than once, and each is an event.
    assert len(requests) == ROUNDS + 1
    assert compacted and all(e.iteration >= 2 for e in compacted)
    assert all(e.strategy == strategy and e.context_window == 2000 for e in compacted)
    assert all(e.messages_after < e.messages_before for e in compacted)
    # Every request the model saw: the user's question first, no tool call without its
    # result, and the newest result always there.
    for n, request in enumerate(requests, start=1):
        sent = request.messages
        assert sent[0].text == "collect the pages" and not sent[0].tool_results
        assert pairs_intact(sent), f"request {n} split a tool call from its result"
        if n > 1:
            assert sent[-1].tool_results[0].call_id == f"c{n - 2}"
            assert f"p{n - 2} " in sent[-1].tool_results[0].text
    late = requests[-1].messages
    assert not any(r.call_id == "c0" for m in late for r in m.tool_results)
    if strategy == "truncate":
        assert estimate_tokens(late) < 2000
    else:  # one summary of the dropped rounds (passthrough "summarizes" by echoing them)
        [summary] = [m for m in late if m.text.startswith(SUMMARY_PREFIX)]
        assert "p0 " in summary.text
    # Memory holds the compacted turn; the session keeps every message of it.
    assert history[-1].text == "all pages collected" and pairs_intact(history)
    assert len(history) < 2 + 2 * ROUNDS
    _, saved = SessionStore(tmp_path / "sessions").load(session_id)
    assert len(saved["a"]) == 2 + 2 * ROUNDS
    assert [c.id for m in saved["a"] for c in m.tool_calls] == [f"c{n}" for n in range(ROUNDS)]


async def test_pinned_messages_survive_compaction(tmp_path: Path) -> None:
    model = script(tmp_path / "script.json")
    requests: list[ModelRequest] = []
    sessions = tmp_path / "sessions"
    options = RunOptions(quiet=True, save_session=True)
    async with make_app(model, "truncate", sessions).run(options) as app:
        app.runtime.events.subscribe(requests.append, ModelRequest)
        rule = app.a.pin("Always answer in French.")
        assert rule.pinned and app.a.history == [rule]
        assert await app.a.send("collect the pages") == "all pages collected"
        assert app.a.history[0] is rule and len(app.a.history) < 3 + 2 * ROUNDS
        assert all(r.messages[0] is rule for r in requests)  # never dropped
        question = app.a.history[1]
        assert app.a.pin(1) is question and question.pinned  # pin one already there
        assert app.a.pin(rule, pinned=False) is rule and not rule.pinned
        with pytest.raises(ValueError, match="only a message of the conversation can be"):
            app.a.pin(Message.user("not in it"), pinned=False)
        session_id = app.session.session_id if app.session else ""
    _, saved = SessionStore(sessions).load(session_id)
    assert [m.pinned for m in saved["a"][:2]] == [False, True]  # the pins were recorded
    assert saved["a"][0].text == "Always answer in French."
