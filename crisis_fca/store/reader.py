"""Reading the store: ad-hoc SQL, the run history, one run's tables, and exports.

Every function opens the file ``read_only`` (waiting up to ``lock_timeout`` seconds while a
writer holds it), so it sees the last committed state and cannot change anything. A file
whose schema is older than this code is not upgraded here (that needs a write): the reader
says so. List columns come back as tuples of str, DATE columns as ``datetime64`` and NULL
numbers as NaN / ``<NA>``.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import duckdb
import pandas as pd

from crisis_fca.errors import ConfigError, StorageError
from crisis_fca.store.connection import READ_LOCK_TIMEOUT, ConOrPath, connection
from crisis_fca.store.migrations import SCHEMA_VERSION, database_label, pending
from crisis_fca.store.schema import RUN_TABLES, RUNS, Table, quote

__all__ = ["export_run", "list_runs", "query", "read_run"]

ExportFormat = Literal["parquet", "csv"]


def query(
    con_or_path: ConOrPath,
    sql: str,
    params: Sequence[Any] | None = None,
    *,
    lock_timeout: float = READ_LOCK_TIMEOUT,
) -> pd.DataFrame:
    """Run one analyst query on a read-only connection with no file access; return its rows.

    Given a path, the file is opened ``read_only`` with external access disabled, so
    statements that would change the store, and reads or writes of other files, are refused
    by DuckDB and reported as a :class:`~crisis_fca.errors.StorageError` saying so. Given a
    connection, the query runs on it as it is (the caller chose its mode).

    Raises:
        StorageError: the file cannot be opened, or the statement is refused or invalid.
    """
    with connection(
        con_or_path, read_only=True, lock_timeout=lock_timeout, enable_external_access=False
    ) as con:
        _check_current(con)
        try:
            result = con.execute(sql, list(params) if params is not None else None)
            frame = result.df() if result.description else pd.DataFrame()
        except duckdb.Error as err:
            raise StorageError(_query_message(database_label(con), sql, err)) from err
    return _tuples(frame)


def list_runs(con_or_path: ConOrPath, *, lock_timeout: float = READ_LOCK_TIMEOUT) -> pd.DataFrame:
    """Every run, newest first, with its rule counts and whether it is the latest of its kind."""
    sql = (
        "SELECT r.run_id, r.seq, r.case_name, r.profile, r.status, r.started, r.finished,\n"
        "  r.run_id IN (SELECT run_id FROM latest_runs) AS latest,\n"
        "  count(u.rule_id) AS rules,\n"
        "  count(u.rule_id) FILTER (u.rule_class = 'stable_same_day') AS stable,\n"
        "  count(u.rule_id) FILTER (u.rule_class = 'predictive') AS predictive,\n"
        "  r.error, r.config_hash, r.code_version, r.schema_version\n"
        "FROM runs AS r LEFT JOIN rules AS u USING (run_id)\n"
        "GROUP BY ALL ORDER BY r.seq DESC"
    )
    return query(con_or_path, sql, lock_timeout=lock_timeout)


def read_run(
    con_or_path: ConOrPath, run_id: str, *, lock_timeout: float = READ_LOCK_TIMEOUT
) -> dict[str, pd.DataFrame]:
    """One run as ``write_run`` took it: ``{"runs": its row, table: frame without run_id}``.

    Raises:
        StorageError: no run has that id.
    """
    with connection(con_or_path, read_only=True, lock_timeout=lock_timeout) as con:
        _check_current(con)
        _check_run(con, run_id)
        out = {}
        for table in RUN_TABLES:
            columns = table.names if table is RUNS else tuple(c.name for c in table.data_columns)
            sql = _select(table, columns, lists_as_json=False)
            out[table.name] = _tuples(con.execute(sql, [run_id]).df())
    return out


def export_run(
    con_or_path: ConOrPath,
    run_id: str,
    out_dir: str | Path,
    fmt: ExportFormat = "parquet",
    *,
    lock_timeout: float = READ_LOCK_TIMEOUT,
) -> Path:
    """Write every table of one run to ``out_dir/<run_id>/<table>.<fmt>``; return that folder.

    The files are written to a temporary folder beside it and moved into place at the end,
    so the folder holds a complete export or none (an older export of the run is replaced).
    In CSV, list columns are JSON arrays (state names may contain commas and quotes).

    Raises:
        ConfigError: ``fmt`` is neither ``parquet`` nor ``csv``.
        StorageError: no run has that id, or the folder cannot be written.
    """
    if fmt not in ("parquet", "csv"):
        msg = f"export format must be 'parquet' or 'csv', got {fmt!r}"
        raise ConfigError(msg)
    final = Path(out_dir) / run_id
    with connection(con_or_path, read_only=True, lock_timeout=lock_timeout) as con:
        _check_current(con)
        _check_run(con, run_id)
        try:
            final.parent.mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix=f".{run_id}.", dir=final.parent))
        except OSError as err:
            raise StorageError(_export_message(final, err)) from err
        try:
            _write_files(con, run_id, staging, fmt)
            _swap_into_place(staging, final)
        except (OSError, duckdb.Error) as err:
            raise StorageError(_export_message(final, err)) from err
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return final


def _write_files(con: duckdb.DuckDBPyConnection, run_id: str, folder: Path, fmt: str) -> None:
    for table in RUN_TABLES:
        rel = con.sql(_select(table, table.names, lists_as_json=fmt == "csv"), params=[run_id])
        target = str(folder / f"{table.name}.{fmt}")
        if fmt == "csv":
            rel.write_csv(target)
        else:
            rel.write_parquet(target)


def _swap_into_place(staging: Path, final: Path) -> None:
    old = final.with_name(f".{final.name}.old")
    if final.exists():
        shutil.rmtree(old, ignore_errors=True)
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def _select(table: Table, columns: Sequence[str], *, lists_as_json: bool) -> str:
    types = {c.name: c for c in table.columns}
    parts = [
        f"to_json({quote(n)}) AS {quote(n)}" if lists_as_json and types[n].is_list else quote(n)
        for n in columns
    ]
    return f"SELECT {', '.join(parts)} FROM {quote(table.name)} WHERE run_id = ? ORDER BY rowid"


def _tuples(frame: pd.DataFrame) -> pd.DataFrame:
    """Lists (numpy arrays from DuckDB) as tuples of str, so frames compare and hash."""
    lists = [c for c in frame.columns if frame[c].dtype == object and _holds_arrays(frame[c])]
    if not lists:
        return frame
    return frame.assign(**{c: frame[c].map(_as_tuple) for c in lists})


def _holds_arrays(column: pd.Series) -> bool:
    return any(hasattr(v, "tolist") and not isinstance(v, str) for v in column)


def _as_tuple(value: Any) -> Any:
    return tuple(value.tolist()) if hasattr(value, "tolist") else value


def _check_current(con: duckdb.DuckDBPyConnection) -> None:
    todo = pending(con)
    if todo:
        have = SCHEMA_VERSION - len(todo)
        msg = (
            f"{database_label(con)} has schema version {have}, older than this crisis-fca's "
            f"{SCHEMA_VERSION} (missing {', '.join(m.label for m in todo)}), and a read-only "
            "reader cannot upgrade it. Open it once for writing to upgrade it (any pipeline "
            "run does, or crisis_fca.store.upgrade(path)), then read it again."
        )
        raise StorageError(msg)


def _check_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    if con.execute("SELECT 1 FROM runs WHERE run_id = ?", [run_id]).fetchall():
        return
    recent = [
        r[0] for r in con.execute("SELECT run_id FROM runs ORDER BY seq DESC LIMIT 5").fetchall()
    ]
    msg = (
        f"no run {run_id!r} in {database_label(con)}; the most recent are {recent} "
        "(see crisis-fca runs)."
    )
    raise StorageError(msg)


def _query_message(where: str, sql: str, err: duckdb.Error) -> str:
    shown = sql if len(sql) <= 200 else sql[:200] + " ..."
    if isinstance(err, duckdb.InvalidInputException) and "read-only" in str(err):
        hint = "crisis-fca sql is read-only: runs are added only by the pipeline"
    elif isinstance(err, duckdb.PermissionException):
        hint = "crisis-fca sql reads only the store; write files with crisis-fca export"
    else:
        hint = "check the SQL against docs/schema.md"
    return f"query on {where} failed: {err} ({hint}). The query was: {shown}"


def _export_message(final: Path, err: BaseException) -> str:
    return (
        f"cannot export to {final}: {err}. Nothing was left half-written there; choose a "
        "writable folder with enough space."
    )
