"""The one error hierarchy of fastagent.

Every error fastagent raises on purpose derives from `FastAgentError`. The tree separates
the user's mistakes (fix your config or code) from failures at run time (something outside
went wrong)::

    FastAgentError
    ├── UserError                      the user can fix it: config, names, arguments
    │   ├── ConfigError                a config file or value is wrong
    │   │   ├── ConfigFileError        a file cannot be read or parsed (names file and line)
    │   │   ├── ConfigValidationError  a value has the wrong type or an unknown key
    │   │   └── MissingEnvVarError     `${VAR}` without default and VAR unset
    │   ├── UnknownModelError          model string names no known provider or model
    │   ├── UnknownAgentError          an agent name that is not defined (also an AttributeError)
    │   ├── AgentGraphError            workflow graph invalid (lists every problem)
    │   ├── MissingDependencyError     an optional extra is not installed
    │   └── MissingAPIKeyError         no API key for a provider (names the env var)
    └── RuntimeFailure                 something outside failed while running
        ├── ProviderError              a model call failed
        │   ├── ProviderHTTPError      the provider answered with an HTTP error
        │   │   ├── AuthenticationError  401/403
        │   │   ├── RateLimitError       429 (retry_after seconds when known)
        │   │   ├── BadRequestError      400/404/422 (the provider's message)
        │   │   │   └── ContextWindowExceededError
        │   │   │       └── ContextWindowError   with the token counts, when the API gave them
        │   │   └── ProviderServerError  5xx and 529 overloaded
        │   ├── ProviderTimeoutError   no answer in time
        │   ├── ProviderConnectionError  could not reach the provider
        │   └── ProviderResponseError  the reply is not a whole completion (bad body, cut stream)
        ├── PlaybackExhaustedError     playback has no more recorded turns
        ├── ModelOutputError           the model's output cannot be used (e.g. bad JSON)
        ├── ToolError                  a tool failed (the tool loop turns it into a result)
        ├── WorkflowTimeoutError       a workflow member gave no answer in time
        ├── MCPServerError             an MCP server failed to start, crashed or timed out
        └── HistoryFormatError         a history file cannot be parsed

Every error carries an optional `hint`: one line telling the user what to do next. The CLI
(and a script using ``from fastagent import FastAgent``) prints ``error: <message>`` and
``hint: <hint>`` and exits 1, never a traceback unless ``--verbose``. ``str(error)`` is the
message followed by a ``hint: <hint>`` line, so a traceback or a logged error keeps the hint;
`FastAgentError.message` and `FastAgentError.hint` hold the two parts.
"""

from __future__ import annotations

__all__ = [
    "AgentGraphError",
    "AuthenticationError",
    "BadRequestError",
    "ConfigError",
    "ConfigFileError",
    "ConfigValidationError",
    "ContextWindowError",
    "ContextWindowExceededError",
    "FastAgentError",
    "HistoryFormatError",
    "MCPServerError",
    "MissingAPIKeyError",
    "MissingDependencyError",
    "MissingEnvVarError",
    "ModelOutputError",
    "PlaybackExhaustedError",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderHTTPError",
    "ProviderResponseError",
    "ProviderServerError",
    "ProviderTimeoutError",
    "RateLimitError",
    "RuntimeFailure",
    "ToolError",
    "UnknownAgentError",
    "UnknownModelError",
    "UserError",
    "WorkflowTimeoutError",
]


class FastAgentError(Exception):
    """Base of every error fastagent raises on purpose.

    ``str(error)`` is the message, then ``hint: <hint>`` on a line of its own when there is a
    hint (``error.message`` alone is the message).

    Args:
        message: What went wrong, in one line.
        hint: What the user can do about it, in one line.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message}\nhint: {self.hint}" if self.hint else self.message

    @staticmethod
    def message_of(error: BaseException) -> str:
        """The one-line part of any error: a fastagent error's `message`, else ``str(error)``."""
        return error.message if isinstance(error, FastAgentError) else str(error)


class UserError(FastAgentError):
    """A mistake the user can fix: configuration, names, arguments."""


class ConfigError(UserError):
    """A configuration file or value is wrong."""


class ConfigFileError(ConfigError):
    """A configuration file cannot be read or parsed.

    Args:
        message: What went wrong.
        path: The file.
        line: 1-based line number, when known.
        hint: What to do about it.
    """

    def __init__(
        self, message: str, *, path: str, line: int | None = None, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.line = line


class ConfigValidationError(ConfigError):
    """One or more configuration values are invalid.

    Args:
        message: All problems, one per line.
        problems: Each problem as (file or source, dotted key, line or None, text).
        hint: What to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        problems: list[tuple[str, str, int | None, str]] | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.problems = problems or []


class MissingEnvVarError(ConfigError):
    """A `${VAR}` reference without a default names an unset variable.

    Args:
        variable: The environment variable.
        key: The dotted config key holding the reference.
        path: The file holding it, when known.
    """

    def __init__(self, variable: str, *, key: str, path: str | None = None) -> None:
        where = f" in {path}" if path else ""
        super().__init__(
            f"environment variable {variable} is not set (referenced by {key}{where})",
            hint=f"set {variable}, or write ${{{variable}:-default}} to give a default",
        )
        self.variable = variable
        self.key = key
        self.path = path


class UnknownModelError(UserError):
    """A model string names no known provider or model."""


class UnknownAgentError(UserError, AttributeError):
    """An agent name is not defined.

    Also an `AttributeError`, so ``app.wrtier`` on an `AgentApp` behaves as a missing
    attribute does (``hasattr(app, "wrtier")`` is False, ``getattr(app, "wrtier", None)`` is
    None); ``app["wrtier"]`` raises it too. The hint suggests the closest name.

    Args:
        message: What went wrong, naming the agent and the agents there are.
        hint: What to do about it (``did you mean 'writer'?``).
        agent: The unknown name, when there is one (also ``name``, as on `AttributeError`).
    """

    def __init__(self, message: str, *, hint: str | None = None, agent: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.agent = agent
        self.name = agent


class AgentGraphError(UserError):
    """The agent/workflow graph is invalid.

    Args:
        problems: Every problem found, each one line.
    """

    def __init__(self, problems: list[str]) -> None:
        body = "\n".join(f"  - {p}" for p in problems)
        super().__init__(
            f"invalid agent graph ({len(problems)} problem(s)):\n{body}",
            hint=_graph_hint(problems),
        )
        self.problems = problems


def _graph_hint(problems: list[str]) -> str:
    """The hint for graph `problems`: an unknown MCP server is declared, not renamed away."""
    servers = [p for p in problems if " uses unknown MCP server " in p]
    parts = []
    if len(servers) < len(problems):
        parts.append("fix the agent names and workflow members listed above")
    if servers:
        parts.append(
            "declare each unknown MCP server under mcp.servers in fastagent.yaml, or fix the "
            "agent's servers"
        )
    return "; ".join(parts)


class MissingDependencyError(UserError, ImportError):
    """An optional dependency is not installed.

    Args:
        package: The missing import name.
        extra: The fastagent extra that installs it.
    """

    def __init__(self, package: str, extra: str) -> None:
        FastAgentError.__init__(
            self,
            f"the optional package '{package}' is not installed",
            hint=f"pip install 'fastagent[{extra}]'",
        )
        self.package = package
        self.extra = extra


class MissingAPIKeyError(UserError):
    """No API key was found for a provider.

    Args:
        provider: Provider name.
        env_var: The environment variable that would supply it.
    """

    def __init__(self, provider: str, env_var: str) -> None:
        from fastagent.provider_defaults import settings_key

        self.provider = provider
        self.env_var = env_var
        super().__init__(
            f"no API key for provider '{provider}'",
            hint=f"set {env_var}, or {settings_key(provider)}.api_key in fastagent.secrets.yaml",
        )

    @property
    def hint(self) -> str | None:
        """Where to set the key; also the extra to install when the SDK is missing too.

        Both are needed before the model works: saying only one sends the user round twice.
        """
        hint = self._hint
        if hint is None:
            return None
        from fastagent.provider_defaults import PROVIDER_DEFAULTS

        entry = PROVIDER_DEFAULTS.get(self.provider) or PROVIDER_DEFAULTS["openai"]
        if entry.sdk == "boto3" or _importable(entry.sdk):  # bedrock: credentials, not a key
            return hint
        install = f"pip install 'fastagent[{entry.extra}]'"
        return f"{hint}; the {entry.sdk} package is missing too: {install}"

    @hint.setter
    def hint(self, value: str | None) -> None:
        self._hint = value


def _importable(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


class RuntimeFailure(FastAgentError):
    """Something outside the user's code failed while running."""


class ProviderError(RuntimeFailure):
    """A model call failed.

    Args:
        message: What went wrong.
        provider: Provider name.
        hint: What to do about it.
    """

    def __init__(self, message: str, *, provider: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.provider = provider


class ProviderHTTPError(ProviderError):
    """The provider answered with an HTTP error.

    Args:
        message: What went wrong.
        status_code: HTTP status.
        body: The response body (may be truncated), never containing our credentials.
        provider: Provider name.
        hint: What to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int,
        body: str | None = None,
        provider: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, provider=provider, hint=hint)
        self.status_code = status_code
        self.body = body


class AuthenticationError(ProviderHTTPError):
    """The provider rejected the credentials (401/403)."""


class RateLimitError(ProviderHTTPError):
    """The provider is rate limiting (429).

    Args:
        message: What went wrong.
        retry_after: Seconds the provider asked us to wait, when it said.
        status_code: The HTTP status (429 unless the provider used another one).
        body: The response body, as for `ProviderHTTPError`.
        provider: The provider's name, as for `ProviderHTTPError`.
        hint: What the user can do, as for `ProviderHTTPError`.
    """

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        status_code: int = 429,
        body: str | None = None,
        provider: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, body=body, provider=provider, hint=hint)
        self.retry_after = retry_after


class BadRequestError(ProviderHTTPError):
    """The provider rejected the request (400/404/422)."""


class ContextWindowExceededError(BadRequestError):
    """The request does not fit the model's context window."""


class ContextWindowError(ContextWindowExceededError):
    """The request does not fit the model's context window, with the counts the API gave.

    Every provider raises this one; ``except ContextWindowExceededError`` catches it too.

    Args:
        message: What went wrong.
        input_tokens: The tokens the request needed, when the provider said.
        context_window: The model's limit in tokens, when the provider said.
        status_code: HTTP status (400 unless the provider used another).
        body: The response body, as for `ProviderHTTPError`.
        provider: Provider name.
        hint: What to do about it.
    """

    def __init__(
        self,
        message: str,
        *,
        input_tokens: int | None = None,
        context_window: int | None = None,
        status_code: int = 400,
        body: str | None = None,
        provider: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, status_code=status_code, body=body, provider=provider, hint=hint)
        self.input_tokens = input_tokens
        self.context_window = context_window


class ProviderServerError(ProviderHTTPError):
    """The provider failed on its side (5xx, 529 overloaded)."""


class ProviderTimeoutError(ProviderError):
    """The provider did not answer in time."""


class ProviderConnectionError(ProviderError):
    """The provider could not be reached."""


class ProviderResponseError(ProviderError):
    """The provider answered, but not with a whole completion.

    A body that is not JSON, JSON without the completion in it (no ``choices``, no
    ``content``), or a stream that ended before its finish reason. Retried like a server
    error, since a second attempt usually gets a whole reply.
    """


class PlaybackExhaustedError(RuntimeFailure):
    """Playback has replayed every recorded assistant turn.

    Args:
        played: How many turns were replayed.
    """

    def __init__(self, played: int) -> None:
        super().__init__(
            f"playback exhausted: all {played} recorded assistant turn(s) were replayed",
            hint="record more assistant turns, or reset the playback model",
        )
        self.played = played


class ModelOutputError(RuntimeFailure):
    """The model's output cannot be used, e.g. invalid structured output.

    Args:
        message: What went wrong.
        raw: The raw text the model produced.
    """

    def __init__(self, message: str, *, raw: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.raw = raw


class ToolError(RuntimeFailure):
    """A tool failed. The tool loop turns this into an error result for the model."""


class WorkflowTimeoutError(RuntimeFailure):
    """A member of a workflow (e.g. a parallel branch) gave no answer in time.

    Args:
        message: What went wrong.
        workflow: The workflow's name.
        member: The member agent that timed out.
        timeout: The limit, in seconds.
    """

    def __init__(
        self, message: str, *, workflow: str, member: str, timeout: float, hint: str | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.workflow = workflow
        self.member = member
        self.timeout = timeout


class MCPServerError(RuntimeFailure):
    """An MCP server failed to start, crashed or timed out.

    Args:
        message: What went wrong.
        server: The server's configured name.
        stderr_tail: The last lines the server wrote to stderr.
    """

    def __init__(
        self,
        message: str,
        *,
        server: str,
        stderr_tail: str = "",
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.server = server
        self.stderr_tail = stderr_tail


class HistoryFormatError(RuntimeFailure):
    """A saved conversation cannot be parsed.

    Args:
        message: What went wrong.
        path: The file, when known.
        line: 1-based line, when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.path = path
        self.line = line
