from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from fastagent.config import LoadedConfig, load_config
from fastagent.exceptions import ConfigFileError, ConfigValidationError, MissingEnvVarError

Load = Callable[..., LoadedConfig]
Write = Callable[[Path, str], Path]


def test_no_files_gives_defaults(load: Load, project: Path, user_dir: Path) -> None:
    loaded = load()
    assert loaded.config_file is None
    assert loaded.secrets_file is None
    assert loaded.dotenv_file is None
    assert loaded.settings.logger.level == "warning"
    assert set(loaded.sources.values()) == {"default"}
    assert loaded.searched == [
        project / "fastagent.yaml",
        project / "fastagent.config.yaml",
        user_dir / "fastagent.yaml",
        user_dir / "fastagent.config.yaml",
        project / "fastagent.secrets.yaml",
        project / "fastagent.config.secrets.yaml",
        project / ".env",
    ]


def test_sources_cover_every_leaf(load: Load, project: Path, write: Write) -> None:
    write(project / "fastagent.yaml", "default_model: sonnet\n")
    sources = load().sources
    assert sources["default_model"] == "file"
    assert sources["logger.level"] == "default"
    assert sources["anthropic.api_key"] == "default"
    assert sources["mcp.servers"] == "default"
    assert sources["generic.base_url"] == "default"


def test_each_layer_beats_the_one_below(load: Load, project: Path, write: Write) -> None:
    keys = ["a", "b", "c", "d", "e"]
    # each key is set by every layer up to one; the highest layer that sets it must win
    write(
        project / "fastagent.yaml", "model_aliases: {a: file, b: file, c: file, d: file, e: file}\n"
    )
    write(
        project / "fastagent.secrets.yaml",
        "model_aliases: {b: secrets, c: secrets, d: secrets, e: secrets}\n",
    )
    write(
        project / ".env", "".join(f"FASTAGENT_MODEL_ALIASES__{k.upper()}=dotenv\n" for k in "cde")
    )
    env = {f"FASTAGENT_MODEL_ALIASES__{k.upper()}": "env" for k in "de"}
    loaded = load(env=env, overrides={"model_aliases.e": "cli"})
    expected = {"a": "file", "b": "secrets", "c": "dotenv", "d": "env", "e": "cli"}
    assert loaded.settings.model_aliases == expected
    for key in keys:
        assert loaded.sources[f"model_aliases.{key}"] == expected[key]


def test_secrets_merge_deeply_over_the_config_file(load: Load, project: Path, write: Write) -> None:
    write(project / "fastagent.yaml", "anthropic:\n  timeout: 10\n  max_retries: 1\n")
    write(project / "fastagent.secrets.yaml", "anthropic:\n  api_key: sk-secret\n")
    loaded = load()
    assert loaded.settings.anthropic.timeout == 10
    assert loaded.settings.anthropic.api_key is not None
    assert loaded.settings.anthropic.api_key.get_secret_value() == "sk-secret"
    assert loaded.sources["anthropic.api_key"] == "secrets"
    assert loaded.sources["anthropic.timeout"] == "file"
    assert loaded.secrets_file == project / "fastagent.secrets.yaml"


def test_environment_overrides_parse_values(load: Load) -> None:
    env = {
        "FASTAGENT_LOGGER__LEVEL": "debug",
        "FASTAGENT_LOGGER__SHOW_CHAT": "false",
        "FASTAGENT_OPENAI__MAX_RETRIES": "7",
        "FASTAGENT_MCP__SERVERS__FETCH__URL": "http://localhost:9/mcp",
        "FASTAGENT_MCP__SERVERS__FETCH__INCLUDE_TOOLS": '["fetch*"]',
    }
    loaded = load(env=env)
    settings = loaded.settings
    assert settings.logger.level == "debug"
    assert settings.logger.show_chat is False
    assert settings.openai.max_retries == 7
    assert settings.mcp.servers["fetch"].transport == "http"
    assert settings.mcp.servers["fetch"].include_tools == ["fetch*"]
    assert loaded.sources["mcp.servers.fetch.url"] == "env"
    assert loaded.sources["mcp.servers.fetch.transport"] == "default"


def test_env_refines_a_server_from_the_file(load: Load, project: Path, write: Write) -> None:
    write(project / "fastagent.yaml", "mcp:\n  servers:\n    Fetch:\n      command: uvx\n")
    loaded = load(env={"FASTAGENT_MCP__SERVERS__FETCH__ARGS": "[mcp-server-fetch]"})
    assert list(loaded.settings.mcp.servers) == ["Fetch"]
    assert loaded.settings.mcp.servers["Fetch"].args == ["mcp-server-fetch"]


def test_config_env_var_is_not_a_setting(load: Load, project: Path, write: Write) -> None:
    config = write(project / "conf.yaml", "default_model: haiku\n")
    loaded = load(env={"FASTAGENT_CONFIG": str(config)})
    assert loaded.config_file == config
    assert loaded.settings.default_model == "haiku"


@pytest.mark.parametrize(
    ("provider", "variable"),
    [
        ("anthropic", "ANTHROPIC_API_KEY"),
        ("openai", "OPENAI_API_KEY"),
        ("generic", "GENERIC_API_KEY"),
    ],
)
def test_conventional_key_variables_fill_missing_api_keys(
    load: Load, provider: str, variable: str
) -> None:
    loaded = load(env={variable: "sk-from-env"})
    key = getattr(loaded.settings, provider).api_key
    assert key is not None
    assert key.get_secret_value() == "sk-from-env"
    assert loaded.sources[f"{provider}.api_key"] == "env"


def test_conventional_key_variables_never_beat_config(
    load: Load, project: Path, write: Write
) -> None:
    write(project / "fastagent.secrets.yaml", "anthropic: {api_key: sk-config}\n")
    loaded = load(
        env={
            "ANTHROPIC_API_KEY": "sk-env",
            "FASTAGENT_OPENAI__API_KEY": "sk-a",
            "OPENAI_API_KEY": "sk-b",
        }
    )
    assert loaded.settings.anthropic.api_key is not None
    assert loaded.settings.anthropic.api_key.get_secret_value() == "sk-config"
    assert loaded.settings.openai.api_key is not None
    assert loaded.settings.openai.api_key.get_secret_value() == "sk-a"


def test_conventional_key_from_dotenv(load: Load, project: Path, write: Write) -> None:
    write(project / ".env", "OPENAI_API_KEY=sk-dotenv\n")
    loaded = load()
    assert loaded.settings.openai.api_key is not None
    assert loaded.settings.openai.api_key.get_secret_value() == "sk-dotenv"
    assert loaded.sources["openai.api_key"] == "dotenv"
    assert loaded.dotenv_file == project / ".env"
    assert "OPENAI_API_KEY" not in os.environ or os.environ["OPENAI_API_KEY"] != "sk-dotenv"


def test_dotenv_does_not_touch_os_environ(load: Load, project: Path, write: Write) -> None:
    write(project / ".env", "FASTAGENT_TEST_ONLY_MARKER=1\nFASTAGENT_DEFAULT_MODEL=haiku\n")
    with pytest.raises(ConfigValidationError):
        load()  # FASTAGENT_TEST_ONLY_MARKER is an unknown key
    assert "FASTAGENT_TEST_ONLY_MARKER" not in os.environ


def test_variables_substitute_in_config_and_secrets(
    load: Load, project: Path, write: Write
) -> None:
    write(
        project / "fastagent.yaml",
        "mcp:\n  servers:\n    gh:\n      url: ${GH_URL:-http://localhost:1/mcp}\n"
        "      headers:\n        Authorization: Bearer ${GH_TOKEN}\n",
    )
    write(project / "fastagent.secrets.yaml", "openai:\n  api_key: ${MY_KEY}\n")
    write(project / ".env", "GH_TOKEN=from-dotenv\n")
    loaded = load(env={"MY_KEY": "sk-1"})
    server = loaded.settings.mcp.servers["gh"]
    assert server.url == "http://localhost:1/mcp"
    assert server.headers == {"Authorization": "Bearer from-dotenv"}
    assert loaded.settings.openai.api_key is not None
    assert loaded.settings.openai.api_key.get_secret_value() == "sk-1"


def test_missing_variable_in_secrets_names_the_secrets_file(
    load: Load, project: Path, write: Write
) -> None:
    secrets = write(project / "fastagent.secrets.yaml", "openai:\n  api_key: ${MY_KEY}\n")
    with pytest.raises(MissingEnvVarError) as caught:
        load()
    assert caught.value.message == (
        f"environment variable MY_KEY is not set (referenced by openai.api_key in {secrets})"
    )


def test_overrides_nested_and_dotted(load: Load) -> None:
    loaded = load(
        overrides={
            "default_model": "passthrough",
            "logger.level": "debug",
            "logger": {"show_tools": False},
            "mcp": {"servers.time": {"command": "uvx"}},
            "openai.timeout": None,  # an option not given
        }
    )
    settings = loaded.settings
    assert settings.default_model == "passthrough"
    assert settings.logger.level == "debug"
    assert settings.logger.show_tools is False
    assert settings.mcp.servers["time"].command == "uvx"
    assert settings.openai.timeout == 60
    assert loaded.sources["logger.level"] == "cli"
    assert loaded.sources["openai.timeout"] == "default"


def test_explicit_config_path_and_parent_discovery(load: Load, project: Path, write: Write) -> None:
    write(project / "fastagent.yaml", "default_model: parent\n")
    nested = project / "pkg" / "sub"
    nested.mkdir(parents=True)
    assert load(cwd=nested).settings.default_model == "parent"
    explicit = write(project / "alt.yaml", "default_model: explicit\n")
    assert load(explicit, cwd=nested).config_file == explicit
    assert load(explicit, cwd=nested).settings.default_model == "explicit"


def test_user_config_dir_is_the_last_resort(load: Load, user_dir: Path, write: Write) -> None:
    user_file = write(user_dir / "fastagent.yaml", "default_model: from-user\n")
    loaded = load()
    assert loaded.config_file == user_file
    assert loaded.settings.default_model == "from-user"


def test_explicit_missing_path_is_a_file_error(load: Load, project: Path) -> None:
    with pytest.raises(
        ConfigFileError, match=re.escape(f"{project / 'missing.yaml'} does not exist")
    ):
        load("missing.yaml")


def test_invalid_yaml_error_text(load: Load, project: Path, write: Write) -> None:
    path = write(project / "fastagent.yaml", "a: 1\nb:\n  c: d: e\n")
    with pytest.raises(ConfigFileError) as caught:
        load()
    assert caught.value.message == (
        f"invalid YAML in {path} at line 3: mapping values are not allowed here"
    )


def test_top_level_list_is_a_file_error(load: Load, project: Path, write: Write) -> None:
    write(project / "fastagent.yaml", "- default_model\n")
    with pytest.raises(ConfigFileError, match="top level must be a mapping"):
        load()


def test_unknown_key_names_file_line_and_suggestion(
    load: Load, project: Path, write: Write
) -> None:
    path = write(project / "fastagent.yaml", "default_model: sonnet\n\nlogger:\n  levl: debug\n")
    with pytest.raises(ConfigValidationError) as caught:
        load()
    assert (
        caught.value.message == f"{path}: line 4: unknown key 'logger.levl' (did you mean 'level'?)"
    )
    assert caught.value.problems == [
        (str(path), "logger.levl", 4, "unknown key 'logger.levl' (did you mean 'level'?)")
    ]
    assert caught.value.hint


def test_unknown_key_without_a_close_match(load: Load, project: Path, write: Write) -> None:
    path = write(project / "fastagent.yaml", "zzz: 1\n")
    with pytest.raises(ConfigValidationError) as caught:
        load()
    assert caught.value.message == f"{path}: line 1: unknown key 'zzz'"


def test_wrong_type_names_file_line_and_key(load: Load, project: Path, write: Write) -> None:
    path = write(
        project / "fastagent.yaml",
        "mcp:\n  servers:\n    fetch:\n      command: uvx\n\n\n      args: mcp-server-fetch\n",
    )
    with pytest.raises(ConfigValidationError) as caught:
        load()
    assert caught.value.message == (
        f"{path}: line 7: mcp.servers.fetch.args: Input should be a valid list"
    )


def test_every_problem_is_reported_one_per_line(load: Load, project: Path, write: Write) -> None:
    path = write(
        project / "fastagent.yaml",
        "logger:\n"
        "  level: loud\n"
        "  show_chat: maybe\n"
        "mcp:\n"
        "  servers:\n"
        "    web:\n"
        "      transport: http\n"
        "    fs:\n"
        "      command: fs\n"
        "      roots:\n"
        "        - name: home\n",
    )
    with pytest.raises(ConfigValidationError) as caught:
        load(env={"FASTAGENT_OPENAI__TIMEOUT": "soon"})
    assert caught.value.message.splitlines() == [
        f"{path}: line 2: logger.level: Input should be 'debug', 'info', 'warning' or 'error'",
        f"{path}: line 3: logger.show_chat: Input should be a valid boolean, unable to "
        "interpret input",
        f"{path}: line 6: mcp.servers.web: an http server needs 'url'; set url, or set "
        "command (transport: stdio) to start a local server",
        f"{path}: line 11: mcp.servers.fs.roots[0].uri: Field required",
        "environment variable FASTAGENT_OPENAI__TIMEOUT: openai.timeout: Input should be a "
        "valid number, unable to parse string as a number",
    ]
    assert len(caught.value.problems) == 5


def test_stdio_server_error_names_the_server_and_fix(
    load: Load, project: Path, write: Write
) -> None:
    path = write(project / "fastagent.yaml", "mcp:\n  servers:\n    fetch:\n      args: [x]\n")
    with pytest.raises(ConfigValidationError) as caught:
        load()
    assert caught.value.message == (
        f"{path}: line 3: mcp.servers.fetch: a stdio server needs 'command' (the program to "
        "start); set command, or set url for an HTTP server"
    )


def test_problems_from_env_name_the_variable(load: Load) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        load(env={"FASTAGENT_LOGGER__LEVL": "debug"})
    assert caught.value.message == (
        "environment variable FASTAGENT_LOGGER__LEVL: unknown key 'logger.levl' "
        "(did you mean 'level'?)"
    )


def test_problems_from_dotenv_name_file_and_variable(
    load: Load, project: Path, write: Write
) -> None:
    dotenv = write(project / ".env", "FASTAGENT_LOGGER__LEVEL=loud\n")
    with pytest.raises(ConfigValidationError) as caught:
        load()
    assert caught.value.message == (
        f"{dotenv}: FASTAGENT_LOGGER__LEVEL: logger.level: Input should be 'debug', 'info', "
        "'warning' or 'error'"
    )


def test_problems_from_overrides_name_the_command_line(load: Load) -> None:
    with pytest.raises(ConfigValidationError) as caught:
        load(overrides={"logger.level": "loud"})
    assert str(caught.value).startswith("command-line override logger.level: logger.level: ")


def test_secrets_problem_names_the_secrets_file(load: Load, project: Path, write: Write) -> None:
    write(project / "fastagent.yaml", "openai: {}\n")
    secrets = write(project / "fastagent.secrets.yaml", "openai:\n  api_kee: x\n")
    with pytest.raises(ConfigValidationError) as caught:
        load()
    assert caught.value.message == (
        f"{secrets}: line 2: unknown key 'openai.api_kee' (did you mean 'api_key'?)"
    )


def test_env_defaults_to_os_environ(
    monkeypatch: pytest.MonkeyPatch, project: Path, user_dir: Path
) -> None:
    monkeypatch.setenv("FASTAGENT_DEFAULT_MODEL", "from-os-environ")
    loaded = load_config(cwd=project, user_config_dir=user_dir)
    assert loaded.settings.default_model == "from-os-environ"
    assert loaded.sources["default_model"] == "env"


def test_every_key_variable_of_the_provider_table_is_read(
    load: Load, project: Path, write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastagent.provider_defaults import PROVIDER_DEFAULTS

    two = PROVIDER_DEFAULTS["openai"]._replace(api_key_vars=("OPENAI_API_KEY", "OPENAI_KEY"))
    monkeypatch.setitem(PROVIDER_DEFAULTS, "openai", two)
    loaded = load(env={"OPENAI_KEY": "sk-second"})
    assert loaded.settings.openai.api_key is not None
    assert loaded.settings.openai.api_key.get_secret_value() == "sk-second"
    write(project / ".env", "OPENAI_API_KEY=sk-dotenv\n")
    loaded = load(env={"OPENAI_KEY": "sk-env"})  # the environment beats .env
    assert loaded.settings.openai.api_key is not None
    assert loaded.settings.openai.api_key.get_secret_value() == "sk-env"
