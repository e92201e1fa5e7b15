"""Saved conversations: every agent's history and the run's metadata, in a folder per session.

A session is a folder ``<directory>/<id>/`` (``.fastagent/sessions`` by default) holding
``meta.json`` (id, times, title, agents, models, usage, cost; replaced atomically) and
``history.jsonl`` (one line per completed turn of one agent, appended and fsynced; a torn
last line left by a crash is ignored). A session open for writing holds ``lock``; another
process gets `SessionLockedError`. See docs/sessions.md.
"""

from __future__ import annotations

from fastagent.sessions.store import (
    SESSION_VERSION,
    AgentSummary,
    SessionError,
    SessionInfo,
    SessionLockedError,
    SessionStore,
    SessionWriter,
    read_histories,
    sessions_directory,
)

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
