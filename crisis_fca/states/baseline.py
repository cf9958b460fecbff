"""Threshold and ratio-to-baseline states.

Fixed thresholds are the study's Google mobility rules (retail < -25, ...). A ratio
state compares a level signal with a multiple of its own baseline, as the study did for
Caltrans PeMS (TTI > 1.15, Delay > 1.3 x baseline, VMT < 0.7 x baseline). The study took
"the first five days of the file" as the baseline, which included the ignition day;
here the baseline is a configured window that must end before the case's event start
(a :class:`~crisis_fca.errors.ConfigError` otherwise, or a loud
:class:`BaselineOverlapWarning` when a reproduction explicitly allows it). Because
traffic has a strong weekly cycle, the baseline can be split by day type (weekday vs
weekend) so a Sunday is compared with Sundays-and-Saturdays, not with a working day.

Example:
    >>> import pandas as pd
    >>> from crisis_fca.states.spec import BaselineRatioSpec
    >>> s = pd.Series([10.0, 10.0, 20.0, 12.0], index=pd.date_range("2025-01-01", periods=4))
    >>> spec = BaselineRatioSpec(kind="baseline_ratio", signal="x", above=1.3, baseline=2,
    ...                          description="x well above its first two days")
    >>> ratio_state(s, spec, event_start=pd.Timestamp("2025-01-03").date()).value.tolist()
    [False, False, True, False]
"""

from __future__ import annotations

import warnings
from datetime import date

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from crisis_fca.errors import ConfigError
from crisis_fca.states.calendar import weekend_mask
from crisis_fca.states.spec import BaselineRatioSpec, BaselineWindow, ThresholdSpec
from crisis_fca.states.truth import Truth, directional

__all__ = ["BaselineOverlapWarning", "ratio_state", "threshold_state"]


class BaselineOverlapWarning(UserWarning):
    """A baseline window reaches into the crisis event (allowed only for reproductions)."""


def threshold_state(series: pd.Series, spec: ThresholdSpec) -> Truth:
    """The signal against a fixed cut-off; missing days are unknown."""
    return directional(
        series.to_numpy(dtype=float),
        spec.cutoff,
        spec.side,
        inclusive=spec.inclusive,
        release=spec.release,
    )


def ratio_state(
    series: pd.Series, spec: BaselineRatioSpec, *, event_start: date | None, name: str = "?"
) -> Truth:
    """The signal against ``above``/``below`` x its baseline statistic.

    Raises:
        ConfigError: the baseline window has no data, is not positive, or ends on or
            after ``event_start`` (unless ``allow_overlap``, which warns instead).
    """
    days = _baseline_days(series, spec, name)
    _check_overlap(days, spec, event_start, name)
    base = _baseline_values(series, days, spec, name)
    release = None if spec.release is None else spec.release * base
    return directional(
        series.to_numpy(dtype=float),
        spec.cutoff * base,
        spec.side,
        inclusive=spec.inclusive,
        release=release,
    )


def _baseline_days(series: pd.Series, spec: BaselineRatioSpec, name: str) -> pd.DatetimeIndex:
    observed = series.dropna().index
    if isinstance(spec.baseline, BaselineWindow):
        start, end = pd.Timestamp(spec.baseline.start), pd.Timestamp(spec.baseline.end)
        days = observed[(observed >= start) & (observed <= end)]
        where = f"the window {spec.baseline.start}..{spec.baseline.end}"
    else:
        days = observed[: spec.baseline]
        where = f"the first {spec.baseline} observed days"
        if len(days) < spec.baseline:
            days = days[:0]
    if len(days) == 0:
        msg = (
            f"state {name!r}: signal {spec.signal!r} has no (or too few) observed values in "
            f"{where} of its baseline (observed {observed.min() if len(observed) else 'never'}"
            f"..{observed.max() if len(observed) else ''}); move the baseline to days the "
            "case window covers with data"
        )
        raise ConfigError(msg)
    return pd.DatetimeIndex(days)


def _check_overlap(
    days: pd.DatetimeIndex, spec: BaselineRatioSpec, event_start: date | None, name: str
) -> None:
    if event_start is None:
        return
    last = days.max().date()
    if isinstance(spec.baseline, BaselineWindow):
        last = max(last, spec.baseline.end)
    if last < event_start:
        return
    msg = (
        f"state {name!r}: the baseline of {spec.signal!r} runs to {last}, on or after the "
        f"event start {event_start} (case.event_start), so crisis days are inside the "
        "'normal' they are compared with. Move the baseline window before the event"
    )
    if not spec.allow_overlap:
        raise ConfigError(
            msg + " (or set allow_overlap = true to reproduce a study that did this)."
        )
    warnings.warn(
        msg + "; allowed here by allow_overlap = true.", BaselineOverlapWarning, stacklevel=3
    )


def _baseline_values(
    series: pd.Series, days: pd.DatetimeIndex, spec: BaselineRatioSpec, name: str
) -> NDArray[np.float64]:
    schedule = spec.weekend if spec.by_daytype else None
    keys = _daytype(pd.DatetimeIndex(series.index), schedule)
    base_keys = _daytype(days, schedule)
    out = np.full(len(series), np.nan)
    for key in np.unique(keys):
        sample = series.loc[days[base_keys == key]]
        if sample.empty:
            kind = "weekend" if key else "weekday"
            msg = (
                f"state {name!r}: the baseline of {spec.signal!r} has no {kind} day, so "
                f"{kind}s cannot be compared by day type; widen the baseline or unset by_daytype"
            )
            raise ConfigError(msg)
        value = float(sample.mean() if spec.statistic == "mean" else sample.median())
        if not value > 0:
            msg = (
                f"state {name!r}: baseline {spec.statistic} of {spec.signal!r} is {value}, "
                "not positive; a ratio to it is meaningless -- use a threshold state instead"
            )
            raise ConfigError(msg)
        out[keys == key] = value
    return out


def _daytype(index: pd.DatetimeIndex, schedule: str | None) -> NDArray[np.int_]:
    """0 for every day, or 1 on weekend days and 0 on weekdays of ``schedule``."""
    if schedule is None:
        return np.zeros(len(index), dtype=int)
    return weekend_mask(index, schedule).astype(int)
