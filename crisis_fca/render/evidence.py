"""The evidence block of a card: in-sample numbers, out-of-sample checks, track record.

In-sample numbers come from the ``rules`` row (counted on the mining window: the training
days in the rigorous profile). Out-of-sample checks are the ``validations`` rows of the
rule: fold 0 is the chronological holdout (first 70 % of days vs the rest by default), later
folds are rolling-origin checks. The firing dates and the persistence comparison are
counted on the per-day states when the view has them (see :mod:`~crisis_fca.render.history`);
persistence is compared on the holdout period when there is one, else on all days.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.history import Firing, Persistence, persistence, rule_firings
from crisis_fca.render.score import lead_time
from crisis_fca.render.view import RunView, records

__all__ = ["Evidence", "FoldRow", "rule_evidence"]

_POST_CHARS = 160
_POSTS_SHOWN = 3


@dataclass(frozen=True)
class FoldRow:
    """One out-of-sample check, formatted."""

    fold: int
    train_period: str
    test_period: str
    train_confidence: str
    test_confidence: str
    test_lift: str
    test_premise_days: str
    passed: bool
    reason: str


@dataclass(frozen=True)
class Evidence:
    """The numbers behind a rule, formatted for the card."""

    confidence: str
    ci: str
    lift: str
    q_value: str
    null_p: str
    premise_days: int
    support_days: int
    evaluable_days: int
    training_period: str
    training_days: int
    """Days of the training window (fold 0), 0 when the rule has no validation rows."""
    holdout_period: str
    holdout_premise_days: str
    holdout_confidence: str
    holdout_lift: str
    folds: tuple[FoldRow, ...]
    checks: int
    checks_passed: int
    persistence: Persistence | None
    persistence_note: str
    beats_persistence: bool | None
    """Whether the rule beats persistence (None: not comparable or not applicable)."""
    firings: tuple[Firing, ...]
    example_posts: tuple[str, ...]
    example_day: str


def rule_evidence(view: RunView, row: dict[str, Any]) -> Evidence:
    """The evidence of one ``rules`` row of ``view``."""
    premise = tuple(str(p) for p in row["premise"])
    consequent, _ = tx.split_item(str(row["consequent"]))
    lead = int(row["lead"])
    folds = _folds(view.validations, str(row["rule_id"]))
    first = folds[0] if folds else None
    hold = _holdout_row(view.validations, str(row["rule_id"]))
    firings = _firings(view, premise, consequent, lead)
    pers, note = _persistence(view, premise, consequent, lead, hold)
    beats = pers.beats if pers is not None else None
    if view.state_values is None:
        beats, note = _stored_persistence(row, premise, lead, note)
    posts, day = _example_posts(view, premise, consequent, firings)
    return Evidence(
        confidence=tx.fmt_pct(_f(row["confidence"])),
        ci=f"{tx.fmt_pct(_f(row['ci_low']))} – {tx.fmt_pct(_f(row['ci_high']))}",
        lift=tx.fmt_num(_f(row["lift"])),
        q_value=tx.fmt_q(_f(row["q_value"])),
        null_p=tx.fmt_q(_f(row["null_p"])),
        premise_days=_i(row["premise_days"]),
        support_days=_i(row["support_days"]),
        evaluable_days=_i(row["evaluable_days"]),
        training_period=first.train_period if first else "the mining window",
        training_days=_train_days(view.validations, str(row["rule_id"])),
        holdout_period=first.test_period if first else "none",
        holdout_premise_days=first.test_premise_days if first else "n/a",
        holdout_confidence=first.test_confidence if first else "n/a",
        holdout_lift=first.test_lift if first else "n/a",
        folds=folds,
        checks=len(folds),
        checks_passed=sum(f.passed for f in folds),
        persistence=pers,
        persistence_note=note,
        beats_persistence=beats,
        firings=firings,
        example_posts=posts,
        example_day=day,
    )


def folds_by_rule(validations: pd.DataFrame) -> dict[str, tuple[FoldRow, ...]]:
    """Every rule's validation folds, in one pass over ``validations`` (rule id -> folds).

    Rules come in the order of their first row, each one's folds in fold order.
    """
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in records(validations):
        if not pd.isna(row["rule_id"]):  # as groupby: a row without a rule belongs to none
            grouped.setdefault(str(row["rule_id"]), []).append(row)
    return {rule_id: _fold_rows(rows) for rule_id, rows in grouped.items()}


def _folds(validations: pd.DataFrame, rule_id: str) -> tuple[FoldRow, ...]:
    return _fold_rows(records(validations[validations["rule_id"] == rule_id]))


def _fold_rows(rows: list[dict[str, Any]]) -> tuple[FoldRow, ...]:
    """One rule's ``validations`` rows, formatted, in fold order (a stable sort)."""
    return tuple(
        FoldRow(
            fold=int(r["fold"]),
            train_period=_period(r["train_start"], r["train_end"]),
            test_period=_period(r["test_start"], r["test_end"]),
            train_confidence=tx.fmt_pct(_f(r["train_confidence"])),
            test_confidence=tx.fmt_pct(_f(r["test_confidence"])),
            test_lift=tx.fmt_num(_f(r["test_lift"])),
            test_premise_days="n/a"
            if pd.isna(r["test_premise_days"])
            else str(_i(r["test_premise_days"])),
            passed=bool(r["passed"]) if not pd.isna(r["passed"]) else False,
            reason="" if pd.isna(r["reason"]) else str(r["reason"]),
        )
        for r in sorted(rows, key=_fold_key)
    )


def _fold_key(row: dict[str, Any]) -> tuple[bool, float]:
    """Fold order, a missing fold last (as ``sort_values``)."""
    fold = row["fold"]
    missing = fold is None or pd.isna(fold)
    return (missing, 0.0 if missing else float(fold))


def _holdout_row(validations: pd.DataFrame, rule_id: str) -> tuple[date, date] | None:
    rows = validations[(validations["rule_id"] == rule_id) & (validations["fold"] == 0)]
    if rows.empty or pd.isna(rows["test_start"].iloc[0]) or pd.isna(rows["test_end"].iloc[0]):
        return None
    return (
        pd.Timestamp(rows["test_start"].iloc[0]).date(),
        pd.Timestamp(rows["test_end"].iloc[0]).date(),
    )


def _train_days(validations: pd.DataFrame, rule_id: str) -> int:
    rows = validations[(validations["rule_id"] == rule_id) & (validations["fold"] == 0)]
    if rows.empty or pd.isna(rows["train_start"].iloc[0]) or pd.isna(rows["train_end"].iloc[0]):
        return 0
    span = pd.Timestamp(rows["train_end"].iloc[0]) - pd.Timestamp(rows["train_start"].iloc[0])
    return int(span.days) + 1


def _firings(
    view: RunView, premise: tuple[str, ...], consequent: str, lead: int
) -> tuple[Firing, ...]:
    if view.state_values is None or view.state_known is None:
        return ()
    return rule_firings(premise, consequent, lead, view.state_values, view.state_known)


def _persistence(
    view: RunView,
    premise: tuple[str, ...],
    consequent: str,
    lead: int,
    holdout: tuple[date, date] | None,
) -> tuple[Persistence | None, str]:
    if view.state_values is None or view.state_known is None:
        return None, "Not computed: the per-day states were not given to the renderer."
    if lead_time(premise, lead) == 0 and all(tx.split_item(p)[1] == 0 for p in premise):
        return None, "Not applicable: a same-day correlation gives no warning to compare."
    pers = persistence(
        premise, consequent, lead, view.state_values, view.state_known, period=holdout
    )
    where = "the holdout period" if holdout else "all days of the run"
    if pers.beats is None:
        return pers, f"Not comparable on {where}: the rule or persistence never fired there."
    verdict = "beats" if pers.beats else "does NOT beat"
    horizon = lead - min([tx.split_item(p)[1] for p in premise] or [0])
    return pers, (
        f"On {where} ({pers.start}..{pers.end}) the rule was right on "
        f"{pers.rule_hits} of {pers.rule_fired} days ({tx.fmt_pct(pers.rule_rate)}); "
        f"persistence (expecting the outcome again {tx.days_text(horizon)} after a day it "
        f"held) on {pers.baseline_hits} of {pers.baseline_fired} days "
        f"({tx.fmt_pct(pers.baseline_rate)}): the rule {verdict} persistence."
    )


def _stored_persistence(
    row: dict[str, Any], premise: tuple[str, ...], lead: int, note: str
) -> tuple[bool | None, str]:
    """Without per-day states: the rules stage's holdout precision of rule and persistence."""
    rule, base = _f(row.get("skill_precision")), _f(row.get("persistence_precision"))
    same_day = lead_time(premise, lead) == 0 and all(tx.split_item(p)[1] == 0 for p in premise)
    if same_day or pd.isna(rule) or pd.isna(base):
        return None, note
    beats = row.get("beats_persistence")
    verdict = bool(beats) if beats is not None and not pd.isna(beats) else rule > base
    return verdict, (
        f"On the holdout period the rule's alarms were right {tx.fmt_pct(rule)} of the time; "
        f"persistence's {tx.fmt_pct(base)} (rules stage, skill metric of the run): the rule "
        f"{'beats' if verdict else 'does NOT beat'} persistence."
    )


def _example_posts(
    view: RunView, premise: tuple[str, ...], consequent: str, firings: tuple[Firing, ...]
) -> tuple[tuple[str, ...], str]:
    """The first distinct post titles (by post id) of the latest firing day with posts."""
    states = [tx.split_item(p)[0] for p in premise] + [consequent]
    if view.posts is None or not firings or not any(s.startswith("social.") for s in states):
        return (), ""
    days = pd.to_datetime(view.posts["date"]).dt.normalize()
    for firing in reversed(firings):
        today = view.posts[days == pd.Timestamp(firing.day)]
        if len(today):
            titles = dict.fromkeys(_clip(str(t)) for t in today.sort_values("post_id")["title"])
            return tuple(titles)[:_POSTS_SHOWN], firing.day.isoformat()
    return (), ""


def _clip(title: str) -> str:
    flat = " ".join(title.split())
    return flat if len(flat) <= _POST_CHARS else flat[: _POST_CHARS - 1] + "…"


def _period(start: Any, end: Any) -> str:
    if pd.isna(start) or pd.isna(end):
        return "n/a"
    a, b = pd.Timestamp(start).date(), pd.Timestamp(end).date()
    return f"{a}..{b} ({tx.days_text((b - a).days + 1)})"


def _f(value: Any) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def _i(value: Any) -> int:
    return 0 if value is None or pd.isna(value) else int(value)
