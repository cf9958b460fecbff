"""As-of replay without hindsight: what the monitor would have said on every day of a range.

For each day D of the range the replay uses only what was known on D:

- the rule set in force on D was mined and validated on the data up to the latest
  re-mining day C <= D (``[monitor] cadence_days`` apart, the first on the range's first
  day): an expanding window re-estimated at a fixed cadence, the rolling-origin scheme of
  forecast evaluation (Tashman, IJF 2000);
- the states evaluated on D are built from the aligned data cut at D
  (:func:`~crisis_fca.monitor.asof.states_as_of`), never from a run over the whole window.
  Between re-mining days only the states the rule set reads are built -- each state's
  values depend on its own definition and inputs, not on which other states are built.

Each alert's outcome is the consequent on its target day T *as known on T* (its own cut),
so a rolling-window state is judged as an operator would have seen it. Outcomes after the
data are ``pending``. The track record (:mod:`~crisis_fca.monitor.record`) scores the
alerts and the persistence baseline on the same days.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from time import perf_counter
from typing import cast

import pandas as pd

from crisis_fca.align import AlignedSignals
from crisis_fca.config import CaseConfig
from crisis_fca.errors import ConfigError
from crisis_fca.monitor.asof import first_feasible_day, history, states_as_of
from crisis_fca.monitor.record import track_record
from crisis_fca.monitor.ruleset import RuleSet, rule_set_as_of
from crisis_fca.monitor.today import alert_frame
from crisis_fca.monitor.triggers import evaluate_triggers
from crisis_fca.render import text as tx
from crisis_fca.render.view import records
from crisis_fca.states import StateSet

__all__ = ["ReplayResult", "replay"]

Progress = Callable[[str], None]
_Row = tuple[pd.Series, pd.Series]
"""One day's states as known that day: (values, known)."""


@dataclass(frozen=True)
class ReplayResult:
    """Every alert the monitor would have raised over a range, judged, and its record."""

    case: str
    profile: str
    start: date
    end: date
    cadence_days: int
    alerts: pd.DataFrame
    """The store's ``alerts`` rows (mode ``replay``), outcomes and offsets filled in."""
    rule_sets: pd.DataFrame
    """One row per re-mining day: ``as_of``, ``triggers``, ``source``, ``note``."""
    record: pd.DataFrame
    """The track record per rule and overall (:func:`~crisis_fca.monitor.record.track_record`)."""
    rules: dict[str, str] = field(default_factory=dict)
    """Rule id -> its sentence, for every rule that was ever in force."""
    seconds: dict[str, float] = field(default_factory=dict)
    """Time spent building states, mining and in total."""


def replay(
    aligned: AlignedSignals,
    case: CaseConfig,
    start: date,
    end: date,
    progress: Progress | None = None,
) -> ReplayResult:
    """Replay the monitor on every day of ``start..end`` (see the module docstring).

    Raises:
        ConfigError: the range is not inside the case window, or no day of it can have a
            validated rule set (the message says what is missing, e.g. for a short window).
    """
    _check_range(case, start, end)
    began = perf_counter()
    walk = _Walk(aligned, case, start, end, progress or (lambda _msg: None))
    day = start
    while day <= walk.last:
        walk.step(day)
        day += timedelta(days=1)
    tolerance = case.monitor.lead_tolerance_days
    alerts = _judged(walk.evaluations, walk.rows, walk.last, tolerance)
    rules = _sentences(walk.in_force)
    seconds = {**walk.clock, "total": perf_counter() - began}
    return ReplayResult(
        case.name,
        case.profile,
        start,
        end,
        case.monitor.cadence_days,
        alerts,
        pd.DataFrame(walk.cuts, columns=["as_of", "triggers", "source", "note"]),
        track_record(alerts, rules),
        rules,
        {k: round(v, 2) for k, v in seconds.items()},
    )


@dataclass
class _Walk:
    """The replay's day-by-day state: rule sets in force, states known, alerts raised."""

    aligned: AlignedSignals
    case: CaseConfig
    start: date
    end: date
    report: Progress
    rows: dict[date, _Row] = field(default_factory=dict)
    in_force: list[tuple[date, RuleSet]] = field(default_factory=list)
    cuts: list[tuple[date, int, str, str]] = field(default_factory=list)
    evaluations: list[pd.DataFrame] = field(default_factory=list)
    clock: dict[str, float] = field(default_factory=lambda: {"states": 0.0, "mining": 0.0})

    @property
    def last(self) -> date:
        """The last day whose states are needed: outcomes reach past ``end``."""
        reach = _horizon(self.case) + self.case.monitor.lead_tolerance_days
        return min(self.end + timedelta(days=reach), self.case.window.end)

    def step(self, day: date) -> None:
        """Build the states known on ``day``; re-mine on a cadence day; evaluate the triggers."""
        cadence = self.case.monitor.cadence_days
        remine = day <= self.end and (day - self.start).days % cadence == 0
        states = _states(self.aligned, self.case, day, self.in_force, full=remine, clock=self.clock)
        if remine:
            tick = perf_counter()
            rule_set = rule_set_as_of(states, self.case, day)
            self.clock["mining"] += perf_counter() - tick
            self.in_force.append((day, rule_set))
            self.cuts.append(_cut_row(rule_set))
            self.report(f"{day}: {len(rule_set.rules)} trigger(s) in force")
        self.rows[day] = _row(states, day)
        rule_set = self.in_force[-1][1]
        if day <= self.end and not rule_set.rules.empty:
            evaluation = evaluate_triggers(rule_set.rules, states, day)
            self.evaluations.append(
                alert_frame(
                    evaluation.assign(as_of=pd.Timestamp(day)),
                    rule_set,
                    case_name=self.case.name,
                    profile=self.case.profile,
                    mode="replay",
                )
            )


def _check_range(case: CaseConfig, start: date, end: date) -> None:
    window = case.window
    if not window.start <= start <= end <= window.end:
        msg = (
            f"replay range {start}..{end} must lie inside the case window "
            f"{window.start}..{window.end} of {case.name}, start first"
        )
        raise ConfigError(msg)
    calendar = pd.date_range(window.start, end)
    if first_feasible_day(calendar, case) is None:
        best = history(calendar, case)
        msg = (
            f"{case.name}: no day of {start}..{end} can have a validated rule set, so a "
            f"replay would raise no alert at all. Even as of {end}, with every day of "
            f"{window.start}..{end} ({best.days} days): {'; '.join(best.problems)}. The "
            f"case window {window.start}..{window.end} ({window.days} days) is too short "
            "to mine on the past and validate on later days; replay a case with a longer "
            "window."
        )
        raise ConfigError(msg)


def _horizon(case: CaseConfig) -> int:
    """The longest warning any rule of the case can give: its largest lead plus lag."""
    return max(case.mining.leads) + max(case.mining.lags, default=0)


def _states(
    aligned: AlignedSignals,
    case: CaseConfig,
    day: date,
    in_force: list[tuple[date, RuleSet]],
    *,
    full: bool,
    clock: dict[str, float],
) -> StateSet:
    """The states known on ``day``: all of them on a re-mining day, else those still needed."""
    tick = perf_counter()
    wanted = None if full else _needed(case, day, in_force)
    states = states_as_of(aligned, case, day, states=wanted)
    clock["states"] += perf_counter() - tick
    return states


def _needed(case: CaseConfig, day: date, in_force: list[tuple[date, RuleSet]]) -> set[str]:
    """States of the rule set in force today, and consequents of those that alerted lately."""
    reach = timedelta(days=_horizon(case) + case.monitor.lead_tolerance_days)
    wanted: set[str] = set()
    for k, (_since, rule_set) in enumerate(in_force):
        until = in_force[k + 1][0] if k + 1 < len(in_force) else day
        if until + reach < day or rule_set.rules.empty:
            continue
        wanted |= {str(c) for c in rule_set.rules["consequent"]}
        if k == len(in_force) - 1:
            wanted |= {tx.split_item(str(p))[0] for ps in rule_set.rules["premise"] for p in ps}
    return wanted


def _row(states: StateSet, day: date) -> _Row:
    stamp = pd.Timestamp(day)
    if stamp not in states.values.index:
        empty = pd.Series(dtype=bool)
        return empty, empty
    return cast(pd.Series, states.values.loc[stamp]), cast(pd.Series, states.known.loc[stamp])


def _cut_row(rule_set: RuleSet) -> tuple[date, int, str, str]:
    return rule_set.through, len(rule_set.rules), rule_set.source, rule_set.note


def _judged(
    evaluations: list[pd.DataFrame], rows: dict[date, _Row], last: date, tolerance: int
) -> pd.DataFrame:
    """Each alert's outcome on its target day, as known that day, and the timing offset."""
    if not evaluations:
        empty = RuleSet(last, pd.DataFrame(), "")
        return alert_frame(pd.DataFrame(), empty, case_name="", profile="", mode="replay")
    alerts = pd.concat(evaluations, ignore_index=True)
    outcomes, offsets = [], []
    for as_of, target, consequent in zip(
        alerts["as_of"], alerts["target_date"], alerts["consequent"], strict=True
    ):
        day, aim = as_of.date(), target.date()
        outcomes.append(_outcome(rows, aim, consequent, last))
        offsets.append(_offset(rows, day, aim, consequent, tolerance))
    return alerts.assign(outcome=outcomes, outcome_offset=pd.array(offsets, dtype="Int64"))


def _held(rows: dict[date, _Row], day: date, state: str) -> bool | None:
    values, known = rows.get(day, (pd.Series(dtype=bool), pd.Series(dtype=bool)))
    if state not in known.index or not bool(known[state]):
        return None
    return bool(values[state])


def _outcome(rows: dict[date, _Row], target: date, state: str, last: date) -> str:
    if target > last:
        return "pending"
    held = _held(rows, target, state)
    return "unknown" if held is None else ("occurred" if held else "not_occurred")


def _offset(
    rows: dict[date, _Row], as_of: date, target: date, state: str, tolerance: int
) -> int | None:
    """Signed days from ``target`` to the nearest day after ``as_of`` the state held."""
    for gap in range(tolerance + 1):
        for shift in (-gap, gap) if gap else (0,):
            day = target + timedelta(days=shift)
            if day > as_of and _held(rows, day, state):
                return shift
    return None


def _sentences(in_force: list[tuple[date, RuleSet]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for _, rule_set in in_force:
        for rule in records(rule_set.rules):
            premise = tuple(str(p) for p in rule["premise"])
            out.setdefault(
                str(rule["rule_id"]),
                tx.rule_sentence(premise, str(rule["consequent"]), int(rule["lead"]), {}),
            )
    return out
