"""Resources, prompts, completion and progress against the real server-everything over stdio."""

from __future__ import annotations

import base64
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp.client.session import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client

from fastagent.events import ProgressUpdate
from fastagent.exceptions import MCPServerError, UserError
from fastagent.mcp.features import (
    PromptRef,
    TemplateRef,
    call_tool_with_progress,
    complete_argument,
    get_prompt,
    list_prompts,
    list_resource_templates,
    list_resources,
    read_resource,
    resource_as_block,
)
from fastagent.messages import EmbeddedResource, Message, TextContent

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
EVERYTHING = ROOT / "node_modules" / ".bin" / "mcp-server-everything"
PAGED = Path(__file__).resolve().parent / "servers_b" / "paged_server.py"


@asynccontextmanager
async def connect(command: str, *args: str, **session_kwargs: Any) -> AsyncIterator[ClientSession]:
    params = StdioServerParameters(command=command, args=list(args))
    with open(os.devnull, "w") as errlog:
        async with (
            stdio_client(params, errlog=errlog) as (read, write),
            ClientSession(read, write, **session_kwargs) as session,
        ):
            await session.initialize()
            yield session


def everything(**session_kwargs: Any) -> Any:
    return connect(str(EVERYTHING), **session_kwargs)


def paged(*args: str) -> Any:
    return connect(str(ROOT / ".venv" / "bin" / "python"), str(PAGED), *args)


async def test_resources_list_read_text_and_blob() -> None:
    async with everything() as session:
        resources = await list_resources(session, "everything")
        templates = await list_resource_templates(session, "everything")
        text = await read_resource(session, "everything", "demo://resource/dynamic/text/3")
        blob = await read_resource(session, "everything", "demo://resource/dynamic/blob/4")

    uris = {r.uri for r in resources}
    assert "demo://resource/static/document/features.md" in uris
    assert all(r.server == "everything" for r in resources)
    assert {t.uri_template for t in templates} == {
        "demo://resource/dynamic/text/{resourceId}",
        "demo://resource/dynamic/blob/{resourceId}",
    }
    [text_part] = text
    assert text_part.uri == "demo://resource/dynamic/text/3"
    assert text_part.text is not None and text_part.text.startswith("Resource 3:")
    assert text_part.blob is None
    [blob_part] = blob
    assert blob_part.text is None and blob_part.blob is not None
    assert base64.b64decode(blob_part.blob).decode().startswith("Resource 4:")


async def test_resource_attaches_to_a_message_and_round_trips() -> None:
    async with everything() as session:
        parts = await read_resource(session, "everything", "demo://resource/dynamic/text/1")
    message = Message.user("Summarize:", *map(resource_as_block, parts))
    assert isinstance(message.content[1], EmbeddedResource)
    assert "Resource 1:" in message.text
    assert Message.from_dict(message.to_dict()) == message


async def test_unknown_resource_names_server_and_uri() -> None:
    async with everything() as session:
        with pytest.raises(UserError) as caught:
            await read_resource(session, "everything", "demo://no/such/thing")
    assert "everything" in caught.value.message
    assert "demo://no/such/thing" in caught.value.message
    assert caught.value.hint


async def test_prompts_list_and_get_with_arguments() -> None:
    async with everything() as session:
        prompts = {p.name: p for p in await list_prompts(session, "everything")}
        turns = await get_prompt(session, "everything", "args-prompt", {"city": "Lisbon"})

    args = {a.name: a for a in prompts["args-prompt"].arguments}
    assert args["city"].required and not args["state"].required
    assert prompts["simple-prompt"].arguments == ()
    [turn] = turns
    assert turn.role == "user" and "Lisbon" in turn.text


async def test_prompt_with_embedded_resource_merges_same_role_turns() -> None:
    async with everything() as session:
        turns = await get_prompt(
            session, "everything", "resource-prompt", {"resourceType": "Text", "resourceId": "2"}
        )
    [turn] = turns
    assert turn.role == "user"
    assert isinstance(turn.content[0], TextContent)
    assert isinstance(turn.content[1], EmbeddedResource)
    assert turn.content[1].resource.uri == "demo://resource/dynamic/text/2"


async def test_unknown_prompt_suggests_close_names() -> None:
    async with everything() as session:
        with pytest.raises(UserError) as caught:
            await get_prompt(session, "everything", "simple-prompts")
    assert caught.value.message == "server 'everything' has no prompt 'simple-prompts'"
    assert caught.value.hint is not None and "did you mean simple-prompt" in caught.value.hint


async def test_missing_required_prompt_argument_is_named() -> None:
    async with everything() as session:
        with pytest.raises(UserError, match="needs argument\\(s\\) city"):
            await get_prompt(session, "everything", "args-prompt", {"state": "Texas"})


async def test_completion_for_prompt_arguments_and_template_variables() -> None:
    async with everything() as session:
        departments = await complete_argument(
            session, "everything", PromptRef("completable-prompt"), "department", "E"
        )
        names = await complete_argument(
            session,
            "everything",
            PromptRef("completable-prompt"),
            "name",
            "",
            context={"department": "Engineering"},
        )
        ids = await complete_argument(
            session,
            "everything",
            TemplateRef("demo://resource/dynamic/text/{resourceId}"),
            "resourceId",
            "7",
        )
        no_ids = await complete_argument(
            session,
            "everything",
            TemplateRef("demo://resource/dynamic/text/{resourceId}"),
            "resourceId",
            "x",
        )
    assert departments == ["Engineering"]
    assert names and all(isinstance(n, str) for n in names)
    assert ids == ["7"]
    assert no_ids == []


async def test_long_running_tool_reports_monotonic_progress() -> None:
    updates: list[ProgressUpdate] = []
    all_arrived = anyio.Event()

    async def on_progress(update: ProgressUpdate) -> None:
        updates.append(update)
        if len(updates) == 5:
            all_arrived.set()

    async with everything() as session:
        result = await call_tool_with_progress(
            session,
            "everything",
            "trigger-long-running-operation",
            {"duration": 0.5, "steps": 5},
            on_progress,
        )
        with anyio.fail_after(5):
            await all_arrived.wait()

    assert not result.is_error
    assert [u.progress for u in updates] == [1, 2, 3, 4, 5]
    assert {u.total for u in updates} == {5}
    assert {u.source for u in updates} == {"everything"}


async def test_sync_progress_handler_is_accepted() -> None:
    seen: list[float] = []
    async with everything() as session:
        await call_tool_with_progress(
            session,
            "everything",
            "trigger-long-running-operation",
            {"duration": 0.2, "steps": 2},
            lambda update: seen.append(update.progress),
        )
        with anyio.fail_after(5):
            while len(seen) < 2:
                await anyio.lowlevel.checkpoint()
    assert seen == [1, 2]


class RecordingWrite:
    """Forwards to the transport's write stream, remembering what was sent."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sent: list[dict[str, Any]] = []

    async def send(self, item: Any) -> None:
        self.sent.append(item.message.model_dump(by_alias=True, exclude_none=True))
        await self.inner.send(item)

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def __aenter__(self) -> RecordingWrite:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


async def test_cancelling_a_tool_call_sends_notifications_cancelled() -> None:
    params = StdioServerParameters(command=str(EVERYTHING))
    first_progress = anyio.Event()

    async def on_progress(update: ProgressUpdate) -> None:
        first_progress.set()

    with open(os.devnull, "w") as errlog:
        async with stdio_client(params, errlog=errlog) as (read, write):
            recorder = RecordingWrite(write)
            async with ClientSession(read, recorder) as session:
                await session.initialize()
                async with anyio.create_task_group() as group:

                    async def call() -> None:
                        await call_tool_with_progress(
                            session,
                            "everything",
                            "trigger-long-running-operation",
                            {"duration": 60, "steps": 600},
                            on_progress,
                        )

                    group.start_soon(call)
                    with anyio.fail_after(10):
                        await first_progress.wait()
                    group.cancel_scope.cancel()
                echo = await session.call_tool("echo", {"message": "still alive"})

    calls = [m for m in recorder.sent if m.get("method") == "tools/call"]
    cancels = [m for m in recorder.sent if m.get("method") == "notifications/cancelled"]
    assert len(cancels) == 1
    assert cancels[0]["params"]["requestId"] == calls[0]["id"]
    assert "still alive" in echo.content[0].text  # type: ignore[union-attr]


async def test_tool_call_failure_raises_server_error() -> None:
    async with everything() as session:
        with pytest.raises(MCPServerError) as caught:
            await call_tool_with_progress(
                session,
                "everything",
                "trigger-long-running-operation",
                {"duration": 5, "steps": 5},
                lambda update: None,
                timeout=0.2,
            )
    assert caught.value.server == "everything"
    assert "trigger-long-running-operation" in caught.value.message


async def test_listings_follow_every_page() -> None:
    async with paged() as session:
        resources = await list_resources(session, "paged")
        templates = await list_resource_templates(session, "paged")
        prompts = await list_prompts(session, "paged")
        completions = await complete_argument(session, "paged", PromptRef("prompt-0"), "topic", "")

    assert [r.uri for r in resources] == [f"paged://item/{i}" for i in range(25)]
    assert [t.name for t in templates] == [f"template-{i}" for i in range(7)]
    assert [p.name for p in prompts] == [f"prompt-{i}" for i in range(8)]
    assert completions == []


async def test_prompt_turns_keep_alternating_roles() -> None:
    async with paged() as session:
        turns = await get_prompt(session, "paged", "prompt-3", {"topic": "tides"})
    assert [(t.role, t.text) for t in turns] == [
        ("user", "prompt-3: tides"),
        ("assistant", "noted"),
    ]


async def test_prompt_failures_are_told_apart() -> None:
    async with paged() as session:
        with pytest.raises(UserError, match="needs argument\\(s\\) topic"):
            await get_prompt(session, "paged", "prompt-3")
        with pytest.raises(UserError, match="has no prompt 'prompt-99'"):
            await get_prompt(session, "paged", "prompt-99", {"topic": "x"})
        with pytest.raises(MCPServerError) as caught:
            await get_prompt(session, "paged", "prompt-3", {"topic": "explode"})
    assert caught.value.server == "paged"
    assert "failed to get prompt 'prompt-3'" in caught.value.message


async def test_endless_pagination_is_an_error() -> None:
    async with paged("--loop") as session:
        with pytest.raises(MCPServerError, match="paginates resources without end"):
            await list_resources(session, "paged")
