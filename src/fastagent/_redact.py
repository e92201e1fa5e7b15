"""Secret redaction for anything fastagent writes: logs, JSON lines, error bodies.

`redact` replaces credentials with ``***``. It knows the shapes of common credentials
(Anthropic ``sk-ant-…`` and OpenAI ``sk-…``/``sk-proj-…`` keys, ``Bearer`` tokens,
``Basic`` credentials, ``Authorization`` headers, ``api_key=…`` and ``"api_key": "…"`` pairs,
the userinfo of URLs and URL query parameters named like secrets: key, token, secret,
password, signature, sig) and any literal value registered at run time with
`register_secret` (e.g. an API key loaded from a secrets file), or passed in ``secrets=``
(e.g. the values of ``*_API_KEY`` environment variables, see `env_secrets`).

The registry of run-time secrets is process-wide on purpose: a secret known anywhere must be
hidden in every thread, task and log sink.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import Any

__all__ = [
    "MASK",
    "MIN_SECRET_LENGTH",
    "SECRET_ENV_SUFFIXES",
    "env_secrets",
    "is_secret_key",
    "redact",
    "register_secret",
    "secret_values",
]

MASK = "***"
"""What every secret is replaced with."""

MIN_SECRET_LENGTH = 8
"""Shorter literal values are never treated as secrets (they would mask ordinary words)."""

SECRET_ENV_SUFFIXES = ("_API_KEY", "_TOKEN", "_SECRET")
"""Environment variables whose names end with one of these hold secrets."""

_PROVIDER_KEY = re.compile(r"(?<![A-Za-z0-9_\-])sk-[A-Za-z0-9_\-]{16,}")
_AUTH_HEADER = re.compile(
    r"""(?P<head>(?<![A-Za-z0-9_\-])["']?(?:proxy-)?authorization["']?\s*[:=]\s*)"""
    r"""(?:(?P<q>["'])[^"'\r\n]*(?P=q)|[^"'\r\n,;}]+)""",
    re.IGNORECASE,
)
_BEARER = re.compile(r"\b(?P<head>Bearer\s+)[A-Za-z0-9\-._~+/]+=*", re.IGNORECASE)
# HTTP Basic credentials: base64 of "user:password" (what a URL's userinfo is sent as).
_BASIC = re.compile(
    r"(?P<head>Basic(?<![A-Za-z0-9_]Basic)\s+)(?P<b64>[A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])"
)
_SECRET_NAME = (
    r"(?:[A-Za-z0-9]+[_\-])*"
    r"(?:api[_\-]?key|apikey|access[_\-]?key|secret|token|password|passwd)"
)
_KEY_VALUE = re.compile(
    rf"""(?P<head>(?<![A-Za-z0-9_\-])(?P<kq>["']?){_SECRET_NAME}(?P=kq)\s*[:=]\s*)"""
    r"""(?:(?P<q>["'])(?P<qv>[^"'\r\n]*)(?P=q)|(?P<v>[^\s"',;&)}\]]+))""",
    re.IGNORECASE,
)


# The userinfo of a URL (``https://user:password@host``): all of it, since a token often
# stands where the user name does (``https://ghp_xxx@github.com``).
_URL_USERINFO = re.compile(r"(?P<head>://)(?P<userinfo>[^\s/?#@\"'<>]+)@(?=[^\s/?#@]+)")
# A query (or fragment) parameter named like a secret: key, token, secret, password,
# signature, sig, credential, auth, as the whole name or a part of it (api_key, X-Amz-Signature).
_QUERY_PARAM = re.compile(r"(?P<head>[?&#;](?P<name>[A-Za-z0-9_.\-]+)=)(?P<v>[^&#\s\"'<>]+)")
_QUERY_SECRET_NAME = re.compile(
    r"(?:[A-Za-z0-9_.\-]*[_.\-])?"
    r"(?:[A-Za-z0-9]*(?:key|token|secret|password|passwd|pwd|signature|credential)s?|sig|auth)"
    r"(?:[_.\-][A-Za-z0-9_.\-]*)?",
    re.IGNORECASE,
)

_SECRET_KEY_NAME = re.compile(rf"{_SECRET_NAME}|(?:proxy-)?authorization", re.IGNORECASE)


def is_secret_key(name: str) -> bool:
    """Whether a key or header name (``api_key``, ``X-Api-Key``, ``GH_TOKEN``) names a secret."""
    return _SECRET_KEY_NAME.fullmatch(name) is not None


def secret_values(value: Any, key: str = "") -> set[str]:
    """Collect the secrets held in `value`, walking it the way redaction does.

    Args:
        value: Pydantic models, mappings, lists, tuples, scalars and `SecretStr`-like values
            (anything with ``get_secret_value()``).
        key: The key or field name holding `value`.

    Returns:
        Every non-empty `SecretStr` value and non-empty string under a secret-looking key.
    """
    reveal = getattr(value, "get_secret_value", None)
    if callable(reveal):
        secret = str(reveal())
        return {secret} if secret else set()
    if isinstance(value, str):
        return {value} if value and is_secret_key(key) else set()
    if isinstance(value, Mapping):
        return {s for k, v in value.items() for s in secret_values(v, str(k))}
    if isinstance(value, list | tuple):
        return {s for item in value for s in secret_values(item, key)}
    fields = getattr(type(value), "model_fields", None)  # a pydantic model
    if isinstance(fields, Mapping):
        return {s for name in fields for s in secret_values(getattr(value, name), name)}
    return set()


def _mask_auth_header(match: re.Match[str]) -> str:
    quote = match.group("q") or ""
    return f"{match.group('head')}{quote}{MASK}{quote}"


def _mask_query_param(match: re.Match[str]) -> str:
    if _QUERY_SECRET_NAME.fullmatch(match.group("name")) is None:
        return match.group()
    return f"{match.group('head')}{MASK}"


def _mask_basic(match: re.Match[str]) -> str:
    try:
        decoded = base64.b64decode(match.group("b64"), validate=True)
    except (binascii.Error, ValueError):
        return match.group()
    return f"{match.group('head')}{MASK}" if b":" in decoded else match.group()


def _mask_key_value(match: re.Match[str]) -> str:
    quote = match.group("q") or ""
    return f"{match.group('head')}{quote}{MASK}{quote}"


class _SecretRegistry:
    """Thread-safe, reference-counted set of literal secret values."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter[str] = Counter()
        self._pattern: re.Pattern[str] | None = None

    def add(self, value: str) -> Callable[[], None]:
        if len(value) < MIN_SECRET_LENGTH:
            return _do_nothing
        with self._lock:
            self._counts[value] += 1
            self._pattern = _literal_pattern(self._counts)
        removed = False

        def remove() -> None:
            nonlocal removed
            with self._lock:
                if removed:
                    return
                removed = True
                self._counts[value] -= 1
                if self._counts[value] <= 0:
                    del self._counts[value]
                self._pattern = _literal_pattern(self._counts)

        return remove

    @property
    def pattern(self) -> re.Pattern[str] | None:
        return self._pattern


def _do_nothing() -> None:
    return None


def _literal_pattern(values: Iterable[str]) -> re.Pattern[str] | None:
    ordered = sorted(set(values), key=len, reverse=True)
    if not ordered:
        return None
    return re.compile("|".join(re.escape(v) for v in ordered))


@functools.lru_cache(maxsize=16)
def _literal_pattern_for(values: frozenset[str]) -> re.Pattern[str] | None:
    return _literal_pattern(v for v in values if len(v) >= MIN_SECRET_LENGTH)


_REGISTRY = _SecretRegistry()


def register_secret(value: str) -> Callable[[], None]:
    """Hide `value` wherever `redact` runs, from now on, in every thread.

    Values shorter than `MIN_SECRET_LENGTH` are ignored.

    Args:
        value: The secret, e.g. an API key read from a secrets file.

    Returns:
        A function that forgets this registration (idempotent; a value registered twice stays
        hidden until both registrations are forgotten).
    """
    return _REGISTRY.add(value)


def env_secrets(environ: Mapping[str, str] | None = None) -> frozenset[str]:
    """The values of secret-named environment variables (``*_API_KEY``, ``*_TOKEN``, ``*_SECRET``).

    Args:
        environ: The environment to read; `os.environ` when omitted.

    Returns:
        Every such value at least `MIN_SECRET_LENGTH` characters long.
    """
    source = os.environ if environ is None else environ
    found: set[str] = set()
    for name, value in source.items():
        upper = name.upper()
        named_secret = any(
            upper.endswith(suffix) or upper == suffix[1:] for suffix in SECRET_ENV_SUFFIXES
        )
        if named_secret and len(value) >= MIN_SECRET_LENGTH:
            found.add(value)
    return frozenset(found)


def redact(text: str, *, secrets: Iterable[str] = ()) -> str:
    """Replace every credential in `text` with `MASK`.

    Args:
        text: Any text about to be written somewhere.
        secrets: Extra literal values to hide, besides the registered ones.

    Returns:
        The text with registered and given secrets, provider keys, bearer tokens,
        authorization headers, ``api_key``-style pairs, URL userinfo
        (``https://***@host``) and secret-named URL query parameters (``?key=***``,
        ``&sig=***``) masked.
    """
    given = _literal_pattern_for(frozenset(secrets))
    if given is not None:
        text = given.sub(MASK, text)
    registered = _REGISTRY.pattern
    if registered is not None:
        text = registered.sub(MASK, text)
    if "@" in text:
        text = _URL_USERINFO.sub(lambda m: f"{m.group('head')}{MASK}@", text)
    if "=" in text:
        text = _QUERY_PARAM.sub(_mask_query_param, text)
    text = _AUTH_HEADER.sub(_mask_auth_header, text)
    text = _BEARER.sub(lambda m: f"{m.group('head')}{MASK}", text)
    if "Basic" in text:
        text = _BASIC.sub(_mask_basic, text)
    text = _KEY_VALUE.sub(_mask_key_value, text)
    return _PROVIDER_KEY.sub(MASK, text)
