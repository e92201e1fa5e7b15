from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fastagent.config import find_config_file
from fastagent.config.discovery import (
    default_user_config_dir,
    find_dotenv_file,
    find_secrets_file,
)
from fastagent.exceptions import ConfigFileError

Write = Callable[[Path, str], Path]


def test_explicit_path_wins_over_everything(project: Path, user_dir: Path, write: Write) -> None:
    write(project / "fastagent.yaml", "")
    explicit = write(project / "other.yaml", "")
    env = {"FASTAGENT_CONFIG": str(write(project / "env.yaml", ""))}
    found, searched = find_config_file(project, env, "other.yaml", user_dir)
    assert found == explicit
    assert searched == [explicit]


def test_missing_explicit_path_is_an_error_naming_it(project: Path, user_dir: Path) -> None:
    with pytest.raises(ConfigFileError) as caught:
        find_config_file(project, {}, "nope.yaml", user_dir)
    assert caught.value.message == f"the config file {project / 'nope.yaml'} does not exist"
    assert caught.value.hint == "pass an existing file to --config"


def test_explicit_directory_is_an_error(project: Path, user_dir: Path) -> None:
    with pytest.raises(ConfigFileError, match="is a directory"):
        find_config_file(project, {}, project, user_dir)


def test_env_variable_wins_over_search(project: Path, user_dir: Path, write: Write) -> None:
    write(project / "fastagent.yaml", "")
    named = write(project / "conf" / "env.yaml", "")
    found, searched = find_config_file(
        project, {"FASTAGENT_CONFIG": "conf/env.yaml"}, None, user_dir
    )
    assert found == named
    assert searched == [named]


def test_env_variable_naming_no_file_is_an_error(project: Path, user_dir: Path) -> None:
    with pytest.raises(ConfigFileError, match=r"named by FASTAGENT_CONFIG .* does not exist"):
        find_config_file(project, {"FASTAGENT_CONFIG": "missing.yaml"}, None, user_dir)


def test_cwd_prefers_fastagent_yaml(project: Path, user_dir: Path, write: Write) -> None:
    first = write(project / "fastagent.yaml", "")
    write(project / "fastagent.config.yaml", "")
    found, searched = find_config_file(project, {}, None, user_dir)
    assert found == first
    assert searched == [first]


def test_alternative_name_is_found(project: Path, user_dir: Path, write: Write) -> None:
    second = write(project / "fastagent.config.yaml", "")
    found, searched = find_config_file(project, {}, None, user_dir)
    assert found == second
    assert searched == [project / "fastagent.yaml", second]


def test_parents_are_searched_up_to_the_git_root(
    project: Path, user_dir: Path, write: Write
) -> None:
    nested = project / "a" / "b"
    nested.mkdir(parents=True)
    at_root = write(project / "fastagent.yaml", "")
    found, searched = find_config_file(nested, {}, None, user_dir)
    assert found == at_root
    assert searched == [
        nested / "fastagent.yaml",
        nested / "fastagent.config.yaml",
        project / "a" / "fastagent.yaml",
        project / "a" / "fastagent.config.yaml",
        at_root,
    ]


def test_search_stops_at_the_git_root_then_tries_the_user_dir(
    project: Path, user_dir: Path, write: Write
) -> None:
    write(project.parent / "fastagent.yaml", "")  # above the .git root: never used
    user_file = write(user_dir / "fastagent.yaml", "")
    found, searched = find_config_file(project, {}, None, user_dir)
    assert found == user_file
    assert searched == [project / "fastagent.yaml", project / "fastagent.config.yaml", user_file]


def test_nothing_found_lists_every_candidate(project: Path, user_dir: Path) -> None:
    found, searched = find_config_file(project, {}, None, user_dir)
    assert found is None
    assert searched == [
        project / "fastagent.yaml",
        project / "fastagent.config.yaml",
        user_dir / "fastagent.yaml",
        user_dir / "fastagent.config.yaml",
    ]


def test_without_git_the_search_reaches_the_filesystem_root(tmp_path: Path) -> None:
    start = tmp_path / "no-git"
    start.mkdir()
    _found, searched = find_config_file(start, {}, None, tmp_path / "user")
    assert Path(start.anchor) / "fastagent.yaml" in searched


def test_user_config_dir_follows_xdg_then_home(tmp_path: Path) -> None:
    assert default_user_config_dir({"XDG_CONFIG_HOME": "/x"}) == Path("/x/fastagent")
    assert default_user_config_dir({"HOME": "/home/me"}) == Path("/home/me/.config/fastagent")
    assert default_user_config_dir({}) == Path.home() / ".config" / "fastagent"


def test_user_config_dir_from_env_is_used(tmp_path: Path, write: Write, project: Path) -> None:
    user_file = write(tmp_path / "xdg" / "fastagent" / "fastagent.config.yaml", "")
    found, _searched = find_config_file(project, {"XDG_CONFIG_HOME": str(tmp_path / "xdg")})
    assert found == user_file


def test_secrets_are_looked_for_next_to_the_config_file(project: Path, write: Write) -> None:
    config = write(project / "conf" / "fastagent.yaml", "")
    secrets = write(project / "conf" / "fastagent.config.secrets.yaml", "")
    write(project / "fastagent.secrets.yaml", "")  # cwd: not next to the config file
    found, searched = find_secrets_file(config, project)
    assert found == secrets
    assert searched == [project / "conf" / "fastagent.secrets.yaml", secrets]


def test_secrets_without_config_file_are_looked_for_in_cwd(project: Path, write: Write) -> None:
    secrets = write(project / "fastagent.secrets.yaml", "")
    assert find_secrets_file(None, project) == (secrets, [secrets])


def test_dotenv_is_looked_for_in_cwd(project: Path, write: Write) -> None:
    assert find_dotenv_file(project) == (None, [project / ".env"])
    dotenv = write(project / ".env", "A=1\n")
    assert find_dotenv_file(project) == (dotenv, [dotenv])
