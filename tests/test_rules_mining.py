"""Lead-time context, constrained enumeration and metrics: brute force and mlxtend agree."""

from __future__ import annotations

import math
from itertools import combinations

import numpy as np
import pandas as pd
import pytest
from mlxtend.frequent_patterns import apriori, association_rules

from crisis_fca.errors import EmptyContextError, SchemaError
from crisis_fca.rules import ClassConfig, MiningConfig, StateFrames, build_context
from crisis_fca.rules.metrics import add_metrics, fisher_greater, rule_metrics, wilson_interval
from crisis_fca.rules.mining import (
    _lexsort,
    _pair_counts,
    enumerate_candidates,
    frequent_premises,
)
from crisis_fca.rules.synthetic import synthetic_states

LOOSE = ClassConfig(min_support=0.0, min_days=1, max_prevalence=None)


def _frames(cols: dict[str, list[int]], unknown: dict[str, list[int]] | None = None) -> StateFrames:
    index = pd.date_range("2021-01-01", periods=len(next(iter(cols.values()))), name="date")
    values = pd.DataFrame({k: np.array(v, dtype=bool) for k, v in cols.items()}, index=index)
    known = pd.DataFrame(True, index=index, columns=values.columns)
    for state, days in (unknown or {}).items():
        known.iloc[days, known.columns.get_loc(state)] = False
    meta = pd.DataFrame(
        {
            "domain": [c.split(".")[0] for c in values],
            "signal": [c.split(":")[0] for c in values],
            "parts": [() for _ in values],
        },
        index=values.columns,
    )
    return StateFrames(values & known, known, meta)


def _hand() -> StateFrames:
    return _frames(
        {"m.a:on": [1, 1, 0, 0, 1, 1, 0, 1], "s.b:on": [0, 1, 1, 0, 0, 1, 1, 0]},
        unknown={"s.b:on": [4]},
    )


def _config(**kw: object) -> MiningConfig:
    return MiningConfig(same_day=LOOSE, predictive=LOOSE, **kw)  # type: ignore[arg-type]


def _rule(frame: pd.DataFrame, premise: tuple[str, ...], consequent: str) -> pd.Series:
    hit = frame[(frame["premise"] == premise) & (frame["consequent"] == consequent)]
    assert len(hit) == 1, (premise, consequent)
    return hit.iloc[0]


def test_hand_counts_and_metrics_worked_out_on_paper() -> None:
    cand = add_metrics(
        enumerate_candidates(
            build_context(_hand(), _config(leads=(0, 1, 2), lags=(1,))),
            _config(leads=(0, 1, 2), lags=(1,)),
        ).rules
    )
    r = _rule(
        cand, ("m.a:on",), "s.b:on[t+1]"
    )  # days t = 0,1,2,4,5,6 evaluable (b unknown on day 4)
    assert (r.n_days, r.premise_days, r.consequent_days, r.support_days) == (6, 4, 4, 4)
    assert (r.confidence, r.lift, r.conviction) == (1.0, 1.5, math.inf)
    assert r.leverage == pytest.approx(4 / 6 - (4 / 6) ** 2)
    assert r.fisher_p == pytest.approx(1 / 15)
    r = _rule(cand, ("s.b:on",), "m.a:on[t+2]")
    assert (r.n_days, r.premise_days, r.consequent_days, r.support_days) == (5, 3, 3, 2)
    assert (r.lift, r.leverage, r.conviction) == pytest.approx((10 / 9, 0.04, 1.2))
    assert r.fisher_p == pytest.approx(0.7)
    r = _rule(cand, ("s.b:on[t-1]",), "m.a:on[t+0]")
    assert (r.n_days, r.premise_days, r.consequent_days, r.support_days) == (6, 4, 3, 1)
    assert r.lift == pytest.approx(0.5)
    assert r.rule_class == "predictive"
    assert r.horizon == 1
    assert r.max_lag == 1


def _brute(
    states: StateFrames, mining: MiningConfig
) -> dict[tuple[tuple[str, ...], str], tuple[int, int, int, int]]:
    """Every rule's counts by looping over calendar days (independent of the engine)."""
    days = list(states.values.index)
    names = list(states.values.columns)

    table = {
        (state, day): (bool(states.values.at[day, state]), bool(states.known.at[day, state]))
        for state in names
        for day in days
    }

    def cell(state: str, day: pd.Timestamp) -> tuple[bool, bool]:
        return table.get((state, day), (False, False))

    premise_items = [(s, 0) for s in names] + [(s, -lag) for lag in mining.lags for s in names]
    cons_items = [(s, k) for k in mining.leads for s in names]
    label = lambda s, o, side: s if side == "p" and o == 0 else f"{s}[t{o:+d}]"  # noqa: E731
    out = {}
    for size in range(1, mining.max_premise + 1):
        for prem in combinations(premise_items, size):
            for cons in cons_items:
                if cons[1] == 0 and any(p == (cons[0], 0) for p in prem):
                    continue
                n = p = c = a = 0
                for day in days:
                    cells = [cell(s, day + pd.Timedelta(days=o)) for s, o in (*prem, cons)]
                    if not all(k for _, k in cells):
                        continue
                    holds = all(v for v, _ in cells[:-1])
                    n, p, c, a = n + 1, p + holds, c + cells[-1][0], a + (holds and cells[-1][0])
                if a >= 1:
                    key = (tuple(sorted(label(s, o, "p") for s, o in prem)), label(*cons, "c"))
                    out[key] = (n, p, c, a)
    return out


def test_every_count_matches_brute_force_with_unknowns_lags_and_leads() -> None:
    states = synthetic_states(days=40, mobility=2, social=2, coupled=1, unknown=0.2, seed=4)
    mining = _config(leads=(0, 1, 3), lags=(2,))
    cand = enumerate_candidates(build_context(states, mining), mining).rules
    got = {
        (p, c): (n, pd_, cd, a)
        for p, c, n, pd_, cd, a in cand[
            ["premise", "consequent", "n_days", "premise_days", "consequent_days", "support_days"]
        ].itertuples(index=False)
    }
    assert got == _brute(states, mining)


@pytest.mark.parametrize("premise_known", ["every day", "same days", "ragged"])
@pytest.mark.parametrize("consequent_known", ["every day", "same days", "ragged"])
def test_pair_counts_shortcuts_equal_the_four_products(
    premise_known: str, consequent_known: str
) -> None:
    """A side whose columns are all known on the same days is counted by column sums over
    those days; the counts must equal the four matrix products."""
    rng = np.random.default_rng(5)
    complete = rng.random(40) < 0.7

    def known(width: int, how: str) -> np.ndarray:
        if how == "every day":
            return np.ones((40, width), dtype=bool)
        if how == "same days":
            return np.repeat(complete[:, None], width, axis=1)
        return rng.random((40, width)) < 0.8

    pk, ck = known(6, premise_known), known(9, consequent_known)
    pv, cv = (rng.random((40, 6)) < 0.5) & pk, (rng.random((40, 9)) < 0.4) & ck
    got = _pair_counts(*(m.astype(np.float32) for m in (pv, pk, cv, ck)))
    want = {
        "n": pk.T.astype(int) @ ck,
        "p": pv.T.astype(int) @ ck,
        "c": pk.T.astype(int) @ cv,
        "a": pv.T.astype(int) @ cv,
    }
    for key, counts in want.items():
        assert np.array_equal(got[key], counts), key
        assert got[key].shape == (6, 9)


def test_composite_key_sort_equals_numpy_lexsort() -> None:
    rng = np.random.default_rng(9)
    keys = [rng.integers(0, hi, 5_000) for hi in (240, 3, 256, 15, 2)]
    assert np.array_equal(_lexsort(keys), np.lexsort(keys))
    wide = [rng.integers(0, 2**40, 1_000), rng.integers(0, 2**40, 1_000)]  # falls back
    assert np.array_equal(_lexsort(wide), np.lexsort(wide))


def test_metrics_match_their_definitions_by_brute_force() -> None:
    rng = np.random.default_rng(0)
    n = rng.integers(5, 60, 200)
    p = np.minimum(rng.integers(1, 60, 200), n)
    c = np.minimum(rng.integers(1, 60, 200), n)
    a = np.array(
        [
            rng.integers(max(0, pi + ci - ni), min(pi, ci) + 1)
            for ni, pi, ci in zip(n, p, c, strict=True)
        ]
    )
    m = rule_metrics(n, p, c, a)
    for i in range(0, 200, 7):
        ni, pi, ci, ai = (int(x[i]) for x in (n, p, c, a))
        conf = ai / pi
        assert m.support[i] == pytest.approx(ai / ni)
        assert m.lift[i] == pytest.approx(conf / (ci / ni))
        assert m.leverage[i] == pytest.approx(ai / ni - pi * ci / ni**2)
        want = math.inf if conf == 1 else (1 - ci / ni) / (1 - conf)
        assert m.conviction[i] == pytest.approx(want)
        tail = sum(
            math.comb(ci, k) * math.comb(ni - ci, pi - k) for k in range(ai, min(pi, ci) + 1)
        )
        assert m.fisher_p[i] == pytest.approx(tail / math.comb(ni, pi))
        z = 1.959963984540054
        centre = (conf + z * z / (2 * pi)) / (1 + z * z / pi)
        half = z / (1 + z * z / pi) * math.sqrt(conf * (1 - conf) / pi + z * z / (4 * pi * pi))
        assert (m.confidence_low[i], m.confidence_high[i]) == pytest.approx(
            (max(0, centre - half), min(1, centre + half))
        )


def test_fisher_p_is_the_exact_hypergeometric_tail_on_every_small_table() -> None:
    """Every 2x2 table with up to 14 days, including a outside X's support, against the
    tail summed in exact integer arithmetic."""
    rows = [
        (a, p, c, n)
        for n in range(1, 15)
        for p in range(1, n + 1)
        for c in range(n + 1)
        for a in range(min(p, c) + 2)
    ]
    a, p, c, n = (np.array(v) for v in zip(*rows, strict=True))
    got = fisher_greater(a, p, c, n)
    for i, (ai, pi, ci, ni) in enumerate(rows):
        tail = sum(math.comb(ci, k) * math.comb(ni - ci, pi - k) for k in range(ai, pi + 1))
        assert got[i] == pytest.approx(tail / math.comb(ni, pi), rel=1e-12, abs=1e-300)


def test_fisher_p_agrees_with_scipy_on_crisis_sized_tables() -> None:
    """Up to 1,000 days, tails from 1 down to 1e-200: relative agreement 1e-9 with scipy
    (boost), the reference this vectorised sum replaced; undefined tables are NaN."""
    from scipy.stats import hypergeom

    rng = np.random.default_rng(7)
    n = rng.integers(1, 1000, 20_000)
    p, c = rng.integers(1, n + 1), rng.integers(0, n + 1)
    a = rng.integers(np.maximum(0, p + c - n), np.minimum(p, c) + 2)
    want = np.clip(hypergeom.sf(a - 1, n, c, p), 0, 1)
    got = fisher_greater(a, p, c, n)
    shown = want > 1e-200
    assert shown.sum() > 15_000
    assert np.abs(got[shown] - want[shown]).max() < 1e-11
    assert (np.abs(got[shown] - want[shown]) / want[shown]).max() < 1e-9
    assert np.all(got[~shown] < 1e-190)
    zero, three, one = np.array([0, 0]), np.array([0, 3]), np.array([1, 1])
    assert np.isnan(fisher_greater(zero, three, one, np.array([5, 0]))).all()  # p = 0 or n = 0


def test_wilson_interval_of_no_trials_is_undefined() -> None:
    low, high = wilson_interval(np.array([0]), np.array([0]))
    assert np.isnan(low[0])
    assert np.isnan(high[0])


def test_engine_equals_mlxtend_apriori_and_association_rules() -> None:
    states = synthetic_states(days=300, mobility=5, social=4, coupled=2, seed=7)
    mining = MiningConfig(
        leads=(0, 1, 3),
        lags=(1,),
        row_policy="complete",
        same_day=ClassConfig(min_support=0.08, min_days=1, max_prevalence=None),
        predictive=ClassConfig(min_support=0.08, min_days=1, max_prevalence=None),
    )
    ctx = build_context(states, mining)
    mine = add_metrics(enumerate_candidates(ctx, mining).rules)
    frame = ctx.frame()[ctx.complete_rows()]
    freq = apriori(frame, min_support=0.08, use_colnames=True, max_len=3)
    rules = association_rules(freq, num_itemsets=len(frame), metric="confidence", min_threshold=0.0)
    premise_side = set(ctx.premise_items["item"])
    cons_side = dict(zip(ctx.consequent_items["item"], ctx.consequent_items["state"], strict=True))
    rows = {}
    for ante, cons, sup, conf, lift, lev, conv in rules[
        ["antecedents", "consequents", "support", "confidence", "lift", "leverage", "conviction"]
    ].itertuples(index=False):
        (c,) = cons if len(cons) == 1 else (None,)
        if (
            c in cons_side
            and set(ante) <= premise_side
            and not (c.endswith("[t+0]") and cons_side[c] in ante)
        ):
            rows[(tuple(sorted(ante)), c)] = (sup, conf, lift, lev, conv)
    ours = {
        (p, c): (s, cf, li, le, cv)
        for p, c, s, cf, li, le, cv in mine[
            ["premise", "consequent", "support", "confidence", "lift", "leverage", "conviction"]
        ].itertuples(index=False)
    }
    assert len(ours) > 500
    assert set(ours) == set(rows)
    for key, want in rows.items():
        assert ours[key] == pytest.approx(want), key


def test_frequent_premises_equal_mlxtend_itemsets() -> None:
    states = synthetic_states(days=200, mobility=6, social=5, seed=2)
    ctx = build_context(states, MiningConfig(leads=(0,)))
    ours = {
        tuple(ctx.premise_items["item"][list(p)])
        for p in frequent_premises(ctx.premise_values, 3, 20)
    }
    frame = pd.DataFrame(ctx.premise_values, columns=[str(c) for c in ctx.premise_items["item"]])
    theirs = apriori(frame, min_support=20 / 200, use_colnames=True, max_len=3)
    assert ours == {tuple(sorted(s, key=list(frame.columns).index)) for s in theirs["itemsets"]}


def test_context_keeps_sides_apart_and_leaves_the_edges_unknown() -> None:
    states = _hand()
    ctx = build_context(states, _config(leads=(0, 2), lags=(1, 3)))
    assert set(ctx.premise_items["offset"]) == {0, -1, -3}
    assert set(ctx.consequent_items["offset"]) == {0, 2}
    assert not set(ctx.premise_items["item"]) & set(ctx.consequent_items["item"])
    lead2 = ctx.consequent_items.index[ctx.consequent_items["item"] == "m.a:on[t+2]"][0]
    assert ctx.consequent_known[:, lead2].tolist() == [True] * 6 + [False, False]
    assert ctx.consequent_values[:6, lead2].tolist() == [0, 0, 1, 1, 0, 1]
    lag3 = ctx.premise_items.index[ctx.premise_items["item"] == "s.b:on[t-3]"][0]
    assert ctx.premise_known[:, lag3].tolist() == [False] * 3 + [True, True, True, True, False]


def test_a_missing_calendar_day_is_unknown_not_the_next_row() -> None:
    states = _hand()
    gap = StateFrames(
        states.values.drop(states.values.index[3]),
        states.known.drop(states.known.index[3]),
        states.meta,
    )
    ctx = build_context(gap, _config(leads=(1,)))
    col = ctx.consequent_items.index[ctx.consequent_items["item"] == "m.a:on[t+1]"][0]
    # day 2's next day (day 3) is absent: its lead is unknown, not day 4's value
    assert ctx.consequent_known[:, col].tolist() == [True, True, False, True, True, True, False]


def test_context_does_not_mutate_its_input() -> None:
    states = synthetic_states(days=50, unknown=0.1, seed=1)
    before = (states.values.copy(), states.known.copy(), states.meta.copy())
    enumerate_candidates(build_context(states, MiningConfig(lags=(1,))), MiningConfig(lags=(1,)))
    pd.testing.assert_frame_equal(states.values, before[0])
    pd.testing.assert_frame_equal(states.known, before[1])
    pd.testing.assert_frame_equal(states.meta, before[2])


def test_bad_inputs_are_reported_with_the_culprit() -> None:
    states = _hand()
    shuffled = StateFrames(states.values.iloc[::-1], states.known.iloc[::-1], states.meta)
    with pytest.raises(SchemaError, match="increasing order"):
        build_context(shuffled, MiningConfig())
    ints = StateFrames(states.values.astype(int), states.known, states.meta)
    with pytest.raises(SchemaError, match=r"not bool: \['m.a:on'"):
        build_context(ints, MiningConfig())
    with pytest.raises(EmptyContextError, match="premise_states"):
        build_context(states, MiningConfig(premise_states=("health.*",)))
    with pytest.raises(SchemaError, match="meta"):
        build_context(
            StateFrames(states.values, states.known, states.meta.drop(columns="parts")),
            MiningConfig(),
        )


def test_support_threshold_counts_rule_days_or_premise_days() -> None:
    states = _hand()
    rule_basis = _config(leads=(1,)).model_copy(
        update={
            "same_day": ClassConfig(min_support=0.5, min_days=1, max_prevalence=None),
            "predictive": ClassConfig(min_support=0.5, min_days=1, max_prevalence=None),
        }
    )
    got = enumerate_candidates(build_context(states, rule_basis), rule_basis).rules
    assert (got["support_days"] >= 4).all()  # ceil(0.5 x 8 days)
    premise_basis = rule_basis.model_copy(
        update={
            "predictive": ClassConfig(
                min_support=0.5, min_days=1, max_prevalence=None, support_basis="premise"
            )
        }
    )
    got = enumerate_candidates(build_context(states, premise_basis), premise_basis).rules
    assert (got["premise_days"] >= 4).all()
    assert (got["support_days"] < 4).any()
