"""The rule set a monitor evaluates: validated rules that used no data after the as-of day.

Two sources, one shape (the store's ``rules`` rows, :func:`crisis_fca.records.rules_frame`):

- a stored pipeline run, usable on day D only if its data ended on or before D
  (:func:`rule_set_from_store`; a later run carries hindsight and is refused);
- rules mined and validated now on the states known on D (:func:`rule_set_as_of`): the
  case's own mining and chronological validation (``crisis_fca.rules.validate_rules``),
  run on the days up to D only -- the expanding-window re-estimation of rolling-origin
  evaluation (Tashman, IJF 2000).

The monitored triggers are the rules of the ``[monitor] classes`` (validated predictive
rules by default) whose outcome comes at least ``min_warning_days`` after the latest
trigger observation. An empty rule set always says why: too little history, or which step
of mining and validation removed the last candidate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from crisis_fca.config import CaseConfig
from crisis_fca.errors import LeakageError
from crisis_fca.monitor.asof import History, first_feasible_day, history, validation_as_of
from crisis_fca.records import rules_frame
from crisis_fca.render.text import normalized
from crisis_fca.rules import RulesResult, ValidationConfig, validate_rules
from crisis_fca.states import StateSet
from crisis_fca.store.schema import table

__all__ = ["RuleSet", "empty_rules", "rule_set_as_of", "rule_set_from_store", "select_triggers"]

_RULE_COLUMNS = [c.name for c in table("rules").data_columns]
_CLASS_OF = {"predictive": "predictive", "stable_same_day": "same_day"}


@dataclass(frozen=True)
class RuleSet:
    """Validated rules usable on an as-of day, and where they came from."""

    through: date
    """Last day of the data the rules were mined and validated on."""
    rules: pd.DataFrame
    """The monitored triggers: the store's ``rules`` columns, one row per rule."""
    source: str
    """Plain words: ``mined and validated on 2020-03-01..2021-03-01`` or ``stored run X``."""
    run_id: str | None = None
    """The stored pipeline run the rules come from (None: mined as of ``through``)."""
    history: History | None = None
    note: str = ""
    """Why there is no trigger (empty when there are triggers)."""


def empty_rules() -> pd.DataFrame:
    """A rules frame with the store's columns and no row."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in _RULE_COLUMNS})


def select_triggers(rules: pd.DataFrame, case: CaseConfig) -> pd.DataFrame:
    """The rows of ``rules`` (store shape) that ``[monitor]`` monitors, sorted by rule id."""
    if rules.empty:
        return empty_rules()
    cfg = case.monitor
    warning = np.array(
        [
            normalized(tuple(p), int(k))[1]
            for p, k in zip(rules["premise"], rules["lead"], strict=True)
        ]
    )
    keep = np.array(rules["rule_class"].isin(cfg.classes), dtype=bool)
    keep &= warning >= cfg.min_warning_days
    if cfg.require_beats_persistence:
        keep &= np.array(rules["beats_persistence"].fillna(False), dtype=bool)
    return rules[keep].sort_values("rule_id").reset_index(drop=True)


def rule_set_as_of(states: StateSet, case: CaseConfig, day: date) -> RuleSet:
    """Mine and validate rules on ``states`` (every day up to ``day``, known on ``day``).

    Never mutates ``states``. With too little history nothing is mined and the note says
    what is missing and from which day enough history exists.
    """
    index = pd.DatetimeIndex(states.values.index)
    span = f"{index[0].date()}..{day}" if len(index) else f"..{day}"
    hist = history(index, case) if len(index) else None
    if hist is None or not hist.enough:
        why = "; ".join(hist.problems) if hist else "no day of data"
        first = first_feasible_day(pd.date_range(case.window.start, case.window.end), case)
        when = (
            f"the first as-of day on which validation can be attempted is {first}"
            if first
            else f"no day of the case window {case.window.start}..{case.window.end} has enough"
        )
        note = f"too little history to validate any rule as of {day}: {why}; {when}"
        return RuleSet(
            day, empty_rules(), f"not mined ({span} is too short)", history=hist, note=note
        )
    result = validate_rules(states, case.mining, validation_as_of(case, index))
    mined = rules_frame(result)
    triggers = select_triggers(mined if not mined.empty else empty_rules(), case)
    source = _source(index, hist, validation_as_of(case, index), day)
    note = "" if len(triggers) else _why_empty(result, mined, case, hist)
    return RuleSet(day, triggers, source, history=hist, note=note)


def rule_set_from_store(
    rules: pd.DataFrame, run_id: str, through: date | None, case: CaseConfig, day: date
) -> RuleSet:
    """The monitored rules of a stored run, for use on ``day``.

    Raises:
        LeakageError: the run's data reached past ``day`` (its rules carry hindsight), or
            the store does not say which days it read.
    """
    if through is None or through > day:
        read = f"data up to {through}" if through else "data of unknown days (no signals stored)"
        msg = (
            f"stored run {run_id} used {read}, after the as-of day {day}: its rules would "
            f"carry hindsight. Leave out --run to mine and validate a rule set on the data "
            f"up to {day}, or name a run whose data ended by then."
        )
        raise LeakageError(msg)
    triggers = select_triggers(rules[_RULE_COLUMNS] if not rules.empty else empty_rules(), case)
    note = (
        "" if len(triggers) else f"stored run {run_id} has no rule of {list(case.monitor.classes)}"
    )
    return RuleSet(through, triggers, f"stored run {run_id}", run_id=run_id, note=note)


def _source(index: pd.DatetimeIndex, hist: History, validation: ValidationConfig, day: date) -> str:
    """Which days the rules were mined and validated on, in plain words."""
    if validation.mine_on == "all":
        mined = (
            f"mined on every day {index[0].date()}..{day}, holdout included (the study's choice)"
        )
    else:
        mined = f"mined on {index[0].date()}..{index[hist.train_days - 1].date()}"
    if not validation.validate_predictive:
        return f"{mined}; predictive rules not holdout-tested (the study's choice)"
    return f"{mined} and validated on {hist.holdout_start}..{day}"


def _why_empty(result: RulesResult, mined: pd.DataFrame, case: CaseConfig, hist: History) -> str:
    """Which step left no rule: counts through mining, then validation and selection."""
    parts = []
    steps = result.mining.steps
    for cls in case.monitor.classes:
        rows = steps[(steps["rule_class"] == _CLASS_OF[cls]) & steps["enabled"]]
        chain = [
            f"{step} {int(n):,}"
            for step, n in zip(rows["step"], rows["remaining"], strict=True)
            if step in ("support", "min_lift", "significance", "top_n")
        ]
        validated = int((mined["rule_class"] == cls).sum()) if not mined.empty else 0
        parts.append(
            f"{cls} candidates left after {', '.join(chain) or 'enumeration 0'}; "
            f"{validated} passed validation on the {hist.holdout_days} holdout days"
        )
    return (
        f"no validated trigger as of {hist.last_day} ({hist.train_days} training days): "
        + "; ".join(parts)
    )
