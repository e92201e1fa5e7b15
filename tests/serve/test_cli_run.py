"""``fastagent run SCRIPT ARGS...``: the script runs as ``__main__`` with its own argv."""

from __future__ import annotations

from pathlib import Path

from .conftest import REPO, fastagent

ARGV_SCRIPT = """\
import sys
from pathlib import Path

import helper  # next to the script: its folder is on sys.path

print(__name__, Path(sys.argv[0]).name, sys.argv[1:], helper.VALUE)
"""


def test_runs_an_app_script_with_its_flags(project: Path) -> None:
    result = fastagent("run", str(REPO / "examples" / "hello.py"), "--message", "hi", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hi\n"


def test_every_argument_after_the_script_goes_to_it(project: Path) -> None:
    folder = project / "scripts"
    folder.mkdir()
    (folder / "show.py").write_text(ARGV_SCRIPT)
    (folder / "helper.py").write_text("VALUE = 42\n")
    result = fastagent("run", "scripts/show.py", "--quiet", "-v", "x", cwd=project)
    assert result.returncode == 0, result.stderr
    assert result.stdout == "__main__ show.py ['--quiet', '-v', 'x'] 42\n"


def test_the_scripts_exit_status_is_kept(project: Path) -> None:
    (project / "exits.py").write_text("import sys\nsys.exit(3)\n")
    (project / "says.py").write_text("import sys\nsys.exit('went wrong')\n")
    assert fastagent("run", "exits.py", cwd=project).returncode == 3
    said = fastagent("run", "says.py", cwd=project)
    assert said.returncode == 1
    assert said.stderr == "went wrong\n"


def test_missing_script_is_an_error(project: Path) -> None:
    result = fastagent("run", "nope.py", cwd=project)
    assert result.returncode == 1
    assert result.stderr.startswith("error: the script nope.py does not exist\n")
    assert "hint: give the path of a Python file" in result.stderr


def test_unknown_agent_in_the_script_is_reported(project: Path) -> None:
    script = str(REPO / "examples" / "serve_agents.py")
    result = fastagent("run", script, "--agent", "nope", "--message", "hi", cwd=project)
    assert result.returncode == 1
    assert "--agent 'nope' names no agent (agents: echo, counter)" in result.stderr
    assert "Traceback" not in result.stderr
