"""Exceptions raised by crisis-fca.

Every error a user can cause (a bad file, a bad config, a window without data) is a
:class:`CrisisFCAError`, and its message names the culprit -- file, column, row, key or
value -- and says how to fix it. The CLI prints that message without a traceback.

Hierarchy (each also inherits the matching builtin, so callers may catch either)::

    CrisisFCAError
     + ConfigError(ValueError)        a case file or option is invalid
     + DataSourceError(ValueError)    a raw input file cannot be read as its adapter expects
     |   + SchemaError                wrong / missing columns, unparsable values, bad shape
     + EmptyWindowError(ValueError)   a source has no rows inside the case window
     + EmptyContextError(ValueError)  a formal context has no objects or no attributes
     + LeakageError(ValueError)       a computation would let later days inform earlier ones
     + FetchError(RuntimeError)       downloading or verifying a public source failed
     + StorageError(RuntimeError)     the DuckDB store cannot be opened or written
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "CrisisFCAError",
    "DataSourceError",
    "EmptyContextError",
    "EmptyWindowError",
    "FetchError",
    "LeakageError",
    "SchemaError",
    "StorageError",
]


class CrisisFCAError(Exception):
    """Base class of every error crisis-fca raises on purpose."""


class ConfigError(CrisisFCAError, ValueError):
    """A case configuration file or an option is invalid."""


class DataSourceError(CrisisFCAError, ValueError):
    """A raw input file is missing, empty or unreadable by its adapter."""


class SchemaError(DataSourceError):
    """A raw input has wrong or missing columns, unparsable values or the wrong shape."""


class EmptyWindowError(CrisisFCAError, ValueError):
    """A source (or a whole case) has no observations inside the case window."""


class EmptyContextError(CrisisFCAError, ValueError):
    """A formal context has no objects or no attributes to build a lattice from."""


class LeakageError(CrisisFCAError, ValueError):
    """A computation would let information from later days reach earlier ones."""


class FetchError(CrisisFCAError, RuntimeError):
    """Downloading or verifying a public data source failed."""


class StorageError(CrisisFCAError, RuntimeError):
    """The DuckDB store cannot be opened, migrated or written."""
