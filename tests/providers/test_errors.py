import email.utils

import pytest

from fastagent.exceptions import (
    AuthenticationError,
    BadRequestError,
    ContextWindowError,
    ContextWindowExceededError,
    ProviderHTTPError,
    ProviderServerError,
    RateLimitError,
)
from fastagent.providers.errors import (
    context_window_counts,
    context_window_error,
    error_for_status,
    is_context_window_message,
    retry_after,
    setting,
)


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (400, BadRequestError),
        (401, AuthenticationError),
        (403, AuthenticationError),
        (404, BadRequestError),
        (422, BadRequestError),
        (429, RateLimitError),
        (500, ProviderServerError),
        (502, ProviderServerError),
        (503, ProviderServerError),
        (529, ProviderServerError),
        (302, ProviderHTTPError),
    ],
)
def test_every_status_maps_to_its_type(status, kind):
    error = error_for_status(status, "boom", provider="openai")
    assert type(error) is kind
    assert error.status_code == status
    assert error.provider == "openai"
    assert error.message == f"openai returned HTTP {status}: boom"
    assert error.hint


def test_authentication_hint_names_the_key_variable():
    assert "ANTHROPIC_API_KEY" in (error_for_status(401, "x", provider="anthropic").hint or "")
    assert "GROQ_API_KEY" in (error_for_status(403, "x", provider="groq").hint or "")
    assert "OPENAI_API_KEY" in (error_for_status(401, "x", provider="openai").hint or "")


@pytest.mark.parametrize(
    "message",
    [
        "This model's maximum context length is 128000 tokens",
        "prompt is too long: 210000 tokens > 200000 maximum",
        "input exceeds the context window",
        "Error code: context_length_exceeded",
        "Request has too many tokens",
    ],
)
def test_context_window_messages_are_detected(message):
    assert is_context_window_message(message)
    error = error_for_status(400, message, provider="openai")
    assert isinstance(error, ContextWindowExceededError)
    assert isinstance(error, BadRequestError)


def test_ordinary_bad_request_is_not_a_context_window_error():
    assert not is_context_window_message("messages: field required")
    assert type(error_for_status(400, "field required", provider="x")) is BadRequestError


def test_context_window_text_on_a_server_error_stays_a_server_error():
    assert type(error_for_status(500, "context length", provider="x")) is ProviderServerError


def test_retry_after_seconds_ms_and_http_date():
    assert retry_after({"Retry-After": "7"}) == 7.0
    assert retry_after({"retry-after": "1.5"}) == 1.5
    assert retry_after({"retry-after-ms": "250"}) == 0.25
    assert retry_after({"retry-after-ms": "250", "retry-after": "9"}) == 0.25
    assert retry_after({"retry-after-ms": "soon", "retry-after": "9"}) == 9.0
    now = 1_700_000_000.0
    date = email.utils.formatdate(now + 30, usegmt=True)
    assert retry_after({"Retry-After": date}, now=now) == pytest.approx(30.0)
    past = email.utils.formatdate(now - 30, usegmt=True)
    assert retry_after({"Retry-After": past}, now=now) == 0.0


@pytest.mark.parametrize(
    "headers", [None, {}, {"x-other": "1"}, {"retry-after": "whenever"}, {"retry-after": "-3"}]
)
def test_retry_after_absent_or_unusable(headers):
    value = retry_after(headers)
    assert value is None or value == 0.0


def test_rate_limit_error_carries_retry_after_in_field_and_hint():
    error = error_for_status(429, "slow down", provider="anthropic", headers={"retry-after": "12"})
    assert isinstance(error, RateLimitError)
    assert error.retry_after == 12.0
    assert error.hint == "retry after 12s"
    bare = error_for_status(429, "slow down", provider="anthropic")
    assert isinstance(bare, RateLimitError)
    assert bare.retry_after is None
    assert "slow down" in (bare.hint or "")


def test_body_is_truncated():
    body = "x" * 10_000
    error = error_for_status(500, "oops", provider="openai", body=body)
    assert error.body is not None
    assert len(error.body) == 2000
    assert error_for_status(500, "oops", provider="openai").body is None


def test_messages_and_hints_never_contain_the_key():
    key = "sk-ant-api03-" + "A" * 40
    error = error_for_status(
        401, "invalid x-api-key", provider="anthropic", body='{"error": "invalid x-api-key"}'
    )
    for text in (str(error), error.hint or "", error.body or ""):
        assert key not in text
    assert "ANTHROPIC_API_KEY" in (error.hint or "")


@pytest.mark.parametrize(
    ("message", "counts"),
    [
        ("prompt is too long: 210000 tokens > 200000 maximum", (210000, 200000)),
        (
            "This model's maximum context length is 128000 tokens. However, your messages "
            "resulted in 130,412 tokens.",
            (130412, 128000),
        ),
        (
            "The input token count (1200345) exceeds the maximum number of tokens allowed "
            "(1048576).",
            (1200345, 1048576),
        ),
        ("Input is too long for requested model.", (None, None)),
    ],
)
def test_context_window_errors_carry_the_counts_the_message_gives(message, counts):
    error = error_for_status(400, message, provider="x", body='{"error": "..."}')
    assert isinstance(error, ContextWindowError)
    assert isinstance(error, ContextWindowExceededError)
    assert (error.input_tokens, error.context_window) == counts
    assert error.status_code == 400 and error.hint
    assert context_window_counts(message) == counts


def test_not_found_hint_names_the_model():
    error = error_for_status(404, "model x not found", provider="google")
    assert type(error) is BadRequestError
    assert "model name" in (error.hint or "")


@pytest.mark.parametrize(
    ("message", "counts"),
    [
        (
            "This model's maximum context length is 128000 tokens. However, your messages "
            "resulted in 130412 tokens. Please reduce the length of the messages.",
            (130412, 128000),
        ),
        ("prompt is too long: 215000 tokens > 200000 maximum", (215000, 200000)),
        ("Input too large for model gpt-4.1 (130412 > 128000).", (130412, 128000)),
        (
            "The input token count (1200000) exceeds the maximum number of tokens allowed "
            "(1048576).",
            (1200000, 1048576),
        ),
        (
            "Prompt contains 40000 tokens and 0 draft tokens, too large for model with 32768 "
            "maximum context length",
            (40000, 32768),
        ),
        ("Your input exceeds the context window of this model.", (None, None)),
    ],
)
def test_context_window_errors_carry_the_counts_the_message_names(message, counts):
    error = error_for_status(400, message, provider="openai")
    assert type(error) is ContextWindowError
    assert (error.input_tokens, error.context_window) == counts
    assert context_window_counts(message) == counts
    if counts[0] is not None:
        assert f"needs {counts[0]} tokens, the model takes {counts[1]}" in (error.hint or "")


def test_context_window_error_is_caught_as_the_former_exceeded_error():
    assert issubclass(ContextWindowError, ContextWindowExceededError)
    assert issubclass(ContextWindowError, BadRequestError)
    error = context_window_error("too many tokens", provider="azure", status_code=413)
    assert (error.status_code, error.provider) == (413, "azure")


def test_not_found_hint_names_the_model_and_the_settings_section():
    hint = error_for_status(404, "no such model", provider="responses", model="gpt-9").hint
    assert hint is not None and "'gpt-9'" in hint and "openai.base_url" in hint
    auth = error_for_status(401, "bad key", provider="responses").hint
    assert auth == "check the API key (OPENAI_API_KEY or openai.api_key)"
    assert "AZURE_OPENAI_API_KEY" in (error_for_status(403, "no", provider="azure").hint or "")


def test_hints_name_the_config_key_where_it_lives():
    assert setting("responses", "timeout") == "openai.timeout"
    assert setting("azure", "base_url") == "azure.base_url"
    assert setting("groq", "base_url") == "providers.groq.base_url"
    hint = error_for_status(404, "model not found", provider="groq", model="llama-9").hint or ""
    assert "providers.groq.base_url" in hint and "'llama-9'" in hint
