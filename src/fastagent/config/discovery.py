"""Finding the config file, the secrets file beside it and the ``.env`` file.

Order for the config file, first match wins:

1. the explicit path (``--config``), which must exist;
2. the ``FASTAGENT_CONFIG`` environment variable, which must name an existing file;
3. ``fastagent.yaml`` or ``fastagent.config.yaml`` in the working directory, then in each parent,
   stopping at the filesystem root or at the first directory holding ``.git`` (inclusive);
4. the same names in the user config dir (``$XDG_CONFIG_HOME/fastagent`` or
   ``~/.config/fastagent``).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from fastagent.exceptions import ConfigFileError

__all__ = [
    "CONFIG_ENV_VAR",
    "CONFIG_FILE_NAMES",
    "DOTENV_FILE_NAME",
    "SECRETS_FILE_NAMES",
    "default_user_config_dir",
    "find_config_file",
    "find_dotenv_file",
    "find_secrets_file",
]

CONFIG_ENV_VAR = "FASTAGENT_CONFIG"
CONFIG_FILE_NAMES = ("fastagent.yaml", "fastagent.config.yaml")
SECRETS_FILE_NAMES = ("fastagent.secrets.yaml", "fastagent.config.secrets.yaml")
DOTENV_FILE_NAME = ".env"


def default_user_config_dir(env: Mapping[str, str]) -> Path:
    """Return ``$XDG_CONFIG_HOME/fastagent``, else ``$HOME/.config/fastagent``.

    Args:
        env: The environment to read ``XDG_CONFIG_HOME`` and ``HOME`` from.

    Returns:
        The directory (it may not exist).
    """
    xdg = env.get("XDG_CONFIG_HOME")
    if xdg:
        return Path(xdg) / "fastagent"
    home = env.get("HOME")
    return (Path(home) if home else Path.home()) / ".config" / "fastagent"


def find_config_file(
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    config_path: str | Path | None = None,
    user_config_dir: Path | None = None,
) -> tuple[Path | None, list[Path]]:
    """Find the config file.

    Args:
        cwd: Where the search starts; defaults to the working directory.
        env: The environment (for ``FASTAGENT_CONFIG`` and the user config dir); defaults
            to ``os.environ``.
        config_path: An explicit file, relative to `cwd`; it must exist.
        user_config_dir: Replaces the user config dir (tests).

    Returns:
        The file found (or None) and every candidate looked at, in order.

    Raises:
        ConfigFileError: The explicit path or ``FASTAGENT_CONFIG`` names no file.
    """
    import os

    cwd = (cwd or Path.cwd()).absolute()
    env = os.environ if env is None else env
    if config_path is not None and str(config_path) != "":
        explicit = _absolute(Path(config_path).expanduser(), cwd)
        _require_file(explicit, "the config file", "pass an existing file to --config")
        return explicit, [explicit]
    from_env = env.get(CONFIG_ENV_VAR)
    if from_env:
        named = _absolute(Path(from_env).expanduser(), cwd)
        _require_file(
            named,
            f"the config file named by {CONFIG_ENV_VAR}",
            f"point {CONFIG_ENV_VAR} at an existing file, or unset it",
        )
        return named, [named]

    searched: list[Path] = []
    for directory in _project_dirs(cwd):
        for name in CONFIG_FILE_NAMES:
            candidate = directory / name
            searched.append(candidate)
            if candidate.is_file():
                return candidate, searched
    user_dir = user_config_dir if user_config_dir is not None else default_user_config_dir(env)
    for name in CONFIG_FILE_NAMES:
        candidate = _absolute(user_dir.expanduser(), cwd) / name
        if candidate in searched:
            continue
        searched.append(candidate)
        if candidate.is_file():
            return candidate, searched
    return None, searched


def find_secrets_file(config_file: Path | None, cwd: Path) -> tuple[Path | None, list[Path]]:
    """Find the secrets file next to the config file (in `cwd` when there is no config file).

    Args:
        config_file: The config file found, if any.
        cwd: The working directory.

    Returns:
        The secrets file found (or None) and the candidates looked at, in order.
    """
    directory = config_file.parent if config_file is not None else cwd.absolute()
    searched: list[Path] = []
    for name in SECRETS_FILE_NAMES:
        candidate = directory / name
        searched.append(candidate)
        if candidate.is_file():
            return candidate, searched
    return None, searched


def find_dotenv_file(cwd: Path) -> tuple[Path | None, list[Path]]:
    """Find ``.env`` in the working directory.

    Args:
        cwd: The working directory.

    Returns:
        The file (or None) and the one candidate looked at.
    """
    candidate = cwd.absolute() / DOTENV_FILE_NAME
    return (candidate if candidate.is_file() else None), [candidate]


def _project_dirs(cwd: Path) -> list[Path]:
    directories: list[Path] = []
    for directory in (cwd, *cwd.parents):
        directories.append(directory)
        if (directory / ".git").exists():
            break
    return directories


def _absolute(path: Path, cwd: Path) -> Path:
    return path if path.is_absolute() else cwd / path


def _require_file(path: Path, what: str, hint: str) -> None:
    if path.is_dir():
        raise ConfigFileError(f"{what} {path} is a directory", path=str(path), hint=hint)
    if not path.is_file():
        raise ConfigFileError(f"{what} {path} does not exist", path=str(path), hint=hint)
