"""Lazy public names for packages: import a submodule only when one of its names is used.

Every package ``__init__`` keeps a ``_LAZY`` table (public name -> defining module) and
ends with ``__getattr__, __dir__ = lazy_exports(__name__, _LAZY, __all__)``, so importing a
package costs next to nothing and heavy dependencies load at first use (ADR 0004).
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str, names: Mapping[str, str], public: Sequence[str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Build a package's module-level ``__getattr__`` and ``__dir__``.

    Args:
        package: The package's ``__name__``.
        names: Public name -> the module that defines it.
        public: The package's ``__all__`` (what ``dir()`` shows).

    Returns:
        ``(__getattr__, __dir__)``; a resolved name is cached in the package's namespace.
    """
    namespace = sys.modules[package].__dict__

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(public)

    return __getattr__, __dir__
