"""Lazy package exports (PEP 562): a public name is imported from its module on first use.

A package whose stages pull heavy libraries (Plotly, scipy) re-exports their names without
importing them when the package itself is imported; each package lists its names in
``__all__`` and under ``if TYPE_CHECKING:`` imports for type checkers, and gets its module
``__getattr__`` / ``__dir__`` from :func:`lazy_exports`.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(
    package: str,
    homes: Mapping[str, Sequence[str]],
    namespace: MutableMapping[str, Any],
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``__getattr__`` and ``__dir__`` for ``package``.

    Args:
        package: the package's ``__name__``.
        homes: submodule (relative to ``package``) -> the public names it defines.
        namespace: the package's ``globals()``; a name, once imported, is cached there.
    """
    home = {name: module for module, names in homes.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = home.get(name)
        if module is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return list(namespace.get("__all__", ()))

    return __getattr__, __dir__
