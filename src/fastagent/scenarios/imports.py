"""Finding the Python a scenario names: ``module:attr`` tools and FastAgent app scripts.

Modules are imported with the scenario's folder and the working directory on ``sys.path``
(for the duration of the import), so ``my_tools:get_weather`` next to the scenario works, and
so does ``examples.scenarios.weather_tools:get_weather`` from the project root.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import importlib
import importlib.util
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastagent.exceptions import FastAgentError, UserError

if TYPE_CHECKING:
    from fastagent.agents.fast_agent import FastAgent
    from fastagent.tools.base import Tool

__all__ = ["import_object", "import_tool", "load_app", "search_path"]

_IMPORT_HINT = (
    "check the import path: modules are found relative to the scenario's folder and the "
    "working directory"
)


@contextlib.contextmanager
def search_path(folders: Sequence[Path]) -> Iterator[None]:
    """Put `folders` at the front of ``sys.path`` while the block runs."""
    added = [str(f) for f in dict.fromkeys(p.resolve() for p in folders)]
    added = [f for f in added if f not in sys.path]
    sys.path[:0] = added
    try:
        yield
    finally:
        for folder in added:
            with contextlib.suppress(ValueError):
                sys.path.remove(folder)


def import_object(path: str, *, base_dir: Path, where: str, import_hint: str = _IMPORT_HINT) -> Any:
    """Import ``module:attr`` (``attr`` may be dotted) and return the attribute.

    Args:
        path: The import path.
        base_dir: The scenario's folder, searched before the working directory.
        where: Where the path was written, for errors (``weather.yaml, agent.tools[0]``).
        import_hint: The hint of a module that is not found (where modules are looked for).

    Raises:
        UserError: The module cannot be imported or has no such attribute.
    """
    module_name, _, attr = path.partition(":")
    with search_path([base_dir, Path.cwd()]):
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            raise UserError(
                f"{where}: cannot import '{module_name}': {exc}", hint=import_hint
            ) from exc
        except Exception as exc:
            raise UserError(
                f"{where}: importing '{module_name}' failed: {type(exc).__name__}: {_detail(exc)}",
                hint=f"fix the error in module '{module_name}'",
            ) from exc
    value: Any = module
    for part in attr.split("."):
        if not hasattr(value, part):
            names = [n for n in dir(value) if not n.startswith("_")]
            close = difflib.get_close_matches(part, names, n=1)
            suggestion = f" (did you mean '{close[0]}'?)" if close else ""
            raise UserError(
                f"{where}: '{module_name}' has no attribute '{attr}'{suggestion}",
                hint=f"define {attr} in {module_name}, or fix the name after the ':'",
            )
        value = getattr(value, part)
    return value


def import_tool(path: str, *, base_dir: Path, where: str) -> Tool:
    """Import a tool: a `Tool` object as it is, a plain callable as a `FunctionTool`.

    Raises:
        UserError: The import fails, or the object is neither a tool nor callable.
    """
    from fastagent.tools.base import Tool
    from fastagent.tools.function_tool import FunctionTool

    value = import_object(path, base_dir=base_dir, where=where)
    if isinstance(value, Tool):
        return value
    if callable(value):
        return FunctionTool(value)
    raise UserError(
        f"{where}: '{path}' is a {type(value).__name__}, not a tool or a function",
        hint="point at a function, an @tool function or a Tool object",
    )


def load_app(
    reference: str,
    *,
    base_dir: Path,
    where: str,
    missing_hint: str = "give the path of a FastAgent script relative to the scenario file",
) -> FastAgent:
    """Import a FastAgent script without running its main code and return its app.

    The script is executed as a module (so ``if __name__ == "__main__":`` blocks do not run)
    with its own folder on ``sys.path``.

    Args:
        reference: ``agent.py`` (the one `FastAgent` in it) or ``agent.py:fast``.
        base_dir: The folder relative paths start from.
        where: Where the reference was written, for errors.
        missing_hint: The hint when the script does not exist (true for where the path
            came from: a scenario's ``app:`` key, or a command's argument).

    Raises:
        UserError: The script is missing, fails to import, or holds no (or several)
            FastAgent apps.
    """
    from fastagent.agents.fast_agent import FastAgent

    file_part, _, attr = reference.partition(":")
    script = (base_dir / file_part).resolve()
    if not script.is_file():
        raise UserError(
            f"{where}: the app script {script} does not exist",
            hint=missing_hint,
        )
    module = _exec_script(script, where)
    if attr:
        app = getattr(module, attr, None)
        if not isinstance(app, FastAgent):
            raise UserError(
                f"{where}: {file_part} has no FastAgent app named '{attr}'",
                hint=f"define {attr} = FastAgent(...) in {file_part}, or fix the name",
            )
        return app
    apps = {name: v for name, v in vars(module).items() if isinstance(v, FastAgent)}
    if len(apps) == 1:
        return next(iter(apps.values()))
    if not apps:
        raise UserError(
            f"{where}: {file_part} defines no FastAgent app",
            hint="create one at module level: fast = FastAgent('my-app')",
        )
    raise UserError(
        f"{where}: {file_part} defines several FastAgent apps ({', '.join(sorted(apps))})",
        hint=f"name one of them: {file_part}:{sorted(apps)[0]}",
    )


def _exec_script(script: Path, where: str) -> Any:
    digest = hashlib.sha1(os.fsencode(script), usedforsecurity=False).hexdigest()[:12]
    name = f"_fastagent_scenario_app_{digest}"
    spec = importlib.util.spec_from_file_location(name, script)
    if spec is None or spec.loader is None:
        raise UserError(
            f"{where}: cannot load {script} as a Python module",
            hint="the app script must be a .py file",
        )
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        with search_path([script.parent, Path.cwd()]), _main_code_not_run():
            spec.loader.exec_module(module)
    except _RunsAtImport:
        del sys.modules[name]
        raise UserError(
            f"{where}: {script.name} runs its main code when imported "
            "(asyncio.run(...) at module level)",
            hint=_GUARD_HINT,
        ) from None
    except SystemExit as exc:
        del sys.modules[name]
        raise UserError(
            f"{where}: importing {script.name} exited (SystemExit {exc.code})",
            hint="keep the script's run code under: if __name__ == '__main__':",
        ) from None
    except Exception as exc:
        del sys.modules[name]
        raise UserError(
            f"{where}: importing {script.name} failed: {type(exc).__name__}: {_detail(exc)}",
            hint=_GUARD_HINT if _loop_clash(exc) else f"fix the error in {script}",
        ) from exc
    return module


_GUARD_HINT = (
    'put the script\'s run code under `if __name__ == "__main__":` so that it can be '
    "imported without running (python SCRIPT still runs it)"
)


class _RunsAtImport(Exception):
    """The script called `asyncio.run` while being imported."""


@contextlib.contextmanager
def _main_code_not_run() -> Iterator[None]:
    """Refuse `asyncio.run` while a script is imported, closing the coroutine it was given.

    A script imported for its app (batch, worker, serve, a scenario's ``app:``) must not run
    its main code: outside an event loop it would send its messages (paid model calls) before
    being served, inside one `asyncio.run` fails with an error that names neither cause.
    """
    import asyncio

    real = asyncio.run

    def refuse(main: Any, *args: Any, **kwargs: Any) -> Any:
        close = getattr(main, "close", None)
        if callable(close):
            close()  # a coroutine never awaited, on purpose: no "never awaited" warning
        raise _RunsAtImport

    asyncio.run = refuse
    try:
        yield
    finally:
        asyncio.run = real


def _loop_clash(exc: BaseException) -> bool:
    """Whether `exc` is an event loop started inside the running one (``anyio.run(main)``)."""
    text = str(exc)
    return isinstance(exc, RuntimeError) and (
        "running event loop" in text or "Already running" in text
    )


def _detail(exc: Exception) -> str:
    """The error's text for a message of ours: a fastagent error's message without its hint."""
    return FastAgentError.message_of(exc)
