"""Starter project files written by ``fastagent setup`` (package data, read as text)."""

from __future__ import annotations

__all__: list[str] = []
