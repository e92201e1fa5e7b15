"""The ``fastagent`` command line: entry point in `main`, one module per subcommand.

Building the parser imports only the standard library; each subcommand imports what it
needs (pydantic, rich, provider SDKs) when it runs.
"""

from __future__ import annotations

__all__: list[str] = []
