"""Rules and validations of the synthetic sample run, counted on its own states.

Each rule is counted with :func:`crisis_fca.render.history.rule_firings` on the first 70 %
of days (training), checked on the rest (fold 0, the chronological holdout) and on two
rolling-origin folds, and compared with persistence on the holdout, so the ``rules`` and
``validations`` frames have every column of the store's tables with consistent values.
The pass rule mirrors the rigorous profile: holdout confidence at most 10 points below
training, holdout lift above 1, and at least 5 holdout trigger days.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from crisis_fca.render.history import persistence, rule_firings
from crisis_fca.render.score import is_cross_domain, lead_time

__all__ = ["Rule", "sample_rules"]

Rule = tuple[tuple[str, ...], str, int]
_Z = 1.959963984540054


def sample_rules(
    values: pd.DataFrame, known: pd.DataFrame, rules: Sequence[Rule]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The ``rules`` and ``validations`` frames (store columns) of ``rules``."""
    n = len(values)
    split = int(0.7 * n)
    windows = ((split, n), (int(0.6 * n), int(0.8 * n)), (int(0.8 * n), n))
    rows: list[dict[str, Any]] = []
    checks: list[dict[str, Any]] = []
    for rule in rules:
        folds = [_check(values, known, rule, lo, hi) for lo, hi in windows]
        checks.extend({"fold": k, **fold} for k, fold in enumerate(folds))
        rows.append(_row(values, known, rule, split, folds))
    frame = pd.DataFrame(rows)
    ids = [rid for rid in frame["rule_id"] for _ in windows]
    return frame, pd.DataFrame(checks).assign(rule_id=ids)


def _counts(
    values: pd.DataFrame, known: pd.DataFrame, rule: Rule, lo: int, hi: int
) -> tuple[int, int, float]:
    """Trigger days, hits and outcome prevalence for trigger days in [lo, hi)."""
    premise, consequent, lead = rule
    firings = rule_firings(premise, consequent, lead, values.iloc[lo:hi], known.iloc[lo:hi])
    done = [f for f in firings if f.outcome in ("hit", "miss")]
    seen = known[consequent].iloc[lo + lead : hi]
    held = values[consequent].iloc[lo + lead : hi] & seen
    prevalence = float(held.sum() / max(int(seen.sum()), 1))
    return len(done), sum(f.outcome == "hit" for f in done), prevalence


def _check(
    values: pd.DataFrame, known: pd.DataFrame, rule: Rule, lo: int, hi: int
) -> dict[str, Any]:
    days = pd.DatetimeIndex(values.index)
    fired, hits, prevalence = _counts(values, known, rule, lo, hi)
    t_fired, t_hits, _ = _counts(values, known, rule, 0, lo)
    test = hits / fired if fired else math.nan
    train = t_hits / t_fired if t_fired else math.nan
    lift = test / prevalence if prevalence else math.nan
    ok = fired >= 5 and test >= train - 0.10 and lift > 1
    if ok:
        why = "held"
    elif fired < 5:
        why = f"premise fired on {fired} holdout days < 5"
    else:
        why = f"holdout confidence {test:.3f} vs training {train:.3f}, lift {lift:.2f}"
    return {
        "train_start": days[0], "train_end": days[lo - 1], "test_start": days[lo],
        "test_end": days[hi - 1], "train_confidence": train, "test_confidence": test,
        "test_lift": lift, "test_premise_days": fired, "passed": ok, "reason": why,
    }  # fmt: skip


def _row(
    values: pd.DataFrame, known: pd.DataFrame, rule: Rule, split: int, folds: list[dict[str, Any]]
) -> dict[str, Any]:
    from crisis_fca.store import rule_id

    premise, consequent, lead = rule
    fired, hits, prevalence = _counts(values, known, rule, 0, split)
    evaluable = int(known[consequent].iloc[:split].sum())
    conf = hits / fired if fired else math.nan
    hold = folds[0]
    passed = bool(hold["passed"])
    days = lead_time(premise, lead)
    cls = ("predictive" if days >= 1 else "stable_same_day") if passed else "failed"
    return {
        "rule_id": rule_id(premise, consequent, lead), "premise": premise,
        "consequent": consequent, "lead": lead, "premise_days": fired, "support_days": hits,
        "evaluable_days": evaluable, "support": hits / max(evaluable, 1), "confidence": conf,
        **dict(zip(("ci_low", "ci_high"), _wilson(hits, fired), strict=True)),
        "lift": conf / prevalence if prevalence else math.nan,
        "leverage": hits / max(evaluable, 1) - fired / max(evaluable, 1) * prevalence,
        "conviction": (1 - prevalence) / (1 - conf) if conf < 1 else math.inf,
        "fisher_p": math.nan, "null_p": 0.004 if passed else 0.2,
        "q_value": 0.01 if passed else 0.3, "concept": premise, "minimal_generator": True,
        "kind": "predictive" if days >= 1 else "same_day", "lead_time": days,
        "cross_domain": is_cross_domain(premise, consequent), "train_days": split,
        "train_confidence": conf, "train_lift": conf / prevalence if prevalence else math.nan,
        "holdout_days": len(values) - split, "holdout_premise_days": hold["test_premise_days"],
        "holdout_support_days": round(hold["test_premise_days"] * _zero(hold["test_confidence"])),
        "holdout_confidence": hold["test_confidence"], "holdout_lift": hold["test_lift"],
        "passed": passed, "folds_passed": sum(f["passed"] for f in folds[1:]) / 2,
        **_skill(values, known, rule, split), "filters_passed": (), "rule_class": cls,
        "reasons": "" if passed else str(hold["reason"]),
    }  # fmt: skip


def _skill(values: pd.DataFrame, known: pd.DataFrame, rule: Rule, split: int) -> dict[str, Any]:
    """Holdout precision / recall of the rule and of persistence (recall not modelled: NaN)."""
    premise, consequent, lead = rule
    days = pd.DatetimeIndex(values.index)
    period = (days[split].date(), days[-1].date())
    pers = persistence(premise, consequent, lead, values, known, period=period)
    return {
        "skill_precision": pers.rule_rate,
        "skill_recall": math.nan,
        "persistence_precision": pers.baseline_rate,
        "persistence_recall": math.nan,
        "beats_persistence": bool(pers.beats) if lead_time(premise, lead) >= 1 else None,
    }


def _wilson(hits: int, n: int) -> tuple[float, float]:
    """Wilson score interval (95 %) of ``hits / n``; NaN when ``n`` is 0."""
    if n == 0:
        return math.nan, math.nan
    p = hits / n
    centre = (p + _Z * _Z / (2 * n)) / (1 + _Z * _Z / n)
    half = _Z * math.sqrt(p * (1 - p) / n + _Z * _Z / (4 * n * n)) / (1 + _Z * _Z / n)
    return centre - half, centre + half


def _zero(value: float) -> float:
    return 0.0 if math.isnan(value) else value
