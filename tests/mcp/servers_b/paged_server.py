"""A stdio MCP server that pages every listing (3 items per page) for pagination tests.

It offers 25 resources (``paged://item/0`` .. ``paged://item/24``), 7 resource templates and
8 prompts (``prompt-0`` .. ``prompt-7``, each with a required ``topic`` argument). With the
argument ``--loop`` every listing returns the same cursor forever.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any, TypeVar

import anyio
import mcp_types as types
from mcp.server.lowlevel.server import Server
from mcp.server.stdio import stdio_server

PAGE_SIZE = 3
LOOP = "--loop" in sys.argv[1:]

RESOURCES = [
    types.Resource(uri=f"paged://item/{i}", name=f"item-{i}", mime_type="text/plain")
    for i in range(25)
]
TEMPLATES = [
    types.ResourceTemplate(uri_template=f"paged://template/{i}/{{id}}", name=f"template-{i}")
    for i in range(7)
]
PROMPTS = [
    types.Prompt(
        name=f"prompt-{i}",
        description=f"prompt number {i}",
        arguments=[types.PromptArgument(name="topic", required=True)],
    )
    for i in range(8)
]

T = TypeVar("T")


def page(
    items: Sequence[T], params: types.PaginatedRequestParams | None
) -> tuple[list[T], str | None]:
    if LOOP:
        return list(items[:PAGE_SIZE]), "again"
    start = int(params.cursor) if params is not None and params.cursor else 0
    end = start + PAGE_SIZE
    return list(items[start:end]), (str(end) if end < len(items) else None)


async def on_list_resources(
    ctx: Any, params: types.PaginatedRequestParams | None
) -> types.ListResourcesResult:
    items, cursor = page(RESOURCES, params)
    return types.ListResourcesResult(resources=items, next_cursor=cursor)


async def on_list_resource_templates(
    ctx: Any, params: types.PaginatedRequestParams | None
) -> types.ListResourceTemplatesResult:
    items, cursor = page(TEMPLATES, params)
    return types.ListResourceTemplatesResult(resource_templates=items, next_cursor=cursor)


async def on_list_prompts(
    ctx: Any, params: types.PaginatedRequestParams | None
) -> types.ListPromptsResult:
    items, cursor = page(PROMPTS, params)
    return types.ListPromptsResult(prompts=items, next_cursor=cursor)


async def on_get_prompt(ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
    if params.name not in {p.name for p in PROMPTS}:
        raise ValueError(f"unknown prompt {params.name}")
    topic = (params.arguments or {}).get("topic")
    if topic is None:
        raise ValueError("missing argument topic")
    if topic == "explode":
        raise RuntimeError("the prompt store is on fire")
    return types.GetPromptResult(
        messages=[
            types.PromptMessage(
                role="user", content=types.TextContent(text=f"{params.name}: {topic}")
            ),
            types.PromptMessage(role="assistant", content=types.TextContent(text="noted")),
        ]
    )


server = Server(
    "paged",
    on_list_resources=on_list_resources,
    on_list_resource_templates=on_list_resource_templates,
    on_list_prompts=on_list_prompts,
    on_get_prompt=on_get_prompt,
)


async def main() -> None:
    async with stdio_server() as (read_stream, write_stream):
        await server.run(read_stream, write_stream, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
