"""The typed errors of durable execution."""

from __future__ import annotations

from fastagent.exceptions import UserError

__all__ = ["DurableError", "dbos_missing", "redacted_url"]


class DurableError(UserError):
    """A durable workflow could not be started, found or resumed."""


def dbos_missing() -> DurableError:
    """The error for ``durable:`` configured without the ``dbos`` package installed."""
    return DurableError(
        "durable: is configured but the dbos package is not installed",
        hint="pip install 'fastagent[durable]' (or remove the durable: section)",
    )


def redacted_url(url: str) -> str:
    """`url` without its password (``postgresql://user:***@host/db``)."""
    if "@" not in url or "://" not in url:
        return url
    scheme, rest = url.split("://", 1)
    auth, host = rest.rsplit("@", 1)
    user = auth.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"
