"""Package hygiene: public names are exported, every module declares __all__, the library
never imports Prefect (flows/ orchestrates), and importing the package stays light."""

from __future__ import annotations

import ast
import importlib
import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import crisis_fca

PACKAGE = Path(crisis_fca.__file__).parent


def _modules() -> list[str]:
    return sorted(m.name for m in pkgutil.walk_packages([str(PACKAGE)], prefix="crisis_fca."))


def test_all_imports_are_exported() -> None:
    """`crisis_fca.__all__` lists exactly its public names, once each (ruff RUF022 keeps it sorted)."""
    public = [n for n in vars(crisis_fca) if not n.startswith("_") and n not in {"annotations"}]
    public = [n for n in public if not isinstance(getattr(crisis_fca, n), type(crisis_fca))]
    assert len(crisis_fca.__all__) == len(set(crisis_fca.__all__))
    assert set(crisis_fca.__all__) == {*public, "__version__"}


def test_every_module_declares_all() -> None:
    """Each library module (packages by their __init__) says what it exports."""
    missing = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.name == "__main__.py":
            continue
        if "__all__" not in path.read_text():
            missing.append(str(path.relative_to(PACKAGE)))
    assert missing == []


def test_library_never_imports_prefect() -> None:
    """Orchestration stays in flows/: no module under crisis_fca imports prefect."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "prefect" or n.startswith("prefect.") for n in names):
                offenders.append(str(path.relative_to(PACKAGE)))
    assert offenders == []


def test_every_module_imports() -> None:
    """Every module imports on its own (no hidden import-order dependency)."""
    for name in _modules():
        if name.endswith("__main__"):
            continue
        importlib.import_module(name)


def test_import_is_light() -> None:
    """`import crisis_fca` does not drag in the heavy stages (statsmodels, plotly, duckdb)."""
    code = (
        "import sys, crisis_fca; "
        "print(sorted(m for m in ('statsmodels', 'plotly', 'duckdb', 'prefect', 'mlxtend') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("package", ["crisis_fca.render", "crisis_fca.monitor"])
def test_no_lazy_export_is_shadowed_by_a_submodule(package: str) -> None:
    """Importing a submodule sets the package attribute of its name, so a lazily exported
    function named like a submodule would turn into that module once anything imported it."""
    pkg = importlib.import_module(package)
    submodules = {m.name for m in pkgutil.iter_modules(pkg.__path__)}
    assert submodules.isdisjoint(pkg.__all__)
