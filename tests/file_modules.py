"""Import a file of the repository as a module, by its path.

Test folders are not packages under ``--import-mode=importlib``, and bench/ and examples/
are not packages at all, so a test that needs another folder's helpers loads the file.
On the tests' import path (pytest ``pythonpath``), so every test folder uses this one copy.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

__all__ = ["load_module"]


def load_module(name: str, path: Path) -> ModuleType:
    """The module of file `path`, imported once as `name` (later calls return the same one)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
