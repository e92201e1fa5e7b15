"""`TerminalElicitor`: asking the user, on a terminal, for the values an MCP server requests.

It answers field by field, validating each answer against the field's schema (`parse_field`),
and reads from injectable streams so it is testable. The face injects it into a run
(`RunOptions.elicitor`); `fastagent.mcp.elicitation` applies each server's policy.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterator, Mapping, Sequence
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import urlparse

from fastagent.mcp.elicitation import Action, ElicitationAnswer, FieldValue, as_field_value
from fastagent.ui._asker import TerminalAsker

if TYPE_CHECKING:
    from fastagent.events import EventBus

__all__ = ["TerminalElicitor", "parse_field"]

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TRUE = frozenset({"y", "yes", "true", "1"})
_FALSE = frozenset({"n", "no", "false", "0"})
_DECLINE = "/decline"
_CANCEL = "/cancel"


class _Stop(Exception):
    """The user typed /decline or /cancel, or the input ended."""

    def __init__(self, action: Action) -> None:
        super().__init__(action)
        self.action = action


class TerminalElicitor(TerminalAsker):
    """An `Elicitor` asking on a terminal, one line per field.

    An empty answer takes the field's default (shown in brackets), or skips an optional
    field; an invalid answer is explained and asked again. ``/decline`` or ``/cancel``
    stops at any field, and the end of input cancels. Requests from several servers are
    asked one at a time.

    Args:
        input: Where answers are read (default ``sys.stdin``).
        output: Where questions are written (default ``sys.stdout``).
        interactive: Overrides whether a user can answer; by default, whether `input` is a
            terminal.
        events: Where `UserInputRequested` / `UserInputFinished` announce each question, so
            a live progress display pauses while it is on screen; by default the events of
            the `Runtime` the request arrives in.
    """

    writes_to_stdout = True

    def __init__(
        self,
        input: IO[str] | None = None,
        output: IO[str] | None = None,
        *,
        interactive: bool | None = None,
        events: EventBus | None = None,
    ) -> None:
        super().__init__(input, output, interactive=interactive)
        self._events = events

    def _bus(self) -> EventBus | None:
        """The given event bus, else the current runtime's (None outside a run)."""
        if self._events is not None:
            return self._events
        from fastagent.runtime import _CURRENT

        runtime = _CURRENT.get()
        return runtime.events if runtime is not None else None

    @contextlib.contextmanager
    def _on_screen(self, server_name: str) -> Iterator[None]:
        """Hold the lock and announce the question for its whole time on screen."""
        from fastagent.events import UserInputFinished, UserInputRequested

        bus = self._bus()  # worker threads run in a copy of the caller's context
        with self._lock:
            if bus is not None:
                bus.publish(UserInputRequested(kind="elicitation", server=server_name))
            try:
                yield
            finally:
                if bus is not None:
                    bus.publish(UserInputFinished(kind="elicitation", server=server_name))

    async def elicit(
        self, server_name: str, message: str, schema: Mapping[str, Any]
    ) -> ElicitationAnswer:
        """Ask for every field of `schema` (see the class docs)."""
        return await self._off_loop(self.ask, server_name, message, schema)

    def ask(self, server_name: str, message: str, schema: Mapping[str, Any]) -> ElicitationAnswer:
        """The blocking form of `elicit`."""
        with self._on_screen(server_name):
            properties: Mapping[str, Any] = schema.get("properties") or {}
            required = set(schema.get("required") or ())
            self._write(f"\nServer '{server_name}' asks: {message}\n")
            self._write(
                "(Enter takes the [default]; type /decline or /cancel to stop; * = required)\n"
            )
            content: dict[str, FieldValue] = {}
            try:
                for name, spec in properties.items():
                    value = self._ask_field(name, spec, required=name in required)
                    if value is not None:
                        content[name] = value
            except _Stop as stop:
                return ElicitationAnswer(stop.action)
            return ElicitationAnswer("accept", content)

    async def elicit_url(self, server_name: str, message: str, url: str) -> ElicitationAnswer:
        """Show the URL and ask whether to open it in a browser (see `UrlElicitor`)."""
        return await self._off_loop(self.ask_url, server_name, message, url)

    def ask_url(self, server_name: str, message: str, url: str) -> ElicitationAnswer:
        """The blocking form of `elicit_url`."""
        with self._on_screen(server_name):
            self._write(f"\nServer '{server_name}' asks you to open a page: {message}\n  {url}\n")
            while True:
                self._write("Open it in a browser? [y/n] (/cancel to dismiss): ")
                try:
                    text = self._readline().lower()
                except _Stop as stop:
                    return ElicitationAnswer(stop.action)
                if text in _TRUE:
                    import webbrowser

                    if not webbrowser.open(url):
                        self._write("  no browser could be opened: open the URL above yourself\n")
                    return ElicitationAnswer("accept")
                if text in _FALSE:
                    return ElicitationAnswer("decline")
                self._write("  answer y or n\n")

    def _readline(self) -> str:
        line = self._read_line()
        if not line:
            raise _Stop("cancel")
        text = line.strip()
        if text == _DECLINE:
            raise _Stop("decline")
        if text == _CANCEL:
            raise _Stop("cancel")
        return text

    def _ask_field(self, name: str, spec: Mapping[str, Any], *, required: bool) -> FieldValue:
        label = str(spec.get("title") or name)
        description = spec.get("description")
        choices = _choices(spec)
        if choices:
            listed = "  ".join(f"{i}) {title}" for i, (_, title) in enumerate(choices, 1))
            self._write(f"  {listed}\n")
        default = spec.get("default")
        question = label + (f" ({description})" if description else "")
        question += " *" if required else ""
        question += f" [{_show(default, choices)}]" if default is not None else ""
        while True:
            self._write(f"{question}: ")
            text = self._readline()
            if not text:
                if default is not None:
                    return as_field_value(default)
                if not required:
                    return None
                self._write("  a value is required\n")
                continue
            try:
                return parse_field(text, spec)
            except ValueError as exc:
                self._write(f"  {exc}\n")


def _choices(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """The (value, title) options of a single- or multiple-choice field, else []."""
    source: Mapping[str, Any] = spec.get("items") if spec.get("type") == "array" else spec  # type: ignore[assignment]
    if not isinstance(source, Mapping):
        return []
    if "enum" in source:
        values = [str(v) for v in source["enum"]]
        titles = spec.get("enumNames") or source.get("enumNames") or values
        return list(zip(values, [str(t) for t in titles], strict=False))
    options = source.get("oneOf") or source.get("anyOf")
    if isinstance(options, Sequence):
        return [
            (str(o["const"]), str(o.get("title", o["const"])))
            for o in options
            if isinstance(o, Mapping) and "const" in o
        ]
    return []


def _show(default: Any, choices: list[tuple[str, str]]) -> str:
    titles = dict(choices)
    if isinstance(default, bool):
        return "y" if default else "n"
    if isinstance(default, list):
        return ", ".join(titles.get(str(v), str(v)) for v in default)
    return titles.get(str(default), str(default))


def _pick(text: str, choices: list[tuple[str, str]]) -> str:
    if text.isdigit() and 1 <= int(text) <= len(choices):
        return choices[int(text) - 1][0]
    for value, title in choices:
        if text in (value, title):
            return value
    raise ValueError(f"choose one of: {', '.join(title for _, title in choices)}")


def parse_field(text: str, spec: Mapping[str, Any]) -> FieldValue:
    """Parse and validate one answer against its field's schema.

    Args:
        text: What the user typed (not empty).
        spec: The field's schema (``type``, ``format``, ``enum``, bounds, ...).

    Raises:
        ValueError: The answer does not fit; the message says what would.
    """
    kind = spec.get("type", "string")
    choices = _choices(spec)
    if kind == "array":
        picked = [_pick(part.strip(), choices) for part in text.split(",") if part.strip()]
        low, high = spec.get("minItems"), spec.get("maxItems")
        if low is not None and len(picked) < low:
            raise ValueError(f"choose at least {low} (separate choices with commas)")
        if high is not None and len(picked) > high:
            raise ValueError(f"choose at most {high}")
        return picked
    if choices:
        return _pick(text, choices)
    if kind == "boolean":
        lowered = text.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ValueError("answer y or n")
    if kind in ("integer", "number"):
        return _parse_number(text, spec, integer=kind == "integer")
    return _parse_string(text, spec)


def _parse_number(text: str, spec: Mapping[str, Any], *, integer: bool) -> int | float:
    try:
        number: int | float = int(text) if integer else float(text)
    except ValueError:
        raise ValueError("enter a whole number" if integer else "enter a number") from None
    if not math.isfinite(number):
        raise ValueError("enter a finite number")
    low, high = spec.get("minimum"), spec.get("maximum")
    if low is not None and number < low:
        raise ValueError(f"enter a number of at least {low}")
    if high is not None and number > high:
        raise ValueError(f"enter a number of at most {high}")
    return number


def _parse_string(text: str, spec: Mapping[str, Any]) -> str:
    low, high = spec.get("minLength"), spec.get("maxLength")
    if low is not None and len(text) < low:
        raise ValueError(f"enter at least {low} characters")
    if high is not None and len(text) > high:
        raise ValueError(f"enter at most {high} characters")
    fmt = spec.get("format")
    if fmt == "email" and not _EMAIL.fullmatch(text):
        raise ValueError("enter an email address, like name@example.com")
    if fmt == "uri":
        parts = urlparse(text)
        if not parts.scheme or not (parts.netloc or parts.path):
            raise ValueError("enter a URI, like https://example.com")
    if fmt == "date":
        try:
            date.fromisoformat(text)
        except ValueError:
            raise ValueError("enter a date as YYYY-MM-DD") from None
    if fmt == "date-time":
        try:
            datetime.fromisoformat(text)
        except ValueError:
            raise ValueError("enter a date and time as YYYY-MM-DDTHH:MM:SS") from None
    return text
