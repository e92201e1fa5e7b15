"""Generate the API reference: one page per public package, exactly its ``__all__``.

Run by the mkdocs ``gen-files`` plugin (see mkdocs.yml). The packages are found by walking
``src/fastagent``, so a new or renamed package needs no edit here or in the nav. A public
package is a package (or a module directly in ``fastagent/``) whose name has no leading
underscore and whose ``__all__`` is not empty; ``__all__`` is read from the source, so
nothing is imported. Every public name must have a docstring: the build fails naming the
ones that do not.
"""

from __future__ import annotations

import ast
from pathlib import Path

import griffe
import mkdocs_gen_files

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
PACKAGE = "fastagent"
# Names documented by the page text rather than a docstring of their own.
NO_DOCSTRING_NEEDED = frozenset({"__version__"})


def read_all(path: Path) -> tuple[list[str], str]:
    """Return a module's ``__all__`` (as written in its source) and its docstring's summary."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: list[str] = []
    for node in tree.body:
        target: ast.expr | None = None
        value: ast.expr | None = None
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign):
            target, value = node.target, node.value
        if isinstance(target, ast.Name) and target.id == "__all__" and value is not None:
            names = list(ast.literal_eval(value))
    doc = ast.get_docstring(tree) or ""
    return names, doc.strip().splitlines()[0] if doc.strip() else ""


def public_modules() -> list[tuple[str, list[str], str]]:
    """Every public package and top-level module, sorted, with its ``__all__`` and summary."""
    found: list[tuple[str, list[str], str]] = []
    base = SRC / PACKAGE
    for init in sorted(base.rglob("__init__.py")):
        parts = init.parent.relative_to(SRC).parts
        if any(part.startswith("_") for part in parts):
            continue
        names, summary = read_all(init)
        if names:
            found.append((".".join(parts), names, summary))
    for module in sorted(base.glob("*.py")):
        if module.name.startswith("_"):
            continue
        names, summary = read_all(module)
        if names:
            found.append((f"{PACKAGE}.{module.stem}", names, summary))
    return sorted(found)


def check_docstrings(modules: list[tuple[str, list[str], str]]) -> None:
    """Fail the build if a public name does not resolve or has no docstring."""
    loaded = griffe.load(PACKAGE, search_paths=[str(SRC)], resolve_aliases=True)
    problems: list[str] = []
    for dotted, names, _ in modules:
        for name in names:
            if name in NO_DOCSTRING_NEEDED:
                continue
            path = f"{dotted}.{name}"
            try:
                obj = loaded[path.removeprefix(f"{PACKAGE}.")]
                has_doc = obj.docstring is not None and obj.docstring.value.strip() != ""
            except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError) as exc:
                problems.append(f"{path}: does not resolve ({type(exc).__name__})")
                continue
            if not has_doc:
                problems.append(f"{path}: public name without a docstring")
    if problems:
        raise SystemExit("API reference: " + "; ".join(problems))


def write_pages(modules: list[tuple[str, list[str], str]]) -> None:
    """Write reference/<package>.md per module, the section index and its literate nav."""
    summary_lines = ["* [Overview](index.md)"]
    index = [
        "# API reference",
        "",
        "Generated from the docstrings. One page per public package; each page documents",
        "exactly the names in the package's `__all__`, so anything not listed here is",
        "internal and may change without notice. Intended changes to these names are",
        "listed in the changelog.",
        "",
        "| package | what it holds |",
        "|---|---|",
    ]
    for dotted, names, summary in modules:
        page = f"{dotted}.md"
        summary_lines.append(f"* [{dotted}]({page})")
        cell = summary.replace("|", r"\|")
        index.append(f"| [`{dotted}`]({page}) | {cell} |")
        lines = [
            f"# `{dotted}`",
            "",
            f"::: {dotted}",
            "    options:",
            "      members: false",
            "      show_root_heading: false",
            "",
        ]
        if "__version__" in names:
            lines += [
                f"## `__version__` {{ #{dotted}.__version__ }}",
                "",
                f"The installed version string (`{dotted}.__version__`).",
                "",
            ]
        for name in sorted(n for n in names if n not in NO_DOCSTRING_NEEDED):
            lines += [f"::: {dotted}.{name}", ""]
        with mkdocs_gen_files.open(f"reference/{page}", "w") as out:
            out.write("\n".join(lines))
        mkdocs_gen_files.set_edit_path(f"reference/{page}", None)
    with mkdocs_gen_files.open("reference/index.md", "w") as out:
        out.write("\n".join(index) + "\n")
    with mkdocs_gen_files.open("reference/SUMMARY.md", "w") as out:
        out.write("\n".join(summary_lines) + "\n")


MODULES = public_modules()
check_docstrings(MODULES)
write_pages(MODULES)
