"""Evaluating triggers on one day's states, and how fresh each input stream is.

A trigger is a rule's premise, read from its latest observation: ``a[t-2] & b -> c[t+3]``
fires on day D when ``a`` held on D-2 and ``b`` on D, and then expects ``c`` on D+3
(:func:`crisis_fca.render.text.normalized`). States are three-valued (Kleene's strong
logic, *Introduction to Metamathematics*, 1952): a premise with a state known false is
*inactive*; otherwise, one with a state unknown that day -- no posts, a masked day, too
little history for a rolling window, or a state not built -- is *cannot evaluate*, never
inactive; only a premise whose every state is known true is *active*. The persistence
baseline forecasts the outcome from the consequent's own state on D.

Stream staleness reads the aligned status: the last day up to D each signal was observed,
and how many days before D that was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, timedelta

import pandas as pd

from crisis_fca.align import AlignedSignals
from crisis_fca.render.text import normalized
from crisis_fca.render.view import records
from crisis_fca.states import StateSet

__all__ = [
    "EVALUATION_COLUMNS",
    "evaluate_triggers",
    "signals_used_by",
    "stream_status",
    "truth_on",
]

EVALUATION_COLUMNS = (
    "rule_id",
    "premise",
    "consequent",
    "lead",
    "warning_days",
    "target_date",
    "status",
    "unknown_inputs",
    "persistence",
)


def truth_on(states: StateSet, state: str, day: date) -> bool | None:
    """A state's value on ``day``: True/False when known, None when unknown or not built.

    Example:
        >>> import pandas as pd
        >>> days = pd.date_range("2021-03-01", periods=2)
        >>> v = pd.DataFrame({"s": [True, False]}, index=days)
        >>> k = pd.DataFrame({"s": [True, False]}, index=days)
        >>> meta = pd.DataFrame({"domain": ["x"]}, index=pd.Index(["s"], name="state"))
        >>> s = StateSet(v, k, meta)
        >>> truth_on(s, "s", days[0].date()), truth_on(s, "s", days[1].date())
        (True, None)
    """
    stamp = pd.Timestamp(day)
    if state not in states.values.columns or stamp not in states.values.index:
        return None
    if not bool(states.known.loc[stamp, state]):
        return None
    return bool(states.values.loc[stamp, state])


def evaluate_triggers(rules: pd.DataFrame, states: StateSet, day: date) -> pd.DataFrame:
    """Each rule's trigger on ``day``: ``EVALUATION_COLUMNS``, one row per rule, in order.

    ``states`` must be the states known on ``day`` (:func:`~crisis_fca.monitor.asof.states_as_of`);
    only days up to ``day`` are read from it. ``unknown_inputs`` lists the premise items
    unknown on their day; ``persistence`` is the consequent on ``day`` (None: unknown).
    """
    rows = []
    for rule in records(rules):
        premise = tuple(str(p) for p in rule["premise"])
        items, warning = normalized(premise, int(rule["lead"]))
        truths = {
            _item(state, offset): truth_on(states, state, day + timedelta(days=offset))
            for state, offset in items
        }
        rows.append(
            (
                str(rule["rule_id"]),
                premise,
                str(rule["consequent"]),
                int(rule["lead"]),
                warning,
                day + timedelta(days=warning),
                _status(list(truths.values())),
                tuple(name for name, truth in truths.items() if truth is None),
                truth_on(states, str(rule["consequent"]), day),
            )
        )
    frame = pd.DataFrame(rows, columns=list(EVALUATION_COLUMNS))
    return frame.astype({"persistence": "boolean"}) if len(frame) else frame


def _item(state: str, offset: int) -> str:
    return state if offset == 0 else f"{state}[t{offset:+d}]"


def _status(truths: Sequence[bool | None]) -> str:
    """Kleene AND: any known false -> inactive; else any unknown -> cannot evaluate."""
    if any(t is False for t in truths):
        return "inactive"
    if any(t is None for t in truths):
        return "cannot_evaluate"
    return "active"


def stream_status(
    aligned: AlignedSignals,
    day: date,
    used_by: Mapping[str, Sequence[str]] | None = None,
    stale_after_days: int = 0,
) -> pd.DataFrame:
    """Per signal: its status on ``day``, last observed day up to ``day``, days since.

    ``aligned`` must already be cut at ``day``. ``used_by`` maps a signal to the triggers
    (rule ids) whose premise reads it. Columns: ``signal``, ``source``, ``status``,
    ``last_observed`` (date or None), ``days_since`` (None if never observed), ``stale``,
    ``used_by`` (tuple of rule ids); triggers' inputs first, then by signal name.
    """
    status = aligned.status
    stamp = pd.Timestamp(day)
    used = used_by or {}
    rows = []
    for signal in status.columns:
        column = status[signal]
        seen = column.index[column == "observed"]
        last = seen.max().date() if len(seen) else None
        since = (day - last).days if last is not None else None
        rows.append(
            {
                "signal": str(signal),
                "source": str(aligned.source_of.get(signal, "")),
                "status": str(column.get(stamp, "missing")),
                "last_observed": last,
                "days_since": since,
                "stale": since is None or since > stale_after_days,
                "used_by": tuple(used.get(str(signal), ())),
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    order = frame.assign(_unused=frame["used_by"].map(len) == 0)
    return order.sort_values(["_unused", "signal"]).drop(columns="_unused").reset_index(drop=True)


def signals_used_by(rules: pd.DataFrame, meta: pd.DataFrame) -> dict[str, tuple[str, ...]]:
    """Signal -> rule ids whose premise states read it (from the states' ``inputs``)."""
    out: dict[str, list[str]] = {}
    inputs = {str(k): tuple(str(s) for s in v) for k, v in meta.get("inputs", {}).items()}
    for rule in records(rules):
        items, _ = normalized(tuple(str(p) for p in rule["premise"]), int(rule["lead"]))
        for state, _offset in items:
            for signal in inputs.get(state, ()):
                users = out.setdefault(signal, [])
                if str(rule["rule_id"]) not in users:
                    users.append(str(rule["rule_id"]))
    return {k: tuple(v) for k, v in out.items()}
