"""Answering a server's ``elicitation/create`` (form mode) by asking the user.

A server may ask the user for a few values described by a flat JSON schema (strings with an
optional format, numbers, integers, booleans, single and multiple choice). An `Elicitor`
collects them; `TerminalElicitor` asks field by field on a terminal, validating each answer,
and reads from injectable streams so it is testable.

Policy lives in `elicitation_callback`, from the server's ``elicitation.mode``: ``decline``
always declines, ``prompt`` always asks, and ``auto`` asks when the elicitor is interactive
(a terminal is attached) and otherwise declines, logging
"declined elicitation from server X (non-interactive)". Whoever answered, an accepted form
gets the schema's defaults for the fields it left out (SEP-1034).

URL mode (the server asks the user to visit a URL, e.g. to sign in to a third party) goes to
the elicitor's ``elicit_url`` when it has one (`TerminalElicitor` shows the URL and opens it
in a browser if the user agrees); an elicitor without it declines.
"""

from __future__ import annotations

import contextlib
import math
import re
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import IO, TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable
from urllib.parse import urlparse

from fastagent.logging import get_logger

if TYPE_CHECKING:
    import mcp_types
    from mcp.client.session import ClientRequestContext, ElicitationFnT

    from fastagent.config.mcp_settings import ElicitationSettings
    from fastagent.events import EventBus

__all__ = [
    "ElicitationAnswer",
    "Elicitor",
    "TerminalElicitor",
    "UrlElicitor",
    "apply_defaults",
    "elicitation_callback",
    "parse_field",
]

_log = get_logger("mcp.elicitation")

Action = Literal["accept", "decline", "cancel"]
FieldValue = str | int | float | bool | list[str] | None

_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_TRUE = frozenset({"y", "yes", "true", "1"})
_FALSE = frozenset({"n", "no", "false", "0"})
_DECLINE = "/decline"
_CANCEL = "/cancel"


@dataclass(frozen=True, slots=True)
class ElicitationAnswer:
    """The user's answer to an elicitation.

    Attributes:
        action: ``accept`` (values given), ``decline`` (refused) or ``cancel`` (dismissed).
        content: The values by field name, when accepted.
    """

    action: Action
    content: dict[str, FieldValue] | None = None


@runtime_checkable
class Elicitor(Protocol):
    """Asks the user for the values a server requests."""

    @property
    def interactive(self) -> bool:
        """Whether a user can answer now (``auto`` mode declines when not)."""
        ...

    async def elicit(
        self, server_name: str, message: str, schema: Mapping[str, Any]
    ) -> ElicitationAnswer:
        """Ask for the fields of `schema`, introduced by the server's `message`."""
        ...


@runtime_checkable
class UrlElicitor(Protocol):
    """An `Elicitor` that also handles URL-mode requests."""

    async def elicit_url(self, server_name: str, message: str, url: str) -> ElicitationAnswer:
        """Show `url` (and the server's `message`), open it if the user agrees.

        Returns:
            ``accept`` when the user agreed to visit it, ``decline`` when refused,
            ``cancel`` when dismissed.
        """
        ...


def apply_defaults(
    schema: Mapping[str, Any], content: Mapping[str, FieldValue] | None
) -> dict[str, FieldValue]:
    """`content` with each field it leaves out set to the schema's default, when there is one."""
    filled: dict[str, FieldValue] = dict(content or {})
    properties = schema.get("properties")
    if isinstance(properties, Mapping):
        for name, spec in properties.items():
            if name not in filled and isinstance(spec, Mapping) and "default" in spec:
                filled[name] = _as_field_value(spec["default"])
    return filled


class _Stop(Exception):
    """The user typed /decline or /cancel, or the input ended."""

    def __init__(self, action: Action) -> None:
        super().__init__(action)
        self.action = action


class TerminalElicitor:
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
        events: Where `PromptOpened` / `PromptClosed` announce each question, so a live
            progress display pauses while it is on screen.
    """

    def __init__(
        self,
        input: IO[str] | None = None,
        output: IO[str] | None = None,
        *,
        interactive: bool | None = None,
        events: EventBus | None = None,
    ) -> None:
        self._input = input
        self._output = output
        self._interactive = interactive
        self._events = events
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def _on_screen(self, server_name: str) -> Iterator[None]:
        """Hold the lock and announce the question for its whole time on screen."""
        from fastagent.events import PromptClosed, PromptOpened

        with self._lock:
            if self._events is not None:
                self._events.publish(PromptOpened(source=server_name))
            try:
                yield
            finally:
                if self._events is not None:
                    self._events.publish(PromptClosed(source=server_name))

    @property
    def interactive(self) -> bool:
        """Whether a user can answer: the override, else whether the input is a TTY."""
        if self._interactive is not None:
            return self._interactive
        stream = self._input or sys.stdin
        try:
            return stream.isatty()
        except (AttributeError, ValueError):
            return False

    async def elicit(
        self, server_name: str, message: str, schema: Mapping[str, Any]
    ) -> ElicitationAnswer:
        """Ask for every field of `schema` (see the class docs)."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.ask, server_name, message, schema)

    async def elicit_url(self, server_name: str, message: str, url: str) -> ElicitationAnswer:
        """Show the URL and ask whether to open it in a browser (see `UrlElicitor`)."""
        import anyio.to_thread

        return await anyio.to_thread.run_sync(self.ask_url, server_name, message, url)

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

    def _write(self, text: str) -> None:
        stream = self._output or sys.stdout
        stream.write(text)
        stream.flush()

    def _readline(self) -> str:
        line = (self._input or sys.stdin).readline()
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
                    return _as_field_value(default)
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


def _as_field_value(value: Any) -> FieldValue:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, str | int | float | bool):
        return value
    return str(value)


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


def elicitation_callback(
    server_name: str, settings: ElicitationSettings, elicitor: Elicitor | None
) -> ElicitationFnT:
    """The SDK elicitation callback for one server, applying its ``elicitation.mode``.

    Args:
        server_name: The server's configured name.
        settings: Its ``elicitation`` settings.
        elicitor: Who asks the user; None declines every request.
    """

    async def on_elicit(
        context: ClientRequestContext, params: mcp_types.ElicitRequestParams
    ) -> mcp_types.ElicitResult | mcp_types.ErrorData:
        import mcp_types

        def decline(why: str) -> mcp_types.ElicitResult:
            _log.warning("declined elicitation from server %s (%s)", server_name, why)
            return mcp_types.ElicitResult(action="decline")

        if settings.mode == "decline":
            return decline("elicitation.mode is decline")
        if elicitor is None or (settings.mode == "auto" and not elicitor.interactive):
            return decline("non-interactive")
        if isinstance(params, mcp_types.ElicitRequestURLParams):
            if not isinstance(elicitor, UrlElicitor):
                return decline("the elicitor cannot show a URL")
            try:
                answer = await elicitor.elicit_url(server_name, params.message, params.url)
            except Exception:
                _log.exception("URL elicitation from server %s failed; cancelled", server_name)
                return mcp_types.ElicitResult(action="cancel")
            _log.info("URL elicitation from server %s: %s", server_name, answer.action)
            return mcp_types.ElicitResult(action=answer.action)
        try:
            answer = await elicitor.elicit(server_name, params.message, params.requested_schema)
        except Exception:
            _log.exception("elicitation from server %s failed; cancelled", server_name)
            return mcp_types.ElicitResult(action="cancel")
        if answer.action != "accept":
            return mcp_types.ElicitResult(action=answer.action)
        content = apply_defaults(params.requested_schema, answer.content)
        return mcp_types.ElicitResult(action="accept", content=content)

    return on_elicit
