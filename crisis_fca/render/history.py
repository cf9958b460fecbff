"""A rule's track record on the run's own days: when it would have fired, and what followed.

A rule "fires" on day t when every premise item holds and is known (an item ``s[t-k]`` is
state ``s`` on day t-k); its trigger day is the day of its latest premise item (the day
someone could have seen it) and its outcome is the consequent on day t + lead: a *hit* when it
held, a *miss* when it was known not to hold, *unknown* when it was not evaluable, and
*pending* when t + lead falls after the last day of the run. A day on which a premise
state was unknown is not a firing (nobody could have seen the trigger).

The persistence comparison follows the rules stage (``crisis_fca.rules.validation``):
persistence forecasts the consequent on day t + lead from the consequent itself on the
premise's earliest day, the naive forecast an early-warning trigger must beat (Wilks,
*Statistical Methods in the Atmospheric Sciences*, ch. 9). Both hit rates are counted here
on the same period, so they compare like with like.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from crisis_fca.render.text import split_item

__all__ = ["Firing", "Persistence", "firing_runs", "persistence", "rule_firings"]


@dataclass(frozen=True)
class Firing:
    """One day the trigger fired, and what happened ``lead`` days later."""

    day: date
    """The day the last premise item was observed."""
    outcome_day: date
    outcome: str
    """``hit``, ``miss``, ``unknown`` or ``pending``."""


@dataclass(frozen=True)
class Persistence:
    """Hit rates of the rule and of persistence over one period."""

    start: date
    end: date
    rule_fired: int
    rule_hits: int
    baseline_fired: int
    baseline_hits: int
    already_present: int
    """Firing days (with a known outcome) on which the outcome already held at the premise."""

    @property
    def rule_rate(self) -> float:
        """Share of the rule's firings (with a known outcome) that were hits."""
        return self.rule_hits / self.rule_fired if self.rule_fired else float("nan")

    @property
    def baseline_rate(self) -> float:
        """Share of persistence's firings (with a known outcome) that were hits."""
        return self.baseline_hits / self.baseline_fired if self.baseline_fired else float("nan")

    @property
    def beats(self) -> bool | None:
        """Whether the rule's hit rate is higher; None when either never fired."""
        if not (self.rule_fired and self.baseline_fired):
            return None
        return self.rule_rate > self.baseline_rate


def rule_firings(
    premise: Sequence[str],
    consequent: str,
    lead: int,
    values: pd.DataFrame,
    known: pd.DataFrame,
) -> tuple[Firing, ...]:
    """Every day the premise held on ``values`` (inputs are not modified).

    Example:
        >>> days = pd.date_range("2020-03-01", periods=4, name="date")
        >>> v = pd.DataFrame({"a": [True, True, False, True], "b": [False, True, False, False]},
        ...                  index=days)
        >>> [(f.day.day, f.outcome) for f in rule_firings(["a"], "b", 1, v, v | True)]
        [(1, 'hit'), (2, 'miss'), (4, 'pending')]
    """
    held = _premise_mask(premise, values, known)
    latest = max([split_item(item)[1] for item in premise] or [0])
    n = len(values.index)
    outcome, outcome_known = _shifted(consequent, lead, values, known)
    days = pd.DatetimeIndex(values.index)
    out = []
    for i in (int(k) for k in np.flatnonzero(held)):
        j = i + lead
        if j >= n:
            status = "pending"
        elif not outcome_known[i]:
            status = "unknown"
        else:
            status = "hit" if outcome[i] else "miss"
        seen = (days[i] + pd.Timedelta(days=latest)).date()
        out.append(Firing(seen, (days[i] + pd.Timedelta(days=lead)).date(), status))
    return tuple(out)


def persistence(
    premise: Sequence[str],
    consequent: str,
    lead: int,
    values: pd.DataFrame,
    known: pd.DataFrame,
    *,
    period: tuple[date, date] | None = None,
) -> Persistence:
    """Rule vs persistence hit rates on trigger days inside ``period`` (default: all days).

    Example:
        >>> days = pd.date_range("2020-03-01", periods=5, name="date")
        >>> v = pd.DataFrame({"a": [True, False, True, False, False],
        ...                   "b": [False, True, True, True, False]}, index=days)
        >>> p = persistence(["a"], "b", 1, v, v | True)
        >>> (p.rule_hits, p.rule_fired, p.baseline_hits, p.baseline_fired)
        (2, 2, 2, 3)
    """
    days = pd.DatetimeIndex(values.index)
    start, end = period or (days[0].date(), days[-1].date())
    inside = (days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end))
    earliest = min([split_item(item)[1] for item in premise] or [0])
    outcome, outcome_known = _shifted(consequent, lead, values, known)
    base, base_known = _shifted(consequent, earliest, values, known)
    rule = _premise_mask(premise, values, known) & inside & outcome_known
    persist = base & base_known & inside & outcome_known
    return Persistence(
        start=start,
        end=end,
        rule_fired=int(rule.sum()),
        rule_hits=int((rule & outcome).sum()),
        baseline_fired=int(persist.sum()),
        baseline_hits=int((persist & outcome).sum()),
        already_present=int((rule & base & base_known).sum()),
    )


def firing_runs(firings: Sequence[Firing]) -> list[str]:
    """Trigger days as ``YYYY-MM-DD..YYYY-MM-DD`` runs of consecutive days.

    Example:
        >>> d = [Firing(date(2020, 3, k), date(2020, 3, k), "hit") for k in (1, 2, 3, 7)]
        >>> firing_runs(d)
        ['2020-03-01..2020-03-03', '2020-03-07']
    """
    runs: list[list[date]] = []
    for firing in firings:
        if runs and (firing.day - runs[-1][1]).days == 1:
            runs[-1][1] = firing.day
        else:
            runs.append([firing.day, firing.day])
    return [f"{a}" if a == b else f"{a}..{b}" for a, b in runs]


def _premise_mask(premise: Sequence[str], values: pd.DataFrame, known: pd.DataFrame) -> np.ndarray:
    """Days on which every premise item held and was known."""
    mask = np.ones(len(values.index), dtype=bool)
    for item in premise:
        state, offset = split_item(item)
        held, ok = _shifted(state, offset, values, known)
        mask &= held & ok
    return mask


def _shifted(
    state: str, offset: int, values: pd.DataFrame, known: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """``state`` on day i + offset for every day i: (held, known); outside the run = unknown."""
    n = len(values.index)
    if state not in values.columns:
        return np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    held = values[state].to_numpy(dtype=bool)
    ok = known[state].to_numpy(dtype=bool)
    src = np.arange(n) + offset
    inside = (src >= 0) & (src < n)
    safe = np.clip(src, 0, n - 1)
    return held[safe] & ok[safe] & inside, ok[safe] & inside
