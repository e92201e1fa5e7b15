"""Sessions through the real CLI: ``go`` saves, ``--resume`` continues, ``sessions`` manages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from fastagent.history import load_history
from fastagent.sessions import SessionStore

from .conftest import CliRunner, clean_env


def _store(project: Path) -> SessionStore:
    return SessionStore(project / ".fastagent" / "sessions")


def test_go_saves_and_resume_continues_after_the_process_exits(
    run_cli: CliRunner, project: Path
) -> None:
    first = run_cli("go", "--model", "passthrough", "-m", "first message", "-q")
    assert (first.returncode, first.stdout) == (0, "first message\n"), first.stderr
    [info] = _store(project).sessions()
    assert info.title == "first message"
    assert info.agents["agent"].model == "passthrough"

    again = run_cli("go", "--model", "passthrough", "--resume", "-m", "second", "-q")
    assert again.returncode == 0, again.stderr
    by_id = run_cli("go", "--model", "passthrough", "--resume", info.id, "-m", "third", "-q")
    assert by_id.returncode == 0, by_id.stderr
    [resumed] = _store(project).sessions()  # still one session, appended to
    _, histories = _store(project).load(info.id)
    assert [m.text for m in histories["agent"]] == [
        "first message",
        "first message",
        "second",
        "second",
        "third",
        "third",
    ]
    assert resumed.agents["agent"].messages == 6
    assert resumed.agents["agent"].usage.requests == 3

    fresh = run_cli("go", "--model", "passthrough", "-m", "new one", "-q")
    assert fresh.returncode == 0
    assert len(_store(project).sessions()) == 2


def test_resume_continues_with_the_sessions_model_unless_model_is_given(
    run_cli: CliRunner, project: Path
) -> None:
    from fastagent.history import save_history
    from fastagent.messages import Message

    script = project / "script.json"
    save_history(script, [Message.user("q"), Message.assistant("played back")])
    playback = f"playback?file={script}"
    first = run_cli("go", "--model", playback, "-m", "one", "-q")
    assert (first.returncode, first.stdout) == (0, "played back\n"), first.stderr
    [info] = _store(project).sessions()
    assert info.agents["agent"].model == playback

    # No --model: the session's model answers (the default would be passthrough, an echo).
    resumed = run_cli("go", "--resume", "-m", "two", "-q")
    assert (resumed.returncode, resumed.stdout) == (0, "played back\n"), resumed.stderr
    assert _store(project).resolve(info.id).agents["agent"].model == playback

    # An explicit --model wins, and is recorded for the next resume.
    switched = run_cli("go", "--resume", info.id, "--model", "passthrough", "-m", "three", "-q")
    assert (switched.returncode, switched.stdout) == (0, "three\n"), switched.stderr
    assert _store(project).resolve(info.id).agents["agent"].model == "passthrough"
    again = run_cli("go", "--resume", "-m", "four", "-q")
    assert (again.returncode, again.stdout) == (0, "four\n"), again.stderr
    _, histories = _store(project).load(info.id)
    assert [m.text for m in histories["agent"]][1::2] == ["played back"] * 2 + ["three", "four"]

    # A recorded model that no longer resolves is a clear error naming the agent.
    meta = info.path / "meta.json"
    data = json.loads(meta.read_text())
    data["agents"]["agent"]["model"] = "nosuchprovider.model"
    meta.write_text(json.dumps(data))
    broken = run_cli("go", "--resume", "-m", "five", "-q")
    assert broken.returncode == 1
    assert broken.stderr.startswith("error: agent 'agent': the resumed session's model: ")
    assert "hint: pass --model (or RunOptions.model)" in broken.stderr
    assert _store(project).load(info.id)[1]["agent"][-1].text == "four"  # nothing lost


def test_sessions_list_show_export_delete(run_cli: CliRunner, project: Path) -> None:
    assert run_cli("sessions", "list").stdout.startswith("no sessions in ")
    run_cli("go", "--model", "passthrough", "-m", "hello there", "-q")
    [info] = _store(project).sessions()

    listed = run_cli("sessions", "list")
    assert listed.returncode == 0
    assert listed.stdout.startswith(info.id)
    assert "2 msgs  agent [passthrough]  hello there" in listed.stdout

    shown = run_cli("sessions", "show")
    assert shown.returncode == 0, shown.stderr
    assert f"session {info.id}" in shown.stdout
    assert "== agent [passthrough]\nuser: hello there\nassistant: hello there\n" in shown.stdout

    out = project / "out.json"
    exported = run_cli("sessions", "export", info.id, str(out))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(out.read_text())
    assert [m["role"] for m in document["messages"]] == ["user", "assistant"]

    nested = project / "new" / "dir" / "x.json"
    into_new = run_cli("sessions", "export", info.id, str(nested))
    assert into_new.returncode == 0, into_new.stderr
    assert into_new.stdout.splitlines()[0] == f"created folder {nested.parent}"
    assert [m.text for m in load_history(nested)] == ["hello there", "hello there"]
    assert not exported.stdout.startswith("created folder")  # existing folder: nothing said

    missing = run_cli("sessions", "show", "nope")
    assert missing.returncode == 1
    assert missing.stderr.startswith("error: no session 'nope' in ")
    assert "hint: `fastagent sessions list` shows the sessions" in missing.stderr

    deleted = run_cli("sessions", "delete", info.id)
    assert (deleted.returncode, deleted.stdout) == (0, f"deleted session {info.id}\n")
    assert _store(project).sessions() == []


def test_sessions_can_be_turned_off(run_cli: CliRunner, project: Path) -> None:
    (project / "fastagent.yaml").write_text("sessions:\n  enabled: false\n", encoding="utf-8")
    result = run_cli("go", "--model", "passthrough", "-m", "hi", "-q")
    assert result.returncode == 0
    assert not (project / ".fastagent").exists()


def test_a_second_process_on_one_session_gets_a_clear_error(
    run_cli: CliRunner, project: Path, tmp_path: Path
) -> None:
    run_cli("go", "--model", "passthrough", "-m", "hello", "-q")
    [info] = _store(project).sessions()
    history = info.path / "history.jsonl"
    before = history.read_bytes()
    with subprocess.Popen(
        [sys.executable, "-m", "fastagent", "go", "--model", "passthrough", "--resume", "-q"],
        cwd=project,
        env=clean_env(tmp_path),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as chat:
        assert chat.stdin is not None and chat.stdout is not None
        chat.stdin.write("while open\n")
        chat.stdin.flush()
        assert chat.stdout.readline() == "while open\n"  # the chat holds the session now
        second = run_cli("go", "--model", "passthrough", "--resume", info.id, "-m", "x")
        assert second.returncode == 1
        assert second.stderr.startswith(
            f"error: session {info.id} is in use by another fastagent process (pid {chat.pid})"
        ), second.stderr
        assert "hint: end that process first" in second.stderr
        chat.stdin.close()
        assert chat.wait(timeout=60) == 0
    after = history.read_bytes()
    assert after.startswith(before) and after.count(b"\n") == 2


def test_a_run_that_fails_before_its_first_turn_leaves_no_session(
    run_cli: CliRunner, project: Path
) -> None:
    """A failed run must not become "the last session", or --resume loses the conversation."""
    from process_helpers import free_port

    first = run_cli("go", "--model", "passthrough", "-m", "plan a trip", "-q")
    assert first.returncode == 0, first.stderr
    [kept] = _store(project).sessions()

    (project / "fastagent.yaml").write_text(
        f"providers:\n  ollama:\n    base_url: http://127.0.0.1:{free_port()}/v1\n"
        "    max_retries: 0\n",
        encoding="utf-8",
    )
    failed = run_cli("go", "--model", "ollama.llama3.2", "-m", "oops")
    assert failed.returncode == 1
    assert failed.stderr.startswith("error: could not reach ollama"), failed.stderr
    assert [info.id for info in _store(project).sessions()] == [kept.id]
    assert run_cli("sessions", "list").stdout.count("\n") == 1

    resumed = run_cli("go", "--model", "passthrough", "--resume", "-m", "add a budget", "-q")
    assert resumed.returncode == 0, resumed.stderr
    _, histories = _store(project).load(kept.id)
    assert [m.text for m in histories["agent"]] == [
        "plan a trip",
        "plan a trip",
        "add a budget",
        "add a budget",
    ]
