"""The roots a server is offered (``roots/list``), from the server's ``roots`` setting.

Roots tell a server which parts of the filesystem it may work on. Only ``file://`` URIs are
allowed (the MCP spec says so); anything else is a configuration error naming the key, raised
when the server's callbacks are built, before it connects.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from fastagent.exceptions import ConfigValidationError

if TYPE_CHECKING:
    import mcp_types
    from mcp.client.session import ClientRequestContext, ListRootsFnT

    from fastagent.config.mcp_settings import MCPRootSettings

__all__ = ["Root", "list_roots_callback", "roots_from_settings"]


@dataclass(frozen=True, slots=True)
class Root:
    """One root offered to a server.

    Attributes:
        uri: A ``file://`` URI.
        name: A human-readable name, if any.
    """

    uri: str
    name: str | None = None


def roots_from_settings(server_name: str, roots: Sequence[MCPRootSettings]) -> list[Root]:
    """Check the configured roots of a server and return them.

    Args:
        server_name: The server's configured name (for error messages).
        roots: Its ``roots`` setting.

    Raises:
        ConfigValidationError: A root's URI is not a ``file://`` URI with a path; the error
            names the key, e.g. ``mcp.servers.files.roots[0].uri``.
    """
    checked: list[Root] = []
    problems: list[tuple[str, str, int | None, str]] = []
    for index, root in enumerate(roots):
        key = f"mcp.servers.{server_name}.roots[{index}].uri"
        parts = urlparse(root.uri)
        if parts.scheme != "file" or not parts.path:
            problems.append(
                ("configuration", key, None, f"{key}: '{root.uri}' is not a file:// URI")
            )
            continue
        checked.append(Root(uri=root.uri, name=root.name))
    if problems:
        raise ConfigValidationError(
            "\n".join(text for *_, text in problems),
            problems=problems,
            hint="write roots as file:// URIs, e.g. file:///home/me/project",
        )
    return checked


def list_roots_callback(roots: Sequence[Root]) -> ListRootsFnT:
    """The SDK ``roots/list`` callback answering with `roots`."""
    frozen = tuple(roots)

    async def on_list_roots(context: ClientRequestContext) -> mcp_types.ListRootsResult:
        import mcp_types

        return mcp_types.ListRootsResult(
            roots=[mcp_types.Root(uri=r.uri, name=r.name) for r in frozen]
        )

    return on_list_roots
