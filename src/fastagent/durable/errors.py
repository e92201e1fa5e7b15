"""The typed errors of durable execution."""

from __future__ import annotations

from urllib.parse import unquote

from fastagent.exceptions import UserError

__all__ = [
    "DurableError",
    "database_unavailable",
    "dbos_missing",
    "redacted_url",
    "require_dbos",
]

_MIN_PIECE = 4  # shorter pieces of a password are not masked on their own (ordinary words)


class DurableError(UserError):
    """A durable workflow could not be started, found or resumed."""


def dbos_missing() -> DurableError:
    """The error for ``durable:`` configured without the ``dbos`` package installed."""
    return DurableError(
        "durable: is configured but the dbos package is not installed",
        hint="pip install 'fastagent[durable]' (or remove the durable: section)",
    )


def require_dbos(command: str, *, hint: str) -> None:
    """Stop a command that is durable by itself (no ``durable:`` needed) when dbos is missing.

    `dbos_missing` blames the config's ``durable:`` section, which such a command may not
    have; this names the command and a way on without the extra (`hint`).

    Raises:
        DurableError: ``dbos`` cannot be imported.
    """
    try:
        import dbos  # noqa: F401  # the command imports it next anyway
    except ImportError:
        raise DurableError(
            f"{command} needs the dbos package (the durable extra), which is not installed",
            hint=hint,
        ) from None


def redacted_url(url: str) -> str:
    """`url` without its password (``postgresql://user:***@host/db``) or secret parameters."""
    from fastagent._redact import redact

    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        auth, host = rest.rsplit("@", 1)
        user = auth.split(":", 1)[0]
        url = f"{scheme}://{user}:***@{host}"
    return redact(url)


def database_unavailable(url: str, exc: BaseException) -> DurableError:
    """The one-line error for a durable database that could not be opened.

    The message holds the URL without its password and the first line of the innermost
    cause (the driver's own words: refused, unknown host, authentication failed), with any
    piece of the password the driver echoed masked.
    """
    cause: BaseException = exc
    seen = {id(cause)}
    while True:
        inner = getattr(cause, "orig", None) or cause.__cause__
        if not isinstance(inner, BaseException) or id(inner) in seen:
            break
        seen.add(id(inner))
        cause = inner
    lines = [line.strip() for line in str(cause).splitlines() if line.strip()]
    detail = _mask_password(lines[0] if lines else type(cause).__name__, url)
    return DurableError(
        f"durable database {redacted_url(url)} could not be opened: {detail}",
        hint="check durable.database (a SQLite path or a postgresql:// URL) and that the "
        "database server is running and reachable",
    )


def _mask_password(text: str, url: str) -> str:
    """`text` with the password of `url` (and its pieces around an ``@``) masked."""
    if "://" not in url or "@" not in url:
        return text
    auth = url.split("://", 1)[1].rsplit("@", 1)[0]
    if ":" not in auth:
        return text
    password = auth.split(":", 1)[1]
    pieces = {password, unquote(password), *password.split("@")}
    for piece in sorted(pieces, key=len, reverse=True):
        if len(piece) >= _MIN_PIECE:
            text = text.replace(piece, "***")
    return text
