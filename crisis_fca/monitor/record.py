"""The replay's track record: hits, false alarms, misses and lead-time error, vs persistence.

Every (day, rule) row of a replay is a forecast: the rule says "the consequent on the
target day" when its trigger is active, and "not" when it is inactive; persistence says
"the consequent on the target day" when the consequent held on the as-of day. Both are
scored on the same rows only -- the rule evaluable, persistence known, the outcome
judged -- as a 2 x 2 contingency table per rule (Wilks, *Statistical Methods in the
Atmospheric Sciences*, ch. 9): hits, false alarms, misses, correct negatives; precision
(hits / alerts), recall (hits / outcomes) and the Peirce skill score (hit rate minus
false-alarm rate; 0 = no skill, the score the rules stage uses). The lead-time error of an
alert is the signed number of days from its target to the nearest day after the alert
on which the outcome held, within ``[monitor] lead_tolerance_days``; the table gives its
mean absolute value. "Beats persistence" compares the Peirce scores, and is left open
for a trigger that never fired on the scored days. :func:`score_alerts` mirrors the
store's ``alert_outcomes`` view.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.view import records

__all__ = ["RECORD_COLUMNS", "replay_table", "score_alerts", "track_record"]

_COUNTS = ("alerts", "hits", "false_alarms", "misses", "correct_negatives")
RECORD_COLUMNS = (
    "rule_id",
    "rule",
    "days",
    "cannot_evaluate",
    "unjudged",
    "scored",
    *_COUNTS,
    "precision",
    "recall",
    "peirce",
    "lead_error",
    *(f"persistence_{c}" for c in _COUNTS),
    "persistence_precision",
    "persistence_recall",
    "persistence_peirce",
    "persistence_lead_error",
    "beats_persistence",
)


def score_alerts(alerts: pd.DataFrame) -> pd.DataFrame:
    """``alerts`` with ``verdict``, ``persistence_verdict``, ``lead_time_error``,
    ``persistence_lead_time_error`` and ``scored``, as the ``alert_outcomes`` view has them.
    """
    status, outcome = alerts["status"], alerts["outcome"]
    persistence = alerts["persistence"].astype("boolean")
    judged = outcome.isin(["occurred", "not_occurred"])
    occurred = outcome.eq("occurred")
    offset = alerts["outcome_offset"].astype("Int64")
    return alerts.assign(
        verdict=_verdict(
            status.eq("active"), occurred, judged, outcome, status.eq("cannot_evaluate")
        ),
        persistence_verdict=_verdict(
            persistence.fillna(False).astype(bool), occurred, judged, outcome, persistence.isna()
        ),
        lead_time_error=offset.where(status.eq("active")),
        persistence_lead_time_error=offset.where(persistence.fillna(False).astype(bool)),
        scored=(status.ne("cannot_evaluate") & judged & persistence.notna()).astype(bool),
    )


def _verdict(
    fired: pd.Series, occurred: pd.Series, judged: pd.Series, outcome: pd.Series, blind: pd.Series
) -> pd.Series:
    hit = np.where(occurred, "hit", "false_alarm")
    quiet = np.where(occurred, "miss", "correct_negative")
    out = np.where(fired, hit, quiet)
    out = np.where(judged, out, outcome)
    return pd.Series(np.where(blind, "cannot_evaluate", out), index=fired.index, dtype=object)


def track_record(alerts: pd.DataFrame, rules: Mapping[str, str] | None = None) -> pd.DataFrame:
    """One row per rule (by rule id) and a last ``overall`` row: ``RECORD_COLUMNS``."""
    if alerts.empty:
        return pd.DataFrame(columns=list(RECORD_COLUMNS))
    scored = score_alerts(alerts)
    names = dict(rules or {})
    rows = [
        _row(str(rule_id), names.get(str(rule_id), str(rule_id)), group)
        for rule_id, group in scored.groupby("rule_id", sort=True)
    ]
    rows.append(_row("overall", "all triggers", scored))
    return pd.DataFrame(rows, columns=list(RECORD_COLUMNS))


def _row(rule_id: str, label: str, rows: pd.DataFrame) -> dict[str, object]:
    judged = rows[rows["scored"]]
    own = _contingency(judged["verdict"], judged["lead_time_error"])
    base = _contingency(judged["persistence_verdict"], judged["persistence_lead_time_error"])
    beats = None  # a trigger that never fired on the scored days has no record to compare
    if own["alerts"] and np.isfinite(own["peirce"]) and np.isfinite(base["peirce"]):
        beats = bool(own["peirce"] > base["peirce"])
    return {
        "rule_id": rule_id,
        "rule": label,
        "days": len(rows),
        "cannot_evaluate": int(rows["status"].eq("cannot_evaluate").sum()),
        "unjudged": int((~rows["outcome"].isin(["occurred", "not_occurred"])).sum()),
        "scored": len(judged),
        **own,
        **{f"persistence_{k}": v for k, v in base.items()},
        "beats_persistence": beats,
    }


def _contingency(verdicts: pd.Series, errors: pd.Series) -> dict[str, float]:
    n = {v: int(verdicts.eq(v).sum()) for v in ("hit", "false_alarm", "miss", "correct_negative")}
    a, f, m, c = n["hit"], n["false_alarm"], n["miss"], n["correct_negative"]
    timing = errors.dropna().astype(float).abs()
    return {
        "alerts": a + f,
        "hits": a,
        "false_alarms": f,
        "misses": m,
        "correct_negatives": c,
        "precision": a / (a + f) if a + f else float("nan"),
        "recall": a / (a + m) if a + m else float("nan"),
        "peirce": a / (a + m) - f / (f + c) if (a + m) and (f + c) else float("nan"),
        "lead_error": float(timing.mean()) if len(timing) else float("nan"),
    }


def replay_table(record: pd.DataFrame) -> str:
    """The track record as a Markdown table: each rule, then overall, rule vs persistence."""
    head = (
        "| trigger | days scored | alerts | hits | false alarms | misses | precision | recall "
        "| Peirce | lead error (d) | persistence: alerts | hits | false alarms | misses "
        "| precision | recall | Peirce | beats persistence |"
    )
    lines = [head, "|" + "---|" * 18]
    for r in records(record):
        name = "**overall**" if r["rule_id"] == "overall" else str(r["rule"]).replace("|", "\\|")
        beats = {True: "yes", False: "no"}.get(r["beats_persistence"], "n/a")
        cells = [
            name,
            f"{r['scored']:,}",
            *(f"{r[k]:,}" for k in _COUNTS[:4]),
            tx.fmt_pct(r["precision"], 0),
            tx.fmt_pct(r["recall"], 0),
            tx.fmt_num(r["peirce"]),
            tx.fmt_num(r["lead_error"], 1),
            *(f"{r['persistence_' + k]:,}" for k in _COUNTS[:4]),
            tx.fmt_pct(r["persistence_precision"], 0),
            tx.fmt_pct(r["persistence_recall"], 0),
            tx.fmt_num(r["persistence_peirce"]),
            beats,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"
