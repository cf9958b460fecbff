"""Opening the DuckDB file: bounded waiting for the write lock, and errors that say what to do.

DuckDB lets one process open a file for writing; every other process, reader or writer, gets
``IO Error: Could not set lock on file ... Conflicting lock is held in ... (PID n)`` until it
closes the file (https://duckdb.org/docs/current/connect/concurrency). The store therefore
opens the file only for the duration of one write or one read, and :func:`connect` retries a
refused lock with exponential backoff (50 ms doubling up to 0.5 s, with jitter) until
``lock_timeout`` seconds have passed, then raises :class:`~crisis_fca.errors.StorageError`
naming the file and the process holding it. Readers connect ``read_only``, so they can never
change the file, and see only committed runs.
"""

from __future__ import annotations

import contextlib
import random
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb

from crisis_fca.config import REPORTS_DIR
from crisis_fca.errors import StorageError

__all__ = [
    "DEFAULT_DB",
    "READ_LOCK_TIMEOUT",
    "WRITE_LOCK_TIMEOUT",
    "ConOrPath",
    "connect",
    "connection",
]

DEFAULT_DB = REPORTS_DIR / "crisis.duckdb"
WRITE_LOCK_TIMEOUT = 30.0
"""Seconds a writer waits for another process to release the file."""
READ_LOCK_TIMEOUT = 10.0
"""Seconds a reader waits for a writer to finish."""

ConOrPath = duckdb.DuckDBPyConnection | str | Path
Setting = str | bool | int | float | list[str]
_LOCKED = "Could not set lock"


def connect(
    path: str | Path,
    *,
    read_only: bool = False,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
    config: dict[str, Setting] | None = None,
) -> duckdb.DuckDBPyConnection:
    """Open the store file, waiting up to ``lock_timeout`` seconds for another process's lock.

    A writer creates the file (and its folder) when it does not exist; a reader does not.

    Raises:
        StorageError: the file is locked beyond the timeout, is not a DuckDB file, does not
            exist (readers), or cannot be opened; the message says which and what to do.
    """
    target = Path(path) if str(path) != ":memory:" else None
    if target is not None and _foreign(target):
        msg = (
            f"{path} is not a DuckDB database file (it does not start with DuckDB's header). "
            "crisis-fca will not overwrite it, nor load an extension to read it: move it "
            "away, or pass another path with --db."
        )
        raise StorageError(msg)
    made = _make_parents(target.parent) if target is not None and not read_only else []
    # Never download or load an extension: a SQLite or Parquet file passed as --db would
    # otherwise make DuckDB fetch one from the network at run time.
    settings: dict[str, Setting] = {
        "autoinstall_known_extensions": False,
        "autoload_known_extensions": False,
        **(config or {}),
    }
    started = time.monotonic()
    delay = 0.05
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only, config=settings)
        except duckdb.Error as err:
            waited = time.monotonic() - started
            if _LOCKED not in str(err) or waited >= lock_timeout:
                for folder in reversed(made):  # leave no empty folder behind a failed open
                    with contextlib.suppress(OSError):
                        folder.rmdir()
                raise StorageError(_open_message(path, err, read_only, waited)) from err
        time.sleep(min(delay * random.uniform(0.5, 1.5), max(lock_timeout - waited, 0.0)))
        delay = min(delay * 2, 0.5)


_MAGIC = b"DUCK"
"""DuckDB's file magic, at byte 8 (after the header checksum)."""


def _foreign(target: Path) -> bool:
    """Whether ``target`` is a non-empty file that is not a DuckDB database (SQLite, CSV...).

    Checked before opening: DuckDB would otherwise try to load (and download) an extension
    for some formats instead of refusing the file.
    """
    try:
        with target.open("rb") as fh:
            head = fh.read(12)
    except (FileNotFoundError, IsADirectoryError, PermissionError):
        return False  # duckdb.connect reports these in its own words
    return len(head) > 0 and head[8:12] != _MAGIC


def _make_parents(folder: Path) -> list[Path]:
    """Create ``folder`` and its missing parents; return those created, outermost first."""
    missing = [f for f in (folder, *folder.parents) if not f.exists()][::-1]
    folder.mkdir(parents=True, exist_ok=True)
    return missing


@contextmanager
def connection(
    con_or_path: ConOrPath, *, read_only: bool, lock_timeout: float, **config: Setting
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Use the caller's connection as is, or open ``path`` and close it afterwards."""
    if isinstance(con_or_path, duckdb.DuckDBPyConnection):
        yield con_or_path
        return
    con = connect(con_or_path, read_only=read_only, lock_timeout=lock_timeout, config=config)
    try:
        yield con
    finally:
        con.close()


def _open_message(path: str | Path, err: duckdb.Error, read_only: bool, waited: float) -> str:
    text = str(err)
    purpose = "reading" if read_only else "writing"
    if _LOCKED in text:
        pid = re.search(r"PID (\d+)", text)
        holder = f"process {pid.group(1)}" if pid else "another process"
        return (
            f"cannot open {path} for {purpose}: {holder} has it open for writing, and still "
            f"held it after {waited:.1f} s of waiting. DuckDB allows one writing process per "
            "file. Let that process finish (or stop it), allow a longer lock timeout, or use "
            "another database file (--db)."
        )
    if "not a valid DuckDB database file" in text:
        return (
            f"{path} is not a DuckDB database file ({text}). crisis-fca will not overwrite "
            "it: move it away, or pass another path with --db."
        )
    if "database does not exist" in text:
        return (
            f"there is no crisis-fca database at {path}: run a case first (it creates the "
            "file), or pass the right path with --db."
        )
    if "different configuration" in text:
        return (
            f"this process already has {path} open with other settings (for example for "
            f"writing) and cannot also open it for {purpose}; close the other connection first."
        )
    return f"cannot open {path} for {purpose}: {text}. Check the path and its permissions."
