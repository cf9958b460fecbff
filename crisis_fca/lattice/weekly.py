"""Weekly majority-vote aggregation of a daily context, and extents rendered as date runs.

The reference study (see ``REFERENCE_STUDY.md``, "FCA and rules") could not build daily
lattices with ``concepts`` and collapsed contexts longer than
:data:`STUDY_WEEKLY_MIN_DAYS` days into ISO weeks by majority vote: a state holds for the
week if it held on at least half of the week's days. :func:`weekly_majority` reproduces that
rule for the ``study`` profile, counting only the days on which the state was known when a
known mask is given. crisis-fca itself builds the daily lattice.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from crisis_fca.errors import SchemaError
from crisis_fca.lattice.context import check_context

__all__ = [
    "STUDY_WEEKLY_MIN_DAYS",
    "date_ranges",
    "date_runs",
    "day_numbers",
    "day_runs",
    "weekly_majority",
]

STUDY_WEEKLY_MIN_DAYS = 150
"""The study collapses a context into ISO weeks when it has more than this many days."""


def weekly_majority(
    context: pd.DataFrame, known: pd.DataFrame | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Collapse a daily boolean context into ISO weeks by majority vote.

    A state holds for a week when it held on at least 50 % of the week's days on which it
    was known (all days present in the frame when ``known`` is None); ties count as held.
    A state never known during a week is unknown (and False) for that week.

    Args:
        context: Boolean frame indexed by a DatetimeIndex of days.
        known: Optional boolean mask of the same shape (False = unknown that day).

    Returns:
        ``(weekly, weekly_known)``: boolean frames indexed by each ISO week's Monday
        (index name ``week``), same columns; the inputs are not modified.

    Raises:
        SchemaError: the index is not a DatetimeIndex (or the frames are malformed).
        EmptyContextError: the frame has no rows or no columns.

    Example:
        >>> days = pd.date_range("2020-03-02", periods=8, name="date")  # Mon..next Mon
        >>> frame = pd.DataFrame({"s": [1, 1, 1, 1, 0, 0, 0, 0]}, index=days).astype(bool)
        >>> weekly, known = weekly_majority(frame)
        >>> weekly["s"].tolist(), [str(d.date()) for d in weekly.index]
        ([True, False], ['2020-03-02', '2020-03-09'])
    """
    check_context(context, known)
    if not isinstance(context.index, pd.DatetimeIndex):
        msg = (
            f"weekly aggregation needs a DatetimeIndex of days, got {type(context.index).__name__} "
            f"(first label {context.index[0]!r}); index the context by date"
        )
        raise SchemaError(msg)
    mask = (
        np.ones(context.shape, dtype=bool)
        if known is None
        else known[context.columns].to_numpy(bool)
    )
    days = context.index.normalize()
    week = pd.DatetimeIndex(days - pd.to_timedelta(days.day_of_week, unit="D"), name="week")
    held = pd.DataFrame(context.to_numpy(bool) & mask, index=week, columns=context.columns)
    counted = pd.DataFrame(mask, index=week, columns=context.columns)
    held_days = held.groupby(level="week").sum()
    known_days = counted.groupby(level="week").sum()
    weekly_known = known_days > 0
    weekly = (2 * held_days >= known_days) & weekly_known
    return weekly.astype(bool), weekly_known.astype(bool)


def date_ranges(dates: Iterable[object], step_days: int = 1) -> str:
    """Render days as runs: ``"2020-03-26..2020-04-18, 2020-05-24"``.

    Consecutive days (``step_days`` apart; 7 for weekly objects) form one run ``first..last``;
    a run of one day is that date alone. Order and duplicates in the input do not matter.

    Args:
        dates: Anything ``pd.DatetimeIndex`` accepts (Timestamps, dates, ISO strings).
        step_days: The spacing that counts as consecutive.

    Returns:
        The runs joined by ``", "``; ``""`` for no dates.

    Example:
        >>> date_ranges(["2020-05-24", "2020-03-26", "2020-03-27", "2020-03-28"])
        '2020-03-26..2020-03-28, 2020-05-24'
    """
    return ", ".join(date_runs(dates, step_days))


def date_runs(dates: Iterable[object], step_days: int = 1) -> list[str]:
    """The runs of :func:`date_ranges` as a list (the store keeps them as ``VARCHAR[]``).

    Example:
        >>> date_runs(["2020-03-27", "2020-03-26", "2020-04-01"])
        ['2020-03-26..2020-03-27', '2020-04-01']
    """
    index = pd.DatetimeIndex(list(dates)).normalize().unique().sort_values()
    return day_runs(day_numbers(index), list(index.strftime("%Y-%m-%d")), step_days)


def day_numbers(days: pd.DatetimeIndex) -> np.ndarray:
    """Whole days since the first of ``days`` (int64), for :func:`day_runs`."""
    if len(days) == 0:
        return np.zeros(0, dtype=np.int64)
    return np.asarray((days.normalize() - days[0].normalize()) // pd.Timedelta(days=1), np.int64)


def day_runs(
    numbers: np.ndarray, labels: Sequence[str] | np.ndarray, step_days: int = 1
) -> list[str]:
    """Runs over ascending day ``numbers`` labelled by ``labels`` (aligned), as strings.

    The vectorised core of :func:`date_runs`, exposed so that many extents of one context
    can share a single date-to-number conversion.

    Example:
        >>> day_runs(np.array([0, 1, 2, 5]), ["d0", "d1", "d2", "d5"])
        ['d0..d2', 'd5']
    """
    if len(numbers) == 0:
        return []
    breaks = np.flatnonzero(np.diff(numbers) != step_days)
    starts = np.concatenate(([0], breaks + 1)).tolist()
    ends = np.concatenate((breaks, [len(numbers) - 1])).tolist()
    return [
        str(labels[s]) if s == e else f"{labels[s]}..{labels[e]}"
        for s, e in zip(starts, ends, strict=True)
    ]
