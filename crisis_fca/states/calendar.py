"""Calendar states: a region-aware weekend and named crisis phases.

The weekend is not the same everywhere, nor constant in time: the United Arab Emirates
rested on Friday-Saturday until 31 December 2021 and moved to Saturday-Sunday on
1 January 2022 (federal government announcement of 7 December 2021; the Friday
half-day is not modelled), while the United States rests on Saturday-Sunday. A
schedule is a list of periods, each with its weekend days; the first period covering a
date decides it. Presets name regions; ``"sat,sun"``-style strings name fixed days.

Example:
    >>> import pandas as pd
    >>> days = pd.date_range("2021-12-30", "2022-01-02")
    >>> weekend_mask(days, "AE").tolist()     # Thu, Fri, Sat, Sun
    [False, True, True, True]
    >>> weekend_mask(days, "US").tolist()
    [False, False, True, True]
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from numpy.typing import NDArray

if TYPE_CHECKING:
    from crisis_fca.states.spec import PhaseSpec, WeekendPeriod

__all__ = ["WEEKDAYS", "WEEKEND_PRESETS", "phase_mask", "resolve_schedule", "weekend_mask"]

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Weekday names in pandas ``day_of_week`` order (Monday = 0)."""

_Period = tuple[date | None, date | None, frozenset[int]]

WEEKEND_PRESETS: dict[str, tuple[_Period, ...]] = {
    "AE": (
        (None, date(2021, 12, 31), frozenset({4, 5})),
        (date(2022, 1, 1), None, frozenset({5, 6})),
    ),
    "US": ((None, None, frozenset({5, 6})),),
}
"""Region presets: UAE Fri-Sat until 2021-12-31 then Sat-Sun; US Sat-Sun."""


def resolve_schedule(schedule: str | tuple[WeekendPeriod, ...]) -> tuple[_Period, ...]:
    """Periods of a schedule given as a preset, a day list (``"fri,sat"``) or periods.

    Raises:
        ValueError: an unknown preset or weekday name (a config-validation error).
    """
    if not isinstance(schedule, str):
        return tuple(
            (p.start, p.end, frozenset(WEEKDAYS.index(d) for d in p.days)) for p in schedule
        )
    if schedule in WEEKEND_PRESETS:
        return WEEKEND_PRESETS[schedule]
    names = [part.strip().lower() for part in schedule.split(",") if part.strip()]
    bad = [n for n in names if n not in WEEKDAYS]
    if bad or not names:
        msg = (
            f"weekend schedule {schedule!r} is neither a region preset "
            f"({', '.join(sorted(WEEKEND_PRESETS))}) nor a comma list of weekdays "
            f"({', '.join(WEEKDAYS)}); e.g. 'sat,sun'"
        )
        raise ValueError(msg)
    return ((None, None, frozenset(WEEKDAYS.index(n) for n in names)),)


def weekend_mask(
    index: pd.DatetimeIndex, schedule: str | tuple[WeekendPeriod, ...]
) -> NDArray[np.bool_]:
    """True on the schedule's weekend days.

    Raises:
        ValueError: a date in ``index`` falls in no period of the schedule.
    """
    periods = resolve_schedule(schedule)
    out = np.zeros(len(index), dtype=bool)
    decided = np.zeros(len(index), dtype=bool)
    days = index.date
    weekday = np.asarray(index.day_of_week)
    for start, end, weekend in periods:
        inside = np.array(
            [(start is None or d >= start) and (end is None or d <= end) for d in days], dtype=bool
        )
        take = inside & ~decided
        out[take] = np.isin(weekday[take], sorted(weekend))
        decided |= take
    if not decided.all():
        first = days[int(np.argmin(decided))]
        msg = (
            f"weekend schedule does not cover {first}; add a period without start/end "
            "(or extend one) so every day of the case window has weekend days"
        )
        raise ValueError(msg)
    return out


def phase_mask(index: pd.DatetimeIndex, spec: PhaseSpec) -> NDArray[np.bool_]:
    """True from the phase's start to its end, both included."""
    days = index.date
    return np.array([spec.start <= d <= spec.end for d in days], dtype=bool)
