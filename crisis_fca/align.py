"""Alignment: put every tidy daily signal on one calendar, honestly.

The case window defines the calendar (every day, both ends included). Each signal's day
is then exactly one of:

``observed``      the source holds a value with enough coverage;
``low_coverage``  the source holds a value, but for less than ``min_coverage`` of the day
                  (PeMS' half-day last row) -- flagged and *masked*, never read as a collapse;
``filled``        no value, filled by the signal's gap policy (forward-fill or interpolation,
                  up to ``limit`` days);
``missing``       no usable value: later stages treat it as unknown, never as zero.

Forward-fill uses only earlier days. Linear interpolation also reads the *next* observed
value, i.e. it looks ahead; it is offered for display-type series and documented as such,
and the ``rigorous`` profile does not use it for anything rules are mined on.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from dataclasses import dataclass, field

import pandas as pd

from crisis_fca.config import GapPolicy, SignalsConfig, Window
from crisis_fca.errors import EmptyWindowError, SchemaError

__all__ = ["STATUSES", "AlignedSignals", "align_signals", "calendar", "gap_policy_for"]

STATUSES = ("observed", "filled", "low_coverage", "missing")


@dataclass(frozen=True)
class AlignedSignals:
    """Every signal of a case on the case's daily calendar."""

    values: pd.DataFrame
    """Date-indexed float frame; NaN where the day is not usable (missing or masked)."""
    status: pd.DataFrame
    """Same shape; one of :data:`STATUSES` per signal and day."""
    coverage: pd.DataFrame
    """One row per signal: signal, source, domain, days, observed, filled, low_coverage, missing, first, last."""
    posts: pd.DataFrame | None = None
    """Posts inside the window, for text-derived states and briefs."""
    source_of: Mapping[str, str] = field(default_factory=dict)
    """Signal name -> the source it came from."""


def calendar(window: Window) -> pd.DatetimeIndex:
    """Every day of the window, as a DatetimeIndex named ``date``.

    Example:
        >>> from datetime import date
        >>> len(calendar(Window(start=date(2025, 1, 3), end=date(2025, 2, 5))))
        34
    """
    return pd.date_range(window.start, window.end, freq="D", name="date")


def gap_policy_for(signal: str, cfg: SignalsConfig) -> GapPolicy:
    """The gap policy of one signal: an exact key wins over a ``domain.*`` pattern."""
    if signal in cfg.gaps:
        return cfg.gaps[signal]
    for pattern, policy in cfg.gaps.items():
        if fnmatch.fnmatchcase(signal, pattern):
            return policy
    return cfg.default_gap


def align_signals(
    signals: pd.DataFrame,
    window: Window,
    cfg: SignalsConfig,
    posts: pd.DataFrame | None = None,
) -> AlignedSignals:
    """Align tidy signals (columns date, signal, value, coverage, source) on the window.

    Raises:
        SchemaError: a (date, signal) pair appears twice.
        EmptyWindowError: a source has no row inside the window.
    """
    days = calendar(window)
    inside = signals[signals["date"].between(days[0], days[-1])]
    _check_sources_overlap(signals, inside, window)
    _check_unique(inside)
    source_of = dict(zip(inside["signal"], inside["source"], strict=False))
    names = sorted(source_of)
    raw = inside.pivot(index="date", columns="signal", values="value").reindex(days, columns=names)
    cov = inside.pivot(index="date", columns="signal", values="coverage").reindex(
        days, columns=names
    )
    low = raw.notna() & (cov < cfg.min_coverage)
    usable = raw.mask(low)
    filled = pd.DataFrame({s: _fill(usable[s], gap_policy_for(s, cfg)) for s in names}, index=days)
    filled = filled.reindex(columns=names).mask(low)
    status = _status(raw.notna() & ~low, filled.notna() & raw.isna(), low)
    window_posts = None
    if posts is not None:
        window_posts = posts[posts["date"].between(days[0], days[-1])].reset_index(drop=True)
    return AlignedSignals(
        values=filled.astype("float64"),
        status=status,
        coverage=coverage_table(status, source_of),
        posts=window_posts,
        source_of=source_of,
    )


def coverage_table(status: pd.DataFrame, source_of: Mapping[str, str]) -> pd.DataFrame:
    """Per-signal counts of observed / filled / low-coverage / missing days."""
    rows = []
    for signal in status.columns:
        col = status[signal]
        seen = col.index[col == "observed"]
        rows.append(
            {
                "signal": signal,
                "source": source_of.get(signal, ""),
                "domain": signal.split(".", 1)[0],
                "days": len(col),
                **{s: int((col == s).sum()) for s in STATUSES},
                "first": seen.min().date() if len(seen) else None,
                "last": seen.max().date() if len(seen) else None,
            }
        )
    return pd.DataFrame(
        rows, columns=["signal", "source", "domain", "days", *STATUSES, "first", "last"]
    )


def _fill(series: pd.Series, policy: GapPolicy) -> pd.Series:
    limit = policy.limit or None
    if policy.method == "ffill":
        return series.ffill(limit=limit)
    if policy.method == "interpolate":
        return series.interpolate(method="linear", limit=limit, limit_area="inside")
    return series


def _status(observed: pd.DataFrame, filled: pd.DataFrame, low: pd.DataFrame) -> pd.DataFrame:
    status = pd.DataFrame("missing", index=observed.index, columns=observed.columns, dtype=object)
    status = status.mask(filled, "filled").mask(low, "low_coverage").mask(observed, "observed")
    return status.astype(str)


def _check_unique(signals: pd.DataFrame) -> None:
    dupes = signals[signals.duplicated(["date", "signal"], keep=False)]
    if not dupes.empty:
        first = dupes.iloc[0]
        msg = (
            f"source {first['source']!r}: signal {first['signal']!r} has "
            f"{len(dupes)} rows for duplicated dates (first {first['date'].date()}); "
            "each signal needs one value per day -- remove or aggregate the duplicates"
        )
        raise SchemaError(msg)


def _check_sources_overlap(signals: pd.DataFrame, inside: pd.DataFrame, window: Window) -> None:
    for source in signals["source"].unique():
        if (inside["source"] == source).any():
            continue
        dates = signals.loc[signals["source"] == source, "date"]
        span = f"{dates.min().date()}..{dates.max().date()}" if len(dates) else "no dated rows"
        msg = (
            f"source {source!r} has no data inside the case window {window.start}..{window.end} "
            f"(its data covers {span}); fix the window in the case file or point the source at "
            "the right file"
        )
        raise EmptyWindowError(msg)
