"""Every declared dependency is bounded (``>=x,<y``) and the tested versions lie inside.

The suite runs on the versions installed in its environment; a requirement without an upper
bound, or one the installed version falls outside of, would claim support nobody tested.
"""

from __future__ import annotations

import tomllib
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def _requirements() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    texts = list(project["dependencies"])
    for group in project["optional-dependencies"].values():
        texts.extend(group)
    return [Requirement(text) for text in texts if not text.startswith("fastagent[")]


def test_every_dependency_has_a_lower_and_an_upper_bound() -> None:
    for requirement in _requirements():
        operators = {spec.operator for spec in requirement.specifier}
        assert ">=" in operators and "<" in operators, f"{requirement} is not bounded"


UNTESTED_EXTRAS = frozenset({"llama-cpp-python", "azure-identity"})
"""Optional dependencies the test suite does not install: llama-cpp-python (`local`) compiles
llama.cpp, the e2e tests use the prebuilt engine (`local-server`); azure-identity (`azure`)
needs a real Microsoft Entra ID tenant. Their bounds follow their documented APIs."""


def test_the_tested_versions_satisfy_the_bounds() -> None:
    missing = set()
    for requirement in _requirements():
        try:
            installed = version(requirement.name)
        except PackageNotFoundError:
            missing.add(requirement.name)
            continue
        assert requirement.specifier.contains(installed, prereleases=True), (
            f"{requirement.name} {installed} is outside {requirement.specifier}"
        )
    assert missing == UNTESTED_EXTRAS


def test_mcp_is_a_core_dependency() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = {Requirement(text).name for text in project["dependencies"]}
    assert "mcp" in core
