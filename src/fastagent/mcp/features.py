"""What a client can ask a server besides tools: resources, prompts, completions, progress.

Every function takes an SDK ``ClientSession`` and the server's configured name (for error
messages). Listings follow pagination cursors to the end. Results are fastagent data:
resources as `ResourceContents` (attach them to a `Message` with `resource_as_block`),
prompts as `Message` turns.

An unknown prompt or resource raises `UserError` naming the server and the item (with close
matches for prompts); any other failure the server reports raises `MCPServerError`.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final, TypeVar

from fastagent.events import ProgressUpdate
from fastagent.exceptions import MCPServerError, UserError
from fastagent.messages import ContentBlock, EmbeddedResource, Message, ResourceContents

if TYPE_CHECKING:
    import mcp_types
    from mcp.client.session import ClientSession
    from mcp.shared.exceptions import MCPError

__all__ = [
    "PromptArgumentInfo",
    "PromptInfo",
    "PromptRef",
    "ResourceInfo",
    "ResourceTemplateInfo",
    "TemplateRef",
    "call_tool_with_progress",
    "complete_argument",
    "get_prompt",
    "list_prompts",
    "list_resource_templates",
    "list_resources",
    "read_resource",
    "resource_as_block",
]

_INVALID_PARAMS: Final = -32602
_RESOURCE_NOT_FOUND: Final = -32002
_MAX_PAGES: Final = 1000

T = TypeVar("T")
ProgressHandler = Callable[[ProgressUpdate], Awaitable[None] | None]


@dataclass(frozen=True, slots=True)
class ResourceInfo:
    """A resource a server offers.

    Attributes:
        server: The server's configured name.
        uri: The resource's URI.
        name: Its name.
        title: A display title, if any.
        description: What it is, if said.
        mime_type: Its MIME type, if known.
        size: Its size in bytes, if known.
    """

    server: str
    uri: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None
    size: int | None = None


@dataclass(frozen=True, slots=True)
class ResourceTemplateInfo:
    """A resource template (RFC 6570 URI template) a server offers.

    Attributes:
        server: The server's configured name.
        uri_template: The URI template, e.g. ``demo://text/{id}``.
        name: Its name.
        title: A display title, if any.
        description: What it is for, if said.
        mime_type: The MIME type of every matching resource, if one.
    """

    server: str
    uri_template: str
    name: str
    title: str | None = None
    description: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class PromptArgumentInfo:
    """One argument of a prompt.

    Attributes:
        name: The argument's name.
        description: What it means, if said.
        required: Whether it must be given.
    """

    name: str
    description: str | None = None
    required: bool = False


@dataclass(frozen=True, slots=True)
class PromptInfo:
    """A prompt a server offers.

    Attributes:
        server: The server's configured name.
        name: The prompt's name.
        title: A display title, if any.
        description: What it does, if said.
        arguments: Its arguments.
    """

    server: str
    name: str
    title: str | None = None
    description: str | None = None
    arguments: tuple[PromptArgumentInfo, ...] = field(default_factory=tuple)


@dataclass(frozen=True, slots=True)
class PromptRef:
    """Names a prompt whose argument is to be completed.

    Attributes:
        name: The prompt's name.
    """

    name: str


@dataclass(frozen=True, slots=True)
class TemplateRef:
    """Names a resource template whose variable is to be completed.

    Attributes:
        uri_template: The template, as listed by the server.
    """

    uri_template: str


def _server_error(server: str, what: str, error: MCPError) -> MCPServerError:
    return MCPServerError(
        f"server '{server}' failed to {what}: {error.error.message}",
        server=server,
        hint=f"check the server's log (run with --verbose); error code {error.error.code}",
    )


async def _all_pages(
    server: str,
    what: str,
    fetch: Callable[[mcp_types.PaginatedRequestParams | None], Awaitable[Any]],
    items: Callable[[Any], list[T]],
) -> list[T]:
    import mcp_types
    from mcp.shared.exceptions import MCPError

    collected: list[T] = []
    cursor: str | None = None
    seen: set[str] = set()
    for _ in range(_MAX_PAGES):
        params = mcp_types.PaginatedRequestParams(cursor=cursor) if cursor is not None else None
        try:
            page = await fetch(params)
        except MCPError as exc:
            raise _server_error(server, f"list {what}", exc) from exc
        collected.extend(items(page))
        cursor = page.next_cursor
        if cursor is None:
            return collected
        if cursor in seen:
            break
        seen.add(cursor)
    raise MCPServerError(
        f"server '{server}' paginates {what} without end (cursor repeats or over "
        f"{_MAX_PAGES} pages)",
        server=server,
        hint="report this to the server's authors",
    )


async def list_resources(session: ClientSession, server: str) -> list[ResourceInfo]:
    """Every resource the server lists, across all pages.

    Raises:
        MCPServerError: The server failed to list them.
    """
    resources = await _all_pages(
        server,
        "resources",
        lambda params: session.list_resources(params=params),
        lambda page: list(page.resources),
    )
    return [
        ResourceInfo(
            server=server,
            uri=r.uri,
            name=r.name,
            title=r.title,
            description=r.description,
            mime_type=r.mime_type,
            size=r.size,
        )
        for r in resources
    ]


async def list_resource_templates(
    session: ClientSession, server: str
) -> list[ResourceTemplateInfo]:
    """Every resource template the server lists, across all pages.

    Raises:
        MCPServerError: The server failed to list them.
    """
    templates = await _all_pages(
        server,
        "resource templates",
        lambda params: session.list_resource_templates(params=params),
        lambda page: list(page.resource_templates),
    )
    return [
        ResourceTemplateInfo(
            server=server,
            uri_template=t.uri_template,
            name=t.name,
            title=t.title,
            description=t.description,
            mime_type=t.mime_type,
        )
        for t in templates
    ]


async def read_resource(session: ClientSession, server: str, uri: str) -> list[ResourceContents]:
    """Read one resource: its text and/or blob contents (a resource may have several parts).

    Raises:
        UserError: The server has no resource `uri`.
        MCPServerError: The server failed to read it.
    """
    import mcp_types
    from mcp.shared.exceptions import MCPError

    try:
        result = await session.read_resource(uri)
    except MCPError as exc:
        if exc.error.code in (_RESOURCE_NOT_FOUND, _INVALID_PARAMS):
            raise UserError(
                f"server '{server}' has no resource '{uri}' ({exc.error.message})",
                hint=f"list the resources of '{server}' to see which URIs it offers",
            ) from exc
        raise _server_error(server, f"read resource '{uri}'", exc) from exc
    return [
        ResourceContents(
            uri=part.uri,
            mime_type=part.mime_type,
            text=part.text if isinstance(part, mcp_types.TextResourceContents) else None,
            blob=part.blob if isinstance(part, mcp_types.BlobResourceContents) else None,
        )
        for part in result.contents
    ]


def resource_as_block(contents: ResourceContents) -> EmbeddedResource:
    """Wrap resource contents as a content block, to attach them to a `Message`.

    Examples:
        ``Message.user("Summarize this:", *map(resource_as_block, parts))``
    """
    return EmbeddedResource(resource=contents)


async def list_prompts(session: ClientSession, server: str) -> list[PromptInfo]:
    """Every prompt the server lists, across all pages.

    Raises:
        MCPServerError: The server failed to list them.
    """
    prompts = await _all_pages(
        server,
        "prompts",
        lambda params: session.list_prompts(params=params),
        lambda page: list(page.prompts),
    )
    return [
        PromptInfo(
            server=server,
            name=p.name,
            title=p.title,
            description=p.description,
            arguments=tuple(
                PromptArgumentInfo(
                    name=a.name, description=a.description, required=bool(a.required)
                )
                for a in p.arguments or ()
            ),
        )
        for p in prompts
    ]


async def get_prompt(
    session: ClientSession,
    server: str,
    name: str,
    arguments: Mapping[str, str] | None = None,
) -> list[Message]:
    """Get a prompt as conversation turns, consecutive same-role messages merged.

    Raises:
        UserError: The server has no prompt `name` (close matches in the hint), or a
            required argument is missing.
        MCPServerError: The server failed otherwise.
    """
    from mcp.shared.exceptions import MCPError

    from fastagent.mcp.convert import content_from_mcp

    try:
        result = await session.get_prompt(name, dict(arguments) if arguments else None)
    except MCPError as exc:
        raise await _prompt_error(session, server, name, arguments or {}, exc) from exc
    turns: list[Message] = []
    for prompt_message in result.messages:
        block: ContentBlock = content_from_mcp(prompt_message.content)
        if turns and turns[-1].role == prompt_message.role:
            turns[-1].content.append(block)
        else:
            turns.append(Message(role=prompt_message.role, content=[block]))
    return turns


async def _prompt_error(
    session: ClientSession,
    server: str,
    name: str,
    arguments: Mapping[str, str],
    error: MCPError,
) -> Exception:
    """Say why getting a prompt failed, looking at the server's prompts to tell."""
    try:
        prompts = await list_prompts(session, server)
    except MCPServerError:
        return _server_error(server, f"get prompt '{name}'", error)
    by_name = {p.name: p for p in prompts}
    prompt = by_name.get(name)
    if prompt is None:
        close = difflib.get_close_matches(name, list(by_name), n=3, cutoff=0.6)
        suggestion = f"did you mean {' or '.join(close)}? " if close else ""
        return UserError(
            f"server '{server}' has no prompt '{name}'",
            hint=f"{suggestion}its prompts: {', '.join(sorted(by_name)) or 'none'}",
        )
    missing = [a.name for a in prompt.arguments if a.required and a.name not in arguments]
    if missing:
        return UserError(
            f"prompt '{name}' of server '{server}' needs argument(s) {', '.join(missing)}",
            hint=f"give {', '.join(f'{m}=...' for m in missing)}",
        )
    return _server_error(server, f"get prompt '{name}'", error)


async def complete_argument(
    session: ClientSession,
    server: str,
    ref: PromptRef | TemplateRef,
    argument: str,
    value: str,
    *,
    context: Mapping[str, str] | None = None,
) -> list[str]:
    """Completions the server suggests for a prompt argument or template variable.

    Args:
        session: The server's session.
        server: The server's configured name.
        ref: The prompt or resource template.
        argument: The argument (or template variable) being typed.
        value: What has been typed so far.
        context: Values of arguments already given (some completions depend on them).

    Returns:
        The suggestions, best first; empty when the server does not offer completions.

    Raises:
        MCPServerError: The server failed to complete.
    """
    import mcp_types
    from mcp.shared.exceptions import MCPError

    capabilities = session.server_capabilities
    if capabilities is not None and capabilities.completions is None:
        return []
    mcp_ref: mcp_types.PromptReference | mcp_types.ResourceTemplateReference = (
        mcp_types.PromptReference(name=ref.name)
        if isinstance(ref, PromptRef)
        else mcp_types.ResourceTemplateReference(uri=ref.uri_template)
    )
    try:
        result = await session.complete(
            mcp_ref,
            {"name": argument, "value": value},
            context_arguments=dict(context) if context is not None else None,
        )
    except MCPError as exc:
        raise _server_error(server, f"complete argument '{argument}'", exc) from exc
    return list(result.completion.values)


async def call_tool_with_progress(
    session: ClientSession,
    server: str,
    name: str,
    arguments: Mapping[str, Any] | None,
    on_progress: ProgressHandler,
    *,
    timeout: float | None = None,
) -> mcp_types.CallToolResult:
    """Call a tool with a progress token, passing each progress report to `on_progress`.

    Cancelling the awaiting task sends ``notifications/cancelled`` for the call to the
    server (the SDK does it), so the server can stop the work.

    Args:
        session: The server's session.
        server: The server's configured name (the updates' ``source``).
        name: The tool's own (unprefixed) name.
        arguments: Its arguments.
        on_progress: Called with a `ProgressUpdate` per report, in order; may be async.
        timeout: Seconds to wait for the result; None for the session's default.

    Raises:
        MCPServerError: The call failed or timed out (a tool error is a result instead,
            with ``isError`` set).
    """
    from mcp.shared.exceptions import MCPError

    async def report(progress: float, total: float | None, message: str | None) -> None:
        update = ProgressUpdate(source=server, progress=progress, total=total, message=message)
        outcome = on_progress(update)
        if inspect.isawaitable(outcome):
            await outcome

    try:
        return await session.call_tool(
            name,
            dict(arguments) if arguments is not None else None,
            read_timeout_seconds=timeout,
            progress_callback=report,
        )
    except MCPError as exc:
        raise _server_error(server, f"call tool '{name}'", exc) from exc
