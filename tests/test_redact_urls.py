"""`redact` masks URL userinfo, secret-named query parameters and HTTP Basic credentials."""

from __future__ import annotations

import pytest

from fastagent._redact import redact


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://user:hunter2@host.example/v1", "https://***@host.example/v1"),
        ("base_url: http://a:p%40ss@127.0.0.1:8080/v1", "base_url: http://***@127.0.0.1:8080/v1"),
        ("https://ghp_abcdef123456@github.com/x.git", "https://***@github.com/x.git"),
        ("'https://u:p@h/x'", "'https://***@h/x'"),
        ("https://host/v1?key=AIzaSyABC&alt=json", "https://host/v1?key=***&alt=json"),
        ("https://x/blob?sv=2020&sig=abc%2Bdef&se=2026", "https://x/blob?sv=2020&sig=***&se=2026"),
        (
            "https://s3/b?X-Amz-Credential=AKIA&X-Amz-Signature=abc&X-Amz-Expires=60",
            "https://s3/b?X-Amz-Credential=***&X-Amz-Signature=***&X-Amz-Expires=60",
        ),
        ("wss://h/s?access_token=eyJabc&room=1", "wss://h/s?access_token=***&room=1"),
        (
            "https://h/p?password=pw&passwd=p2&secret=s&client_secret=c&auth=a",
            "https://h/p?password=***&passwd=***&secret=***&client_secret=***&auth=***",
        ),
        ("Authorization: Basic dXNlcjpwYXNz", "Authorization: ***"),
        ("provided: Basic dXNlcjpwYXNz", "provided: Basic ***"),
    ],
)
def test_url_secrets_are_masked(text: str, expected: str) -> None:
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/path?page=2&sort=asc&q=keyboard",
        "mail user@example.com about https://example.com/a@b",
        "Basic authentication failed; Basic setup",
        "https://example.com/v1/chat/completions",
        "sse at http://127.0.0.1:8080/sse",
    ],
)
def test_ordinary_urls_and_words_are_left_alone(text: str) -> None:
    assert redact(text) == text
