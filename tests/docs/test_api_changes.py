"""scripts/api_changes.py: griffe's breaking changes, each marked listed or not in CHANGELOG.md.

Runs the real script and the real ``griffe check`` on a small git repository made in the
test: a ``fastagent`` package whose second commit on main removes a public function.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "api_changes.py"
BEFORE = '''"""A package."""

__all__ = ["gone", "keep"]


def keep() -> int:
    """Stays."""
    return 1


def gone() -> int:
    """Removed in the second commit."""
    return 2
'''
AFTER = '''"""A package."""

__all__ = ["keep"]


def keep() -> int:
    """Stays."""
    return 1
'''


def git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=repo,
        check=True,
        capture_output=True,
    )


def make_repo(tmp_path: Path, changelog: str) -> Path:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "src" / "fastagent").mkdir(parents=True)
    shutil.copy(SCRIPT, repo / "scripts" / "api_changes.py")
    init = repo / "src" / "fastagent" / "__init__.py"
    init.write_text(BEFORE)
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n\n## 0.1.0\n- `gone`\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    init.write_text(AFTER)
    (repo / "CHANGELOG.md").write_text(changelog)
    git(repo, "commit", "-q", "-am", "second")
    return repo


def run(repo: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "scripts/api_changes.py", *args],
        cwd=repo,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_an_unlisted_break_is_reported_and_fails_only_with_strict(tmp_path: Path) -> None:
    # `gone` appears only under an older release, not under Unreleased
    repo = make_repo(tmp_path, "# Changelog\n\n## Unreleased\n\n## 0.1.0\n- `gone`\n")
    report = run(repo)
    assert report.returncode == 0, report.stderr
    assert "breaking changes to the public API since" in report.stdout
    assert "[NOT IN CHANGELOG] src/fastagent/__init__.py: gone: Public object was removed" in (
        report.stdout
    )
    assert "1 breaking change(s) not listed" in report.stdout
    assert run(repo, "--strict").returncode == 1


def test_a_listed_break_passes_strict(tmp_path: Path) -> None:
    repo = make_repo(tmp_path, "# Changelog\n\n## Unreleased\n- `gone()` is removed.\n")
    report = run(repo, "--strict")
    assert report.returncode == 0, report.stdout + report.stderr
    assert "[listed] src/fastagent/__init__.py: gone: Public object was removed" in report.stdout
    assert "not listed" not in report.stdout


def test_no_previous_commit_is_a_notice_not_a_failure(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, repo / "scripts" / "api_changes.py")
    git(repo, "init", "-q", "-b", "main")
    report = run(repo)
    assert report.returncode == 0
    assert "no previous commit to compare with" in report.stdout


def test_a_member_is_listed_by_its_name_in_backticks_and_a_constructor_by_its_class(
    tmp_path: Path,
) -> None:
    repo = tmp_path / "repo"
    (repo / "scripts").mkdir(parents=True)
    (repo / "src" / "fastagent").mkdir(parents=True)
    shutil.copy(SCRIPT, repo / "scripts" / "api_changes.py")
    init = repo / "src" / "fastagent" / "__init__.py"
    init.write_text(
        '"""A package."""\n\n__all__ = ["Box"]\n\n\nclass Box:\n    """A box."""\n\n'
        "    def __init__(self, size: int) -> None:\n        self.size = size\n\n"
        '    def open(self) -> None:\n        """Open it."""\n'
    )
    (repo / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n")
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "first")
    init.write_text(
        '"""A package."""\n\n__all__ = ["Box"]\n\n\nclass Box:\n    """A box."""\n\n'
        "    def __init__(self, width: int) -> None:\n        self.width = width\n"
    )
    (repo / "CHANGELOG.md").write_text(
        "# Changelog\n\n## Unreleased\n- `Box(width)` replaces `Box(size)` (`.size` is `.width`);"
        " `open` is gone.\n"
    )
    git(repo, "commit", "-q", "-am", "second")
    report = run(repo, "--strict")
    assert report.returncode == 0, report.stdout + report.stderr
    assert "[listed] src/fastagent/__init__.py: Box.open: Public object was removed" in (
        report.stdout
    )
    assert "[listed] src/fastagent/__init__.py: Box.__init__(size): Parameter was removed" in (
        report.stdout
    )
