import os
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from fastagent.history.atomic import write_atomic


def test_writes_chunks_as_utf8(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, iter(["héllo ", "wörld\r\n", "€"]))
    assert target.read_bytes() == "héllo wörld\r\n€".encode()


def test_creates_missing_parent_directories(tmp_path: Path) -> None:
    target = tmp_path / "a" / "b" / "out.json"
    write_atomic(str(target), ["{}"])
    assert target.read_text() == "{}"


def test_failure_midway_keeps_old_file_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old contents")
    written: list[str] = []

    def chunks() -> Iterator[str]:
        for part in ["new ", "partial ", "data"]:
            written.append(part)
            yield part * 10_000
            if len(written) == 2:
                raise RuntimeError("serializer broke")

    with pytest.raises(RuntimeError, match="serializer broke"):
        write_atomic(target, chunks())
    assert written == ["new ", "partial "]
    assert target.read_text() == "old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.txt"]


def test_unencodable_text_keeps_old_file(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(UnicodeEncodeError):
        write_atomic(target, ["fine", "\ud800"])
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out.txt"]


def test_replacing_keeps_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    os.chmod(target, 0o640)
    write_atomic(target, ["new"])
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640


def test_new_file_gets_umask_permissions(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    write_atomic(target, ["new"])
    reference = tmp_path / "plain.txt"
    reference.write_text("x")
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)
