"""Deterministic caveats for a card: what could make this rule mislead its reader.

Issue 7 asks for caveats on sample size, platform bias, keyword method and regime changes;
the reference study's flaws (``shared/REFERENCE_STUDY.md``) add missing days, significance,
out-of-sample checks and persistence. Each caveat is a fixed sentence with the rule's own
numbers filled in, emitted only when its condition holds (the regime-change caveat always
appears, specific when a later period disagreed, generic otherwise).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.evidence import Evidence
from crisis_fca.render.view import RunView

__all__ = ["MIN_HOLDOUT_DAYS", "MIN_PREMISE_DAYS", "rule_caveats"]

MIN_PREMISE_DAYS = 30
"""Below this many trigger days in the mining window, the sample-size caveat is shown."""
MIN_HOLDOUT_DAYS = 10
"""Below this many trigger days in the holdout, the sample-size caveat is shown."""
_ALPHA = 0.05


def rule_caveats(
    view: RunView,
    row: dict[str, Any],
    ev: Evidence,
    premise: Sequence[str],
    consequent: str,
) -> tuple[str, ...]:
    """The caveats of one rule, in a fixed order."""
    states = [tx.split_item(p)[0] for p in premise] + [consequent]
    notes = [
        *_sample(ev),
        *_platform(view, states),
        *_checks(ev, row),
        _regime(view, ev),
        *_persistence(ev),
        *_unknown(view, ev),
    ]
    return tuple(n for n in notes if n)


def _sample(ev: Evidence) -> list[str]:
    small = ev.premise_days < MIN_PREMISE_DAYS
    holdout = ev.holdout_premise_days
    small_holdout = holdout.isdigit() and int(holdout) < MIN_HOLDOUT_DAYS
    if not (small or small_holdout):
        return []
    where = [f"{tx.days_text(ev.premise_days)} of the mining window"]
    if holdout.isdigit():
        where.append(f"{tx.days_text(int(holdout))} of the holdout")
    return [
        f"Small sample: the trigger fired on only {' and '.join(where)}; its confidence "
        f"interval ({ev.ci}) is the honest range."
    ]


def _platform(view: RunView, states: Sequence[str]) -> list[str]:
    social = [s for s in states if s.startswith("social.")]
    if not social:
        return []
    sources = sorted(
        {str(s) for s in view.coverage.loc[view.coverage["domain"] == "social", "source"]}
    )
    named = ", ".join(sources) or "social media"
    notes = [
        f"Platform bias: social states come from posts ({named}); the people who post there "
        "are not a random sample of the population, and posting volume follows news cycles."
    ]
    if any(not s.startswith("social.sentiment") for s in social):
        notes.append(
            "Keyword method: topic and emotion states match keyword lists, so sarcasm, "
            "negation ('not scared'), misspellings and other languages are missed or miscounted."
        )
    if any(s.startswith("social.sentiment") for s in social):
        notes.append(
            "Sentiment is VADER's lexicon score of English text averaged per day; it misreads "
            "irony and non-English posts."
        )
    return notes


def _checks(ev: Evidence, row: dict[str, Any]) -> list[str]:
    notes = []
    q = row.get("q_value")
    if q is None or pd.isna(q):
        notes.append("Not tested for significance: no q-value (the study profile skips it).")
    elif float(q) > _ALPHA:
        notes.append(
            f"Not significant after the false-discovery correction (q = {tx.fmt_q(float(q))})."
        )
    if ev.checks == 0:
        notes.append("Not checked out of sample: the run recorded no validation for this rule.")
    reasons = row.get("reasons")
    if isinstance(reasons, str) and reasons.strip():
        notes.append(f"Validation notes: {reasons.strip()}.")
    return notes


def _regime(view: RunView, ev: Evidence) -> str:
    failed = [f for f in ev.folds if not f.passed]
    if failed:
        f = failed[0]
        versus = "" if f.train_confidence == "n/a" else f" vs {f.train_confidence} in training"
        return (
            f"Regime change: on {f.test_period} the rule failed (confidence {f.test_confidence}"
            f"{versus}{'; ' + f.reason if f.reason else ''}); behaviour and policy changed "
            "during the crisis."
        )
    window = ev.training_period if ev.folds else f"{view.meta.window_start}..{view.meta.window_end}"
    return (
        f"Regime changes: the rule was learned on {window}; policies, seasons and the crisis "
        "itself change behaviour, so re-check it after any major change."
    )


def _persistence(ev: Evidence) -> list[str]:
    notes: list[str] = []
    if ev.beats_persistence is False:
        notes.append(
            "Does not beat persistence: expecting the outcome again after a day it held did "
            "as well or better (see the evidence)."
        )
    pers = ev.persistence
    share = pers.already_present / pers.rule_fired if pers and pers.rule_fired else 0.0
    if share >= 0.8:
        notes.append(
            f"The outcome already held when the trigger was first seen on {tx.fmt_pct(share, 0)} "
            "of the days it fired: it mostly confirms a situation rather than announcing one."
        )
    return notes


def _unknown(view: RunView, ev: Evidence) -> list[str]:
    total = ev.training_days or view.meta.window_days
    if ev.evaluable_days <= 0 or ev.evaluable_days >= 0.8 * total:
        return []
    return [
        f"Missing data: the rule's states were evaluable on {ev.evaluable_days} of {total} "
        "days (no posts or no data on the rest); unknown days were not counted as calm."
    ]
