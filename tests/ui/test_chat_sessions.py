"""Chats are saved as sessions; ``/sessions`` and ``/resume`` in the chat; ``run(resume=)``."""

from __future__ import annotations

from pathlib import Path

import pexpect
import pytest

from fastagent.sessions import SessionLockedError, SessionStore

from .conftest import make_app, reader


def app_in(directory: Path, *, save: bool = False):  # type: ignore[no-untyped-def]
    fast = make_app(
        default_model="passthrough", sessions={"enabled": True, "directory": str(directory)}
    )
    fast.save_session = save
    fast.agent("a")
    fast.agent("b")
    return fast


async def test_a_chat_is_saved_and_resume_switches_sessions(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    out: list[str] = []
    async with app_in(tmp_path).run() as app:
        await app.interactive(read=reader(["first chat", "@b to b"]), write=out.append)
        first = app.session.session_id if app.session else None
    assert first is not None
    _, histories = store.load(first)
    assert [m.text for m in histories["a"]] == ["first chat", "first chat"]
    assert [m.text for m in histories["b"]] == ["to b", "to b"]

    out.clear()
    async with app_in(tmp_path).run() as app:
        lines = ["second chat", "/sessions", f"/resume {first}", "/history", "more"]
        await app.interactive(read=reader(lines), write=out.append)
        assert [m.text for m in app.b.history] == ["to b", "to b"]  # b's history came back
        assert app.session is not None and app.session.session_id == first
    second = next(s.id for s in store.sessions() if s.id != first)
    listing = [line for line in out if first in line or second in line]
    assert listing[0].startswith(f"* {second}") and "second chat" in listing[0]
    assert listing[1].startswith(f"  {first}") and "first chat" in listing[1]
    assert f"resumed session {first}: 4 message(s), first chat; continuing with passthrough" in out
    assert "user: first chat" in out and "assistant: first chat" in out
    assert [m.text for m in store.load(first)[1]["a"]][-2:] == ["more", "more"]
    assert [m.text for m in store.load(second)[1]["a"]] == ["second chat", "second chat"]


async def test_run_resume_loads_histories_and_appends(tmp_path: Path) -> None:
    async with app_in(tmp_path, save=True).run() as app:
        await app.send("one")
        session_id = app.session.session_id if app.session else ""
    async with app_in(tmp_path).run(resume=session_id) as app:
        assert [m.text for m in app.a.history] == ["one", "one"]
        await app.send("two")
        with pytest.raises(SessionLockedError):
            SessionStore(tmp_path).open(session_id)
    info, histories = SessionStore(tmp_path).load(session_id)
    assert [m.text for m in histories["a"]] == ["one", "one", "two", "two"]
    assert info.agents["a"].usage.requests == 2
    assert len(SessionStore(tmp_path).sessions()) == 1


async def test_a_script_run_is_not_saved_unless_it_opts_in(tmp_path: Path) -> None:
    async with app_in(tmp_path).run() as app:
        await app.send("not saved")
        assert app.session is None
    assert SessionStore(tmp_path).sessions() == []


async def test_sessions_commands_say_when_the_chat_is_not_saved(
    capsys: pytest.CaptureFixture[str],
) -> None:
    fast = make_app(default_model="passthrough")
    fast.agent("a")
    out: list[str] = []
    async with fast.run() as app:
        await app.interactive(read=reader(["/sessions", "/resume x"]), write=out.append)
    assert out == []
    errors = [line for line in capsys.readouterr().err.splitlines() if line.startswith("error")]
    assert errors == [
        "error: /sessions is not available: this chat is not saved as a session",
        "error: /resume is not available: this chat is not saved as a session",
    ]


def _spawn(project: Path, tmp_path: Path, *args: str, model: str = "passthrough") -> pexpect.spawn:
    from .test_chat_terminal import spawn_go

    return spawn_go(tmp_path, project, *(["--model", model] if model else []), *args)


def test_resume_in_a_real_terminal(tmp_path: Path) -> None:
    from .test_chat_terminal import _NEW_PROMPT, answer, screen

    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    first = _spawn(project, tmp_path)
    try:
        first.expect_exact(_NEW_PROMPT)
        assert "remember the tea" in answer(first, "remember the tea")
        first.send("/exit\r")
        first.expect(pexpect.EOF)
    finally:
        first.close(force=True)
    [info] = SessionStore(project / ".fastagent" / "sessions").sessions()

    second = _spawn(project, tmp_path, "--resume")
    try:
        second.expect_exact(_NEW_PROMPT)
        history = answer(second, "/history")
        assert "user: remember the tea" in history
        listing = answer(second, "/sessions")
        assert f"* {info.id}" in screen(listing)
        second.send("/exit\r")
        second.expect(pexpect.EOF)
    finally:
        second.close(force=True)
    assert SessionStore(project / ".fastagent" / "sessions").load(info.id)[0].messages == 2


async def test_meta_is_written_when_it_changes_and_says_the_last_turn(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastagent.sessions import SessionWriter

    written: list[int] = []
    save_info = SessionWriter.save_info

    def counting(self: SessionWriter) -> None:
        written.append(sum(a.messages for a in self.info.agents.values()))
        save_info(self)

    monkeypatch.setattr(SessionWriter, "save_info", counting)
    async with app_in(tmp_path, save=True).run() as app:
        await app.send("one")
        session_id = app.session.session_id if app.session else ""
        turn_saved = SessionStore(tmp_path).resolve(session_id).updated
    # Created empty, then once per turn; nothing changed at start or at close.
    assert written == [0, 2]
    info, histories = SessionStore(tmp_path).load(session_id)
    assert [m.text for m in histories["a"]] == ["one", "one"]
    assert info.agents["a"].messages == 2 and info.agents["a"].model == "passthrough"
    assert info.updated == turn_saved


def test_resume_in_a_chat_continues_with_the_sessions_model_unless_model_is_given(
    tmp_path: Path,
) -> None:
    """`/resume ID` kept the chat's model while `go --resume ID` restored the recorded one."""
    from fastagent.history import save_history
    from fastagent.messages import Message

    from .test_chat_terminal import _NEW_PROMPT, answer, screen

    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    save_history(project / "reply.json", [Message.user("q"), Message.assistant("played back")])
    recorded = "playback?file=reply.json"
    first = _spawn(project, tmp_path, model=recorded)
    try:
        first.expect_exact(_NEW_PROMPT)
        assert "played back" in answer(first, "tea")
        first.send("/exit\r")
        first.expect(pexpect.EOF)
    finally:
        first.close(force=True)
    [info] = SessionStore(project / ".fastagent" / "sessions").sessions()
    assert info.agents["agent"].model == recorded

    bare = _spawn(project, tmp_path, model="")  # no --model: the built-in passthrough
    try:
        bare.expect_exact(_NEW_PROMPT)
        resumed = screen(answer(bare, f"/resume {info.id}"))
        assert f"resumed session {info.id}: 2 message(s), tea; continuing with {recorded}" in (
            resumed
        )
        assert f"agent: {recorded}" in screen(answer(bare, "/model"))
        assert "played back" in screen(answer(bare, "coffee"))
        bare.send("/exit\r")
        bare.expect(pexpect.EOF)
    finally:
        bare.close(force=True)
    assert (
        SessionStore(project / ".fastagent" / "sessions").load(info.id)[0].agents["agent"].model
        == recorded
    )

    chosen = _spawn(project, tmp_path)  # --model passthrough wins, as with go --resume
    try:
        chosen.expect_exact(_NEW_PROMPT)
        resumed = screen(answer(chosen, f"/resume {info.id}"))
        assert "continuing with passthrough (--model)" in resumed
        assert "milk" in screen(answer(chosen, "milk"))
        assert "agent: passthrough" in screen(answer(chosen, "/model"))
        chosen.send("/exit\r")
        chosen.expect(pexpect.EOF)
    finally:
        chosen.close(force=True)


async def test_resume_in_a_chat_with_an_unknown_recorded_model_changes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import json

    async with app_in(tmp_path, save=True).run() as app:
        await app.send("one")
        session_id = app.session.session_id if app.session else ""
    meta = tmp_path / session_id / "meta.json"
    data = json.loads(meta.read_text())
    data["agents"]["a"]["model"] = "nosuchprovider.model"
    meta.write_text(json.dumps(data))
    out: list[str] = []
    async with app_in(tmp_path).run() as app:
        await app.interactive(read=reader(["hello", f"/resume {session_id}"]), write=out.append)
        assert app.a.model == "passthrough"
        assert [m.text for m in app.a.history] == ["hello", "hello"]  # nothing loaded
        assert app.session is not None and app.session.session_id != session_id
    err = capsys.readouterr().err.splitlines()
    error = next(line for line in err if line.startswith("error: "))
    assert error.startswith("error: agent 'a': the resumed session's model: ")
    hint = next(line for line in err if line.startswith("hint: "))
    assert f"fastagent go --model MODEL --resume {session_id}" in hint
