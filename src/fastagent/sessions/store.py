"""`SessionStore` (find, list, load, delete sessions) and `SessionWriter` (append turns).

Layout of one session, ``<directory>/<id>/``:

- ``history.jsonl``: one JSON object per line, each a completed turn of one agent,
  ``{"agent": NAME, "messages": [...]}``, or ``{"agent": NAME, "clear": true}`` when that
  agent's conversation was cleared. A turn is one ``write`` of one line followed by
  ``fsync``, so appending costs the size of the turn, not of the session. A line without its
  final newline (a process killed mid-write) is ignored when loading, and cut off before the
  next append.
- ``meta.json``: `SessionInfo` as JSON, replaced atomically after every turn.
- ``lock``: held (``flock``) by the one process writing the session; it holds that
  process's id. The lock goes away with the process, however it ends.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from fastagent.exceptions import UserError
from fastagent.history.atomic import write_atomic
from fastagent.messages import Message, Usage

__all__ = [
    "SESSION_VERSION",
    "AgentSummary",
    "SessionError",
    "SessionInfo",
    "SessionLockedError",
    "SessionStore",
    "SessionWriter",
    "read_histories",
    "sessions_directory",
]

SESSION_VERSION: Final = 1
"""The version of the session format, stored in ``meta.json``."""

_HISTORY: Final = "history.jsonl"
_META: Final = "meta.json"
_LOCK: Final = "lock"
_TITLE_LIMIT: Final = 60


class SessionError(UserError):
    """A session cannot be found, read or written (names the session and its folder)."""


class SessionLockedError(SessionError):
    """Another process is writing the session (its lock is held)."""


@dataclass(slots=True)
class AgentSummary:
    """What the metadata says about one agent of a session.

    Attributes:
        model: The model string the agent ran with.
        messages: How many messages its history holds.
        usage: Tokens and model calls it spent in this session.
        cost: US dollars, or None when the model has no known price.
    """

    model: str | None = None
    messages: int = 0
    usage: Usage = field(default_factory=Usage)
    cost: float | None = None

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "model": self.model,
            "messages": self.messages,
            "usage": self.usage.model_dump(mode="json", exclude_defaults=True),
            "cost": self.cost,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AgentSummary:
        """Read what `to_dict` wrote."""
        return cls(
            model=data.get("model"),
            messages=int(data.get("messages", 0)),
            usage=Usage.model_validate(data.get("usage") or {}),
            cost=data.get("cost"),
        )


@dataclass(slots=True)
class SessionInfo:
    """The metadata of a session (``meta.json``).

    Attributes:
        id: The session's id (its folder name).
        created: When it was created (UTC).
        updated: When a turn was last saved (UTC).
        title: The start of the first user message.
        agents: Per agent: model, message count, usage and cost.
        path: The session's folder.
    """

    id: str
    created: datetime
    updated: datetime
    title: str = ""
    agents: dict[str, AgentSummary] = field(default_factory=dict)
    path: Path = field(default=Path())

    @property
    def messages(self) -> int:
        """Messages over all agents."""
        return sum(a.messages for a in self.agents.values())

    @property
    def usage(self) -> Usage:
        """Usage summed over all agents."""
        total = Usage()
        for agent in self.agents.values():
            total = total + agent.usage
        return total

    @property
    def cost(self) -> float | None:
        """Cost summed over the agents with a known price (None when none has one)."""
        known = [a.cost for a in self.agents.values() if a.cost is not None]
        return sum(known) if known else None

    def to_dict(self) -> dict[str, Any]:
        """As JSON-ready data."""
        return {
            "fastagent_session": SESSION_VERSION,
            "id": self.id,
            "created": self.created.isoformat(),
            "updated": self.updated.isoformat(),
            "title": self.title,
            "agents": {name: a.to_dict() for name, a in self.agents.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], path: Path) -> SessionInfo:
        """Read what `to_dict` wrote."""
        return cls(
            id=str(data["id"]),
            created=datetime.fromisoformat(data["created"]),
            updated=datetime.fromisoformat(data["updated"]),
            title=str(data.get("title") or ""),
            agents={
                str(n): AgentSummary.from_dict(a) for n, a in (data.get("agents") or {}).items()
            },
            path=path,
        )


def sessions_directory(directory: str | Path, config_file: str | Path | None = None) -> Path:
    """Where sessions live: `directory`, relative to the config file's folder (or cwd)."""
    path = Path(directory).expanduser()
    if path.is_absolute():
        return path
    base = Path(config_file).parent if config_file is not None else Path.cwd()
    return base / path


class SessionStore:
    """The sessions under one directory.

    Args:
        directory: Where session folders live (created on first write).
    """

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    def new_id(self) -> str:
        """A fresh, time-sortable id such as ``20261130-114312-3fa9``."""
        stamp = time.strftime("%Y%m%d-%H%M%S", time.gmtime())
        while True:
            candidate = f"{stamp}-{secrets.token_hex(2)}"
            if not (self.directory / candidate).exists():
                return candidate

    def sessions(self) -> list[SessionInfo]:
        """Every readable session, the most recently updated first."""
        found: list[SessionInfo] = []
        if not self.directory.is_dir():
            return found
        for child in self.directory.iterdir():
            if child.is_dir() and (child / _META).is_file():
                with contextlib.suppress(SessionError):
                    found.append(self._read_info(child))
        found.sort(key=lambda info: (info.updated, info.id), reverse=True)
        return found

    def resolve(self, session_id: str | None = None) -> SessionInfo:
        """The session `session_id` (or a unique prefix of it); the last one when None.

        Raises:
            SessionError: No session has that id (or the prefix is ambiguous), or there
                are no sessions at all.
        """
        if session_id is None or session_id == "last":
            sessions = self.sessions()
            if not sessions:
                raise SessionError(
                    f"no sessions in {self.directory}",
                    hint="chats and `fastagent go` runs are saved there as they happen",
                )
            return sessions[0]
        folder = self.directory / session_id
        if session_id and "/" not in session_id and (folder / _META).is_file():
            return self._read_info(folder)
        matches = [s for s in self.sessions() if s.id.startswith(session_id)]
        if len(matches) == 1:
            return matches[0]
        if matches:
            ids = ", ".join(s.id for s in matches[:5])
            raise SessionError(
                f"session id '{session_id}' is ambiguous ({ids})", hint="give more of the id"
            )
        raise SessionError(
            f"no session '{session_id}' in {self.directory}",
            hint="`fastagent sessions list` shows the sessions",
        )

    def load(self, session_id: str | None = None) -> tuple[SessionInfo, dict[str, list[Message]]]:
        """The metadata and each agent's history of a session (the last one when None).

        Raises:
            SessionError: As for `resolve`, or the history file cannot be read.
        """
        info = self.resolve(session_id)
        return info, read_histories(info.path / _HISTORY)

    def delete(self, session_id: str) -> SessionInfo:
        """Delete a session's folder; returns what it was.

        Raises:
            SessionError: As for `resolve`.
            SessionLockedError: A process is writing it.
        """
        info = self.resolve(session_id)
        lock = _Lock(info.path / _LOCK, info.id)
        lock.acquire()
        try:
            shutil.rmtree(info.path)
        finally:
            lock.release()
        return info

    def create(self, *, session_id: str | None = None) -> SessionWriter:
        """Start a new session and open it for writing.

        Raises:
            SessionError: The directory cannot be created.
        """
        identifier = session_id or self.new_id()
        folder = self.directory / identifier
        try:
            folder.mkdir(parents=True, exist_ok=False)
        except OSError as exc:
            raise SessionError(
                f"cannot create session folder {folder}: {exc.strerror or exc}",
                hint="set sessions.directory to a writable folder, or sessions.enabled: false",
            ) from exc
        now = datetime.now(UTC)
        return SessionWriter._open(SessionInfo(identifier, now, now, path=folder))

    def open(self, session_id: str | None = None) -> tuple[SessionWriter, dict[str, list[Message]]]:
        """Open an existing session (the last one when None) to append to it.

        Returns:
            The writer, and each agent's history so far.

        Raises:
            SessionError: As for `resolve`.
            SessionLockedError: Another process is writing it.
        """
        info = self.resolve(session_id)
        writer = SessionWriter._open(info)
        try:
            histories = read_histories(info.path / _HISTORY)
        except BaseException:
            writer.close()
            raise
        return writer, histories

    def _read_info(self, folder: Path) -> SessionInfo:
        path = folder / _META
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return SessionInfo.from_dict(data, folder)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise SessionError(
                f"cannot read session metadata {path}: {exc}",
                hint="delete the folder if the session is not needed",
            ) from exc


class SessionWriter:
    """A session open for writing: it holds the session's lock until `close`.

    Use `SessionStore.create` or `SessionStore.open` to get one.
    """

    def __init__(self, info: SessionInfo, lock: _Lock, fd: int) -> None:
        self.info = info
        self._lock = lock
        self._fd: int | None = fd

    @classmethod
    def _open(cls, info: SessionInfo) -> SessionWriter:
        lock = _Lock(info.path / _LOCK, info.id)
        lock.acquire()
        try:
            history = info.path / _HISTORY
            fd = os.open(history, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o600)
            _cut_torn_tail(fd)
        except OSError as exc:
            lock.release()
            raise SessionError(
                f"cannot open session {info.id} ({info.path}): {exc.strerror or exc}",
                hint="check the folder's permissions",
            ) from exc
        writer = cls(info, lock, fd)
        if not (info.path / _META).exists():
            writer.save_info()
        return writer

    @property
    def id(self) -> str:
        """The session's id."""
        return self.info.id

    @property
    def closed(self) -> bool:
        """Whether `close` was called."""
        return self._fd is None

    def append(self, agent: str, messages: Iterable[Message]) -> None:
        """Append one completed turn of `agent`: one line, written and fsynced at once.

        Raises:
            SessionError: The session is closed or the write failed.
        """
        batch = list(messages)
        if not batch:
            return
        line = json.dumps(
            {"agent": agent, "messages": [m.to_dict() for m in batch]},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        self._write_line(line)
        summary = self.info.agents.setdefault(agent, AgentSummary())
        summary.messages += len(batch)
        if not self.info.title:
            self.info.title = _title(batch)

    def append_pin(self, agent: str, message: Message) -> None:
        """Record that `message` of `agent`'s history was pinned (or unpinned).

        Loading sets the flag on the last earlier message equal to it.
        """
        line = json.dumps(
            {"agent": agent, "pin": message.pinned, "message": _unpinned(message)},
            ensure_ascii=False,
            separators=(",", ":"),
        )
        self._write_line(line)

    def append_clear(self, agent: str) -> None:
        """Record that `agent`'s conversation was cleared (its earlier turns stay on disk)."""
        self._write_line(json.dumps({"agent": agent, "clear": True}))
        summary = self.info.agents.setdefault(agent, AgentSummary())
        summary.messages = 0

    def save_info(self) -> None:
        """Write ``meta.json`` (atomically), with `updated` set to now."""
        self.info.updated = datetime.now(UTC)
        text = json.dumps(self.info.to_dict(), ensure_ascii=False, indent=2) + "\n"
        try:
            write_atomic(self.info.path / _META, [text])
        except OSError as exc:
            raise SessionError(
                f"cannot write session metadata {self.info.path / _META}: {exc.strerror or exc}",
                hint="check free disk space and the folder's permissions",
            ) from exc

    def close(self) -> None:
        """Close the history file and release the lock (idempotent)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            os.close(fd)
        finally:
            self._lock.release()

    def _write_line(self, line: str) -> None:
        fd = self._fd
        if fd is None:
            raise SessionError(f"session {self.info.id} is closed", hint="open it again")
        data = (line + "\n").encode("utf-8")
        try:
            written = 0
            while written < len(data):
                written += os.write(fd, data[written:])
            os.fsync(fd)
        except OSError as exc:
            raise SessionError(
                f"cannot append to session {self.info.id}: {exc.strerror or exc}",
                hint="check free disk space; the conversation in memory is intact",
            ) from exc

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_histories(path: Path) -> dict[str, list[Message]]:
    """Each agent's history from a ``history.jsonl`` (a torn last line is ignored).

    Raises:
        SessionError: The file cannot be read, or a complete line is not a valid turn.
    """
    histories: dict[str, list[Message]] = {}
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return histories
    except OSError as exc:
        raise SessionError(f"cannot read {path}: {exc.strerror or exc}") from exc
    for number, raw in enumerate(_complete_lines(data), start=1):
        if not raw.strip():
            continue
        try:
            record = json.loads(raw)
            agent = str(record["agent"])
            if record.get("clear"):
                histories[agent] = []
                continue
            if "pin" in record:
                _apply_pin(histories.get(agent, []), record["message"], bool(record["pin"]))
                continue
            messages = [Message.from_dict(m) for m in record["messages"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise SessionError(
                f"{path}:{number}: not a valid session turn ({type(exc).__name__})",
                hint="the lines before it load; remove that line to keep the rest",
            ) from exc
        histories.setdefault(agent, []).extend(messages)
    return histories


def _unpinned(message: Message) -> dict[str, Any]:
    data = message.to_dict()
    data.pop("pinned", None)
    return data


def _apply_pin(history: list[Message], wanted: dict[str, Any], pinned: bool) -> None:
    for message in reversed(history):
        if _unpinned(message) == wanted:
            message.pinned = pinned
            return


def _complete_lines(data: bytes) -> Iterator[bytes]:
    end = data.rfind(b"\n")
    if end < 0:
        return
    yield from data[:end].split(b"\n")


def _cut_torn_tail(fd: int) -> None:
    """Cut a last line that has no newline (a write killed half-way)."""
    size = os.lseek(fd, 0, os.SEEK_END)
    if size == 0:
        return
    chunk = 65536
    position = size
    while position > 0:
        start = max(0, position - chunk)
        block = os.pread(fd, position - start, start)
        if position == size and block.endswith(b"\n"):
            return
        newline = block.rfind(b"\n")
        if newline >= 0:
            os.ftruncate(fd, start + newline + 1)
            return
        position = start
    os.ftruncate(fd, 0)


def _title(messages: Iterable[Message]) -> str:
    for message in messages:
        if message.role == "user":
            text = " ".join(message.text.split())
            if text:
                return text if len(text) <= _TITLE_LIMIT else text[: _TITLE_LIMIT - 1] + "…"
    return ""


_USE_FLOCK: bool = True
"""Lock with ``flock`` where `fcntl` exists; False (or no `fcntl`): an ``O_EXCL`` lock file."""

_STALE_EMPTY = 5.0
"""Seconds after which an exclusive lock file still holding no pid counts as stale."""


class _Lock:
    """An exclusive lock on a session, not waiting: a held lock is `SessionLockedError`.

    Where `fcntl` exists it is an ``flock`` on the file (it dies with its process). Elsewhere
    the file is created with ``O_EXCL`` and holds the writer's pid; a lock whose process is
    gone is stale and taken over.
    """

    def __init__(self, path: Path, session_id: str) -> None:
        self.path = path
        self.session_id = session_id
        self._fd: int | None = None
        self._exclusive = False

    def acquire(self) -> None:
        try:
            import fcntl
        except ImportError:  # not POSIX
            fcntl = None  # type: ignore[assignment]
        if fcntl is None or not _USE_FLOCK:
            self._acquire_exclusive()
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise self._cannot_open(exc) from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode("ascii", "replace").strip()
            os.close(fd)
            raise self._locked(holder) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode("ascii"), 0)
        self._fd = fd

    def _acquire_exclusive(self) -> None:
        for _attempt in range(3):
            try:
                fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                holder = self._holder()
                if holder is None:  # stale: its process is gone
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(self.path)
                    continue
                raise self._locked(holder, stale_hint=True) from None
            except OSError as exc:
                raise self._cannot_open(exc) from exc
            os.write(fd, str(os.getpid()).encode("ascii"))
            self._fd, self._exclusive = fd, True
            return
        raise self._locked("")

    def _holder(self) -> str | None:
        """The pid holding the lock file, or None when the lock is stale."""
        try:
            text = self.path.read_text("ascii", "replace").strip()
            age = time.time() - self.path.stat().st_mtime
        except FileNotFoundError:
            return None  # released meanwhile
        except OSError:
            return ""
        if not text.isdigit():
            return None if age > _STALE_EMPTY else ""  # still being written, or junk
        return text if _pid_alive(int(text)) else None

    def _locked(self, holder: str, *, stale_hint: bool = False) -> SessionLockedError:
        who = f" (pid {holder})" if holder.isdigit() else ""
        hint = "end that process first, or start a new session (no --resume)"
        if stale_hint and who:
            hint += f"; if no fastagent process has pid {holder}, delete {self.path}"
        return SessionLockedError(
            f"session {self.session_id} is in use by another fastagent process{who}", hint=hint
        )

    def _cannot_open(self, exc: OSError) -> SessionError:
        return SessionError(
            f"cannot open the lock of session {self.session_id} ({self.path}): "
            f"{exc.strerror or exc}",
            hint="check the folder's permissions",
        )

    def release(self) -> None:
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if self._exclusive:
            os.close(fd)
            with contextlib.suppress(OSError):
                os.unlink(self.path)
            return
        with contextlib.suppress(OSError):
            os.ftruncate(fd, 0)
        os.close(fd)  # closing the descriptor releases the flock


def _pid_alive(pid: int) -> bool:
    """Whether a process `pid` exists (never signals it)."""
    if pid <= 0:
        return False
    if os.name == "nt":  # os.kill would terminate it there
        import ctypes

        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return bool(kernel32.GetLastError() == 5)  # access denied: it exists
        try:
            code = ctypes.c_ulong()
            kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
            return code.value == 259  # STILL_ACTIVE
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
