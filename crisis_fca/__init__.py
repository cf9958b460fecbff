"""crisis-fca: interpretable crisis analytics.

Daily mobility and social-media signals -> named binary behavioural states -> Formal
Concept Analysis lattices -> lead-time association rules validated out of sample ->
policy briefs, with every run in DuckDB. Stages (one module or subpackage each):
:mod:`~crisis_fca.ingest`, :mod:`~crisis_fca.text`, :mod:`~crisis_fca.align`,
:mod:`~crisis_fca.states`, :mod:`~crisis_fca.lattice`, :mod:`~crisis_fca.rules`,
:mod:`~crisis_fca.store`, :mod:`~crisis_fca.render`; :mod:`~crisis_fca.pipeline` runs
them in order. Only light names are re-exported here, so ``import crisis_fca`` stays fast.
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError as _PackageNotFoundError
from importlib.metadata import version as _version

from crisis_fca.config import CaseConfig, available_cases, load_case, resolve_data_dir
from crisis_fca.errors import (
    ConfigError,
    CrisisFCAError,
    DataSourceError,
    EmptyContextError,
    EmptyWindowError,
    FetchError,
    LeakageError,
    SchemaError,
    StorageError,
)

try:
    __version__ = _version("crisis-fca")
except _PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "CaseConfig",
    "ConfigError",
    "CrisisFCAError",
    "DataSourceError",
    "EmptyContextError",
    "EmptyWindowError",
    "FetchError",
    "LeakageError",
    "SchemaError",
    "StorageError",
    "__version__",
    "available_cases",
    "load_case",
    "resolve_data_dir",
]
