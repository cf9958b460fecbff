"""Data and states as they were known on an as-of day, and whether rules can be validated.

Everything here starts by cutting the aligned signals at the as-of day D: later rows,
later posts and the coverage they would add are dropped *before* any state is computed,
so rolling windows, STL fits, change states and baselines see only days up to D (the
"information set" of an out-of-time evaluation; Tashman, IJF 2000). Alignment itself
must be causal for that to hold: forward-fill uses earlier days only, but linear
interpolation reads the next observed value, so a case that interpolates a signal is
refused (:class:`~crisis_fca.errors.LeakageError`).

A rule set can only be validated on a window long enough for the case's own procedure:
the training days must let the circular-shift null reach a p-value at or below the
significance level (its floor is 1 / (1 + admissible offsets); Davison & Hinkley 1997,
eq. 4.11), must reach ``[monitor] min_train_days``, and the holdout must leave
``[validation] min_holdout_days`` days whose outcome, the longest lead later, is still in
the data (as ``validate_rules`` requires). :func:`history` says which of these fail.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

import pandas as pd

from crisis_fca.align import AlignedSignals, coverage_table, gap_policy_for
from crisis_fca.config import CaseConfig
from crisis_fca.errors import ConfigError, CrisisFCAError, LeakageError
from crisis_fca.rules import ValidationConfig
from crisis_fca.states import StateSet, build_states, select_states

__all__ = [
    "History",
    "first_feasible_day",
    "history",
    "null_min_rows",
    "states_as_of",
    "truncate_aligned",
    "validation_as_of",
]


def truncate_aligned(aligned: AlignedSignals, day: date, case: CaseConfig) -> AlignedSignals:
    """The aligned signals as known on ``day``: rows, posts and coverage up to it only.

    Raises:
        ConfigError: ``day`` is outside the aligned calendar.
        LeakageError: a signal is interpolated (its values before ``day`` read later days).
    """
    index = pd.DatetimeIndex(aligned.values.index)
    stamp = pd.Timestamp(day)
    if not index[0] <= stamp <= index[-1]:
        msg = (
            f"as-of day {day} is outside the case window {index[0].date()}..{index[-1].date()} "
            f"of {case.name}; choose a day inside it"
        )
        raise ConfigError(msg)
    interpolated = [
        str(s)
        for s in aligned.values.columns
        if gap_policy_for(str(s), case.signals).method == "interpolate"
    ]
    if interpolated:
        msg = (
            f"{case.name}: signals {interpolated[:3]} are gap-filled by linear interpolation, "
            "which reads the next observed day, so their values before an as-of day already "
            "depend on later days. Set [signals.gaps] method = 'ffill' or 'none' for them "
            "to monitor or replay this case."
        )
        raise LeakageError(msg)
    status = aligned.status.loc[:stamp]
    posts = aligned.posts
    if posts is not None:
        posts = posts[pd.to_datetime(posts["date"]) <= stamp].reset_index(drop=True)
    return replace(
        aligned,
        values=aligned.values.loc[:stamp],
        status=status,
        coverage=coverage_table(status, aligned.source_of),
        posts=posts,
    )


def states_as_of(
    aligned: AlignedSignals, case: CaseConfig, day: date, states: Iterable[str] | None = None
) -> StateSet:
    """The states of every day up to ``day``, computed from the data known on ``day``.

    Args:
        aligned: the case's aligned signals (any later days are cut off first).
        case: the case configuration (its ``[states]`` table).
        day: the as-of day.
        states: build only these states and what they depend on (each state's values do
            not depend on which other states are built); default every state.

    Raises:
        ConfigError: a state cannot be computed from the data up to ``day`` (e.g. its
            baseline window is not complete yet); the message names the state and day.
    """
    cut = truncate_aligned(aligned, day, case)
    config = case.states
    if states is not None:
        wanted = sorted(set(states) & set(config.enabled()))
        if not wanted:
            return _empty_states(cut.values.index)
        config = select_states(config, wanted)
    try:
        return build_states(
            cut.values, config, event_start=case.case.event_start, status=cut.status
        )
    except CrisisFCAError as exc:
        msg = f"as of {day}, the states cannot be built from the data known that day: {exc}"
        raise ConfigError(msg) from exc


def _empty_states(index: pd.Index) -> StateSet:
    frame = pd.DataFrame(index=index)
    meta = pd.DataFrame(
        columns=["domain", "signal", "condition", "kind", "description", "parts", "inputs"],
        index=pd.Index([], name="state", dtype=object),
    )
    return StateSet(frame, frame.copy(), meta)


def validation_as_of(case: CaseConfig, index: pd.DatetimeIndex) -> ValidationConfig:
    """The case's validation, with the holdout set to the last ``[monitor] holdout_days``."""
    days = case.monitor.holdout_days
    if days is None or days >= len(index):
        return case.validation
    first = pd.Timestamp(index[-1]) - pd.Timedelta(days=days - 1)
    return case.validation.model_copy(update={"split_date": first.date().isoformat()})


def null_min_rows(case: CaseConfig) -> int:
    """Fewest mining days on which the circular-shift null can reach p <= alpha (0 if off).

    The null uses the offsets in [m, rows - m] with m = min(min_offset, rows // 4), at most
    ``shifts`` of them, and its smallest p-value is 1 / (1 + offsets); a monitored class
    whose significance filter is on needs that floor at or below its alpha.
    """
    null = case.mining.null
    alphas = [
        getattr(case.mining, cls).filters.alpha
        for cls in _mining_classes(case)
        if getattr(case.mining, cls).filters.significance
    ]
    if not null.enabled or not alphas:
        return 0
    need = math.ceil(1 / min(alphas) - 1 - 1e-9)
    if need > null.shifts:
        return 10**9  # unreachable: fewer offsets than the floor needs
    rows = 1
    while _offsets(rows, null.min_offset, null.shifts) < need:
        rows += 1
    return rows


def _offsets(rows: int, min_offset: int, shifts: int) -> int:
    m = max(1, min(min_offset, rows // 4))
    return min(max(0, rows - 2 * m + 1), shifts)


def _mining_classes(case: CaseConfig) -> tuple[str, ...]:
    names = {"predictive": "predictive", "stable_same_day": "same_day"}
    return tuple(dict.fromkeys(names[c] for c in case.monitor.classes))


@dataclass(frozen=True)
class History:
    """How the days up to an as-of day split, and what stops rules being validated on them."""

    days: int
    train_days: int
    holdout_days: int
    mining_days: int
    first_day: date
    last_day: date
    holdout_start: date | None
    problems: tuple[str, ...]

    @property
    def enough(self) -> bool:
        """Whether a rule set can be mined and validated on these days."""
        return not self.problems


def history(index: pd.DatetimeIndex, case: CaseConfig) -> History:
    """Split the days ``index`` (up to the as-of day) as validation would, and check them."""
    validation = validation_as_of(case, index)
    split = _split(index, validation)
    mining = len(index) if validation.mine_on == "all" else split
    problems = _problems(len(index) - split, mining, case, validation)
    if split < 1:
        problems = (f"no training day before the holdout ({len(index)} days)", *problems)
    return History(
        days=len(index),
        train_days=split,
        holdout_days=len(index) - split,
        mining_days=mining,
        first_day=index[0].date(),
        last_day=index[-1].date(),
        holdout_start=index[split].date() if 0 <= split < len(index) else None,
        problems=problems,
    )


def _split(index: pd.DatetimeIndex, validation: ValidationConfig) -> int:
    """The first holdout position as :func:`~crisis_fca.rules.holdout_start` picks it,
    clamped to 0..days instead of raising."""
    if validation.split_date is not None:
        split = int(index.searchsorted(pd.Timestamp(validation.split_date)))
    else:
        split = int(validation.train_fraction * len(index) + 1e-9)
    return min(max(split, 0), len(index))


def _problems(
    holdout: int, mining: int, case: CaseConfig, validation: ValidationConfig
) -> tuple[str, ...]:
    out = []
    floor, null_rows = case.monitor.min_train_days, null_min_rows(case)
    if mining < max(floor, null_rows):
        why = [f"{floor} by [monitor] min_train_days"]
        if null_rows:
            why.append(
                f"{null_rows} for the circular-shift null's smallest p-value, "
                "1 / (1 + admissible offsets), to reach the significance level"
            )
        out.append(f"{mining} mining days, needs {max(floor, null_rows)} ({'; '.join(why)})")
    fire, lead = max(1, validation.min_holdout_days), max(case.mining.leads)
    if holdout < fire + lead:
        out.append(
            f"{holdout} holdout days, needs {fire + lead} (a trigger must be able to fire on "
            f"[validation] min_holdout_days = {fire} holdout days whose outcome, up to "
            f"{lead} days later, is still in the data)"
        )
    return tuple(out)


def first_feasible_day(calendar: pd.DatetimeIndex, case: CaseConfig) -> date | None:
    """The first as-of day of ``calendar`` with enough history, or None if there is none."""
    for n in range(1, len(calendar) + 1):
        if history(calendar[:n], case).enough:
            return calendar[n - 1].date()
    return None
