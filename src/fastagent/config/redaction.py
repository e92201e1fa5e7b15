"""The effective configuration with secrets replaced by ``***``, safe to print or log.

What counts as a secret follows `fastagent._redact`, the redaction used for logs: `SecretStr`
values, strings under a secret-looking key (``api_key``, ``GITHUB_TOKEN``, ``Authorization``,
``password``), and, inside any other string, those same secret values, bearer tokens and
``api_key=...`` pairs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fastagent._redact import MASK, is_secret_key, redact, secret_values

if TYPE_CHECKING:
    from fastagent.config.loader import LoadedConfig

__all__ = ["redact_value", "redacted"]


def redact_value(value: Any, key: str = "", *, secrets: frozenset[str] | None = None) -> Any:
    """Return a copy of `value` with every secret replaced by ``***``.

    Args:
        value: Mappings, lists, scalars and `SecretStr` values.
        key: The key holding `value`.
        secrets: Literal secrets to hide inside other strings; defaults to those found
            in `value` by `fastagent._redact.secret_values`.

    Returns:
        The redacted copy, with the same structure.
    """
    from pydantic import SecretStr

    if secrets is None:
        secrets = frozenset(secret_values(value, key))
    if isinstance(value, SecretStr):
        return MASK
    if isinstance(value, dict):
        return {k: redact_value(v, str(k), secrets=secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [redact_value(item, key, secrets=secrets) for item in value]
    if isinstance(value, str) and value:
        return MASK if is_secret_key(key) else redact(value, secrets=secrets)
    return value


def redacted(loaded: LoadedConfig) -> dict[str, Any]:
    """Return the effective configuration as plain data with secrets shown as ``***``.

    Args:
        loaded: The loaded configuration.

    Returns:
        Nested mappings of plain values.
    """
    result: dict[str, Any] = redact_value(loaded.settings.model_dump())
    return result
