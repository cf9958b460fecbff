"""States: hand-made cases worked out by hand, the Google acceptance counts, properties."""

from __future__ import annotations

import csv
import tomllib
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crisis_fca.config import CASES_DIR, load_case, parse_case
from crisis_fca.errors import ConfigError, SchemaError
from crisis_fca.states import (
    BaselineOverlapWarning,
    StatesConfig,
    StateSet,
    build_states,
    select_states,
)
from crisis_fca.states.resolve import evaluation_order
from crisis_fca.states.rolling import past_zscore

NAN = float("nan")


def _frame(start: str = "2020-03-01", **columns: list[float]) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    index = pd.date_range(start, periods=n, freq="D", name="date")
    return pd.DataFrame({k.replace("__", "."): v for k, v in columns.items()}, index=index)


def _cfg(define: dict[str, dict[str, Any]], **options: Any) -> StatesConfig:
    for spec in define.values():
        spec.setdefault("description", "a hand-made test state")
    return StatesConfig.model_validate({"define": define, **options})


def _raw_case() -> dict[str, Any]:
    return tomllib.loads((CASES_DIR / "la-wildfire.toml").read_text(encoding="utf-8"))


def _one(values: pd.DataFrame, spec: dict[str, Any], **kw: Any) -> tuple[list[bool], list[bool]]:
    states = build_states(values, _cfg({"x.s:on": spec}), **kw)
    return states.values["x.s:on"].tolist(), states.known["x.s:on"].tolist()


# --- primitive kinds -----------------------------------------------------------------


def test_threshold_is_strict_like_the_study_and_missing_is_unknown() -> None:
    """retail < -25: -25 itself does not hold; a NaN day is unknown, not False."""
    v = _frame(x__a=[-30.0, -25.0, -20.0, NAN])
    spec = {"kind": "threshold", "signal": "x.a", "below": -25}
    assert _one(v, spec) == ([True, False, False, False], [True, True, True, False])
    assert _one(v, {**spec, "inclusive": True})[0] == [True, True, False, False]


def test_hysteresis_holds_until_the_release_level_even_across_an_unknown_day() -> None:
    """on above 8, off at or below 6: 5 9 7 6 9 ? 7 -> F T T F T ? T."""
    v = _frame(x__a=[5.0, 9, 7, 6, 9, NAN, 7])
    got = _one(v, {"kind": "threshold", "signal": "x.a", "above": 8, "release": 6})
    assert got == (
        [False, True, True, False, True, False, True],
        [True, True, True, True, True, False, True],
    )


def test_release_on_the_wrong_side_is_rejected() -> None:
    with pytest.raises(ValueError, match=r"release 9\.0 must lie on the other side"):
        _cfg({"x.s:on": {"kind": "threshold", "signal": "x.a", "above": 8, "release": 9}})


def test_min_run_confirms_a_flip_only_after_consecutive_days() -> None:
    """raw 0 1 0 1 1 1 0 0 with min_run 2: flips on the 2nd agreeing day, never early."""
    v = _frame(x__a=[0.0, 1, 0, 1, 1, 1, 0, 0])
    got = _one(v, {"kind": "threshold", "signal": "x.a", "above": 0.5, "min_run": 2})
    assert got[0] == [False, False, False, False, True, True, True, False]


def _two_weeks() -> pd.DataFrame:
    # Mon 2025-01-06 .. Sun 2025-01-19; weekdays 100, weekend 50 in the baseline week.
    week1 = [100.0] * 5 + [50.0] * 2
    week2 = [100.0, 140, 100, 100, 100, 70, 50]
    return _frame("2025-01-06", x__a=week1 + week2)


def test_ratio_to_a_baseline_window_before_the_event() -> None:
    """Baseline mean 85.71 (5 x 100, 2 x 50): only Tue 140 exceeds 1.3 x 85.71 = 111.4."""
    spec = {
        "kind": "baseline_ratio",
        "signal": "x.a",
        "above": 1.3,
        "baseline": {"start": "2025-01-06", "end": "2025-01-12"},
    }
    values, known = _one(_two_weeks(), spec, event_start=date(2025, 1, 13))
    assert [i for i, v in enumerate(values) if v] == [8]
    assert all(known)


def test_ratio_by_day_type_compares_weekends_with_weekends() -> None:
    """By day type: Tue 140/100 and Sat 70/50 are both 1.4 x their own baseline."""
    spec = {
        "kind": "baseline_ratio",
        "signal": "x.a",
        "above": 1.3,
        "baseline": {"start": "2025-01-06", "end": "2025-01-12"},
        "by_daytype": True,
        "weekend": "US",
    }
    values, _ = _one(_two_weeks(), spec, event_start=date(2025, 1, 13))
    assert [i for i, v in enumerate(values) if v] == [8, 12]


def test_baseline_overlapping_the_event_is_rejected_or_warns_loudly() -> None:
    """A baseline that reaches the event start is an error unless explicitly allowed."""
    spec: dict[str, Any] = {"kind": "baseline_ratio", "signal": "x.a", "below": 0.7, "baseline": 5}
    v = _two_weeks()
    with pytest.raises(ConfigError, match=r"'x.s:on'.*runs to 2025-01-10.*event start 2025-01-08"):
        _one(v, spec, event_start=date(2025, 1, 8))
    with pytest.warns(BaselineOverlapWarning, match="allowed here by allow_overlap"):
        values, _ = _one(v, {**spec, "allow_overlap": True}, event_start=date(2025, 1, 8))
    # baseline = Mon-Fri mean 100: the weekend 50s fall below 70, Saturday's 70 does not
    assert [i for i, v in enumerate(values) if v] == [5, 6, 13]
    window = {**spec, "baseline": {"start": "2025-01-06", "end": "2025-01-13"}}
    with pytest.raises(ConfigError, match="runs to 2025-01-13"):
        _one(v, window, event_start=date(2025, 1, 13))


def test_baseline_without_observed_days_is_a_config_error() -> None:
    v = _frame("2025-01-06", x__a=[NAN, NAN, 3.0, 4.0])
    spec = {
        "kind": "baseline_ratio",
        "signal": "x.a",
        "above": 2,
        "baseline": {"start": "2025-01-06", "end": "2025-01-07"},
    }
    with pytest.raises(ConfigError, match="no \\(or too few\\) observed values"):
        _one(v, spec, event_start=date(2025, 1, 8))


def test_zscore_uses_the_previous_days_only() -> None:
    """Day 5 vs days 1-4 (1, 2, 1, 2): mean 1.5, sd 0.5774; 9 -> z = 12.99."""
    s = pd.Series([1.0, 2, 1, 2, 9], index=pd.date_range("2020-01-01", periods=5))
    z = past_zscore(s, window=4, min_periods=4)
    assert np.isnan(z[:4]).all()
    assert z[4] == pytest.approx(7.5 / 0.5773503, rel=1e-6)
    v = _frame(x__a=[1.0, 2, 1, 2, 9])
    assert _one(v, {"kind": "zscore", "signal": "x.a", "window": 4, "above": 3}) == (
        [False, False, False, False, True],
        [False, False, False, False, True],
    )


def test_quantile_of_the_past_window() -> None:
    """Median of the 4 previous days (1, 2, 3, 4) is 2.5: 5 is above it, 2 is not."""
    v = _frame(x__a=[1.0, 2, 3, 4, 5, 2])
    got = _one(v, {"kind": "quantile", "signal": "x.a", "window": 4, "above": 0.5})
    assert got == ([False] * 4 + [True, False], [False] * 4 + [True, True])


def _weekly(n: int = 84, dip: int | None = None) -> pd.DataFrame:
    noise = np.random.default_rng(7).normal(0, 0.3, n)
    x = np.tile([10.0, 10, 10, 10, 10, 4, 4], n // 7 + 1)[:n] + noise
    if dip is not None:
        x[dip] -= 8
    return _frame("2020-01-06", x__a=list(x))


def test_stl_flags_a_day_far_below_its_weekly_pattern_only() -> None:
    """A Friday 8 points under its pattern is the one anomaly; quiet weekends are not."""
    spec = {"kind": "stl", "signal": "x.a", "window": 35, "below": -4}
    values, known = _one(_weekly(dip=70), spec)
    assert [i for i, v in enumerate(values) if v] == [70]
    assert sum(known) == 84 - 34  # a full 35-day window of past data is needed
    assert not any(_one(_weekly(), spec)[0])


def test_change_compares_with_the_previous_observed_day() -> None:
    """0.1 ? 0.5 0.4 ? ? 0.0: +0.4 vs 0.1, -0.1, then -0.4 vs 0.4 three days back."""
    v = _frame(x__a=[0.1, NAN, 0.5, 0.4, NAN, NAN, 0.0])
    base = {"kind": "change", "signal": "x.a", "delta": 0.2}
    known = [False, False, True, True, False, False, True]
    assert _one(v, {**base, "direction": "up"}) == ([False, False, True] + [False] * 4, known)
    assert _one(v, {**base, "direction": "down"})[0] == [False] * 6 + [True]
    assert _one(v, {**base, "direction": "shift"})[0] == [
        False,
        False,
        True,
        False,
        False,
        False,
        True,
    ]
    gap = _one(v, {**base, "direction": "down", "max_gap_days": 2})
    assert gap[1] == [False, False, True, True, False, False, False]


def test_dominant_ties_first_reproduces_the_study_none_requires_a_strict_winner() -> None:
    """(fear, anger): (0,0) (2,2) (3,1) (1,2) (?,1)."""
    v = _frame(e__fear=[0.0, 2, 3, 1, NAN], e__anger=[0.0, 2, 1, 2, 1])
    spec = {"kind": "dominant", "signals": ["e.fear", "e.anger"], "target": "e.fear"}
    known = [True, True, True, True, False]
    assert _one(v, {**spec, "ties": "first"}) == ([True, True, True, False, False], known)
    assert _one(v, {**spec, "ties": "none"}) == ([False, False, True, False, False], known)


# --- composites and three-valued logic -------------------------------------------------

_T, _F, _U = 1.0, 0.0, NAN  # as inputs of "x.s:on" = value > 0.5


def _kleene(expr: str) -> tuple[list[bool], list[bool]]:
    a = [_T, _T, _T, _F, _F, _F, _U, _U, _U]
    b = [_T, _F, _U, _T, _F, _U, _T, _F, _U]
    c = [_F] * 9
    v = _frame(x__a=a, x__b=b, x__c=c)
    define = {f"x.{n}:on": {"kind": "threshold", "signal": f"x.{n}", "above": 0.5} for n in "abc"}
    define["x.out:on"] = {"kind": "composite", "expr": expr}
    s = build_states(v, _cfg(define))
    return s.values["x.out:on"].tolist(), s.known["x.out:on"].tolist()


def test_three_valued_and_or_not_follow_kleene() -> None:
    """Rows (a, b) = TT TF TU FT FF FU UT UF UU."""
    T, F = True, False
    assert _kleene("x.a:on and x.b:on") == (
        [T, F, F, F, F, F, F, F, F],
        [T, T, F, T, T, T, F, T, F],
    )
    assert _kleene("x.a:on or x.b:on") == (
        [T, T, T, T, F, F, T, F, F],
        [T, T, T, T, T, F, T, F, F],
    )
    assert _kleene("not x.a:on") == ([F, F, F, T, T, T, F, F, F], [T] * 6 + [F] * 3)
    # c is known False everywhere: at_least(2, a, b, c) is "a and b"
    assert _kleene("at_least(2, x.a:on, x.b:on, x.c:on)") == _kleene("x.a:on and x.b:on")


def test_composite_naming_an_unknown_state_lists_close_matches() -> None:
    cfg = _cfg(
        {
            "mobility.retail:drop": {"kind": "threshold", "signal": "x.a", "below": 0},
            "mobility.any:drop": {"kind": "composite", "expr": "mobility.retial:drop"},
        }
    )
    with pytest.raises(
        ConfigError,
        match=r"unknown state 'mobility.retial:drop'.*did you mean "
        r"'mobility.retail:drop'",
    ):
        build_states(_frame(x__a=[1.0]), cfg)


def test_composite_naming_a_disabled_state_says_so() -> None:
    cfg = _cfg(
        {
            "x.a:on": {"kind": "threshold", "signal": "x.a", "above": 0, "enabled": False},
            "x.b:on": {"kind": "composite", "expr": "not x.a:on"},
        }
    )
    with pytest.raises(ConfigError, match=r"'x\.a:on', which is disabled"):
        evaluation_order(cfg)


def test_composite_cycle_is_named() -> None:
    cfg = _cfg(
        {
            "x.a:on": {"kind": "composite", "expr": "x.b:on or x.z:on"},
            "x.b:on": {"kind": "composite", "expr": "x.c:on"},
            "x.c:on": {"kind": "composite", "expr": "not x.a:on"},
            "x.z:on": {"kind": "threshold", "signal": "x.a", "above": 0},
        }
    )
    with pytest.raises(ConfigError, match=r"cycle: x.a:on -> x.b:on -> x.c:on -> x.a:on"):
        evaluation_order(cfg)


def test_bad_expression_and_bad_name_fail_at_load_with_the_key_path() -> None:
    raw = _raw_case()
    raw["states"] = {
        "define": {"x.a:on": {"kind": "composite", "expr": "x.b:on and", "description": "d"}}
    }
    with pytest.raises(ConfigError, match=r"states.define.x.a:on.*expected more input"):
        parse_case(raw)
    raw["states"] = {
        "define": {
            "Retail drop": {"kind": "threshold", "signal": "x", "below": 0, "description": "d"}
        }
    }
    with pytest.raises(ConfigError, match=r"must look like 'domain\.signal:condition'"):
        parse_case(raw)


def test_a_state_reading_a_missing_signal_names_it() -> None:
    cfg = _cfg(
        {"social.fear:present": {"kind": "threshold", "signal": "social.faer_posts", "above": 0}}
    )
    with pytest.raises(
        ConfigError,
        match=r"'social.fear:present' reads signal 'social.faer_posts'"
        r".*did you mean 'social.fear_posts'",
    ):
        build_states(_frame(social__fear_posts=[1.0]), cfg)


def test_values_must_be_a_gap_free_daily_frame_of_numbers() -> None:
    cfg = _cfg({"x.a:on": {"kind": "threshold", "signal": "x.a", "above": 0}})
    v = _frame(x__a=[1.0, 2.0, 3.0])
    with pytest.raises(SchemaError, match="every calendar day once"):
        build_states(v.iloc[[0, 2]], cfg)
    with pytest.raises(SchemaError, match=r"\['x.a'\] are not numeric"):
        build_states(v.astype(str), cfg)


# --- calendar ------------------------------------------------------------------------


def test_uae_weekend_moves_from_fri_sat_to_sat_sun_on_2022_01_01() -> None:
    v = _frame("2021-12-29", x__a=[0.0] * 7)  # Wed 29 Dec .. Tue 4 Jan
    cfg = _cfg(
        {
            "calendar.weekend": {"kind": "weekend", "schedule": "AE"},
            "calendar.us_weekend": {"kind": "weekend", "schedule": "US"},
            "calendar.custom": {
                "kind": "weekend",
                "schedule": [
                    {"end": "2021-12-31", "days": ["thu", "fri"]},
                    {"start": "2022-01-01", "days": ["sun"]},
                ],
            },
            "calendar.phase:new_year": {
                "kind": "phase",
                "start": "2021-12-31",
                "end": "2022-01-01",
            },
        }
    )
    s = build_states(v, cfg).values
    assert s["calendar.weekend"].tolist() == [False, False, True, True, True, False, False]
    assert s["calendar.us_weekend"].tolist() == [False, False, False, True, True, False, False]
    assert s["calendar.custom"].tolist() == [False, True, True, False, True, False, False]
    assert s["calendar.phase:new_year"].tolist() == [False, False, True, True, False, False, False]


def test_a_weekend_schedule_with_a_hole_is_a_config_error() -> None:
    cfg = _cfg(
        {
            "calendar.weekend": {
                "kind": "weekend",
                "schedule": [{"end": "2020-03-01", "days": ["sat"]}],
            }
        }
    )
    with pytest.raises(ConfigError, match="does not cover 2020-03-02"):
        build_states(_frame(x__a=[0.0, 0.0]), cfg)
    with pytest.raises(ValueError, match="neither a region preset"):
        _cfg({"calendar.weekend": {"kind": "weekend", "schedule": "Fri-Sat"}})


# --- unknown days, day set, pruning, meta -----------------------------------------------

_CROSS = {
    "s.emo:on": {"kind": "threshold", "signal": "s.fear", "above": 0},
    "m.drop:on": {"kind": "threshold", "signal": "m.retail", "below": -25},
    "x.calm:on": {"kind": "composite", "expr": "not s.emo:on and not m.drop:on"},
}


def test_no_post_day_is_unknown_but_the_study_zero_fill_makes_it_calm() -> None:
    """Day 2 has no posts: unknown in the rigorous sense, a manufactured calm day in the study's."""
    v = _frame(s__fear=[1.0, NAN, 0.0], m__retail=[0.0, 0.0, -30.0])
    rigorous = build_states(v, _cfg(dict(_CROSS)))
    assert rigorous.values["x.calm:on"].tolist() == [False, False, False]
    assert rigorous.known["x.calm:on"].tolist() == [True, False, True]
    study = build_states(v, _cfg(dict(_CROSS), unknown_as_false=["*"]))
    assert study.values["x.calm:on"].tolist() == [False, True, False]
    assert study.known.all().all()


def test_any_source_keeps_days_some_source_covers_and_prune_drops_rare_states() -> None:
    v = _frame(s__fear=[1.0, NAN, NAN, 1.0], m__retail=[NAN, NAN, -30.0, NAN], h__x=[1.0] * 4)
    cfg = _cfg(
        dict(_CROSS),
        unknown_as_false=["*"],
        days="any_source",
        day_signals=["s.*", "m.*"],
        prune={"min_true_days": 2},
    )
    s = build_states(v, cfg)
    assert [d.day for d in s.values.index] == [1, 3, 4]
    assert s.pruned == ("m.drop:on", "x.calm:on")
    status = pd.DataFrame("observed", index=v.index, columns=v.columns)
    status.loc[v.index[1], "m.retail"] = "low_coverage"  # masked, but the source had the day
    status.loc[v.index[1:3], "s.fear"] = "missing"
    assert len(build_states(v, cfg, status=status).values) == 4


def test_meta_describes_each_state_and_flattens_composite_parts() -> None:
    define = dict(_CROSS)
    define["s.emo:on"] = {**_CROSS["s.emo:on"], "emit": False}
    define["x.both:on"] = {"kind": "composite", "expr": "x.calm:on or m.drop:on"}
    s = build_states(_frame(s__fear=[1.0], m__retail=[0.0]), _cfg(define))
    assert list(s.values.columns) == ["m.drop:on", "x.calm:on", "x.both:on"]
    row = s.meta.loc["x.both:on"]
    assert row["parts"] == ("m.drop:on", "x.calm:on")  # the helper s.emo:on is not a column
    assert row["inputs"] == ("m.retail", "s.fear")
    assert (row["domain"], row["signal"], row["condition"], row["kind"]) == (
        "x",
        "x.both",
        "on",
        "composite",
    )
    assert s.meta.loc["m.drop:on", "parts"] == ()


def test_select_states_pulls_in_what_a_composite_uses() -> None:
    cfg = select_states(_cfg(dict(_CROSS)), ["x.*"])
    assert sorted(cfg.define) == ["m.drop:on", "s.emo:on", "x.calm:on"]
    with pytest.raises(ConfigError, match="no enabled state matches"):
        select_states(cfg, ["nothing.*"])


# --- edge inputs: constant, all-unknown, nothing true ----------------------------------

_ALL_KINDS = {
    "x.a:thr": {"kind": "threshold", "signal": "x.a", "above": 5},
    "x.a:z": {"kind": "zscore", "signal": "x.a", "window": 7, "above": 2},
    "x.a:q": {"kind": "quantile", "signal": "x.a", "window": 7, "above": 0.9},
    "x.a:stl": {"kind": "stl", "signal": "x.a", "window": 21, "below": -3},
    "x.a:up": {"kind": "change", "signal": "x.a", "direction": "shift", "delta": 0.1},
    "x.a:rise": {"kind": "baseline_ratio", "signal": "x.a", "above": 1.1, "baseline": 3},
}


def test_a_constant_signal_is_known_and_never_anomalous() -> None:
    """Constant 3: no threshold, z-score, quantile, STL, change or ratio state holds."""
    s = build_states(_frame(x__a=[3.0] * 30), _cfg(dict(_ALL_KINDS)))
    assert not s.values.any().any()
    assert s.known.sum().to_dict() == {
        "x.a:thr": 30,
        "x.a:z": 23,
        "x.a:q": 23,
        "x.a:stl": 10,
        "x.a:up": 29,
        "x.a:rise": 30,
    }


def test_an_all_unknown_signal_gives_unknown_states_that_composites_can_still_decide() -> None:
    define = {k: v for k, v in _ALL_KINDS.items() if k != "x.a:rise"}
    define["y.b:on"] = {"kind": "threshold", "signal": "y.b", "above": 0}
    define["x.and:on"] = {"kind": "composite", "expr": "x.a:thr and y.b:on"}
    define["x.or:on"] = {"kind": "composite", "expr": "x.a:thr or y.b:on"}
    s = build_states(_frame(x__a=[NAN] * 30, y__b=[0.0, 1.0] * 15), _cfg(define))
    assert not s.known[list(define)[:5]].any().any()
    assert s.known["x.and:on"].tolist() == [True, False] * 15  # False AND unknown = False
    assert s.known["x.or:on"].tolist() == [False, True] * 15  # True OR unknown = True
    assert s.values["x.or:on"].tolist() == [False, True] * 15
    with pytest.raises(ConfigError, match="no \\(or too few\\) observed values"):
        build_states(_frame(x__a=[NAN] * 30), _cfg({"x.a:rise": dict(_ALL_KINDS["x.a:rise"])}))


def test_zero_states_true_and_zero_states_defined_are_valid_state_sets() -> None:
    s = build_states(
        _frame(x__a=[1.0, 2.0]),
        _cfg({"x.a:high": {"kind": "threshold", "signal": "x.a", "above": 1000}}),
    )
    assert s.summary()["true_days"].tolist() == [0]
    assert s.summary()["prevalence"].tolist() == [0.0]
    empty = build_states(_frame(x__a=[1.0, 2.0]), StatesConfig())
    assert empty.values.shape == (2, 0)
    assert list(empty.meta.columns) == [
        "domain",
        "signal",
        "condition",
        "kind",
        "description",
        "parts",
        "inputs",
    ]


def test_stateset_rejects_non_bool_or_true_on_unknown_days() -> None:
    s = build_states(
        _frame(x__a=[1.0, NAN]),
        _cfg({"x.a:on": {"kind": "threshold", "signal": "x.a", "above": 0}}),
    )
    with pytest.raises(SchemaError, match="must be bool"):
        StateSet(s.values.astype(int), s.known, s.meta)
    with pytest.raises(SchemaError, match=r"True on unknown days for \['x\.a:on'\]"):
        StateSet(s.values | True, s.known, s.meta)


# --- properties ------------------------------------------------------------------------

_PROPERTY_STATES = {
    **{k: v for k, v in _ALL_KINDS.items() if k not in {"x.a:rise", "x.a:stl"}},
    "x.a:hyst": {"kind": "threshold", "signal": "x.a", "above": 1, "release": 0, "min_run": 2},
    "y.b:on": {"kind": "threshold", "signal": "y.b", "below": 0},
    "x.mix:on": {"kind": "composite", "expr": "at_least(2, x.a:thr, x.a:z, not y.b:on)"},
    "calendar.weekend": {"kind": "weekend", "schedule": "AE"},
}
_SIGNAL = arrays(
    np.float64,
    st.integers(1, 40),
    elements=st.one_of(st.floats(-10, 10, allow_nan=False), st.just(NAN)),
)


@given(_SIGNAL, st.integers(0, 2000))
@settings(max_examples=30, deadline=None)
def test_states_keep_the_index_and_bool_dtype_and_never_touch_the_input(
    x: np.ndarray, offset: int
) -> None:
    v = _frame(str(date(2019, 1, 1) + pd.Timedelta(days=offset)), x__a=list(x), y__b=list(x[::-1]))
    before = v.copy(deep=True)
    s = build_states(v, _cfg({k: dict(s) for k, s in _PROPERTY_STATES.items()}))
    pd.testing.assert_frame_equal(v, before)
    assert s.values.index.equals(v.index)
    assert s.known.index.equals(v.index)
    assert {str(t) for t in [*s.values.dtypes, *s.known.dtypes]} <= {"bool"}
    assert not (s.values & ~s.known).any().any()
    assert s.known["x.a:thr"].tolist() == (~np.isnan(x)).tolist()


@given(_SIGNAL, st.integers(0, 39))
@settings(max_examples=30, deadline=None)
def test_no_state_looks_ahead(x: np.ndarray, cut: int) -> None:
    """Dropping the later days never changes an earlier day's state (all kinds are causal)."""
    v = _frame(x__a=list(x), y__b=list(x[::-1]))
    cfg = _cfg({k: dict(s) for k, s in _PROPERTY_STATES.items()})
    full = build_states(v, cfg)
    head = build_states(v.iloc[: cut + 1], cfg)
    pd.testing.assert_frame_equal(head.values, full.values.iloc[: cut + 1])
    pd.testing.assert_frame_equal(head.known, full.known.iloc[: cut + 1])


def test_causal_stl_does_not_look_ahead() -> None:
    v = _weekly(dip=70)
    spec = {"kind": "stl", "signal": "x.a", "window": 35, "below": -2}
    full = _one(v, spec)
    changed = v.copy()
    changed.iloc[60:, 0] = 0.0
    head = _one(changed, spec)
    assert head[0][:60] == full[0][:60]
    assert head[1][:60] == full[1][:60]


# --- real data: Google mobility, UAE country level -------------------------------------

_GOOGLE = "google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
_COLUMNS = {
    "retail": "retail_and_recreation_percent_change_from_baseline",
    "grocery": "grocery_and_pharmacy_percent_change_from_baseline",
    "parks": "parks_percent_change_from_baseline",
    "transit": "transit_stations_percent_change_from_baseline",
    "workplaces": "workplaces_percent_change_from_baseline",
    "residential": "residential_percent_change_from_baseline",
}


def _google_country_rows(data_dir: Path) -> dict[str, dict[str, float]]:
    with (data_dir / _GOOGLE).open(newline="", encoding="utf-8") as f:
        return {
            row["date"]: {k: float(row[c]) for k, c in _COLUMNS.items()}
            for row in csv.DictReader(f)
            if row["sub_region_1"] == "" and "2020-03-01" <= row["date"] <= "2021-12-31"
        }


@pytest.mark.parametrize("profile", ["study", "rigorous"])
def test_uae_mobility_states_hold_on_the_study_day_counts(data_dir: Path, profile: str) -> None:
    """Over 671 days: retail 141, transit 363, workplaces 107, residential 289, grocery 286,
    severe lockdown 87 -- counted here with plain csv and by the case's states."""
    rows = _google_country_rows(data_dir)
    by_hand = {
        "mobility.retail:drop": sum(r["retail"] < -25 for r in rows.values()),
        "mobility.transit:drop": sum(r["transit"] < -30 for r in rows.values()),
        "mobility.workplaces:drop": sum(r["workplaces"] < -25 for r in rows.values()),
        "mobility.residential:increase": sum(r["residential"] > 8 for r in rows.values()),
        "mobility.grocery:spike": sum(r["grocery"] > 10 for r in rows.values()),
        "mobility.restrictions:severe": sum(
            r["retail"] < -25 and r["workplaces"] < -25 and r["residential"] > 8
            for r in rows.values()
        ),
    }
    assert len(rows) == 671
    assert by_hand == dict(zip(by_hand, [141, 363, 107, 289, 286, 87], strict=True))
    values = pd.DataFrame.from_dict(rows, orient="index").add_prefix("mobility.")
    values.index = pd.DatetimeIndex(values.index, name="date")
    config = select_states(load_case("uae-covid", profile=profile).states, list(by_hand))
    states = build_states(values.sort_index(), config)
    assert states.values[list(by_hand)].sum().to_dict() == by_hand
    assert states.known.all().all()
