"""Writing a run: one run, one transaction; a failed write leaves the file as it was, and says so.

:func:`write_run` checks the frames, then inserts the ``runs`` row and every table between one
``BEGIN TRANSACTION`` and ``COMMIT``. Any error (a bad value, a constraint, a full disk, an
interrupt) rolls the whole run back, and the failure is then recorded in a second, small
transaction as a ``runs`` row with ``status='failed'`` and the error, so the history shows
every attempt and no query ever sees half a run. A process killed mid-write leaves an
uncommitted transaction, which DuckDB discards when the file is next opened.

Values reach DuckDB only as ``?`` parameters or as registered DataFrames selected with a
cast to the declared type: a state, region or signal name containing quotes or SQL is stored
verbatim and never executed. Re-running a case adds a new run; see
:mod:`crisis_fca.store.schema` for what "latest" means.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from crisis_fca.errors import StorageError
from crisis_fca.store.connection import WRITE_LOCK_TIMEOUT, ConOrPath, connection
from crisis_fca.store.frames import prepared_tables
from crisis_fca.store.migrations import SCHEMA_VERSION, database_label, migrate, rollback
from crisis_fca.store.schema import DATA_TABLES, RUN_STATUSES, RUNS, Table, quote

__all__ = ["RunRecord", "new_run_id", "record_failure", "upgrade", "write_run"]

Progress = Callable[[str], None]
_FRAME = "_crisis_fca_frame"


@dataclass(frozen=True)
class RunRecord:
    """What the pipeline knows about a run; becomes its ``runs`` row.

    Datetimes with a time zone are stored in UTC; naive ones are taken to be UTC already.
    """

    case: str
    profile: str
    config_hash: str
    data_checksums: Mapping[str, str]
    code_version: str
    started: datetime
    finished: datetime | None = None
    status: str = "succeeded"
    error: str | None = None
    params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.status not in RUN_STATUSES:
            msg = f"run status must be one of {RUN_STATUSES}, got {self.status!r}"
            raise StorageError(msg)
        if (self.status == "failed") != (self.error is not None):
            must = "must" if self.status == "failed" else "must not"
            msg = f"a run with status {self.status!r} {must} carry an error message"
            msg += f" (got error={self.error!r})"
            raise StorageError(msg)


def write_run(
    con_or_path: ConOrPath,
    run: RunRecord,
    tables: Mapping[str, pd.DataFrame],
    *,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
    progress: Progress | None = None,
    run_id: str | None = None,
) -> str:
    """Store one run and its tables atomically; return its new ``run_id``.

    Args:
        con_or_path: a DuckDB connection (left open) or the database file (opened for
            writing, upgraded if older, closed afterwards).
        run: the run's record.
        tables: table name -> frame with exactly the table's declared columns but
            ``run_id`` (see docs/schema.md); absent tables, and ``pd.DataFrame()``, get no
            rows. The ``rules`` frame may leave out ``rule_id``: the store computes it.
        lock_timeout: seconds to wait for another process holding the file.
        progress: called with ``"writing <table>"`` before each table, inside the transaction.
        run_id: the id to store the run under (from :func:`new_run_id`, when the caller needs
            it before writing, e.g. to print it in a brief); default: a new one.

    Raises:
        StorageError: the file cannot be opened or upgraded, a frame does not fit its table,
            or DuckDB refused a value; after the file was opened, the failure is recorded
            as a failed run and nothing else of the run is kept. Any other exception (from
            ``progress``, or an interrupt) is recorded the same way and re-raised as is.
    """
    run_id = run_id or new_run_id(run.started)
    with connection(con_or_path, read_only=False, lock_timeout=lock_timeout) as con:
        migrate(con)
        try:
            frames = prepared_tables(tables)
            _write_transaction(con, run_id, run, frames, progress)
        except BaseException as exc:
            recorded = _record_failure(con, run_id, run, exc)
            if isinstance(exc, StorageError | duckdb.Error):
                raise StorageError(f"{str(exc).rstrip('.')}. {recorded}") from exc
            exc.add_note(recorded)
            raise
    return run_id


def record_failure(
    con_or_path: ConOrPath,
    run: RunRecord,
    error: BaseException | str,
    *,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
) -> str:
    """Record a run that failed before reaching the store (no tables); return its ``run_id``."""
    text = error if isinstance(error, str) else _error_text(error)
    failed = replace(run, status="failed", error=text, finished=run.finished or _utcnow())
    return write_run(con_or_path, failed, {}, lock_timeout=lock_timeout)


def upgrade(path: str | Path, *, lock_timeout: float = WRITE_LOCK_TIMEOUT) -> tuple[str, ...]:
    """Open ``path`` for writing and apply pending migrations; return their labels.

    Writing a run does this anyway; this is for upgrading a file before reading it.
    """
    with connection(path, read_only=False, lock_timeout=lock_timeout) as con:
        return migrate(con)


def _write_transaction(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    run: RunRecord,
    frames: Mapping[str, pd.DataFrame],
    progress: Progress | None,
) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        _insert_run(con, run_id, run)
        for table in DATA_TABLES:
            if progress is not None:
                progress(f"writing {table.name}")
            frame = frames.get(table.name)
            if frame is not None and len(frame):
                _insert_frame(con, table, run_id, frame)
        con.execute("COMMIT")
    except BaseException:
        rollback(con)
        raise


def _insert_run(con: duckdb.DuckDBPyConnection, run_id: str, run: RunRecord) -> None:
    values = {
        "run_id": run_id,
        "case_name": run.case,
        "profile": run.profile,
        "config_hash": run.config_hash,
        "data_checksums": _json(run.data_checksums),
        "params": _json(run.params),
        "code_version": run.code_version,
        "started": _utc(run.started),
        "finished": _utc(run.finished) if run.finished else None,
        "status": run.status,
        "error": run.error,
        "schema_version": SCHEMA_VERSION,
        "recorded": _utcnow(),
    }
    names = ", ".join(quote(n) for n in values)
    marks = ", ".join("?" for _ in values)
    con.execute(f"INSERT INTO {quote(RUNS.name)} ({names}) VALUES ({marks})", list(values.values()))


def _insert_frame(
    con: duckdb.DuckDBPyConnection, table: Table, run_id: str | None, frame: pd.DataFrame
) -> None:
    """Insert ``frame`` (the table's data columns) into ``table``, each value cast to its type.

    ``run_id`` fills the leading ``run_id`` column; ``None`` for a table without one
    (``region_comparison``, keyed by its batch).
    """
    names = ", ".join(quote(c.name) for c in table.columns)
    casts = ", ".join(f"CAST({quote(c.name)} AS {c.type})" for c in table.data_columns)
    lead, params, of = ("?, ", [run_id], f" of run {run_id}") if run_id else ("", [], "")
    sql = f"INSERT INTO {quote(table.name)} ({names}) SELECT {lead}{casts} FROM {quote(_FRAME)}"
    con.register(_FRAME, frame)  # a temporary view: the rollback of a failed write drops it
    try:
        con.execute(sql, params)
    except duckdb.Error as err:
        msg = f"writing table {table.name!r}{of} failed: {err}"
        raise StorageError(msg) from err
    con.unregister(_FRAME)


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection, what: str) -> Iterator[None]:
    """``BEGIN`` ... ``COMMIT`` around the block: any error rolls it back, and a DuckDB error
    becomes a :class:`StorageError` saying ``writing <what> failed``."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
        con.execute("COMMIT")
    except BaseException as exc:
        rollback(con)
        if isinstance(exc, duckdb.Error):
            msg = f"writing {what} failed: {exc}"
            raise StorageError(msg) from exc
        raise


def _record_failure(
    con: duckdb.DuckDBPyConnection, run_id: str, run: RunRecord, exc: BaseException
) -> str:
    failed = replace(run, status="failed", error=_error_text(exc), finished=_utcnow())
    where = database_label(con)
    try:
        con.execute("BEGIN TRANSACTION")
        _insert_run(con, run_id, failed)
        con.execute("COMMIT")
    except duckdb.Error as err:
        rollback(con)
        return (
            f"Run {run_id} was rolled back, so {where} holds nothing of it; recording the "
            f"failure also failed ({err})."
        )
    return (
        f"Run {run_id} ({run.case}/{run.profile}) was rolled back, so {where} holds nothing "
        "of it; the failure is recorded in its runs row (status 'failed')."
    )


def _error_text(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _json(value: Mapping[str, Any]) -> str:
    return json.dumps(dict(value), sort_keys=True, ensure_ascii=False, default=str)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def new_run_id(started: datetime) -> str:
    """A unique run id: the UTC start time and a random suffix."""
    return f"{_utc(started):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:8]}"
