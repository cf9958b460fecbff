"""Small hand-made run records and frames shared by the store tests."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

import duckdb
import pandas as pd

from crisis_fca.store import RunRecord, rule_id

T0 = datetime(2025, 1, 10, 8, 0, tzinfo=UTC)
DAYS = pd.date_range("2020-03-01", periods=4, name="date")

TRANSIT_FEAR = (("mobility.workplaces:drop",), "social.lockdown:present", 3)
ANGER_PARKS = (("social.anger:present",), "mobility.parks:high", 1)
RETAIL_CASES = (("mobility.retail:low", "social.lockdown:present"), "health.new_cases:high", 0)
WEEKEND_TRANSIT = (("calendar.weekend",), "mobility.workplaces:drop", 0)


def count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    """The single integer a ``SELECT count(*) ...`` returns."""
    rows = con.execute(sql, params).fetchall()
    return int(rows[0][0])


def run_record(
    case: str = "uae-covid", profile: str = "rigorous", minutes: int = 0, **over: Any
) -> RunRecord:
    """A successful run record starting ``minutes`` after T0."""
    fields: dict[str, Any] = {
        "case": case,
        "profile": profile,
        "config_hash": "0123456789ab",
        "data_checksums": {"google.csv": "sha256:aa", "posts.json": "sha256:bb"},
        "code_version": "0.1.0",
        "started": T0 + timedelta(minutes=minutes),
        "finished": T0 + timedelta(minutes=minutes, seconds=30),
        "params": {"leads": [0, 1, 3], "alpha": 0.05},
    }
    return RunRecord(**{**fields, **over})


def rule_row(
    rule: tuple[tuple[str, ...], str, int],
    confidence: float = 0.8,
    rule_class: str = "predictive",
    **over: Any,
) -> dict[str, Any]:
    """One full rules row (without rule_id) for ``(premise, consequent, lead)``."""
    premise, consequent, lead = rule
    row: dict[str, Any] = {
        "premise": premise,
        "consequent": consequent,
        "lead": lead,
        "premise_days": 20,
        "support_days": round(20 * confidence),
        "evaluable_days": 60,
        "support": round(20 * confidence) / 60,
        "confidence": confidence,
        "ci_low": confidence - 0.2,
        "ci_high": min(confidence + 0.1, 1.0),
        "lift": 1.6,
        "leverage": 0.05,
        "conviction": math.inf if confidence == 1.0 else 2.5,
        "fisher_p": 1e-4,
        "null_p": 0.01,
        "q_value": 0.03,
        "concept": premise,
        "minimal_generator": True,
        "kind": "same_day" if lead == 0 else "predictive",
        "lead_time": lead,
        "cross_domain": True,
        "train_days": 42,
        "train_confidence": confidence,
        "train_lift": 1.6,
        "holdout_days": 18,
        "holdout_premise_days": 6,
        "holdout_support_days": 4,
        "holdout_confidence": 4 / 6,
        "holdout_lift": 1.3,
        "passed": rule_class != "failed",
        "folds_passed": 0.75,
        "skill_precision": 4 / 6,
        "skill_recall": 0.5,
        "persistence_precision": 0.5,
        "persistence_recall": 0.5,
        "beats_persistence": True,
        "filters_passed": ("significance", "conviction_leverage"),
        "rule_class": rule_class,
        "reasons": f"{rule_class} on every fold",
    }
    return {**row, **over}


def rules_frame(*rows: dict[str, Any]) -> pd.DataFrame:
    """A rules frame from :func:`rule_row` dicts."""
    return pd.DataFrame(list(rows))


def validation_rows(
    rule: tuple[tuple[str, ...], str, int], confidences: list[float]
) -> list[dict[str, Any]]:
    """One validation row per fold for ``rule``."""
    rid = rule_id(*rule)
    return [
        {
            "rule_id": rid,
            "fold": fold,
            "train_start": pd.Timestamp("2020-03-01"),
            "train_end": pd.Timestamp("2020-05-31") + pd.Timedelta(days=30 * fold),
            "test_start": pd.Timestamp("2020-06-01") + pd.Timedelta(days=30 * fold),
            "test_end": pd.Timestamp("2020-06-30") + pd.Timedelta(days=30 * fold),
            "train_confidence": 0.8,
            "test_confidence": conf,
            "test_lift": 1.5,
            "test_premise_days": 9,
            "passed": conf >= 0.6,
            "reason": "held" if conf >= 0.6 else "confidence below 0.6",
        }
        for fold, conf in enumerate(confidences)
    ]


def all_tables() -> dict[str, pd.DataFrame]:
    """One small frame for every table, with NaN, NULL, lists and hostile-looking names."""
    signals = pd.DataFrame(
        {
            "date": list(DAYS) * 2,
            "signal": ["mobility.transit"] * 4 + ["social.fear_share"] * 4,
            "value": [-10.0, -20.5, math.nan, -35.0, 0.1, 0.25, 0.3, math.nan],
            "status": [
                *("observed", "observed", "missing", "filled"),
                *("observed", "observed", "observed", "low_coverage"),
            ],
        }
    )
    coverage = pd.DataFrame(
        {
            "signal": ["mobility.transit", "social.fear_share"],
            "source": ["google", "reddit"],
            "domain": ["mobility", "social"],
            "days": [4, 4],
            "observed": [2, 3],
            "filled": [1, 0],
            "low_coverage": [0, 1],
            "missing": [1, 0],
            "first": [pd.Timestamp("2020-03-01"), pd.Timestamp("2020-03-01")],
            "last": [pd.Timestamp("2020-03-04"), pd.Timestamp("2020-03-03")],
        }
    )
    states = pd.DataFrame(
        {
            "state": [
                "mobility.workplaces:drop",
                "social.lockdown:present",
                "calm'; DROP TABLE states; --",
            ],
            "domain": ["mobility", "social", "composite"],
            "signal": ["mobility.transit", "social.fear_share", "calm"],
            "condition": ["low", "present", "all"],
            "kind": ["baseline_ratio", "threshold", "composite"],
            "description": [
                "transit well below baseline",
                "fear in ≥ 5 % of posts",
                'a "quoted" one',
            ],
            "parts": [(), (), ("mobility.workplaces:drop", "social.lockdown:present")],
            "true_days": [12, 5, 3],
            "known_days": [20, 15, 15],
            "unknown_days": [0, 5, 5],
        }
    )
    concepts = pd.DataFrame(
        {
            "concept_id": [0, 1],
            "intent": [(), ("mobility.workplaces:drop", "social.lockdown:present")],
            "extent_size": [20, 4],
            "support": [1.0, 0.2],
            "stability": [1.0, 0.4375],
            "date_ranges": [
                ("2020-03-01..2020-03-20",),
                ("2020-03-05..2020-03-06", "2020-03-09..2020-03-10"),
            ],
        }
    )
    rules = rules_frame(
        rule_row(TRANSIT_FEAR, 0.75),
        rule_row(WEEKEND_TRANSIT, 1.0, "stable_same_day", reasons=None),
    )
    validations = pd.DataFrame(validation_rows(TRANSIT_FEAR, [0.7, 0.5]))
    briefs = pd.DataFrame(
        {
            "rule_id": [rule_id(*TRANSIT_FEAR), None],
            "rendered_text": ["<p>When transit is low, fear follows in 3 days.</p>", "case brief"],
            "output_path": ["reports/uae-covid/brief-1.html", "reports/uae-covid/brief.html"],
        }
    )
    return {
        "signals": signals,
        "coverage": coverage,
        "states": states,
        "concepts": concepts,
        "rules": rules,
        "validations": validations,
        "briefs": briefs,
    }
