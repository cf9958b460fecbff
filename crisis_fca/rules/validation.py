"""Out-of-sample validation: chronological holdout, rolling origin, trigger skill.

Rules are mined on the training window only (the first ``train_fraction`` of days, or
the days before ``split_date``) and counted, unchanged, on the later days -- the
out-of-time evaluation of forecasting practice (Tashman, "Out-of-sample tests of
forecasting accuracy", IJF 2000), which the reference study skipped by mining on all
days. A rule passes when its holdout confidence is at most ``max_confidence_drop``
below its training confidence, its holdout lift exceeds 1, and its premise fired on
enough holdout days. Rolling-origin (expanding window) folds measure stability: the
share of folds in which the rule is re-found on the fold's training days and passes on
the fold's next block. Predictive rules are scored as early-warning triggers (hits,
misses, false alarms; Peirce skill score, Wilks, *Statistical Methods in the
Atmospheric Sciences*, ch. 9) against persistence -- the consequent's own state at the
premise's day -- on the same days.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise
from typing import Any

import numpy as np
import pandas as pd

from crisis_fca.errors import ConfigError
from crisis_fca.rules.context import StatesLike, as_frames, check_states
from crisis_fca.rules.discover import MiningResult, mine_rules
from crisis_fca.rules.evaluate import Item, count_rules, rule_counts
from crisis_fca.rules.metrics import add_metrics
from crisis_fca.rules.mining import min_count
from crisis_fca.rules.params import MiningConfig, ValidationConfig

__all__ = [
    "RulesResult",
    "evaluate_holdout",
    "holdout_start",
    "rolling_folds",
    "trigger_skill",
    "validate_rules",
]


@dataclass(frozen=True)
class RulesResult:
    """Mined rules with their out-of-sample verdicts."""

    rules: pd.DataFrame
    """Kept rules: mining columns, ``train_*`` / ``holdout_*`` counts and metrics,
    ``passed``, ``stability``, trigger skill vs persistence, ``status``
    (stable_same_day | clean_predictive | failed) and ``reasons``."""
    mining: MiningResult
    folds: pd.DataFrame
    """One row per rule and fold: ``rule_id``, ``fold``, ``train_end``, ``test_start``,
    ``test_end``, ``rediscovered``, ``test_confidence``, ``test_lift``, ``passed``."""
    summary: dict[str, Any]


def holdout_start(index: pd.DatetimeIndex, validation: ValidationConfig) -> int:
    """Position of the first holdout day (``split_date`` if set, else the fraction)."""
    if validation.split_date is not None:
        split = int(index.searchsorted(pd.Timestamp(validation.split_date)))
    else:
        split = int(validation.train_fraction * len(index) + 1e-9)
    if not 0 < split < len(index):
        msg = (
            f"validation split {validation.split_date or validation.train_fraction!r} leaves "
            f"no training or no holdout day in {index[0].date()}..{index[-1].date()}; "
            "choose a split_date inside the window or a train_fraction between 0 and 1"
        )
        raise ConfigError(msg)
    return split


def evaluate_holdout(
    rules: pd.DataFrame, states: StatesLike, split: int, validation: ValidationConfig
) -> pd.DataFrame:
    """``train_*`` and ``holdout_*`` counts/metrics, ``passed`` and failure ``reasons``.

    Training counts use only days before ``split`` (consequents included); holdout
    counts use the days t from ``split`` on.
    """
    frames = as_frames(states)
    train = add_metrics(rule_counts(frames.slice_rows(0, split), rules, prefix="train_"), "train_")
    rows = np.arange(len(frames.values)) >= split
    hold = add_metrics(rule_counts(frames, rules, rows, prefix="holdout_"), "holdout_")
    out = pd.concat([train, hold], axis=1)
    passed, reasons = _verdict(
        out["train_confidence"],
        out["holdout_confidence"],
        out["holdout_lift"],
        out["holdout_premise_days"],
        validation,
    )
    return out.assign(passed=passed, reasons=reasons)


def _verdict(
    train_conf: pd.Series,
    conf: pd.Series,
    lift: pd.Series,
    days: pd.Series,
    validation: ValidationConfig,
) -> tuple[np.ndarray, list[str]]:
    drop = validation.max_confidence_drop
    reasons: list[str] = []
    ok = np.zeros(len(conf), dtype=bool)
    for i, (tc, hc, hl, hd) in enumerate(zip(train_conf, conf, lift, days, strict=True)):
        why = []
        if not np.isfinite(hc):
            why.append("premise never fired on an evaluable holdout day")
        elif hc < tc - drop - 1e-12:
            why.append(f"holdout confidence {hc:.3f} < training {tc:.3f} - {drop:.2f}")
        floor = validation.min_holdout_lift
        if validation.check_holdout_lift and not (np.isfinite(hl) and hl > floor):
            why.append(f"holdout lift {hl:.3f} <= {floor:g}")
        if hd < validation.min_holdout_days:
            why.append(f"premise fired on {int(hd)} holdout days < {validation.min_holdout_days}")
        ok[i] = not why
        reasons.append("; ".join(why))
    return ok, reasons


def rolling_folds(
    rules: pd.DataFrame, states: StatesLike, mining: MiningConfig, validation: ValidationConfig
) -> pd.DataFrame:
    """Expanding-window folds: re-found on days [0, cut) and passed on [cut, next cut)."""
    frames = as_frames(states)
    n = len(frames.values)
    step = (1 - validation.fold_start) / max(validation.folds, 1)
    cuts = [round((validation.fold_start + i * step) * n) for i in range(validation.folds + 1)]
    out = []
    for fold, (lo, hi) in enumerate(pairwise(cuts)):
        if lo < 1 or hi <= lo:
            continue
        train = add_metrics(rule_counts(frames.slice_rows(0, lo), rules, prefix="t_"), "t_")
        rows = (np.arange(n) >= lo) & (np.arange(n) < hi)
        test = add_metrics(rule_counts(frames, rules, rows, prefix="h_"), "h_")
        found = _rediscovered(rules, train, mining, lo)
        passed, _ = _verdict(
            train["t_confidence"],
            test["h_confidence"],
            test["h_lift"],
            test["h_premise_days"],
            validation,
        )
        out.append(
            pd.DataFrame(
                {
                    "rule_id": rules["rule_id"].to_numpy(),
                    "fold": fold,
                    "train_end": frames.values.index[lo - 1],
                    "test_start": frames.values.index[lo],
                    "test_end": frames.values.index[hi - 1],
                    "rediscovered": found,
                    "test_confidence": test["h_confidence"].to_numpy(),
                    "test_lift": test["h_lift"].to_numpy(),
                    "passed": found & passed,
                }
            )
        )
    return pd.concat(out, ignore_index=True) if out else _empty_folds()


def _empty_folds() -> pd.DataFrame:
    cols = [
        "rule_id",
        "fold",
        "train_end",
        "test_start",
        "test_end",
        "rediscovered",
        "test_confidence",
        "test_lift",
        "passed",
    ]
    return pd.DataFrame(columns=cols)


def _rediscovered(
    rules: pd.DataFrame, train: pd.DataFrame, mining: MiningConfig, rows: int
) -> np.ndarray:
    """The rule meets its class's support, confidence and lift thresholds on the fold."""
    found = np.zeros(len(rules), dtype=bool)
    for cls in ("same_day", "predictive"):
        cfg = getattr(mining, cls)
        mask = (rules["rule_class"] == cls).to_numpy()
        basis = train["t_support_days" if cfg.support_basis == "rule" else "t_premise_days"]
        ok = basis.to_numpy() >= min_count(cfg.min_support, cfg.min_days, rows)
        ok &= (train["t_confidence"] >= (cfg.min_confidence or 0) - 1e-12).to_numpy()
        ok &= (train["t_lift"] >= (cfg.min_lift or 0) - 1e-12).to_numpy()
        found |= mask & ok
    return found


def trigger_skill(
    rules: pd.DataFrame, states: StatesLike, split: int, validation: ValidationConfig
) -> pd.DataFrame:
    """Holdout trigger skill of each rule and of persistence, on their shared days.

    Persistence fires when the consequent's state held on the premise's earliest day
    (t - max_lag) and forecasts it ``horizon`` days later.
    """
    frames = as_frames(states)
    rows = np.arange(len(frames.values)) >= split
    premises: list[tuple[Item, ...]] = [
        tuple(zip(s, o, strict=True))
        for s, o in zip(rules["premise_states"], rules["premise_offsets"], strict=True)
    ]
    target: list[Item] = list(
        zip(rules["consequent_state"], rules["lead"].astype(int), strict=True)
    )
    trigger: list[tuple[Item, ...]] = [
        ((str(s), -int(m)),)
        for s, m in zip(rules["consequent_state"], rules["max_lag"], strict=True)
    ]
    rule = count_rules(frames, premises, target, rows, require=trigger)
    base = count_rules(frames, trigger, target, rows, require=premises)
    out = {**_skill(rule, "skill_"), **_skill(base, "persistence_")}
    frame = pd.DataFrame(out, index=rules.index)
    metric = validation.skill_metric
    beats = frame[f"skill_{metric}"] > frame[f"persistence_{metric}"]
    return frame.assign(beats_persistence=beats.to_numpy(dtype=bool))


def _skill(c: dict[str, np.ndarray], prefix: str) -> dict[str, np.ndarray]:
    n, p, k, a = (c[x].astype(float) for x in ("n", "p", "c", "a"))
    with np.errstate(divide="ignore", invalid="ignore"):
        return {
            f"{prefix}hits": a.astype(np.int64),
            f"{prefix}false_alarms": (p - a).astype(np.int64),
            f"{prefix}misses": (k - a).astype(np.int64),
            f"{prefix}correct_negatives": (n - p - k + a).astype(np.int64),
            f"{prefix}precision": a / p,
            f"{prefix}recall": a / k,
            f"{prefix}f1": 2 * a / (p + k),
            f"{prefix}peirce": a / k - (p - a) / (n - k),
        }


def validate_rules(
    states: StatesLike, mining: MiningConfig, validation: ValidationConfig
) -> RulesResult:
    """Mine (on the training window, or on all days for the study) and validate.

    Never mutates ``states``.
    """
    check_states(states)
    frames = as_frames(states)
    split = holdout_start(pd.DatetimeIndex(frames.values.index), validation)
    _check_leads(pd.DatetimeIndex(frames.values.index), split, mining, validation)
    source = frames.slice_rows(0, split) if validation.mine_on == "train" else frames
    mined = mine_rules(source, mining)
    rules = mined.rules
    checked = evaluate_holdout(rules, frames, split, validation)
    folds = rolling_folds(rules, frames, mining, validation) if validation.folds else _empty_folds()
    predictive = rules[rules["rule_class"] == "predictive"]
    skill = trigger_skill(predictive, frames, split, validation).reindex(rules.index)
    skill["beats_persistence"] = skill["beats_persistence"].astype("boolean")
    stability = folds.groupby("rule_id")["passed"].mean() if len(folds) else pd.Series(dtype=float)
    out = pd.concat([rules, checked, skill], axis=1).assign(
        stability=rules["rule_id"].map(stability).astype(float).to_numpy()
    )
    out = _classify(out, validation)
    return RulesResult(out, mined, folds, _summary(out, mined, frames, split, validation))


def _check_leads(
    index: pd.DatetimeIndex, split: int, mining: MiningConfig, validation: ValidationConfig
) -> None:
    """A lead too long for the holdout could never be validated: refuse it.

    A rule with lead k is evaluable on holdout days t with t + k inside the window, i.e.
    on ``holdout days - k`` days; the premise must be able to fire on ``min_holdout_days``.
    """
    holdout = len(index) - split
    need = max(validation.min_holdout_days, 1)
    longest = max(mining.leads)
    if holdout - longest >= need:
        return
    left = max(holdout - longest, 0)
    msg = (
        f"mining.leads {list(mining.leads)}: a lead of {longest} days leaves {left} "
        "evaluable day(s) in the holdout "
        f"({holdout} days, {index[split].date()}..{index[-1].date()}), fewer than the "
        f"{need} a rule needs (validation.min_holdout_days), so such rules could never be "
        f"validated. Use leads of at most {max(holdout - need, 0)} days, lengthen the window, or "
        "lower validation.train_fraction."
    )
    raise ConfigError(msg)


def _classify(rules: pd.DataFrame, validation: ValidationConfig) -> pd.DataFrame:
    same = rules["rule_class"].eq("same_day").to_numpy()
    passed = rules["passed"].to_numpy(dtype=bool)
    clean = ~same & (passed | (not validation.validate_predictive))
    status = np.where(
        same & passed, "stable_same_day", np.where(clean, "clean_predictive", "failed")
    )
    reasons = list(rules["reasons"])
    beats = rules["beats_persistence"]
    for i in np.flatnonzero(~same & ~beats.fillna(False).astype(bool).to_numpy()):
        note = f"does not beat persistence ({validation.skill_metric})"
        reasons[i] = f"{reasons[i]}; {note}" if reasons[i] else note
    return rules.assign(status=status, reasons=reasons)


def _summary(
    rules: pd.DataFrame,
    mined: MiningResult,
    frames: StatesLike,
    split: int,
    validation: ValidationConfig,
) -> dict[str, Any]:
    index = frames.values.index
    cand = mined.candidates["rule_class"].value_counts()
    kept = rules["rule_class"].value_counts()
    stable = int((rules["status"] == "stable_same_day").sum())
    clean = rules[rules["status"] == "clean_predictive"]
    same_kept = int(kept.get("same_day", 0))
    return {
        "days": len(index),
        "train_days": split,
        "holdout_days": len(index) - split,
        "first_holdout_day": index[split].date().isoformat(),
        "mined_on": validation.mine_on,
        "mining_days": mined.rows,
        "null_offsets": mined.offsets,
        "candidates_same_day": int(cand.get("same_day", 0)),
        "candidates_predictive": int(cand.get("predictive", 0)),
        "same_day_kept": same_kept,
        "same_day_stable": stable,
        "same_day_pass_rate": stable / same_kept if same_kept else None,
        "predictive_kept": int(kept.get("predictive", 0)),
        "predictive_clean": len(clean),
        "predictive_beats_persistence": int(
            clean["beats_persistence"].fillna(False).astype(bool).sum()
        ),
        "lead_time_range": (int(clean["lead_time"].min()), int(clean["lead_time"].max()))
        if len(clean)
        else None,
    }
