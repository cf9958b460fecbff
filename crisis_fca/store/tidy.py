"""The stage outputs of the contracts reshaped into the store's ``signals`` and ``states`` frames.

The aligned signals (:class:`crisis_fca.align.AlignedSignals`) and the state set
(``crisis_fca.states.StateSet``) are wide, date-indexed frames; the store keeps them long
(one row per day and signal) and per state (counts of true, known and unknown days). These
pure functions do that reshaping, so wiring a run into :func:`~crisis_fca.store.write_run`
is ``{"signals": signals_table(a.values, a.status), "coverage": a.coverage,
"states": states_table(s.values, s.known, s.meta), ...}``.
"""

from __future__ import annotations

import pandas as pd

from crisis_fca.errors import StorageError

__all__ = ["signals_table", "states_table"]

_META = ("domain", "signal", "condition", "kind", "description", "parts")


def signals_table(values: pd.DataFrame, status: pd.DataFrame) -> pd.DataFrame:
    """Long ``(date, signal, value, status)`` rows from the wide aligned frames, signal by signal.

    Example:
        >>> days = pd.date_range("2020-03-01", periods=2, name="date")
        >>> values = pd.DataFrame({"m.x": [1.0, float("nan")]}, index=days)
        >>> status = pd.DataFrame({"m.x": ["observed", "missing"]}, index=days)
        >>> signals_table(values, status)["status"].tolist()
        ['observed', 'missing']
    """
    _same_shape(values, status, "status")
    long_values = _long(values, "value")
    long_status = _long(status, "status")
    return long_values.assign(status=long_status["status"].to_numpy())


def states_table(values: pd.DataFrame, known: pd.DataFrame, meta: pd.DataFrame) -> pd.DataFrame:
    """One row per state: its meta columns and how many days it held, was known and unknown.

    ``true_days`` counts known days only (an unknown day is stored as False in ``values``).

    Raises:
        StorageError: the frames disagree in shape, or ``meta`` lacks a state or a column.
    """
    _same_shape(values, known, "known")
    missing = [c for c in _META if c not in meta.columns]
    absent = [s for s in values.columns if s not in meta.index]
    if missing or absent:
        msg = (
            f"state meta lacks columns {missing} and states {absent[:5]}; it needs one row per "
            f"state (index = state name) with columns {list(_META)}"
        )
        raise StorageError(msg)
    held = values.astype(bool) & known.astype(bool)
    rows = meta.loc[list(values.columns), list(_META)]
    return pd.DataFrame(
        {
            "state": [str(s) for s in values.columns],
            **{c: rows[c].tolist() for c in _META if c != "parts"},
            "parts": [tuple(p) for p in rows["parts"]],
            "true_days": held.sum().to_numpy(dtype="int64"),
            "known_days": known.astype(bool).sum().to_numpy(dtype="int64"),
            "unknown_days": (~known.astype(bool)).sum().to_numpy(dtype="int64"),
        }
    )


def _long(frame: pd.DataFrame, name: str) -> pd.DataFrame:
    wide = frame.rename_axis(index="date", columns=None).reset_index()
    return wide.melt(id_vars="date", var_name="signal", value_name=name)


def _same_shape(left: pd.DataFrame, right: pd.DataFrame, what: str) -> None:
    if not (left.index.equals(right.index) and left.columns.equals(right.columns)):
        msg = (
            f"the {what} frame must have the same dates and columns as the values frame "
            f"(got {right.shape} vs {left.shape}); pass both frames of one stage output"
        )
        raise StorageError(msg)
