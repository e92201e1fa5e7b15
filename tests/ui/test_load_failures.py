"""``/load`` of a bad file: one error line (and a hint), the conversation stays as it was."""

from __future__ import annotations

from pathlib import Path

import pytest

from fastagent.ui.chat import chat_loop

from .conftest import echo, reader

ALIAS_BOMB = (
    "fastagent_history: 2\n"
    + "".join(
        f"l{level}: &l{level} [{', '.join([f'*l{level - 1}' if level else 'lol'] * 9)}]\n"
        for level in range(9)
    )
    + "messages:\n- role: user\n  content: *l8\n"
)

BAD_FILES: dict[str, bytes] = {
    "bomb.yaml": ALIAS_BOMB.encode(),
    "deep.json": b"[" * 3000 + b"]" * 3000,
    "deep.yaml": b"[" * 50_000 + b"]" * 50_000,
    "latin1.json": '{"fastagent_history": 2, "messages": ["é"]}'.encode("latin-1"),
    "garbage.json": bytes(range(256)) * 4,
    "garbage.md": b"\x00\x01---USER\r\n\x1b[31m" * 50,
    "not-history.json": b'{"hello": "world"}',
    "python-tag.yaml": b"!!python/object/apply:os.system ['echo pwned']\n",
    "unhashable.yaml": b"fastagent_history: 2\n? [a, b]\n: 1\nmessages: []\n",
    "wrong-types.yaml": b"fastagent_history: 2\nmessages:\n- role: user\n  content: 2026-01-01\n",
    "future.json": b'{"fastagent_history": 99, "messages": []}',
    "unknown.txt.gz": b"\x1f\x8b",
    "empty.json": b"",
    "missing.json": b"",
    "directory.json": b"",
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
async def test_load_failure_is_one_line_and_keeps_the_conversation(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    if name == "directory.json":
        path.mkdir()
    elif name != "missing.json":
        path.write_bytes(BAD_FILES[name])
    agent = echo()
    await agent.send("keep me")
    before = list(agent.history)
    read = reader([f"/load {path}", "still here?"])
    errors: list[str] = []
    written: list[str] = []
    await chat_loop(agent, read=read, write=written.append, error=errors.append)
    assert len(errors) == 1, errors
    first, *rest = errors[0].split("\n")
    assert first.startswith("error: ") and str(path) in first, first
    assert [line[:6] for line in rest] in ([], ["hint: "])
    assert "Traceback" not in errors[0]
    # The failed /load changed nothing; the next turn continues the old conversation.
    assert agent.history[: len(before)] == before
    assert [(m.role, m.text) for m in agent.history[len(before) :]] == [
        ("user", "still here?"),
        ("assistant", "still here?"),
    ]
    assert written[-1] == "still here?"
