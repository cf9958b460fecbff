"""Monitoring in the store: write a monitor or replay run's evaluated triggers, read them back.

A monitor run evaluates every trigger on one as-of day; a replay evaluates them on every
day of a range. Either way its rows go to the ``alerts`` table (declared in
:mod:`crisis_fca.store.schema`, created by migration ``0003_alerts``) in one transaction,
under the run's own id -- a monitor run is not a pipeline run, so it has no ``runs`` row and
never changes what ``latest_runs`` means. The ``alert_outcomes`` view scores each row (hit,
false alarm, miss, ... for the rule and for persistence). The reading side also finds the
rule set a monitor run starts from: the validated rules of a stored pipeline run and the
days that run's data covered.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pandas as pd

from crisis_fca.errors import StorageError
from crisis_fca.store.connection import (
    READ_LOCK_TIMEOUT,
    WRITE_LOCK_TIMEOUT,
    ConOrPath,
    connection,
)
from crisis_fca.store.frames import _checked
from crisis_fca.store.migrations import migrate
from crisis_fca.store.reader import query
from crisis_fca.store.schema import ALERTS
from crisis_fca.store.writer import _insert_frame, new_run_id, transaction

__all__ = [
    "StoredRules",
    "latest_alert_run",
    "read_alerts",
    "stored_rules",
    "write_alerts",
]


def write_alerts(
    con_or_path: ConOrPath,
    alerts: pd.DataFrame,
    *,
    run_id: str | None = None,
    lock_timeout: float = WRITE_LOCK_TIMEOUT,
) -> str:
    """Store one monitor or replay run's rows atomically; return the run's id.

    Args:
        con_or_path: a DuckDB connection (left open) or the database file (opened for
            writing, upgraded if older, closed afterwards).
        alerts: one row per (as-of day, rule) with the ``alerts`` columns except ``run_id``
            and ``recorded``, which the store sets (see docs/schema.md).
        run_id: the id to store the rows under (default: a new one).
        lock_timeout: seconds to wait for another process holding the file.

    Raises:
        StorageError: the frame does not fit the table (the message names the column or row),
            or DuckDB refused a value; nothing of the run is kept then.
    """
    now = datetime.now(UTC).replace(tzinfo=None)
    run_id = run_id or new_run_id(now)
    frame = _checked(ALERTS, alerts.assign(recorded=now))
    with connection(con_or_path, read_only=False, lock_timeout=lock_timeout) as con:
        migrate(con)
        with transaction(con, f"the alerts of monitor run {run_id}"):
            if len(frame):
                _insert_frame(con, ALERTS, run_id, frame)
    return run_id


def read_alerts(
    con_or_path: ConOrPath, run_id: str, *, lock_timeout: float = READ_LOCK_TIMEOUT
) -> pd.DataFrame:
    """One monitor or replay run's rows from ``alert_outcomes`` (scored), by day and rule."""
    return query(
        con_or_path,
        "SELECT * FROM alert_outcomes WHERE run_id = ? ORDER BY as_of, rule_id",
        [run_id],
        lock_timeout=lock_timeout,
    )


def latest_alert_run(
    con_or_path: ConOrPath,
    case_name: str,
    profile: str,
    mode: str,
    *,
    exclude: str | None = None,
    through: date | None = None,
    lock_timeout: float = READ_LOCK_TIMEOUT,
) -> str | None:
    """The latest monitor (or replay) run of a case and profile, or None.

    Latest = the greatest last as-of day, then the most recently recorded. ``exclude`` leaves
    one run out (the current one, to find the one before it); ``through`` keeps runs whose
    as-of days are all on or before that day (a run for an earlier day is never compared
    with one for a later day).
    """
    found = query(
        con_or_path,
        "SELECT run_id FROM alerts WHERE case_name = ? AND profile = ? AND mode = ? "
        "AND run_id <> ? GROUP BY run_id HAVING max(as_of) <= ? "
        "ORDER BY max(as_of) DESC, max(recorded) DESC, run_id DESC LIMIT 1",
        [case_name, profile, mode, exclude or "", through or date.max],
        lock_timeout=lock_timeout,
    )
    return None if found.empty else str(found["run_id"].iloc[0])


@dataclass(frozen=True)
class StoredRules:
    """The rules of one stored pipeline run and the days its data covered."""

    run_id: str
    rules: pd.DataFrame
    """Its ``rules`` rows (every class; the monitor selects the validated ones)."""
    first_day: date | None
    through: date | None
    """Last day of the run's aligned data (``max(signals.date)``); None if it stored none."""


def stored_rules(
    con_or_path: ConOrPath,
    case_name: str,
    profile: str,
    run_id: str | None = None,
    *,
    lock_timeout: float = READ_LOCK_TIMEOUT,
) -> StoredRules | None:
    """The named run's rules, or those of the latest run of ``case_name``/``profile``.

    Returns None when no successful run of the case and profile is stored.

    Raises:
        StorageError: ``run_id`` names no run, a failed run, or a run of another case or
            profile.
    """
    if run_id is None:
        latest = query(
            con_or_path,
            "SELECT run_id FROM latest_runs WHERE case_name = ? AND profile = ?",
            [case_name, profile],
            lock_timeout=lock_timeout,
        )
        if latest.empty:
            return None
        run_id = str(latest["run_id"].iloc[0])
    else:
        _check_run(con_or_path, run_id, case_name, profile, lock_timeout)
    rules = query(con_or_path, "SELECT * FROM rules WHERE run_id = ? ORDER BY rule_id", [run_id])
    span = query(
        con_or_path,
        "SELECT min(date) AS lo, max(date) AS hi FROM signals WHERE run_id = ?",
        [run_id],
    )
    lo, hi = span["lo"].iloc[0], span["hi"].iloc[0]
    return StoredRules(
        run_id=run_id,
        rules=rules.drop(columns="run_id"),
        first_day=None if pd.isna(lo) else pd.Timestamp(lo).date(),
        through=None if pd.isna(hi) else pd.Timestamp(hi).date(),
    )


def _check_run(
    con_or_path: ConOrPath, run_id: str, case_name: str, profile: str, lock_timeout: float
) -> None:
    row = query(
        con_or_path,
        "SELECT case_name, profile, status FROM runs WHERE run_id = ?",
        [run_id],
        lock_timeout=lock_timeout,
    )
    if row.empty:
        msg = f"no run {run_id!r} in the store; list the runs with `crisis-fca runs`"
        raise StorageError(msg)
    case, prof, status = (str(row[c].iloc[0]) for c in ("case_name", "profile", "status"))
    if status != "succeeded" or (case, prof) != (case_name, profile):
        msg = (
            f"run {run_id!r} is a {status} run of {case}/{prof}, not a successful run of "
            f"{case_name}/{profile}; pick a successful run of that case and profile "
            "(`crisis-fca runs`), or change --profile"
        )
        raise StorageError(msg)
