"""TerminalElicitor, field parsing and the elicitation policy, without a server."""

from __future__ import annotations

import io
import logging
from typing import Any

import mcp_types
import pytest

from fastagent.config.mcp_settings import ElicitationSettings
from fastagent.mcp.elicitation import ElicitationAnswer, Elicitor, elicitation_callback
from fastagent.ui.elicitation import TerminalElicitor, parse_field

SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Name", "minLength": 2, "maxLength": 5},
        "age": {"type": "integer", "minimum": 0},
        "subscribe": {"type": "boolean", "default": False},
    },
    "required": ["name"],
}


def ask(answers: str, schema: dict[str, Any] = SCHEMA) -> tuple[ElicitationAnswer, str]:
    output = io.StringIO()
    answer = TerminalElicitor(io.StringIO(answers), output).ask("srv", "Who are you?", schema)
    return answer, output.getvalue()


def test_accepts_valid_answers_and_skips_optional_fields() -> None:
    answer, shown = ask("Ada\n\n\n")
    assert answer == ElicitationAnswer("accept", {"name": "Ada", "subscribe": False})
    assert "Server 'srv' asks: Who are you?" in shown
    assert "Name *: " in shown
    assert "subscribe [n]: " in shown


def test_required_field_is_asked_again_until_given() -> None:
    answer, shown = ask("\nA\nToo long name\nAda\n12\nyes\n")
    assert answer == ElicitationAnswer("accept", {"name": "Ada", "age": 12, "subscribe": True})
    assert "a value is required" in shown
    assert "enter at least 2 characters" in shown
    assert "enter at most 5 characters" in shown


@pytest.mark.parametrize(("typed", "action"), [("/decline\n", "decline"), ("/cancel\n", "cancel")])
def test_user_can_decline_or_cancel(typed: str, action: str) -> None:
    answer, _ = ask("Ada\n" + typed)
    assert answer == ElicitationAnswer(action)  # type: ignore[arg-type]


def test_end_of_input_cancels() -> None:
    answer, _ = ask("Ada\n")
    assert answer.action == "cancel" and answer.content is None


def test_each_question_is_announced_while_it_is_on_screen() -> None:
    from fastagent.events import Event, EventBus, UserInputFinished, UserInputRequested

    bus = EventBus()
    seen: list[tuple[Event, str]] = []
    output = io.StringIO()
    bus.subscribe(lambda event: seen.append((event, output.getvalue())))
    elicitor = TerminalElicitor(io.StringIO("Ada\n/cancel\n"), output, events=bus)
    assert elicitor.ask("srv", "Who are you?", SCHEMA).action == "cancel"
    assert [event for event, _ in seen] == [
        UserInputRequested(kind="elicitation", server="srv", at=seen[0][0].at),
        UserInputFinished(kind="elicitation", server="srv", at=seen[1][0].at),
    ]
    assert seen[0][1] == ""  # announced before anything is written ...
    assert seen[1][1].endswith("age: ")  # ... and finished after the last field was asked


def test_interactive_follows_the_input_stream_unless_overridden() -> None:
    assert TerminalElicitor(io.StringIO()).interactive is False
    assert TerminalElicitor(io.StringIO(), interactive=True).interactive is True
    assert isinstance(TerminalElicitor(), Elicitor)


@pytest.mark.parametrize(
    ("text", "spec", "expected"),
    [
        ("42", {"type": "integer", "minimum": 1, "maximum": 100}, 42),
        ("2.5", {"type": "number"}, 2.5),
        ("No", {"type": "boolean"}, False),
        ("a@b.io", {"type": "string", "format": "email"}, "a@b.io"),
        ("https://x.org/p", {"type": "string", "format": "uri"}, "https://x.org/p"),
        ("2024-02-29", {"type": "string", "format": "date"}, "2024-02-29"),
        ("2024-02-29T10:00:00", {"type": "string", "format": "date-time"}, "2024-02-29T10:00:00"),
        ("3", {"type": "string", "enum": ["a", "b", "c"]}, "c"),
        ("Bee", {"type": "string", "enum": ["a", "b"], "enumNames": ["Ay", "Bee"]}, "b"),
        ("x2", {"type": "string", "oneOf": [{"const": "x1"}, {"const": "x2"}]}, "x2"),
        (
            "Two, 1",
            {
                "type": "array",
                "items": {
                    "anyOf": [{"const": "1", "title": "One"}, {"const": "2", "title": "Two"}]
                },
            },
            ["2", "1"],
        ),
    ],
)
def test_parse_field_accepts(text: str, spec: dict[str, Any], expected: Any) -> None:
    assert parse_field(text, spec) == expected


@pytest.mark.parametrize(
    ("text", "spec", "complaint"),
    [
        ("4.5", {"type": "integer"}, "enter a whole number"),
        ("abc", {"type": "number"}, "enter a number"),
        ("nan", {"type": "number"}, "enter a finite number"),
        ("-1", {"type": "number", "minimum": 0}, "at least 0"),
        ("perhaps", {"type": "boolean"}, "answer y or n"),
        ("no-at-sign", {"type": "string", "format": "email"}, "email address"),
        ("just words", {"type": "string", "format": "uri"}, "enter a URI"),
        ("29/02/2024", {"type": "string", "format": "date"}, "YYYY-MM-DD"),
        ("yesterday", {"type": "string", "format": "date-time"}, "YYYY-MM-DDTHH:MM:SS"),
        ("d", {"type": "string", "enum": ["a", "b"]}, "choose one of: a, b"),
        ("9", {"type": "string", "enum": ["a", "b"]}, "choose one of"),
        ("a", {"type": "array", "items": {"enum": ["a", "b"]}, "minItems": 2}, "at least 2"),
        ("a,b", {"type": "array", "items": {"enum": ["a", "b"]}, "maxItems": 1}, "at most 1"),
    ],
)
def test_parse_field_rejects(text: str, spec: dict[str, Any], complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint):
        parse_field(text, spec)


class ScriptedElicitor:
    def __init__(self, answer: ElicitationAnswer, *, interactive: bool = True) -> None:
        self.answer = answer
        self.interactive = interactive
        self.asked: list[tuple[str, str]] = []

    async def elicit(self, server_name: str, message: str, schema: Any) -> ElicitationAnswer:
        self.asked.append((server_name, message))
        if isinstance(self.answer, Exception):
            raise self.answer
        return self.answer


FORM = mcp_types.ElicitRequestFormParams(message="Name?", requested_schema=SCHEMA)


async def test_prompt_mode_asks_even_without_a_terminal() -> None:
    elicitor = ScriptedElicitor(ElicitationAnswer("accept", {"name": "Ada"}), interactive=False)
    callback = elicitation_callback("srv", ElicitationSettings(mode="prompt"), elicitor)
    result = await callback(None, FORM)  # type: ignore[arg-type]
    # SEP-1034: the schema's default fills the field the elicitor left out.
    expected = {"name": "Ada", "subscribe": False}
    assert result == mcp_types.ElicitResult(action="accept", content=expected)
    assert elicitor.asked == [("srv", "Name?")]


async def test_decline_mode_never_asks(caplog: pytest.LogCaptureFixture) -> None:
    elicitor = ScriptedElicitor(ElicitationAnswer("accept", {"name": "Ada"}))
    callback = elicitation_callback("srv", ElicitationSettings(mode="decline"), elicitor)
    with caplog.at_level(logging.WARNING, logger="fastagent.mcp"):
        result = await callback(None, FORM)  # type: ignore[arg-type]
    assert result == mcp_types.ElicitResult(action="decline")
    assert elicitor.asked == []
    assert "declined elicitation from server srv (elicitation.mode is decline)" in caplog.text


async def test_no_elicitor_declines_and_url_mode_declines() -> None:
    callback = elicitation_callback("srv", ElicitationSettings(mode="prompt"), None)
    assert await callback(None, FORM) == mcp_types.ElicitResult(action="decline")  # type: ignore[arg-type]
    url = mcp_types.ElicitRequestURLParams(message="Log in", url="https://example.com")
    asking = elicitation_callback(
        "srv", ElicitationSettings(mode="prompt"), ScriptedElicitor(ElicitationAnswer("accept"))
    )
    assert await asking(None, url) == mcp_types.ElicitResult(action="decline")  # type: ignore[arg-type]


async def test_declined_answer_carries_no_content_and_failures_cancel(
    caplog: pytest.LogCaptureFixture,
) -> None:
    declining = ScriptedElicitor(ElicitationAnswer("decline", {"name": "leak"}))
    callback = elicitation_callback("srv", ElicitationSettings(mode="auto"), declining)
    assert await callback(None, FORM) == mcp_types.ElicitResult(action="decline")  # type: ignore[arg-type]

    broken = ScriptedElicitor(RuntimeError("terminal gone"))  # type: ignore[arg-type]
    callback = elicitation_callback("srv", ElicitationSettings(mode="auto"), broken)
    with caplog.at_level(logging.ERROR, logger="fastagent.mcp"):
        assert await callback(None, FORM) == mcp_types.ElicitResult(action="cancel")  # type: ignore[arg-type]
    assert "elicitation from server srv failed; cancelled" in caplog.text


# --- SEP-1034 defaults whoever answered, and URL mode ----------------------------------------


async def test_defaults_fill_omitted_fields_but_never_override_an_answer() -> None:
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string", "default": "John Doe"},
            "age": {"type": "integer", "default": 30},
            "score": {"type": "number", "default": 95.5},
            "status": {"type": "string", "enum": ["active", "inactive"], "default": "active"},
            "verified": {"type": "boolean", "default": True},
            "tags": {"type": "array", "items": {"enum": ["a", "b"]}, "default": ["a"]},
            "note": {"type": "string"},
        },
    }
    form = mcp_types.ElicitRequestFormParams(message="Defaults?", requested_schema=schema)
    callback = elicitation_callback(
        "srv",
        ElicitationSettings(mode="prompt"),
        ScriptedElicitor(ElicitationAnswer("accept", {"age": 41, "verified": False})),
    )
    result = await callback(None, form)  # type: ignore[arg-type]
    assert isinstance(result, mcp_types.ElicitResult)
    assert result.content == {
        "name": "John Doe",
        "age": 41,
        "score": 95.5,
        "status": "active",
        "verified": False,
        "tags": ["a"],
    }


async def test_declined_or_cancelled_answers_get_no_defaults() -> None:
    for action in ("decline", "cancel"):
        callback = elicitation_callback(
            "srv",
            ElicitationSettings(mode="prompt"),
            ScriptedElicitor(ElicitationAnswer(action)),  # type: ignore[arg-type]
        )
        result = await callback(None, FORM)  # type: ignore[arg-type]
        assert result == mcp_types.ElicitResult(action=action)  # type: ignore[arg-type]


URL_REQUEST = mcp_types.ElicitRequestURLParams(
    message="Sign in to the calendar", url="https://example.com/login", elicitation_id="e1"
)


def test_terminal_url_elicitation_opens_the_url_on_yes(monkeypatch: pytest.MonkeyPatch) -> None:
    import webbrowser

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    out = io.StringIO()
    elicitor = TerminalElicitor(io.StringIO("maybe\ny\n"), out, interactive=True)
    answer = elicitor.ask_url("cal", "Sign in", "https://example.com/login")
    assert answer == ElicitationAnswer("accept")
    assert opened == ["https://example.com/login"]
    text = out.getvalue()
    assert "Server 'cal' asks you to open a page: Sign in" in text
    assert "https://example.com/login" in text
    assert "answer y or n" in text


@pytest.mark.parametrize(
    ("typed", "action"), [("n\n", "decline"), ("/cancel\n", "cancel"), ("", "cancel")]
)
def test_terminal_url_elicitation_decline_cancel_and_end_of_input(
    typed: str, action: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import webbrowser

    monkeypatch.setattr(webbrowser, "open", lambda url: pytest.fail("must not open"))
    elicitor = TerminalElicitor(io.StringIO(typed), io.StringIO(), interactive=True)
    assert elicitor.ask_url("cal", "Sign in", "https://example.com/login").action == action


async def test_url_mode_goes_to_an_elicitor_that_can_show_urls(
    caplog: pytest.LogCaptureFixture,
) -> None:
    class UrlAnswering(ScriptedElicitor):
        def __init__(self) -> None:
            super().__init__(ElicitationAnswer("accept"))
            self.urls: list[tuple[str, str, str]] = []

        async def elicit_url(self, server_name: str, message: str, url: str) -> ElicitationAnswer:
            self.urls.append((server_name, message, url))
            return ElicitationAnswer("accept")

    elicitor = UrlAnswering()
    callback = elicitation_callback("cal", ElicitationSettings(mode="prompt"), elicitor)
    with caplog.at_level(logging.INFO, logger="fastagent.mcp"):
        result = await callback(None, URL_REQUEST)  # type: ignore[arg-type]
    assert result == mcp_types.ElicitResult(action="accept")
    assert elicitor.urls == [("cal", "Sign in to the calendar", "https://example.com/login")]
    assert "URL elicitation from server cal: accept" in caplog.text
    # Policy still applies: decline mode and non-interactive auto mode never show the URL.
    for settings, interactive in (
        (ElicitationSettings(mode="decline"), True),
        (ElicitationSettings(), False),
    ):
        quiet = UrlAnswering()
        quiet.interactive = interactive
        refused = await elicitation_callback("cal", settings, quiet)(None, URL_REQUEST)  # type: ignore[arg-type]
        assert refused == mcp_types.ElicitResult(action="decline")
        assert quiet.urls == []
