"""The session store on a real disk: append, load, torn lines, locks, kill -9 mid-save."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from fastagent.messages import Message, ToolCall, ToolResult, Usage
from fastagent.sessions import (
    SessionError,
    SessionLockedError,
    SessionStore,
    read_histories,
)

_SRC = str(Path(__file__).resolve().parents[2] / "src")


def _turn(text: str) -> list[Message]:
    call = Message.assistant(
        "", tool_calls=[ToolCall(id="c1", name="srv__echo", arguments={"t": text})]
    )
    result = Message(
        role="user", tool_results=[ToolResult(call_id="c1", tool_name="srv__echo", content=[])]
    )
    reply = Message.assistant(f"you said {text}")
    reply.usage = Usage(input_tokens=10, output_tokens=2)
    return [Message.user(text), call, result, reply]


def test_turns_round_trip_losslessly_per_agent(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    with store.create() as writer:
        writer.append("a", _turn("hello"))
        writer.append("b", _turn("other"))
        writer.append("a", _turn("again"))
        writer.save_info()
        session_id = writer.id
    info, histories = store.load(session_id)
    assert histories == {"a": [*_turn("hello"), *_turn("again")], "b": _turn("other")}
    assert info.title == "hello"
    assert info.agents["a"].messages == 8
    assert [s.id for s in store.sessions()] == [session_id]
    assert store.resolve(None).id == session_id
    assert store.resolve(session_id[:-2]).id == session_id


def test_clear_is_recorded_and_earlier_turns_stay_on_disk(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with store.create() as writer:
        writer.append("a", _turn("one"))
        writer.append_clear("a")
        writer.append("a", _turn("two"))
        path = writer.info.path
    assert read_histories(path / "history.jsonl") == {"a": _turn("two")}
    assert (path / "history.jsonl").read_text().count("\n") == 3


def test_unknown_and_missing_sessions_are_clear_errors(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "none")
    with pytest.raises(SessionError, match="no sessions in "):
        store.resolve(None)
    with pytest.raises(SessionError, match="no session 'nope' in ") as raised:
        store.resolve("nope")
    assert raised.value.hint == "`fastagent sessions list` shows the sessions"


def test_a_torn_last_line_is_ignored_and_cut_before_the_next_append(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with store.create() as writer:
        writer.append("a", _turn("kept"))
        session_id, history = writer.id, writer.info.path / "history.jsonl"
    with history.open("ab") as file:
        file.write(b'{"agent": "a", "messages": [{"role": "user", "content": [{"ty')
    assert store.load(session_id)[1] == {"a": _turn("kept")}
    writer, histories = store.open(session_id)
    with writer:
        assert histories == {"a": _turn("kept")}
        writer.append("a", _turn("next"))
    assert store.load(session_id)[1] == {"a": [*_turn("kept"), *_turn("next")]}


def test_a_corrupt_complete_line_names_the_file_and_line(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    with store.create() as writer:
        writer.append("a", _turn("one"))
        history = writer.info.path / "history.jsonl"
    with history.open("a") as file:
        file.write("not json\n")
    with pytest.raises(SessionError, match=r"history\.jsonl:2: not a valid session turn"):
        store.load(None)


_HOLDER = textwrap.dedent(
    """
    import sys, time
    from fastagent.sessions import SessionStore, store
    store._USE_FLOCK = sys.argv[3] == "flock"
    writer, _ = SessionStore(sys.argv[1]).open(sys.argv[2])
    print("holding", flush=True)
    time.sleep(60)
    """
)


@pytest.fixture(params=["flock", "exclusive"])
def lock_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both lock kinds: flock, and the O_EXCL lock file of platforms without fcntl."""
    from fastagent.sessions import store as store_module

    monkeypatch.setattr(store_module, "_USE_FLOCK", request.param == "flock")
    return str(request.param)


def test_a_second_process_gets_a_lock_error_and_the_file_is_untouched(
    tmp_path: Path, lock_kind: str
) -> None:
    store = SessionStore(tmp_path)
    with store.create() as writer:
        writer.append("a", _turn("one"))
        session_id, history = writer.id, writer.info.path / "history.jsonl"
    before = history.read_bytes()
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(tmp_path), session_id, lock_kind],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": _SRC},
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline() == "holding\n"
        with pytest.raises(
            SessionLockedError,
            match=rf"session {session_id} is in use by "
            rf"another fastagent process \(pid {holder.pid}\)",
        ):
            store.open(session_id)
        with pytest.raises(SessionLockedError):
            store.delete(session_id)
        assert history.read_bytes() == before
    finally:
        holder.kill()
        holder.wait(timeout=20)
        if holder.stdout is not None:
            holder.stdout.close()
    # the lock died with the process
    writer, histories = store.open(session_id)
    writer.close()
    assert histories == {"a": _turn("one")}


def test_an_exclusive_lock_left_by_a_dead_process_is_taken_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "fcntl", None)  # `import fcntl` fails, as on Windows
    store = SessionStore(tmp_path)
    with store.create() as writer:
        writer.append("a", _turn("one"))
        session_id, lock = writer.id, writer.info.path / "lock"
        assert lock.read_text() == str(os.getpid())
    assert not lock.exists()  # released: the file is gone
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait(timeout=20)
    lock.write_text(str(dead.pid))  # what a process killed with -9 leaves
    writer, histories = store.open(session_id)
    assert lock.read_text() == str(os.getpid())
    with pytest.raises(SessionLockedError, match=rf"\(pid {os.getpid()}\)") as raised:
        store.delete(session_id)  # held (by this process): not stale
    assert f"delete {lock}" in (raised.value.hint or "")
    writer.close()
    assert histories == {"a": _turn("one")}
    lock.write_text("")  # a lock file with no pid, written long ago: stale too
    os.utime(lock, (time.time() - 60, time.time() - 60))
    store.delete(session_id)
    assert store.sessions() == []


_WRITER = textwrap.dedent(
    """
    import sys
    from fastagent.messages import Message
    from fastagent.sessions import SessionStore
    writer = SessionStore(sys.argv[1]).create(session_id="killed")
    big = "x" * 400_000
    n = 0
    while True:
        writer.append("a", [Message.user(f"turn {n} " + big), Message.assistant(f"reply {n}")])
        writer.save_info()
        n += 1
        if n == 3:
            print("writing", flush=True)
    """
)


def test_kill_9_mid_save_leaves_a_loadable_session(tmp_path: Path) -> None:
    for delay in (0.05, 0.2, 0.5):
        child = subprocess.Popen(
            [sys.executable, "-c", _WRITER, str(tmp_path / str(delay))],
            stdout=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": _SRC},
        )
        assert child.stdout is not None
        assert child.stdout.readline() == "writing\n"
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=20)
        child.stdout.close()
        store = SessionStore(tmp_path / str(delay))
        info, histories = store.load("killed")
        messages = histories["a"]
        turns = len(messages) // 2
        assert turns >= 3 and len(messages) == 2 * turns  # whole turns only
        for n in range(turns):
            assert messages[2 * n].text.startswith(f"turn {n} ")
            assert messages[2 * n + 1].text == f"reply {n}"
        json.loads((info.path / "meta.json").read_text())
        writer, _ = store.open("killed")  # appending goes on after the crash
        with writer:
            writer.append("a", [Message.user("after"), Message.assistant("ok")])
        assert store.load("killed")[1]["a"][-2:] == [Message.user("after"), Message.assistant("ok")]
