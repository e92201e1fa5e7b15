"""Roots validation, server log mapping and the callback bundle, without a server."""

from __future__ import annotations

import logging

import mcp_types
import pytest

from fastagent.config.mcp_settings import MCPRootSettings, MCPServerSettings
from fastagent.events import EventBus, ProgressUpdate
from fastagent.exceptions import ConfigValidationError
from fastagent.mcp.callbacks import (
    LOG_LEVELS,
    build_client_callbacks,
    logging_callback,
    message_handler,
)
from fastagent.mcp.roots import Root, list_roots_callback, roots_from_settings


def test_file_roots_are_kept_in_order() -> None:
    roots = roots_from_settings(
        "files",
        [MCPRootSettings(uri="file:///a", name="A"), MCPRootSettings(uri="file:///b/c")],
    )
    assert roots == [Root("file:///a", "A"), Root("file:///b/c", None)]


def test_every_bad_root_is_named_by_its_key() -> None:
    with pytest.raises(ConfigValidationError) as caught:
        roots_from_settings(
            "files",
            [
                MCPRootSettings(uri="/plain/path"),
                MCPRootSettings(uri="file:///ok"),
                MCPRootSettings(uri="https://example.com/x"),
            ],
        )
    error = caught.value
    assert "mcp.servers.files.roots[0].uri: '/plain/path' is not a file:// URI" in error.message
    assert "mcp.servers.files.roots[2].uri" in error.message
    assert [p[1] for p in error.problems] == [
        "mcp.servers.files.roots[0].uri",
        "mcp.servers.files.roots[2].uri",
    ]
    assert error.hint is not None and "file://" in error.hint


async def test_roots_callback_answers_the_roots() -> None:
    callback = list_roots_callback([Root("file:///a", "A"), Root("file:///b")])
    result = await callback(None)  # type: ignore[arg-type]
    assert isinstance(result, mcp_types.ListRootsResult)
    assert [(str(r.uri), r.name) for r in result.roots] == [("file:///a", "A"), ("file:///b", None)]


def settings(**values: object) -> MCPServerSettings:
    return MCPServerSettings.model_validate({"command": "srv", **values})


def test_bundle_offers_roots_only_when_configured_and_checks_them() -> None:
    plain = build_client_callbacks("srv", settings(), sampler=None, elicitor=None, events=None)
    assert plain.list_roots_callback is None
    assert plain.sampling_callback is not None and plain.elicitation_callback is not None
    kwargs = plain.session_kwargs()
    assert set(kwargs) == {
        "sampling_callback",
        "elicitation_callback",
        "list_roots_callback",
        "logging_callback",
        "message_handler",
    }
    rooted = build_client_callbacks(
        "srv", settings(roots=[{"uri": "file:///w"}]), sampler=None, elicitor=None, events=None
    )
    assert rooted.list_roots_callback is not None
    with pytest.raises(ConfigValidationError, match=r"mcp\.servers\.srv\.roots\[0\]\.uri"):
        build_client_callbacks(
            "srv",
            settings(roots=[{"uri": "relative/dir"}]),
            sampler=None,
            elicitor=None,
            events=None,
        )


@pytest.mark.parametrize(("mcp_level", "expected"), sorted(LOG_LEVELS.items()))
async def test_server_logs_use_the_mapped_level(
    mcp_level: str, expected: int, caplog: pytest.LogCaptureFixture
) -> None:
    callback = logging_callback("srv")
    params = mcp_types.LoggingMessageNotificationParams(level=mcp_level, logger="db", data="hello")  # type: ignore[arg-type]
    with caplog.at_level(logging.DEBUG, logger="fastagent.mcp.srv"):
        await callback(params)
    [record] = caplog.records
    assert (record.name, record.levelno, record.getMessage()) == (
        "fastagent.mcp.srv",
        expected,
        "[db] hello",
    )
    assert record.mcp_level == mcp_level  # type: ignore[attr-defined]


def test_levels_keep_their_order() -> None:
    order = ["debug", "info", "notice", "warning", "error", "critical", "alert", "emergency"]
    levels = [LOG_LEVELS[name] for name in order]
    assert levels == sorted(levels)


async def test_structured_log_data_is_json_and_filtered_levels_are_skipped(
    caplog: pytest.LogCaptureFixture,
) -> None:
    callback = logging_callback("srv")
    with caplog.at_level(logging.WARNING, logger="fastagent.mcp.srv"):
        await callback(mcp_types.LoggingMessageNotificationParams(level="info", data="quiet"))
        await callback(mcp_types.LoggingMessageNotificationParams(level="error", data={"n": 1}))
    assert [r.getMessage() for r in caplog.records] == ['{"n": 1}']


async def test_message_handler_publishes_progress_and_forwards_everything() -> None:
    bus = EventBus()
    updates: list[ProgressUpdate] = []
    bus.subscribe(updates.append, ProgressUpdate)
    forwarded: list[object] = []

    async def hook(message: object) -> None:
        forwarded.append(message)

    handler = message_handler("srv", bus, on_notification=hook)
    progress = mcp_types.ProgressNotification(
        params=mcp_types.ProgressNotificationParams(
            progress_token=1, progress=2, total=4, message="half"
        )
    )
    changed = mcp_types.ToolListChangedNotification()
    await handler(progress)
    await handler(changed)
    assert updates == [
        ProgressUpdate(at=updates[0].at, source="srv", progress=2, total=4, message="half")
    ]
    assert forwarded == [progress, changed]


async def test_message_handler_logs_transport_errors(caplog: pytest.LogCaptureFixture) -> None:
    handler = message_handler("srv", None)
    with caplog.at_level(logging.DEBUG, logger="fastagent.mcp.srv"):
        await handler(ValueError("bad frame"))
    assert "transport error from server srv: bad frame" in caplog.text
