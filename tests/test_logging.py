from __future__ import annotations

import io
import json
import logging
import subprocess
import sys
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from rich.console import Console

from fastagent._redact import register_secret
from fastagent.config import LoggerSettings
from fastagent.events import EventBus, ModelResponse, StreamDelta, ToolCallStarted
from fastagent.exceptions import ConfigError
from fastagent.logging import (
    ConsoleHandler,
    JsonLinesFormatter,
    RedactingFilter,
    configure_logging,
    get_logger,
    start_event_log,
)

ENV_SECRET = "env-secret-value-123"
REGISTERED_SECRET = "registered-runtime-secret-42"

# (text to log, the part that must never reach a sink)
SECRET_CASES = {
    "anthropic key": (
        "using key sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
        "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789",
    ),
    "openai key": (
        "using key sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
        "sk-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789abcd",
    ),
    "openai project key": (
        "using key sk-proj-AbCdEfGhIjKlMnOp_QrStUvWx-Yz0123456789",
        "sk-proj-AbCdEfGhIjKlMnOp_QrStUvWx-Yz0123456789",
    ),
    "bearer token": (
        "calling with Bearer eyJhbGciOiJIUzI1NiJ9.cGF5bG9hZA.c2ln",
        "eyJhbGciOiJIUzI1NiJ9.cGF5bG9hZA.c2ln",
    ),
    "authorization header": (
        "request headers: Authorization: Basic dXNlcjpwYXNzd29yZA==",
        "dXNlcjpwYXNzd29yZA==",
    ),
    "authorization in a dict repr": (
        "headers={'Authorization': 'Token abcdef123456', 'Accept': '*/*'}",
        "abcdef123456",
    ),
    "api_key assignment": ("client(api_key=plainvalue9876, timeout=3)", "plainvalue9876"),
    "api_key json pair": ('body {"api_key": "jsonvalue5432", "model": "x"}', "jsonvalue5432"),
    "x-api-key header": ("x-api-key: headervalue1111", "headervalue1111"),
    "env var value": (f"the value is {ENV_SECRET} here", ENV_SECRET),
    "registered secret": (f"loaded {REGISTERED_SECRET} from file", REGISTERED_SECRET),
}


pytestmark = pytest.mark.usefixtures("restore_fastagent_logger")


@pytest.fixture
def secrets_known(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("SOMESERVICE_API_KEY", ENV_SECRET)
    forget = register_secret(REGISTERED_SECRET)
    yield
    forget()


def console_sink() -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=80, no_color=True), buffer


def read_lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


@pytest.mark.parametrize("case", SECRET_CASES.values(), ids=SECRET_CASES.keys())
@pytest.mark.usefixtures("secrets_known")
def test_console_sink_redacts(case: tuple[str, str]) -> None:
    text, secret = case
    console, buffer = console_sink()
    remove = configure_logging(LoggerSettings(level="info"), console=console)
    log = get_logger("tests")
    log.warning(text)
    log.info("formatted: %s", text)
    remove()
    output = buffer.getvalue()
    assert secret not in output
    assert output.count("***") >= 2
    assert "warning fastagent.tests:" in output


@pytest.mark.parametrize("case", SECRET_CASES.values(), ids=SECRET_CASES.keys())
@pytest.mark.usefixtures("secrets_known")
def test_file_sink_redacts(case: tuple[str, str], tmp_path: Path) -> None:
    text, secret = case
    path = tmp_path / "log.jsonl"
    remove = configure_logging(LoggerSettings(level="info", type="file", path=str(path)))
    log = get_logger("tests")
    log.warning(text)
    log.info("formatted: %s", text, extra={"detail": text, "nested": {"items": [text]}})
    try:
        raise RuntimeError(text)
    except RuntimeError:
        log.exception("failed")
    remove()
    raw = path.read_text(encoding="utf-8")
    assert secret not in raw
    first, second, third = read_lines(path)
    assert "***" in str(first["message"])
    assert "***" in str(second["detail"])
    assert "***" in str(second["nested"])
    assert "***" in str(third["exc"])


@pytest.mark.usefixtures("secrets_known")
def test_redaction_covers_records_from_other_fastagent_modules(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    remove = configure_logging(LoggerSettings(type="file", path=str(path)))
    logging.getLogger("fastagent.providers.anthropic").error("key %s", ENV_SECRET)
    remove()
    assert read_lines(path)[0]["message"] == "key ***"


def test_env_vars_are_read_at_configure_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = tmp_path / "log.jsonl"
    remove = configure_logging(LoggerSettings(type="file", path=str(path)))
    monkeypatch.setenv("LATE_TOKEN", "set-after-configure")
    monkeypatch.setenv("SHORT_SECRET", "tiny")
    get_logger("tests").warning("set-after-configure tiny")
    remove()
    assert read_lines(path)[0]["message"] == "set-after-configure tiny"


def test_ordinary_text_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    remove = configure_logging(LoggerSettings(type="file", path=str(path)))
    text = "max_tokens=100 input_tokens=5 task-manager risk-assessment-of-things done"
    get_logger("tests").warning(text)
    remove()
    assert read_lines(path)[0]["message"] == text


def test_json_line_shape(tmp_path: Path) -> None:
    path = tmp_path / "nested" / "dir" / "log.jsonl"
    remove = configure_logging(LoggerSettings(level="debug", type="file", path=str(path)))
    get_logger("config").debug("two\nlines", extra={"file": "fastagent.yaml", "count": 3})
    get_logger("mcp.fetch").error("ünïcode", extra={"obj": object(), "level": "overridden"})
    remove()
    raw_lines = path.read_text(encoding="utf-8").splitlines()
    assert len(raw_lines) == 2
    first, second = (json.loads(line) for line in raw_lines)
    assert set(first) == {"ts", "level", "logger", "message", "file", "count"}
    assert first["level"] == "debug"
    assert first["logger"] == "fastagent.config"
    assert first["message"] == "two\nlines"
    assert first["file"] == "fastagent.yaml"
    assert first["count"] == 3
    stamp = datetime.fromisoformat(str(first["ts"]))
    assert stamp.tzinfo is not None
    assert second["logger"] == "fastagent.mcp.fetch"
    assert second["level"] == "error"
    assert second["message"] == "ünïcode"
    assert str(second["obj"]).startswith("<object object")


def test_file_sink_appends(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    path.write_text('{"earlier": true}\n', encoding="utf-8")
    remove = configure_logging(LoggerSettings(type="file", path=str(path)))
    get_logger("x").warning("later")
    remove()
    assert [line.get("message") for line in read_lines(path)] == [None, "later"]


def owned_handlers() -> list[logging.Handler]:
    return [h for h in logging.getLogger("fastagent").handlers if h.filters]


def test_configure_twice_does_not_duplicate(tmp_path: Path) -> None:
    root_handlers = list(logging.getLogger().handlers)
    console, buffer = console_sink()
    remove_first = configure_logging(LoggerSettings(), console=console)
    remove_second = configure_logging(LoggerSettings(), console=console)
    assert len(owned_handlers()) == 1
    get_logger("tests").warning("once")
    assert buffer.getvalue().count("once") == 1

    remove_first()  # its handler is already gone; must not touch the second one
    assert len(owned_handlers()) == 1
    remove_second()
    remove_second()
    assert owned_handlers() == []
    assert logging.getLogger().handlers == root_handlers


def test_reconfigure_closes_replaced_file_handler(tmp_path: Path) -> None:
    first_path, second_path = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    remove_first = configure_logging(LoggerSettings(type="file", path=str(first_path)))
    (first,) = owned_handlers()
    assert isinstance(first, logging.FileHandler)
    remove_second = configure_logging(LoggerSettings(type="file", path=str(second_path)))
    assert first.stream is None  # closed
    get_logger("x").warning("to b")
    remove_second()
    remove_first()
    assert first_path.read_text(encoding="utf-8") == ""
    assert read_lines(second_path)[0]["message"] == "to b"


@pytest.mark.parametrize(
    ("level", "verbose", "quiet", "expected"),
    [
        ("warning", False, False, logging.WARNING),
        ("info", False, False, logging.INFO),
        ("error", True, False, logging.DEBUG),
        ("debug", False, True, logging.ERROR),
        ("info", True, True, logging.DEBUG),
    ],
)
def test_level_from_settings_verbose_quiet(
    level: str, verbose: bool, quiet: bool, expected: int
) -> None:
    logger = logging.getLogger("fastagent")
    logger.setLevel(logging.CRITICAL)
    remove = configure_logging(
        LoggerSettings(level=level, type="none"),  # type: ignore[arg-type]
        verbose=verbose,
        quiet=quiet,
    )
    assert logger.level == expected
    remove()
    assert logger.level == logging.CRITICAL


def test_type_none_installs_a_null_handler() -> None:
    remove = configure_logging(LoggerSettings(type="none"))
    (handler,) = owned_handlers()
    assert isinstance(handler, logging.NullHandler)
    remove()
    assert owned_handlers() == []


def test_root_logger_untouched() -> None:
    root = logging.getLogger()
    before = (list(root.handlers), root.level)
    remove = configure_logging(LoggerSettings(level="debug"), console=console_sink()[0])
    assert (list(root.handlers), root.level) == before
    remove()


def test_console_colors_follow_the_console() -> None:
    plain = io.StringIO()
    colored = io.StringIO()
    for console in (
        Console(file=plain, force_terminal=True, no_color=True),
        Console(file=colored, force_terminal=True, color_system="standard"),
    ):
        remove = configure_logging(LoggerSettings(), console=console)
        get_logger("tests").error("boom")
        remove()
    assert "boom" in plain.getvalue()
    assert "\x1b[3" not in plain.getvalue()  # no foreground colour codes
    assert "\x1b[" in colored.getvalue()


def test_console_handler_defaults_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    handler = ConsoleHandler()
    handler.handle(logging.LogRecord("fastagent.x", logging.ERROR, "", 0, "to stderr", (), None))
    captured = capsys.readouterr()
    assert "to stderr" in captured.err
    assert captured.out == ""


def test_unwritable_log_path_is_a_config_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        configure_logging(LoggerSettings(type="file", path=str(blocker / "log.jsonl")))
    assert str(blocker / "log.jsonl") in caught.value.message
    assert "logger.path" in caught.value.message
    assert caught.value.hint
    assert owned_handlers() == []


def test_redacting_filter_rewrites_record() -> None:
    record = logging.LogRecord(
        "fastagent.x", logging.INFO, "", 0, "key=%s", ("literal-secret-1",), None
    )
    record.payload = {"list": ["literal-secret-1"], "tuple": ("literal-secret-1",)}
    assert RedactingFilter({"literal-secret-1"}).filter(record)
    assert record.getMessage() == "key=***"
    assert record.payload == {"list": ["***"], "tuple": ("***",)}


def test_json_formatter_alone() -> None:
    record = logging.LogRecord("fastagent.x", logging.WARNING, "", 0, "m %d", (1,), None)
    line = JsonLinesFormatter().format(record)
    assert "\n" not in line
    assert json.loads(line)["message"] == "m 1"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("", "fastagent"),
        ("fastagent", "fastagent"),
        ("config", "fastagent.config"),
        ("mcp.fetch", "fastagent.mcp.fetch"),
        ("fastagent.events", "fastagent.events"),
    ],
)
def test_get_logger_names(name: str, expected: str) -> None:
    assert get_logger(name).name == expected


def test_event_log_writes_events(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    remove = configure_logging(LoggerSettings(level="info", type="file", path=str(path)))
    bus = EventBus()
    detach = start_event_log(bus)
    bus.publish(ModelResponse(agent="a", model="m", input_tokens=3, output_tokens=4, at=1.5))
    bus.publish(StreamDelta(agent="a", text="below the level"))
    bus.publish(
        ToolCallStarted(
            agent="a", tool="fetch", call_id="c1", arguments={"api_key": "argsecret1234"}
        )
    )
    detach()
    bus.publish(ModelResponse(agent="a", model="after detach"))
    remove()
    assert "argsecret1234" not in path.read_text(encoding="utf-8")
    response, tool = read_lines(path)
    assert response["logger"] == "fastagent.events"
    assert response["level"] == "info"
    assert response["event"] == response["message"] == "ModelResponse"
    assert response["data"] == {
        "at": 1.5,
        "agent": "a",
        "model": "m",
        "stop_reason": None,
        "input_tokens": 3,
        "output_tokens": 4,
        "duration": 0.0,
        "provider": "",
        "response_model": None,
        "workflow_id": "",
        "step": 0,
    }
    assert tool["event"] == "ToolCallStarted"
    assert tool["data"]["arguments"] == {"api_key": "***"}  # type: ignore[index]


def test_event_log_leaves_out_message_content(tmp_path: Path) -> None:
    from fastagent.events import ModelRequest
    from fastagent.messages import Message

    path = tmp_path / "events.jsonl"
    remove = configure_logging(LoggerSettings(level="info", type="file", path=str(path)))
    bus = EventBus()
    detach = start_event_log(bus)
    prompt = Message.user("my private prompt")
    bus.publish(ModelRequest(agent="a", model="m", messages=[prompt], system="private system"))
    bus.publish(ModelResponse(agent="a", model="m", message=Message.assistant("private reply")))
    detach()
    remove()
    text = path.read_text(encoding="utf-8")
    assert "private" not in text
    request, response = read_lines(path)
    assert request["event"] == "ModelRequest" and request["data"]["agent"] == "a"  # type: ignore[index]
    assert "messages" not in request["data"] and "system" not in request["data"]  # type: ignore[operator]
    assert "message" not in response["data"]  # type: ignore[operator]


def test_event_log_debug_events_at_debug_level(tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    remove = configure_logging(LoggerSettings(level="debug", type="file", path=str(path)))
    bus = EventBus()
    detach: Callable[[], None] = start_event_log(bus)
    bus.publish(StreamDelta(agent="a", text="hello"))
    detach()
    remove()
    (line,) = read_lines(path)
    assert line["level"] == "debug"
    assert line["data"]["text"] == "hello"  # type: ignore[index]


def test_importing_logging_and_runtime_stays_light() -> None:
    code = (
        "import sys, fastagent.logging, fastagent.runtime, fastagent._redact\n"
        "heavy = {'rich', 'mcp', 'anthropic', 'openai'} & {m.split('.')[0] for m in sys.modules}\n"
        "print(sorted(heavy))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_level_restored_to_the_original_after_replacement() -> None:
    logger = logging.getLogger("fastagent")
    logger.setLevel(logging.CRITICAL)
    remove_first = configure_logging(LoggerSettings(type="none", level="info"))
    remove_second = configure_logging(LoggerSettings(type="none", level="debug"))
    assert logger.level == logging.DEBUG
    remove_second()
    remove_first()
    assert logger.level == logging.CRITICAL


def test_bad_format_arguments_neither_raise_nor_leak(tmp_path: Path) -> None:
    path = tmp_path / "log.jsonl"
    remove = configure_logging(LoggerSettings(type="file", path=str(path)))
    get_logger("tests").warning("%d items", "sk-ant-api03-AbCdEfGhIjKlMnOpQrStUv")
    remove()
    (line,) = read_lines(path)
    assert "sk-ant" not in str(line["message"])
    assert "could not format arguments" in str(line["message"])


def _sdk_bridge_output(*, verbose: bool, records: int, now: list[float]) -> str:
    from fastagent.logging import SdkLogBridge, mcp_server_context

    console, buffer = console_sink()
    configure_logging(LoggerSettings(), verbose=verbose, console=console)
    bridge = SdkLogBridge(window=10.0, clock=lambda: now[0])
    sdk = logging.getLogger("mcp.client.fake")
    sdk.addHandler(bridge)
    sdk.propagate = False
    try:
        with mcp_server_context.scoped("srv"):
            for n in range(records):
                now[0] = n * 0.1
                try:
                    raise ValueError(f"bad line {n}\nsecond line")
                except ValueError:
                    sdk.exception("Failed to parse message")
            now[0] = 60.0
            sdk.error("Failed to parse message")
    finally:
        sdk.removeHandler(bridge)
        sdk.propagate = True
    return buffer.getvalue()


def test_sdk_records_are_one_rate_limited_warning_line_naming_the_server() -> None:
    out = _sdk_bridge_output(verbose=False, records=50, now=[0.0])
    assert out.splitlines() == [
        "warning fastagent.mcp.sdk: MCP server 'srv': Failed to parse message "
        "(ValueError: bad line 0)",
        "warning fastagent.mcp.sdk: MCP server 'srv': Failed to parse message "
        "[49 more like this in the last 10s]",
    ]


def test_sdk_tracebacks_are_kept_with_verbose() -> None:
    out = _sdk_bridge_output(verbose=True, records=1, now=[0.0])
    assert "Traceback (most recent call last)" in out
    assert "ValueError: bad line 0" in out
