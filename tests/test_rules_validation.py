"""Chronological holdout without leakage, folds, trigger skill, and the case configuration."""

from __future__ import annotations

import tomllib
from fnmatch import fnmatchcase

import numpy as np
import pandas as pd
import pytest

from crisis_fca.config import CASES_DIR, load_case
from crisis_fca.errors import ConfigError
from crisis_fca.rules import (
    ClassConfig,
    FilterConfig,
    MiningConfig,
    NullConfig,
    StateFrames,
    ValidationConfig,
    build_context,
    holdout_start,
    validate_rules,
)
from crisis_fca.rules.synthetic import synthetic_states

OFF = FilterConfig(
    significance=False,
    conviction_leverage=False,
    no_persistence=False,
    no_definitional=False,
    stronger_direction=False,
    shorter_premise=False,
    minimal_generator=False,
    top_n=0,
)
LOOSE = ClassConfig(
    min_support=0.0,
    min_days=2,
    min_confidence=None,
    min_lift=None,
    max_prevalence=None,
    filters=OFF,
)
HAND = MiningConfig(leads=(0, 1), same_day=LOOSE, predictive=LOOSE, null=NullConfig(enabled=False))


def _hand() -> StateFrames:
    """20 days. Train (first 10): a -> b always; holdout: a -> b half the time."""
    a = [1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1]
    b = [1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 1, 1, 0, 0, 1, 0, 1]
    index = pd.date_range("2021-03-01", periods=20, name="date")
    values = pd.DataFrame({"mobility.a:on": a, "social.b:on": b}, index=index).astype(bool)
    meta = pd.DataFrame(
        {"domain": ["mobility", "social"], "signal": ["mobility.a", "social.b"], "parts": [(), ()]},
        index=values.columns,
    )
    return StateFrames(values, values | True, meta)


def _row(frame: pd.DataFrame, rule_id: str) -> pd.Series:
    return frame.set_index("rule_id").loc[rule_id]


def test_holdout_metrics_and_verdict_worked_out_by_hand() -> None:
    result = validate_rules(
        _hand(), HAND, ValidationConfig(train_fraction=0.5, folds=0, min_holdout_days=3)
    )
    r = _row(result.rules, "mobility.a:on => social.b:on[t+0]")
    assert (r.train_premise_days, r.train_support_days, r.train_confidence) == (5, 5, 1.0)
    # holdout days 10..19: a on 10,11,14,15,18,19; b also on 10,14,19 -> 3 of 6
    assert (r.holdout_n_days, r.holdout_premise_days, r.holdout_support_days) == (10, 6, 3)
    assert r.holdout_confidence == 0.5
    assert r.holdout_lift == pytest.approx(0.5 / 0.5)
    assert not r.passed
    assert r.status == "failed"
    assert "holdout confidence 0.500 < training 1.000 - 0.10" in r.reasons
    assert "holdout lift 1.000 <= 1" in r.reasons
    # lead 1: the training side never reads day 10 (first holdout day) -> 9 evaluable days
    r = _row(result.rules, "mobility.a:on => social.b:on[t+1]")
    assert r.train_n_days == 9
    assert r.holdout_n_days == 9


def test_study_verdict_is_the_confidence_drop_only() -> None:
    study = ValidationConfig(
        train_fraction=0.5,
        folds=0,
        mine_on="all",
        check_holdout_lift=False,
        min_holdout_days=0,
        max_confidence_drop=0.6,
    )
    r = _row(validate_rules(_hand(), HAND, study).rules, "mobility.a:on => social.b:on[t+0]")
    assert r.passed
    assert r.status == "stable_same_day"
    assert r.reasons == ""


def test_mining_never_sees_a_holdout_day() -> None:
    states = synthetic_states(days=240, mobility=4, social=4, coupled=2, unknown=0.1, seed=5)
    mining = MiningConfig(lags=(1,), null=NullConfig(shifts=200, min_offset=10))
    validation = ValidationConfig(folds=0)
    split = holdout_start(pd.DatetimeIndex(states.values.index), validation)
    base = validate_rules(states, mining, validation).mining
    rng = np.random.default_rng(0)
    values, known = states.values.copy(), states.known.copy()
    noise = rng.random(values.iloc[split:].shape) < 0.5
    values.iloc[split:] = noise
    known.iloc[split:] = rng.random(noise.shape) < 0.7
    changed = validate_rules(
        StateFrames(values & known, known, states.meta), mining, validation
    ).mining
    pd.testing.assert_frame_equal(base.candidates, changed.candidates)
    pd.testing.assert_frame_equal(base.steps, changed.steps)
    # ... whereas the study's mining on all days does see them
    study = validation.model_copy(update={"mine_on": "all"})
    a = validate_rules(states, mining, study).mining.candidates
    b = validate_rules(
        StateFrames(values & known, known, states.meta), mining, study
    ).mining.candidates
    assert not a.equals(b)


def test_no_premise_reads_a_day_after_t_and_led_copies_never_enter_premises() -> None:
    states = synthetic_states(days=60, mobility=3, social=3, unknown=0.1, seed=9)
    mining = MiningConfig(leads=(0, 2, 5), lags=(1, 3))
    ctx = build_context(states, mining)
    assert (ctx.premise_items["offset"] <= 0).all()
    assert (ctx.consequent_items["offset"] >= 0).all()
    assert not any("[t+" in item for item in ctx.premise_items["item"])
    cut = 30  # rewrite every day after day `cut`: premise rows 0..cut must not move
    values, known = states.values.copy(), states.known.copy()
    values.iloc[cut + 1 :] = ~values.iloc[cut + 1 :]
    known.iloc[cut + 1 :] = True
    later = build_context(StateFrames(values & known, known, states.meta), mining)
    assert (later.premise_values[: cut + 1] == ctx.premise_values[: cut + 1]).all()
    assert (later.premise_known[: cut + 1] == ctx.premise_known[: cut + 1]).all()
    rules = validate_rules(
        states,
        mining.model_copy(update={"null": NullConfig(enabled=False)}),
        ValidationConfig(folds=0),
    ).rules
    assert all(max(o) <= 0 for o in rules["premise_offsets"])
    assert (rules["lead"] >= 0).all()


def test_rolling_folds_cut_where_expected_and_score_stability() -> None:
    validation = ValidationConfig(train_fraction=0.5, folds=2, fold_start=0.5, min_holdout_days=1)
    result = validate_rules(_hand(), HAND, validation)
    folds = result.folds[result.folds["rule_id"] == "mobility.a:on => social.b:on[t+0]"]
    assert folds["train_end"].dt.day.tolist() == [10, 15]  # days [0, 10) and [0, 15)
    assert folds["test_start"].dt.day.tolist() == [11, 16]
    assert folds["test_end"].dt.day.tolist() == [15, 20]
    # block 1 (days 10-14): a on 10, 11, 14 -> b on 10, 14 (2/3);
    # block 2 (days 15-19): a on 15, 18, 19 -> b on 19 (1/3)
    assert folds["test_confidence"].round(4).tolist() == [0.6667, 0.3333]
    assert folds["rediscovered"].tolist() == [True, True]
    assert folds["passed"].tolist() == [False, False]
    assert _row(result.rules, "mobility.a:on => social.b:on[t+0]").stability == 0.0


def test_trigger_skill_against_persistence_by_hand() -> None:
    result = validate_rules(
        _hand(), HAND, ValidationConfig(train_fraction=0.5, folds=0, min_holdout_days=1)
    )
    r = _row(result.rules, "mobility.a:on => social.b:on[t+1]")
    # holdout t = 10..18 (b[t+1] known), trigger a[t] vs b[t+1]; persistence b[t] vs b[t+1]
    a = [1, 1, 0, 0, 1, 1, 0, 0, 1]
    b_next = [0, 0, 1, 1, 0, 0, 1, 0, 1]
    b_now = [1, 0, 0, 1, 1, 0, 0, 1, 0]
    for prefix, trig in (("skill_", a), ("persistence_", b_now)):
        hits = sum(x and y for x, y in zip(trig, b_next, strict=True))
        alarms = sum(x and not y for x, y in zip(trig, b_next, strict=True))
        misses = sum(y and not x for x, y in zip(trig, b_next, strict=True))
        assert (r[prefix + "hits"], r[prefix + "false_alarms"], r[prefix + "misses"]) == (
            hits,
            alarms,
            misses,
        )
        negatives = 9 - sum(b_next)
        assert r[prefix + "peirce"] == pytest.approx(hits / sum(b_next) - alarms / negatives)
    assert r.beats_persistence == (r.skill_peirce > r.persistence_peirce)
    same_day = _row(result.rules, "mobility.a:on => social.b:on[t+0]")
    assert pd.isna(same_day.skill_hits)
    assert pd.isna(same_day.beats_persistence)


def test_split_date_and_a_split_outside_the_window() -> None:
    index = pd.date_range("2021-03-01", periods=20)
    assert holdout_start(index, ValidationConfig(split_date="2021-03-15")) == 14
    assert holdout_start(index, ValidationConfig(train_fraction=0.7)) == 14
    with pytest.raises(ConfigError, match=r"2021-03-01\.\.2021-03-20"):
        holdout_start(index, ValidationConfig(split_date="2022-01-01"))


def test_validation_is_deterministic_and_leaves_its_input_alone() -> None:
    states = synthetic_states(days=200, mobility=3, social=3, coupled=2, unknown=0.05, seed=2)
    before = states.values.copy()
    mining = MiningConfig(null=NullConfig(shifts=100, min_offset=10))
    a = validate_rules(states, mining, ValidationConfig(folds=2))
    b = validate_rules(states, mining, ValidationConfig(folds=2))
    pd.testing.assert_frame_equal(states.values, before)
    pd.testing.assert_frame_equal(a.rules, b.rules)
    assert all(list(p) == sorted(p) for p in a.mining.candidates["premise"])
    assert a.summary == b.summary
    assert a.summary["train_days"] == 140


def test_case_files_state_the_study_and_rigorous_profiles() -> None:
    uae = load_case("uae-covid", profile="study")
    assert (uae.mining.leads, uae.mining.lags, uae.mining.row_policy) == (
        (0, 2, 7),
        (1, 3, 7),
        "complete_offsets",
    )
    sd, pr = uae.mining.same_day, uae.mining.predictive
    assert (
        sd.support_basis,
        sd.min_support,
        sd.min_confidence,
        sd.min_lift,
        sd.max_prevalence,
    ) == ("premise", 0.12, 0.75, 1.8, 0.75)
    assert (pr.min_support, pr.min_confidence, pr.min_lift, pr.max_prevalence) == (
        0.10,
        0.75,
        1.8,
        0.80,
    )
    assert (len(uae.mining.lagged_states), len(uae.mining.led_states)) == (14, 16)
    assert uae.validation.mine_on == "all"
    assert not uae.validation.check_holdout_lift
    rigorous = load_case("uae-covid")
    assert rigorous.mining.leads == tuple(range(8))
    assert rigorous.validation.mine_on == "train"
    assert rigorous.mining.null.shifts == 1000
    assert rigorous.mining.same_day.filters.significance
    la = load_case("la-wildfire", profile="study")
    assert (la.mining.leads, la.mining.same_day.min_confidence, la.mining.same_day.min_lift) == (
        (0,),
        0.8,
        1.05,
    )


def test_every_state_the_study_profile_names_is_defined() -> None:
    raw = tomllib.loads((CASES_DIR / "uae-covid.toml").read_text(encoding="utf-8"))
    defined = set(raw["states"]["define"])
    case = load_case("uae-covid", profile="study")
    named = set(case.mining.tautology_groups) | {
        s for gs in case.mining.tautology_groups.values() for g in gs for s in g
    }
    named |= set(case.mining.lagged_states) | set(case.mining.led_states)
    assert named
    assert named <= defined, named - defined
    assert all(any(fnmatchcase(s, p) for s in defined) for p in case.mining.premise_states)


def test_nothing_to_mine_gives_empty_frames_not_errors() -> None:
    states = synthetic_states(days=100, mobility=2, social=2, seed=0)
    strict = ClassConfig(min_support=0.99)
    result = validate_rules(
        states, MiningConfig(same_day=strict, predictive=strict), ValidationConfig()
    )
    assert result.rules.empty
    assert result.mining.candidates.empty
    assert result.summary["same_day_pass_rate"] is None
    assert result.summary["lead_time_range"] is None
