"""The README Quickstart as a new user runs it: a fresh virtualenv with only ``pip install .``.

No dev extras, no provider SDKs: MCP works out of the box (``mcp`` is a core dependency), and
a model whose SDK is an optional extra fails with the extra to install.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(900)]


def _env(home: Path, **extra: str) -> dict[str, str]:
    keep = ("PATH", "LANG", "LC_ALL", "TMPDIR", "PIP_INDEX_URL", "PIP_EXTRA_INDEX_URL")
    env = {name: os.environ[name] for name in keep if name in os.environ}
    env.update(HOME=str(home), XDG_CONFIG_HOME=str(home / ".config"), COLUMNS="200")
    env.update(extra)
    return env


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A new virtualenv holding ``pip install .`` of this checkout, nothing else."""
    venv = tmp_path_factory.mktemp("fresh") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    pip = [
        str(venv / "bin" / "python"),
        "-m",
        "pip",
        "install",
        "-q",
        "--disable-pip-version-check",
    ]
    installed = subprocess.run(
        [*pip, "."], cwd=ROOT, capture_output=True, text=True, timeout=800, check=False
    )
    assert installed.returncode == 0, installed.stderr[-3000:]
    yield venv


def _run(
    venv: Path, args: list[str], cwd: Path, home: Path, **env: str
) -> subprocess.CompletedProcess[str]:
    bin_dir = venv / "bin"
    path = f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}"
    return subprocess.run(
        args,
        cwd=cwd,
        env=_env(home, PATH=path, VIRTUAL_ENV=str(venv), **env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_quickstart_runs_an_agent_that_calls_an_mcp_tool(fresh_venv: Path, tmp_path: Path) -> None:
    # The Quickstart's command after `pip install .`, from the checkout's root.
    result = _run(fresh_venv, ["python", "examples/tools.py"], ROOT, tmp_path)
    assert result.returncode == 0, result.stderr
    # 26.22 is the answer of units_server.py, an MCP server run as a subprocess.
    assert result.stdout == "Sunny and 22°C in Paris\n71.6\n26.22\nmodel calls: 6\n"
    assert "[units] connected" in result.stderr


def test_go_uses_a_configured_mcp_server(fresh_venv: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    server = ROOT / "examples" / "units_server.py"
    (project / "fastagent.yaml").write_text(
        f"mcp:\n  servers:\n    units:\n      command: python\n      args: ['{server}']\n",
        encoding="utf-8",
    )
    call = '***CALL_TOOL units__km_to_miles {"km": 10}'
    args = ["fastagent", "go", "--servers", "units", "--model", "passthrough", "-q", "-m", call]
    result = _run(fresh_venv, args, project, tmp_path)
    assert (result.returncode, result.stdout) == (0, "6.21\n"), result.stderr


@pytest.mark.parametrize(
    ("model", "variable", "package"),
    [("sonnet", "ANTHROPIC_API_KEY", "anthropic"), ("gpt-4.1", "OPENAI_API_KEY", "openai")],
)
def test_a_missing_provider_sdk_names_its_extra(
    fresh_venv: Path, tmp_path: Path, model: str, variable: str, package: str
) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    result = _run(
        fresh_venv,
        ["fastagent", "go", "--model", model, "-m", "hi"],
        project,
        tmp_path,
        **{variable: "sk-test-not-used"},
    )
    assert (result.returncode, result.stdout) == (1, "")
    assert f"error: the optional package '{package}' is not installed\n" in result.stderr
    assert f"hint: pip install 'fastagent[{package}]'\n" in result.stderr
    assert "Traceback" not in result.stderr
    assert "sk-test-not-used" not in result.stderr


@pytest.mark.parametrize(
    ("model", "hint"),
    [
        (
            "sonnet",
            "set ANTHROPIC_API_KEY, or anthropic.api_key in fastagent.secrets.yaml; the "
            "anthropic package is missing too: pip install 'fastagent[anthropic]'",
        ),
        (
            "openrouter.some-model",
            "set OPENROUTER_API_KEY, or providers.openrouter.api_key in fastagent.secrets.yaml; "
            "the openai package is missing too: pip install 'fastagent[openai]'",
        ),
    ],
)
def test_no_key_and_no_sdk_names_both_at_once(
    fresh_venv: Path, tmp_path: Path, model: str, hint: str
) -> None:
    # The first hour: `pip install .`, then a real model with no key. Saying only "set the
    # key" sends the user round twice (the next run says the SDK is missing).
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    args = ["fastagent", "go", "--model", model, "-m", "hi"]
    result = _run(fresh_venv, args, project, tmp_path)
    assert (result.returncode, result.stdout) == (1, "")
    assert result.stderr.splitlines()[-1] == f"hint: {hint}", result.stderr
