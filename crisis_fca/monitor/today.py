"""Which validated triggers fire on one as-of day, from data known that day only.

:func:`monitor_day` cuts the aligned signals at the as-of day, builds the states from
what is left, takes a rule set that used no later data (a stored run that ended by then,
or one mined and validated now on the days up to the as-of day), evaluates every trigger
and reports each input stream's freshness. Nothing after the as-of day is read, so the
result is the same whatever the later days hold (``tests/test_monitor_real.py`` poisons
them to check). :func:`alert_rows` gives the store's ``alerts`` rows; the plain-text
answer the CLI prints is :func:`crisis_fca.monitor.lines.monitor_lines`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from crisis_fca.align import AlignedSignals
from crisis_fca.config import CaseConfig
from crisis_fca.errors import LeakageError
from crisis_fca.monitor.asof import states_as_of, truncate_aligned
from crisis_fca.monitor.ruleset import RuleSet, rule_set_as_of
from crisis_fca.monitor.triggers import (
    evaluate_triggers,
    signals_used_by,
    stream_status,
)
from crisis_fca.render import text as tx
from crisis_fca.render.view import records
from crisis_fca.states import StateSet
from crisis_fca.store.schema import ALERTS

__all__ = [
    "MonitorResult",
    "alert_frame",
    "alert_rows",
    "evidence_text",
    "last_data_day",
    "monitor_day",
]


@dataclass(frozen=True)
class MonitorResult:
    """The monitor's answer for one case, profile and as-of day."""

    case: str
    profile: str
    as_of: date
    rule_set: RuleSet
    triggers: pd.DataFrame
    """One row per trigger: the evaluation (``status``, ``target_date``, ``unknown_inputs``,
    ``persistence``, ...) and its wording (``sentence``, ``outcome``, ``evidence``,
    ``band``, ``owner``, ``action``, ``missing``)."""
    streams: pd.DataFrame
    """One row per input signal (see :func:`~crisis_fca.monitor.triggers.stream_status`)."""

    def with_status(self, status: str) -> pd.DataFrame:
        """The triggers whose status is ``active``, ``inactive`` or ``cannot_evaluate``."""
        if self.triggers.empty:
            return self.triggers
        return self.triggers[self.triggers["status"] == status]


def last_data_day(aligned: AlignedSignals) -> date:
    """The last day on which any signal was observed (the default as-of day)."""
    observed = (aligned.status == "observed").any(axis=1).to_numpy()
    days = pd.DatetimeIndex(aligned.values.index)
    seen = days[observed]
    last: pd.Timestamp = seen.max() if len(seen) else days[-1]
    return last.date()


def monitor_day(
    aligned: AlignedSignals,
    case: CaseConfig,
    as_of: date | None = None,
    stored: RuleSet | None = None,
) -> MonitorResult:
    """Evaluate the case's validated triggers on ``as_of`` (default: the last day with data).

    Args:
        aligned: the case's aligned signals; days after ``as_of`` are never read.
        case: the case configuration.
        as_of: the day to evaluate.
        stored: a rule set from a stored run (:func:`~crisis_fca.monitor.ruleset.
            rule_set_from_store`); default: mine and validate one on the days up to ``as_of``.

    Raises:
        LeakageError: ``stored`` used data after ``as_of``.
        ConfigError: ``as_of`` is outside the case window, or the states cannot be built
            from the data up to it.
    """
    day = as_of or last_data_day(aligned)
    if stored is not None and stored.through > day:
        msg = (
            f"{stored.source} used data up to {stored.through}, after the as-of day {day}; "
            "its rules would carry hindsight. Mine a rule set as of the day instead."
        )
        raise LeakageError(msg)
    if stored is None:
        states = states_as_of(aligned, case, day)
        rule_set = rule_set_as_of(states, case, day)
    else:
        rule_set = stored
        states = states_as_of(aligned, case, day, states=_states_of(stored.rules))
    cut = truncate_aligned(aligned, day, case)
    used = signals_used_by(rule_set.rules, states.meta)
    streams = stream_status(cut, day, used, case.monitor.stale_after_days)
    evaluation = evaluate_triggers(rule_set.rules, states, day)
    triggers = _worded(evaluation, rule_set.rules, states, case, cut)
    return MonitorResult(case.name, case.profile, day, rule_set, triggers, streams)


def _states_of(rules: pd.DataFrame) -> set[str]:
    premise = {tx.split_item(str(p))[0] for ps in rules["premise"] for p in ps}
    return premise | {str(c) for c in rules["consequent"]}


def _worded(
    evaluation: pd.DataFrame,
    rules: pd.DataFrame,
    states: StateSet,
    case: CaseConfig,
    cut: AlignedSignals,
) -> pd.DataFrame:
    if evaluation.empty:
        return evaluation.assign(
            sentence=[], outcome=[], evidence=[], band=[], owner=[], action=[], missing=[]
        )
    described = {str(k): str(v) for k, v in states.meta["description"].items()}
    by_id = {str(r["rule_id"]): r for r in records(rules)}
    words = []
    for row in records(evaluation):
        rule = by_id[str(row["rule_id"])]
        consequent = str(row["consequent"])
        entry = case.playbook.entry_for(consequent)
        words.append(
            {
                "sentence": tx.rule_sentence(
                    row["premise"], consequent, int(row["lead"]), described
                ),
                "outcome": tx.describe_state(consequent, described),
                "evidence": evidence_text(rule),
                "band": tx.risk_band(_num(rule, "confidence"), _num(rule, "lift")),
                "owner": case.playbook.agency_name(entry.owner) if entry else "",
                "action": entry.action if entry else "",
                "missing": _missing(tuple(row["unknown_inputs"]), states, cut),
            }
        )
    return pd.concat([evaluation, pd.DataFrame(words)], axis=1)


def evidence_text(rule: Mapping[str, Any]) -> str:
    """One line of evidence from a stored rule row: training, holdout, persistence."""
    beats = rule.get("beats_persistence")
    versus = (
        "not compared with persistence"
        if beats is None or pd.isna(beats)
        else ("beats" if bool(beats) else "does not beat") + " persistence on the holdout"
    )
    return (
        f"training: confidence {tx.fmt_pct(_num(rule, 'confidence'))} "
        f"(95 % CI {tx.fmt_pct(_num(rule, 'ci_low'))}-{tx.fmt_pct(_num(rule, 'ci_high'))}) "
        f"on {_int(rule, 'premise_days')} trigger days, lift {tx.fmt_num(_num(rule, 'lift'))}, "
        f"q {tx.fmt_q(_num(rule, 'q_value'))}; holdout: confidence "
        f"{tx.fmt_pct(_num(rule, 'holdout_confidence'))} on {_int(rule, 'holdout_premise_days')} "
        f"trigger days, lift {tx.fmt_num(_num(rule, 'holdout_lift'))}; {versus}"
    )


def _num(rule: Mapping[str, Any], key: str) -> float:
    value = rule.get(key)
    return float("nan") if value is None or pd.isna(value) else float(value)


def _int(rule: Mapping[str, Any], key: str) -> str:
    value = _num(rule, key)
    return "n/a" if math.isnan(value) else f"{int(value):,}"


def _missing(unknown: tuple[str, ...], states: StateSet, cut: AlignedSignals) -> str:
    """Why the unknown premise items are unknown: the status of their input streams."""
    notes = []
    for item in unknown:
        state, offset = tx.split_item(item)
        if state not in states.meta.index:
            notes.append(f"{item}: state not built on the data known that day")
            continue
        day = pd.Timestamp(cut.values.index[-1]) + timedelta(days=offset)
        inputs = _inputs(states.meta, state)
        streams = [
            f"{s} {str(cut.status.loc[day, s]) if s in cut.status.columns else 'absent'}"
            for s in inputs
        ]
        notes.append(f"{item} unknown on {day.date()} ({', '.join(streams) or 'no input'})")
    return "; ".join(notes)


def _inputs(meta: pd.DataFrame, state: str) -> tuple[str, ...]:
    """The aligned signals a state reads (its ``inputs`` meta), as strings."""
    value: Any = meta["inputs"].get(state, ())
    return tuple(str(s) for s in value)


def alert_rows(
    result: MonitorResult, mode: str = "monitor", outcome: str = "pending"
) -> pd.DataFrame:
    """The store's ``alerts`` rows of a monitor result (``run_id``/``recorded`` left to it)."""
    evaluation = result.triggers.assign(as_of=pd.Timestamp(result.as_of))
    return alert_frame(
        evaluation,
        result.rule_set,
        case_name=result.case,
        profile=result.profile,
        mode=mode,
        outcome=outcome,
    )


def alert_frame(
    evaluation: pd.DataFrame,
    rule_set: RuleSet,
    *,
    case_name: str,
    profile: str,
    mode: str,
    outcome: str = "pending",
) -> pd.DataFrame:
    """``alerts`` rows (all but ``run_id``/``recorded``) of evaluated triggers.

    ``evaluation`` has ``EVALUATION_COLUMNS`` plus the ``as_of`` day of each row.
    """
    columns = [c.name for c in ALERTS.data_columns if c.name != "recorded"]
    if evaluation.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    rules = rule_set.rules.set_index("rule_id")
    ids = evaluation["rule_id"]
    frame = evaluation.assign(
        case_name=case_name,
        profile=profile,
        mode=mode,
        as_of=pd.to_datetime(evaluation["as_of"]),
        target_date=pd.to_datetime(evaluation["target_date"]),
        rules_through=pd.Timestamp(rule_set.through),
        rules_run_id=rule_set.run_id,
        confidence=rules.loc[ids, "confidence"].to_numpy(dtype=float),
        lift=rules.loc[ids, "lift"].to_numpy(dtype=float),
        outcome=outcome,
        outcome_offset=pd.array([None] * len(evaluation), dtype="Int64"),
    )
    return frame[columns].reset_index(drop=True)
