import fastagent.exceptions as exc


def test_user_errors_and_runtime_failures_are_disjoint() -> None:
    user = {n for n in exc.__all__ if issubclass(getattr(exc, n), exc.UserError)}
    runtime = {n for n in exc.__all__ if issubclass(getattr(exc, n), exc.RuntimeFailure)}
    assert user.isdisjoint(runtime)
    assert user | runtime | {"FastAgentError", "UserError", "RuntimeFailure"} == set(exc.__all__)


def test_every_name_in_the_docstring_tree() -> None:
    doc = exc.__doc__ or ""
    missing = [n for n in exc.__all__ if n not in doc]
    assert missing == []


def test_hint_and_fields() -> None:
    err = exc.MissingEnvVarError(
        "TOKEN", key="mcp.servers.web.headers.Authorization", path="a.yaml"
    )
    assert "TOKEN" in str(err) and "mcp.servers.web.headers.Authorization" in str(err)
    assert err.hint is not None and "${TOKEN:-default}" in err.hint
    rl = exc.RateLimitError("slow down", retry_after=2.5, provider="openai")
    assert rl.status_code == 429 and rl.retry_after == 2.5
    missing = exc.MissingDependencyError("anthropic", "anthropic")
    assert isinstance(missing, ImportError)
    assert missing.hint == "pip install 'fastagent[anthropic]'"


def test_str_is_the_message_then_the_hint_line() -> None:
    err = exc.MissingAPIKeyError("anthropic", "ANTHROPIC_API_KEY")
    assert err.hint is not None and "ANTHROPIC_API_KEY" in err.hint
    assert str(err) == f"{err.message}\nhint: {err.hint}"
    assert str(exc.UserError("no hint here")) == "no hint here"
    err.hint = "changed later"  # the CLI rewrites hints it knows better
    assert str(err).endswith("\nhint: changed later")
    assert isinstance(exc.UnknownAgentError("x"), AttributeError)
