"""Serving agents as an MCP server (``fastagent serve``).

`serve_app` starts a `FastAgent` app and offers each agent as an MCP tool over stdio or
streamable HTTP; each client session gets its own conversation with the agents. The pieces:
`fastagent.serve.sessions` (per-session agent sets, no ``mcp`` import),
`fastagent.serve.server` (the MCP handlers) and `fastagent.serve.transports` (stdio, HTTP).
"""

from __future__ import annotations

from fastagent.serve.launch import Transport, serve_app

__all__ = ["Transport", "serve_app"]
