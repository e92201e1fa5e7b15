"""Every Python sample of README.md and docs/ runs offline, as written.

The info string of a fenced block says how this test treats it (words after the language,
split like a shell line; mkdocs shows only the language):

- ```` ```python runnable ```` is a complete program: saved as ``sample.py`` and run with this
  Python. ```` ```python runnable asyncio ```` runs as ``python -m asyncio`` runs what you
  type: top-level ``await`` and ``async with`` are allowed.
- ```` ```python fragment ```` is part of a program (a decorator shown alone, a class): it is
  not run alone, and the next Python block of the same document must say ``continues``.
  ```` ```python runnable continues ```` runs the code of the previous Python block of the
  document (itself with what *it* continues) followed by its own.
- ```` ```python signature ```` is an API synopsis, ``@fast.chain(name, *, x=1, ...)`` or
  ``def`` / ``async def`` / ``class`` stubs: its parameter names and keyword-only markers must
  be those of the real callable, ``of=module:Qualified.name`` (for ``@fast.<name>``:
  ``FastAgent.<name>``).
- ```` ```python notest ```` is exempt, and only when `EXEMPT` lists it with its reason.
- ```` ```bash runnable ```` is run with ``bash -eu``; other bash blocks are not checked.
- ```` ```yaml runnable file=fastagent.yaml ```` is written to that file before every later
  runnable sample of the same document (a later block of the same name replaces it).
- ``args="--model passthrough"`` gives a Python sample command-line arguments (a sample that
  names a real model runs offline the way a reader would run it); ``cwd=repo`` runs it from
  the repository root, otherwise it runs in an empty project folder holding the document's
  ``file=`` blocks and links to ``examples/`` and ``node_modules/``; ``timeout=`` (seconds,
  default 90); ``env="NAME=value ..."`` sets variables, only placeholder API keys for a sample
  that builds a provider and sends nothing (no key is set otherwise).
- A line ``--8<-- "path"`` (a pymdownx snippet) stands for that file of the repository; a
  block that is only that line runs the file where it is.
- mkdocs drops every option of a header with a word it does not know (``title=`` too): a
  block that needs one uses the attribute form, ```` ```{.python .runnable title="x.py"} ````.

Any other Python block (``python``, ``py`` or ``python3``) fails
`test_every_python_block_is_checked`, naming file and line.
The environment has no API keys and no network use is expected: samples run on the offline
``passthrough`` / ``playback`` models, the MCP servers of examples/ and the npm servers
pinned in package.json (their commands are on PATH).
"""

from __future__ import annotations

import ast
import importlib
import inspect
import os
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
_FENCE = re.compile(r"^(`{3,})(.*)$")
_SNIPPET = re.compile(r'^--8<-- "([^"]+)"$')
_PYTHON = ("python", "py", "python3")

EXEMPT: dict[tuple[str, str], str] = {
    # (document, first line of the block): why it cannot run offline here.
    ("docs/mcp.md", "async def sign_in(authorization_url: str) -> str:"): (
        "an OAuth sign-in needs an authorization server and a browser (my_web_view is the "
        "reader's); tests/mcp/test_oauth.py runs a handler against a local one"
    ),
    ("docs/durable.md", "from fastagent.steps import idempotency_key"): (
        "`payments` stands for the reader's payment system; "
        "tests/durable/test_durable_turns.py checks idempotency_key() in and out of a turn"
    ),
    ("docs/providers/local-models.md", "import asyncio"): (
        "needs a local model server (examples/serve_gguf.py and a 1.1 GB model); "
        "tests/e2e/test_realmodel.py runs this agent against it"
    ),
}
"""Python blocks marked ``notest``, with the reason they cannot run offline here."""

_RUN_ASYNCIO = """\
import ast, asyncio, sys
path = sys.argv[1]
sys.argv = sys.argv[1:]
with open(path, encoding="utf-8") as file:
    code = compile(file.read(), path, "exec", flags=ast.PyCF_ALLOW_TOP_LEVEL_AWAIT)
result = eval(code, {"__name__": "__main__", "__file__": path})
if result is not None:
    asyncio.run(result)
"""


@dataclass
class Block:
    """One fenced block of a document."""

    document: Path
    line: int  # of the opening fence (1-based)
    language: str
    words: list[str]
    code: str
    options: dict[str, str] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    script: Path | None = None  # the repository's file, when the block only includes it

    @property
    def id(self) -> str:
        return f"{self.document.relative_to(ROOT).as_posix()}:{self.line}"

    @property
    def first_line(self) -> str:
        return next((line for line in self.code.splitlines() if line.strip()), "")


def _blocks(document: Path) -> list[Block]:
    """Every fenced block of `document`, with the ``file=`` blocks before it."""
    blocks: list[Block] = []
    files: dict[str, str] = {}
    lines = document.read_text(encoding="utf-8").splitlines()
    index = 0
    while index < len(lines):
        opened = _FENCE.match(lines[index].strip())
        if opened is None:
            index += 1
            continue
        fence, info = opened.group(1), _info(opened.group(2))
        start = index + 1
        end = start
        while end < len(lines) and lines[end].strip() != fence:
            end += 1
        indent = len(lines[index]) - len(lines[index].lstrip())
        code = "".join(_expand(line[indent:]) for line in lines[start:end])
        index = end + 1
        language = info[0] if info else ""
        words = [word for word in info[1:] if "=" not in word]
        options = dict(word.split("=", 1) for word in info[1:] if "=" in word)
        if "runnable" in words and "file" in options:
            files[options["file"]] = code
            continue
        block = Block(document, start, language, words, code, options, dict(files))
        included = _SNIPPET.match("".join(lines[start:end]).strip())
        if included is not None:
            block.script = ROOT / included.group(1)  # run in place: it may name its neighbours
        blocks.append(block)
    return blocks


def _info(header: str) -> list[str]:
    """The words of a fence's info string; ``{.python .runnable title="x"}`` is read too."""
    header = header.strip()
    if header.startswith("{") and header.endswith("}"):
        return [word.removeprefix(".") for word in shlex.split(header[1:-1])]
    return shlex.split(header)


def _expand(line: str) -> str:
    snippet = _SNIPPET.match(line.strip())
    if snippet is None:
        return line + "\n"
    return (ROOT / snippet.group(1)).read_text(encoding="utf-8")


def extract(document: Path) -> list[Block]:
    """The runnable samples of `document`; a ``continues`` one carries what it continues."""
    samples: list[Block] = []
    previous = ""
    for block in _blocks(document):
        if block.language not in _PYTHON:
            if block.language in ("bash", "sh", "console") and "runnable" in block.words:
                samples.append(block)
            continue
        if "continues" in block.words:
            block.code = previous + "\n" + block.code
        previous = block.code
        if "runnable" in block.words:
            samples.append(block)
    return samples


SAMPLES = [sample for document in DOCUMENTS for sample in extract(document)]
PYTHON_BLOCKS = [
    block for document in DOCUMENTS for block in _blocks(document) if block.language in _PYTHON
]
SIGNATURES = [block for block in PYTHON_BLOCKS if "signature" in block.words]


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
        npm_config_offline="true",  # npx runs the pinned copy linked below, never a download
        npm_config_update_notifier="false",
        COLUMNS="200",
        PATH=os.pathsep.join([*bin_dirs, env.get("PATH", "")]),
    )
    return env


@pytest.mark.parametrize("sample", SAMPLES, ids=[sample.id for sample in SAMPLES])
def test_sample_runs(sample: Block, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / ".git").mkdir(parents=True)
    for name, text in sample.files.items():
        (project / name).write_text(text, encoding="utf-8")
    # Samples name the repository's examples (examples/units_server.py, ...) from its root.
    (project / "examples").symlink_to(ROOT / "examples")
    (project / "node_modules").symlink_to(ROOT / "node_modules")  # for `npx -y <pinned server>`
    cwd = ROOT if sample.options.get("cwd") == "repo" else project
    env = _env(tmp_path)
    if sample.language in _PYTHON:
        script = sample.script or project / "sample.py"
        if sample.script is None:
            script.write_text(sample.code, encoding="utf-8")
        args = shlex.split(sample.options.get("args", ""))
        if "asyncio" in sample.words:
            command = [sys.executable, "-c", _RUN_ASYNCIO, str(script), *args]
        else:
            command = [sys.executable, str(script), *args]
        env.update(
            variable.split("=", 1) for variable in shlex.split(sample.options.get("env", ""))
        )
    elif sample.language in ("bash", "sh", "console"):
        command = ["bash", "-euc", sample.code]
    else:
        raise AssertionError(f"{sample.id}: cannot run a {sample.language} sample")
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=float(sample.options.get("timeout", "90")),
        check=False,
    )
    assert result.returncode == 0, f"{sample.id} failed:\n{result.stdout}\n{result.stderr}"
    assert "Traceback" not in result.stderr, result.stderr


def test_the_readme_links_every_guide() -> None:
    # A guide missing from README's table is one a reader of the repository never finds.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    guides = sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "docs").glob("*.md"))
    assert [guide for guide in guides if f"]({guide})" not in readme] == []


def test_the_documents_have_runnable_samples() -> None:
    documents = {sample.document.relative_to(ROOT).as_posix() for sample in SAMPLES}
    assert {"README.md", "docs/workflows.md", "docs/serve.md"} <= documents


_KINDS = ("runnable", "fragment", "signature", "notest")


def problems(blocks: list[Block]) -> list[str]:
    """What is wrong with how `blocks` (one document's Python blocks, in order) are marked."""
    found: list[str] = []
    for index, block in enumerate(blocks):
        kinds = [word for word in block.words if word in _KINDS]
        if len(kinds) != 1:
            found.append(
                f"{block.id}: a python block must be marked with one of "
                f"{', '.join(_KINDS)} (see tests/test_doc_samples.py); it has "
                f"{' '.join(block.words) or 'none'}"
            )
            continue
        relative = block.document.relative_to(ROOT).as_posix()
        if kinds == ["notest"] and (relative, block.first_line) not in EXEMPT:
            found.append(
                f"{block.id}: 'notest' without a reason in EXEMPT of tests/test_doc_samples.py"
            )
        if kinds == ["fragment"]:
            later = blocks[index + 1 : index + 2]
            if not later or "continues" not in later[0].words:
                found.append(f"{block.id}: a fragment must be followed by a 'continues' block")
        if "continues" in block.words and index == 0:
            found.append(f"{block.id}: 'continues' but no python block before it")
    return found


def test_every_python_block_is_checked() -> None:
    by_document: dict[Path, list[Block]] = {}
    for block in PYTHON_BLOCKS:
        by_document.setdefault(block.document, []).append(block)
    found = [problem for blocks in by_document.values() for problem in problems(blocks)]
    assert not found, "\n".join(found)


def test_every_exemption_names_a_notest_block() -> None:
    marked = {
        (block.document.relative_to(ROOT).as_posix(), block.first_line)
        for block in PYTHON_BLOCKS
        if "notest" in block.words
    }
    assert set(EXEMPT) <= marked, set(EXEMPT) - marked
    assert len(EXEMPT) <= 5, "exemptions must stay few; make the sample runnable instead"


def test_an_unmarked_sample_fails_naming_file_and_line(tmp_path: Path) -> None:
    document = tmp_path / "doc.md"
    document.write_text(
        "# Doc\n\n```python\nprint(1)\n```\n\n```python fragment\nx = 1\n```\n\n"
        "```python runnable\nprint(x)\n```\n\n```python notest\nimport os\n```\n",
        encoding="utf-8",
    )
    blocks = _blocks(document)
    for block in blocks:  # ids are relative to the repository
        block.document = ROOT / "docs" / "doc.md"
    assert problems(blocks) == [
        "docs/doc.md:3: a python block must be marked with one of runnable, fragment, "
        "signature, notest (see tests/test_doc_samples.py); it has none",
        "docs/doc.md:7: a fragment must be followed by a 'continues' block",
        "docs/doc.md:15: 'notest' without a reason in EXEMPT of tests/test_doc_samples.py",
    ]


def test_continues_runs_the_blocks_before_it(tmp_path: Path) -> None:
    document = tmp_path / "doc.md"
    document.write_text(
        "```python fragment\nx = 1\n```\n\ntext\n\n```python runnable continues\n"
        "print(x)\n```\n\n```python runnable\nprint(2)\n```\n",
        encoding="utf-8",
    )
    first, second = extract(document)
    assert first.code == "x = 1\n\nprint(x)\n"
    assert second.code == "print(2)\n"


def _signature_source(block: Block) -> tuple[str, str]:
    """The block as Python definitions, and the ``module:qualname`` they describe."""
    code = block.code.strip()
    decorator = re.match(r"@fast\.(\w+)\(", code)
    if decorator is not None:
        name = decorator.group(1)
        source = f"def {name}(self, {code[decorator.end() :]}: ...\n"
        return source, block.options.get("of", f"fastagent.agents:FastAgent.{name}")
    if re.match(r"(async )?def ", code) and not code.endswith(("...", ":")):
        code += ": ..."  # a bare signature line
    return code + "\n", block.options["of"]


def _parameters(function: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    arguments = function.args
    names = [a.arg for a in [*arguments.posonlyargs, *arguments.args]]
    if arguments.vararg is not None:
        names.append("*" + arguments.vararg.arg)
    elif arguments.kwonlyargs:
        names.append("*")
    names += [a.arg for a in arguments.kwonlyargs]
    if arguments.kwarg is not None:
        names.append("**" + arguments.kwarg.arg)
    return names


def _real_parameters(target: Any) -> list[str]:
    names: list[str] = []
    star = False
    for parameter in inspect.signature(target).parameters.values():
        if parameter.kind is parameter.VAR_POSITIONAL:
            names.append("*" + parameter.name)
            star = True
        elif parameter.kind is parameter.VAR_KEYWORD:
            names.append("**" + parameter.name)
        else:
            if parameter.kind is parameter.KEYWORD_ONLY and not star:
                names.append("*")
                star = True
            names.append(parameter.name)
    return names


@pytest.mark.parametrize("block", SIGNATURES, ids=[block.id for block in SIGNATURES])
def test_signature_matches_the_code(block: Block) -> None:
    source, of = _signature_source(block)
    module_name, _, qualname = of.partition(":")
    target: Any = importlib.import_module(module_name)
    for part in qualname.split("."):
        target = getattr(target, part)
    tree = ast.parse(source)  # a synopsis that is not Python fails here
    functions = [
        node for node in ast.walk(tree) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
    ]
    assert functions, f"{block.id}: no def in the synopsis"
    for function in functions:
        real = target if inspect.isroutine(target) else getattr(target, function.name)
        real = real.fget if isinstance(real, property) else real
        documented, actual = _parameters(function), _real_parameters(real)
        assert documented == actual, f"{block.id}: {function.name}: {documented} != {actual}"


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
