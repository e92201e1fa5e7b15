"""The code samples of README.md and docs/ run offline, as written.

A fenced block whose info string carries ``runnable`` is run by this test:

- ```` ```python runnable ```` is saved as ``sample.py`` and run with this Python;
- ```` ```bash runnable ```` is run with ``bash -eu``;
- ```` ```yaml runnable file=fastagent.yaml ```` is written to that file before every later
  runnable sample of the same document (a later block of the same name replaces it);
- ``cwd=repo`` runs the sample from the repository root; otherwise it runs in an empty
  project folder holding the document's ``file=`` blocks and a link to ``examples/``.

The environment has no API keys and no network use is expected: samples run on the offline
``passthrough`` / ``playback`` models and local MCP servers.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_FENCE = re.compile(r"^(`{3,})(.*)$")


@dataclass
class Sample:
    document: Path
    line: int  # of the opening fence (1-based)
    language: str
    code: str
    options: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return f"{self.document.relative_to(ROOT)}:{self.line}"


def extract(document: Path) -> list[Sample]:
    """The runnable samples of `document`, each with the ``file=`` blocks before it."""
    samples: list[Sample] = []
    files: dict[str, str] = {}
    lines = document.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opened = _FENCE.match(lines[index].strip())
        if opened is None:
            index += 1
            continue
        fence, info = opened.group(1), opened.group(2).split()
        start = index + 1
        end = start
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        indent = len(lines[index]) - len(lines[index].lstrip())
        code = "\n".join(line[indent:] for line in lines[start:end]) + "\n"
        index = end + 1
        if "runnable" not in info[1:]:
            continue
        options = dict(word.split("=", 1) for word in info[1:] if "=" in word)
        if "file" in options:
            files[options["file"]] = code
            continue
        samples.append(Sample(document, start, info[0], code, options, dict(files)))
    return samples


SAMPLES = [sample for document in DOCUMENTS for sample in extract(document)]


def _env(home: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.endswith("_API_KEY") and not name.upper().startswith("FASTAGENT_")
    }
    bin_dirs = [str(Path(sys.executable).parent), str(ROOT / "node_modules" / ".bin")]
    env.update(
        HOME=str(home),
        XDG_CONFIG_HOME=str(home / ".config"),
        NO_COLOR="1",
        COLUMNS="200",
        PATH=os.pathsep.join([*bin_dirs, env.get("PATH", "")]),
    )
    return env


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.id for sample in SAMPLES])
def test_sample_runs(sample: Sample, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    for name, text in sample.files.items():
        (project / name).write_text(text, encoding="utf-8")
    # Samples name the repository's examples (examples/units_server.py, ...) from its root.
    (project / "examples").symlink_to(ROOT / "examples")
    cwd = ROOT if sample.options.get("cwd") == "repo" else project
    if sample.language == "python":
        script = project / "sample.py"
        script.write_text(sample.code, encoding="utf-8")
        command = [sys.executable, str(script)]
    elif sample.language in ("bash", "sh", "console"):
        command = ["bash", "-euc", sample.code]
    else:
        raise AssertionError(f"{sample.id}: cannot run a {sample.language} sample")
    result = subprocess.run(
        command,
        cwd=cwd,
        env=_env(tmp_path),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=float(sample.options.get("timeout", "90")),
        check=False,
    )
    assert result.returncode == 0, f"{sample.id} failed:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr


def test_the_documents_have_runnable_samples() -> None:
    documents = {sample.document.relative_to(ROOT).as_posix() for sample in SAMPLES}
    assert {"README.md", "docs/workflows.md", "docs/serve.md"} <= documents


def test_extract_reads_files_options_and_indented_blocks(tmp_path: Path) -> None:
    document = tmp_path / "doc.md"
    document.write_text(
        "```yaml runnable file=fastagent.yaml\nmcp: {}\n```\n\n"
        "```python\nnot run\n```\n\n"
        "- item\n\n  ```bash runnable cwd=repo\n  echo hi\n  ```\n",
        encoding="utf-8",
    )
    (sample,) = extract(document)
    assert (sample.language, sample.code, sample.line) == (
        "bash",
        "echo hi\n",
        11,
    )  # the opening fence
    assert sample.options == {"cwd": "repo"}
    assert sample.files == {"fastagent.yaml": "mcp: {}\n"}
