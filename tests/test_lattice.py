"""Tests for crisis_fca.lattice: literal textbook lattice, agreement with `concepts`, brute force,
Galois-connection laws, stability, iceberg, weekly majority vote, date runs, exports, edge cases,
and a real-data context built independently from Google's mobility file."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import concepts
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from crisis_fca.errors import ConfigError, EmptyContextError, SchemaError
from crisis_fca.lattice import (
    build_lattice,
    date_ranges,
    iceberg_lattice,
    to_concepts_context,
    to_csv,
    to_cxt,
    weekly_majority,
)

# --- helpers -------------------------------------------------------------------------------


def _frame(matrix: np.ndarray, states: list[str] | None = None) -> pd.DataFrame:
    n, m = matrix.shape
    days = pd.date_range("2020-03-01", periods=n, name="date")
    return pd.DataFrame(
        matrix.astype(bool), index=days, columns=states or [f"s{j}" for j in range(m)]
    )


def _pairs(lat) -> set[tuple[frozenset, frozenset]]:
    """(extent positions, intent names) of every concept."""
    return {(frozenset(c.extent.tolist()), frozenset(c.intent)) for c in lat.concepts}


def _edge_intents(lat) -> set[tuple[frozenset, frozenset]]:
    return {
        (frozenset(lat.concepts[u].intent), frozenset(lat.concepts[lo].intent))
        for u, lo in lat.edges
    }


def _brute_concepts(x: np.ndarray) -> set[tuple[frozenset, frozenset]]:
    """Close every attribute subset: the closed sets by definition (Ganter & Wille 1.1)."""
    n, m = x.shape
    found = set()
    for r in range(m + 1):
        for attrs in itertools.combinations(range(m), r):
            ext = np.flatnonzero(x[:, list(attrs)].all(axis=1)) if attrs else np.arange(n)
            intent = np.flatnonzero(x[ext].all(axis=0)) if len(ext) else np.arange(m)
            found.add((frozenset(ext.tolist()), frozenset(f"s{j}" for j in intent)))
    return found


def _brute_stability(x: np.ndarray, extent: list[int], intent: frozenset) -> float:
    """Share of subsets C of the extent with C' == intent, by enumerating all 2^|A| subsets."""
    sub = x[extent]
    a = len(extent)
    choose = ((np.arange(2**a)[:, None] >> np.arange(a)) & 1).astype(bool)  # subset x object
    shared = ~(choose.astype(int) @ (~sub).astype(int)).astype(bool)  # subset x state
    want = np.array([f"s{j}" in intent for j in range(x.shape[1])])
    return float((shared == want).all(axis=1).mean())


def _markov(n: int, m: int, seed: int) -> np.ndarray:
    """Persistent states: independent two-state Markov chains (stay-on prob 0.85..0.98)."""
    rng = np.random.default_rng(seed)
    out = np.zeros((n, m), dtype=bool)
    for j in range(m):
        p, stay = rng.uniform(0.1, 0.6), rng.uniform(0.85, 0.98)
        on = (1 - stay) * p / (1 - p)
        state, u = bool(rng.random() < p), rng.random(n)
        for i in range(n):
            out[i, j] = state
            state = bool(u[i] < (stay if state else on))
    return out


contexts = st.integers(1, 9).flatmap(
    lambda n: st.integers(1, 6).flatmap(lambda m: arrays(np.bool_, (n, m)))
)

# --- a textbook lattice, written out -------------------------------------------------------
# Ganter & Wille (1999), "living beings and water" (as in concepts' examples/liveinwater.txt).
# a needs water to live, b lives in water, c lives on land, d needs chlorophyll, e dicotyledon,
# f monocotyledon, g can move, h has limbs, i breast feeds.
WATER_ROWS = {
    "leech": "abg", "bream": "abgh", "frog": "abcgh", "dog": "acghi",
    "weeds": "abdf", "reed": "abcdf", "bean": "acde", "corn": "acdf",
}  # fmt: skip
WATER_CONCEPTS = {  # intent: extent, worked out by hand (19 concepts)
    "a": "leech bream frog dog weeds reed bean corn",
    "ab": "leech bream frog weeds reed", "ac": "frog dog reed bean corn",
    "ag": "leech bream frog dog", "ad": "weeds reed bean corn",
    "abg": "leech bream frog", "agh": "bream frog dog", "adf": "weeds reed corn",
    "acd": "reed bean corn", "abc": "frog reed", "acgh": "frog dog", "abgh": "bream frog",
    "abdf": "weeds reed", "acdf": "reed corn", "abcgh": "frog", "acghi": "dog",
    "abcdf": "reed", "acde": "bean", "abcdefghi": "",
}  # fmt: skip
WATER_EDGES = [  # upper-lower cover pairs, 32, grouped by the upper concept
    "a-ab", "a-ac", "a-ag", "a-ad",
    "ab-abg", "ab-abdf", "ab-abc",
    "ac-acgh", "ac-acd", "ac-abc",
    "ag-abg", "ag-agh",
    "ad-adf", "ad-acd",
    "abg-abgh",
    "agh-abgh", "agh-acgh",
    "adf-abdf", "adf-acdf",
    "acd-acdf", "acd-acde",
    "abc-abcgh", "abc-abcdf",
    "acgh-abcgh", "acgh-acghi",
    "abgh-abcgh",
    "abdf-abcdf",
    "acdf-abcdf",
    "abcgh-abcdefghi",
    "acghi-abcdefghi",
    "abcdf-abcdefghi",
    "acde-abcdefghi",
]  # fmt: skip


@pytest.fixture
def water() -> pd.DataFrame:
    return pd.DataFrame(
        {s: [s in row for row in WATER_ROWS.values()] for s in "abcdefghi"}, index=list(WATER_ROWS)
    )


def test_textbook_lattice_literal(water):
    lat = build_lattice(water)
    got = {"".join(c.intent): " ".join(lat.dates(c.index)) for c in lat.concepts}
    assert got == WATER_CONCEPTS
    edges = {
        "".join(lat.concepts[u].intent) + "-" + "".join(lat.concepts[lo].intent)
        for u, lo in lat.edges
    }
    assert edges == set(WATER_EDGES)
    assert len(lat.edges) == 32
    assert lat.top.intent == ("a",)
    assert lat.bottom is not None
    assert lat.bottom.support == 0


def test_textbook_stability_by_hand(water):
    stab = {"".join(c.intent): c.stability for c in build_lattice(water).concepts}
    # {leech,bream,frog}: 4 of its 8 subsets lie inside the one lower cover {bream,frog}
    assert stab["abg"] == 0.5
    # {frog, reed}: the subsets {}, {frog}, {reed} lie inside a cover, 1 of 4 does not
    assert stab["abc"] == 0.25
    # top: 256 subsets, 72 inside a cover (inclusion-exclusion 96 - 29 + 6 - 1) -> 184/256
    assert stab["a"] == 184 / 256
    assert stab["acde"] == 0.5
    assert stab["abcdefghi"] == 1.0


def test_closure_generators_and_concept_of(water):
    lat = build_lattice(water)
    assert lat.closure(["b"]) == ("a", "b")
    assert lat.closure(["h"]) == ("a", "g", "h")
    assert lat.closure([]) == ("a",)
    assert lat.closure(["e", "i"]) == tuple("abcdefghi")
    assert lat.is_minimal_generator(["h"])
    assert lat.is_minimal_generator(["b", "c"])
    assert lat.is_minimal_generator([])
    assert not lat.is_minimal_generator(["g", "h"])  # {h} alone closes to agh
    assert not lat.is_minimal_generator(["a", "b"])
    concept = lat.concept_of(["b", "c"])
    assert concept is not None
    assert (concept.intent, concept.support) == (("a", "b", "c"), 2)
    assert list(lat.dates(concept.index)) == ["frog", "reed"]
    assert lat.intent_of([2, 5]) == ("a", "b", "c")  # frog, reed
    assert lat.intent_of([]) == tuple("abcdefghi")  # no day: every state, vacuously
    with pytest.raises(IndexError, match=r"0\.\.7; got \[8\]"):
        lat.intent_of([1, 8])
    assert lat.extent_of(["b", "c"]).tolist() == [2, 5]
    assert sorted(lat.concepts[i].intent for i in lat.upper_covers(concept.index)) == [
        ("a", "b"),
        ("a", "c"),
    ]
    with pytest.raises(ConfigError, match="'z' is not in the formal context"):
        lat.closure(["z"])


# --- agreement with the concepts library ----------------------------------------------------


def _concepts_pairs(ctx) -> tuple[set, set]:
    lat = ctx.lattice
    pairs = {(frozenset(c.extent), frozenset(c.intent)) for c in lat}
    edges = {(frozenset(up.intent), frozenset(c.intent)) for c in lat for up in c.upper_neighbors}
    return pairs, edges


def _our_labelled(lat) -> tuple[set, set]:
    labels = (
        list(lat.objects.strftime("%Y-%m-%d"))
        if isinstance(lat.objects, pd.DatetimeIndex)
        else list(lat.objects)
    )
    pairs = {(frozenset(labels[i] for i in c.extent), frozenset(c.intent)) for c in lat.concepts}
    return pairs, _edge_intents(lat)


def test_agrees_with_concepts_bundled_example():
    ref = concepts.Context.fromstring(concepts.EXAMPLE)
    frame = pd.DataFrame(ref.bools, index=list(ref.objects), columns=list(ref.properties)).astype(
        bool
    )
    lat = build_lattice(frame)
    assert len(lat.concepts) == 22
    assert _our_labelled(lat) == _concepts_pairs(ref)


@pytest.mark.parametrize(
    ("seed", "n", "m", "p"), [(1, 12, 5, 0.5), (2, 30, 8, 0.3), (3, 25, 7, 0.6), (4, 40, 6, 0.2)]
)
def test_agrees_with_concepts_random(seed, n, m, p):
    frame = _frame(np.random.default_rng(seed).random((n, m)) < p)
    lat = build_lattice(frame)
    assert _our_labelled(lat) == _concepts_pairs(to_concepts_context(frame))


def test_agrees_with_concepts_persistent_context():
    frame = _frame(_markov(120, 8, seed=7))
    lat = build_lattice(frame)
    assert _our_labelled(lat) == _concepts_pairs(to_concepts_context(frame))


def test_independent_closure_system_on_671_days():
    """Second computation: intents = all intersections of the day rows, plus the full set."""
    x = _markov(671, 16, seed=16)
    rows = {sum(1 << j for j in np.flatnonzero(r)) for r in x}
    closed = {(1 << 16) - 1}
    for row in rows:
        closed |= {c & row for c in closed}
    lat = build_lattice(_frame(x))
    ours = {sum(1 << int(s[1:]) for s in c.intent) for c in lat.concepts}
    assert ours == closed
    assert len(lat.concepts) > 1000


# --- properties on random contexts ----------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(contexts)
def test_intents_and_extents_are_the_closed_sets(x):
    assert _pairs(build_lattice(_frame(x))) == _brute_concepts(x)


@settings(max_examples=60, deadline=None)
@given(contexts)
def test_edges_are_exactly_the_covers(x):
    lat = build_lattice(_frame(x))
    ext = [frozenset(c.extent.tolist()) for c in lat.concepts]
    covers = {
        (u, lo)
        for u, lo in itertools.permutations(range(len(ext)), 2)
        if ext[lo] < ext[u] and not any(ext[lo] < e < ext[u] for e in ext)
    }
    assert set(lat.edges) == covers
    assert all(u < lo for u, lo in lat.edges)  # top-first order is a linear extension
    for i, c in enumerate(lat.concepts):  # Delta: days beyond the largest lower cover
        below = [len(ext[lo]) for u, lo in covers if u == i]
        assert c.delta == c.support - max(below, default=0)
        assert 2.0**-c.delta <= c.instability + 1e-15 or not below


@settings(max_examples=60, deadline=None)
@given(contexts, st.data())
def test_galois_connection_laws(x, data):
    lat = build_lattice(_frame(x))
    n, m = x.shape
    a1 = set(data.draw(st.sets(st.integers(0, n - 1))))
    a2 = a1 | set(data.draw(st.sets(st.integers(0, n - 1))))
    b = data.draw(st.sets(st.sampled_from([f"s{j}" for j in range(m)])))
    a1_closed = set(lat.extent_of(lat.intent_of(a1)).tolist())
    assert a1 <= a1_closed  # A <= A''
    assert lat.intent_of(a1_closed) == lat.intent_of(a1)  # A' = A'''
    assert set(lat.intent_of(a2)) <= set(lat.intent_of(a1))  # antitone
    assert set(b) <= set(lat.closure(b))  # B <= B''
    assert lat.closure(lat.closure(b)) == lat.closure(b)  # idempotent
    assert set(lat.extent_of(lat.closure(b)).tolist()) == set(lat.extent_of(b).tolist())


@settings(max_examples=40, deadline=None)
@given(contexts)
def test_stability_equals_subset_enumeration(x):
    lat = build_lattice(_frame(x))
    for c in lat.concepts:
        assert c.stability_exact
        assert c.stability == pytest.approx(
            _brute_stability(x, c.extent.tolist(), frozenset(c.intent)), abs=1e-12
        )


def test_instability_keeps_precision_where_stability_rounds_to_one():
    x = np.zeros((100, 2), dtype=bool)
    x[:40, 0] = True  # s0 on days 0..39
    x[30:70, 1] = True  # s1 on days 30..69
    top = build_lattice(_frame(x)).top
    # subsets of the 100 days inside s0's or s1's 40 days (sharing 10): 2^40 + 2^40 - 2^10
    assert top.stability == 1.0
    assert top.instability == 2.0**-59 - 2.0**-90
    assert top.delta == 60  # the largest lower cover has 60 days fewer


def test_to_frame_reports_every_concept(water):
    lat = build_lattice(water)
    frame = lat.to_frame().set_index("concept_id")
    assert list(frame.columns) == [
        "intent", "extent_size", "support", "evaluable_days",
        "stability", "instability", "delta", "stability_exact",
    ]  # fmt: skip
    row = frame.loc[lat.concept_of(["b", "c"]).index]  # {frog, reed}: covers {frog}, {reed}
    assert (row["extent_size"], row["support"], row["stability"], row["delta"]) == (
        2,
        0.25,
        0.25,
        1,
    )
    with pytest.raises(SchemaError, match="DatetimeIndex"):
        lat.to_frame(date_ranges=True)


def test_to_frame_date_ranges_match_each_concept():
    days = pd.date_range("2020-03-01", periods=10)
    frame = pd.DataFrame(
        {"s": [1, 1, 1, 0, 0, 1, 1, 0, 1, 0], "t": [0, 1, 1, 1, 0, 0, 1, 1, 1, 1]}, index=days
    ).astype(bool)
    for ordered in (frame, frame.iloc[::-1]):  # bitset fast path; objects out of date order
        lat = build_lattice(ordered)
        table = lat.to_frame(date_ranges=True)
        runs = dict(zip(table["intent"], table["date_ranges"], strict=True))
        assert runs[("s",)] == ["2020-03-01..2020-03-03", "2020-03-06..2020-03-07", "2020-03-09"]
        assert runs[("s", "t")] == ["2020-03-02..2020-03-03", "2020-03-07", "2020-03-09"]
        assert runs[()] == ["2020-03-01..2020-03-10"]
        assert all(runs[c.intent] == lat.extent_runs(c.index) for c in lat.concepts)


def test_stability_estimate_beyond_term_budget(water):
    exact = {c.intent: c.stability for c in build_lattice(water).concepts}
    lat = build_lattice(water, max_terms=1)
    estimated = [c for c in lat.concepts if not c.stability_exact]
    assert estimated
    assert "Monte-Carlo" in lat.stability_method
    assert all(abs(c.stability - exact[c.intent]) < 0.04 for c in estimated)  # 5 s.e.


# --- iceberg -------------------------------------------------------------------------------


@settings(max_examples=40, deadline=None)
@given(contexts, st.integers(0, 9))
def test_iceberg_is_the_upper_part_of_the_lattice(x, k):
    full = build_lattice(_frame(x))
    k = min(k, x.shape[0])
    ice = iceberg_lattice(_frame(x), min_support=k)
    keep = {c.intent: c for c in full.concepts if c.support >= k}
    assert {c.intent: (c.support, c.stability) for c in ice.concepts} == {
        i: (c.support, c.stability) for i, c in keep.items()
    }
    assert _edge_intents(ice) == {
        e for e in _edge_intents(full) if all(tuple(sorted(s)) in keep for s in e)
    }


def test_iceberg_fraction_and_bottom(water):
    ice = iceberg_lattice(water, min_support=0.5)  # 4 of 8 days
    assert ice.min_support == 4
    assert ice.bottom is None
    assert sorted("".join(c.intent) for c in ice.concepts) == ["a", "ab", "ac", "ad", "ag"]
    with pytest.raises(ConfigError, match="share of days"):
        iceberg_lattice(water, min_support=1.5)
    with pytest.raises(ConfigError, match=r"outside 0\.\.8"):
        iceberg_lattice(water, min_support=9)


# --- edge cases ----------------------------------------------------------------------------


def test_no_state_ever_true():
    lat = build_lattice(_frame(np.zeros((5, 3), dtype=bool)))
    assert [(c.intent, c.support) for c in lat.concepts] == [((), 5), (("s0", "s1", "s2"), 0)]
    assert lat.edges == ((0, 1),)
    assert len(iceberg_lattice(_frame(np.zeros((5, 3), dtype=bool)), min_support=1).concepts) == 1


def test_all_true_is_one_concept():
    lat = build_lattice(_frame(np.ones((4, 3), dtype=bool)))
    assert len(lat.concepts) == 1
    assert lat.edges == ()
    assert lat.top == lat.bottom
    assert (lat.top.intent, lat.top.stability, lat.top.delta) == (("s0", "s1", "s2"), 1.0, 4)


def test_single_object_and_constant_columns():
    one = build_lattice(_frame(np.array([[True, False, True]])))
    assert [(c.intent, c.support) for c in one.concepts] == [
        (("s0", "s2"), 1),
        (("s0", "s1", "s2"), 0),
    ]
    x = np.array([[1, 0, 1], [1, 0, 0], [1, 0, 1]], dtype=bool)  # s0 always, s1 never
    lat = build_lattice(_frame(x))
    assert lat.top.intent == ("s0",)
    assert lat.bottom.intent == ("s0", "s1", "s2")
    assert [c.intent for c in lat.concepts] == [("s0",), ("s0", "s2"), ("s0", "s1", "s2")]


def test_empty_contexts_raise():
    with pytest.raises(EmptyContextError, match="no objects"):
        build_lattice(pd.DataFrame({"s": pd.Series([], dtype=bool)}))
    with pytest.raises(EmptyContextError, match="no attributes"):
        build_lattice(pd.DataFrame(index=pd.date_range("2020-01-01", periods=3)))


def test_bad_frames_raise():
    frame = _frame(np.eye(3))
    with pytest.raises(SchemaError, match="column 's0' has dtype float64"):
        build_lattice(frame.astype(float))
    with pytest.raises(SchemaError, match="known mask rows"):
        build_lattice(frame, frame.iloc[:2])
    with pytest.raises(SchemaError, match="duplicate row labels"):
        build_lattice(pd.concat([frame, frame.iloc[:1]]))
    with pytest.raises(ConfigError, match="day count"):
        build_lattice(frame, min_support="3")  # type: ignore[arg-type]


def test_unknown_cells_are_not_asserted_but_counted():
    x = np.array([[1, 1], [1, 1], [1, 0], [0, 1]], dtype=bool)
    known = _frame(np.array([[1, 1], [1, 0], [1, 1], [0, 1]], dtype=bool))
    lat = build_lattice(_frame(x), known)
    s0, s1, both = (lat.concept_of(s) for s in (["s0"], ["s1"], ["s0", "s1"]))
    assert (s0.support, s0.evaluable) == (3, 3)  # day 3 unknown for s0
    assert (s1.support, s1.evaluable) == (2, 3)  # day 1 unknown for s1: not asserted
    assert (both.support, both.evaluable) == (1, 2)
    assert lat.to_frame().set_index("concept_id").loc[s1.index, "evaluable_days"] == 3


def test_inputs_are_not_modified():
    frame = _frame(_markov(40, 5, seed=3))
    known = _frame(np.random.default_rng(0).random((40, 5)) < 0.9)
    before, known_before = frame.copy(), known.copy()
    build_lattice(frame, known, min_support=2)
    weekly_majority(frame, known)
    to_cxt(frame, known)
    to_csv(frame, known)
    pd.testing.assert_frame_equal(frame, before)
    pd.testing.assert_frame_equal(known, known_before)


# --- weekly majority vote and date runs ------------------------------------------------------


def test_weekly_majority_by_hand():
    days = pd.date_range("2020-03-04", "2020-03-17", name="date")  # Wed .. Tue: 5 + 7 + 2 days
    # weeks:   Wed..Sun       | Mon..Sun              | Mon, Tue
    s = [1, 1, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 1, 0]
    u = [1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0]
    u_known = [1, 1, 0, 0, 1] + [0] * 7 + [1, 1]
    frame = pd.DataFrame({"s": s, "u": u}, index=days).astype(bool)
    known = pd.DataFrame({"s": [1] * 14, "u": u_known}, index=days).astype(bool)
    weekly, weekly_known = weekly_majority(frame, known)
    assert list(weekly.index.strftime("%Y-%m-%d")) == ["2020-03-02", "2020-03-09", "2020-03-16"]
    assert weekly["s"].tolist() == [False, True, True]  # 2/5, 4/7, 1/2 (a tie holds)
    assert weekly["u"].tolist() == [True, False, False]  # 2 of 3 known days; never known; 0/2
    assert weekly_known["u"].tolist() == [True, False, True]
    assert weekly_known["s"].all()
    assert weekly_majority(frame)[0]["u"].tolist() == [False, True, False]  # no mask: 2/5


def test_weekly_needs_dates():
    with pytest.raises(SchemaError, match="DatetimeIndex"):
        weekly_majority(pd.DataFrame({"s": [True]}, index=["x"]))


def test_date_ranges():
    days = list(pd.date_range("2020-03-26", "2020-04-18")) + list(
        pd.date_range("2020-05-24", "2020-05-26")
    )
    assert date_ranges(days[::-1]) == "2020-03-26..2020-04-18, 2020-05-24..2020-05-26"
    assert date_ranges(["2020-05-01", "2020-05-01", "2020-05-03"]) == "2020-05-01, 2020-05-03"
    assert date_ranges([]) == ""
    weeks = pd.date_range("2020-03-02", periods=3, freq="7D")
    assert date_ranges(weeks, step_days=7) == "2020-03-02..2020-03-16"
    assert date_ranges(weeks) == "2020-03-02, 2020-03-09, 2020-03-16"


# --- exports ---------------------------------------------------------------------------------


def test_cxt_round_trips_through_concepts():
    frame = _frame(
        _markov(30, 4, seed=5),
        ["mobility.transit:low", "social.fear:present", "calendar.weekend", "x"],
    )
    ctx = concepts.Context.fromstring(to_cxt(frame), frmat="cxt")
    assert list(ctx.objects) == list(frame.index.strftime("%Y-%m-%d"))
    assert list(ctx.properties) == list(frame.columns)
    assert [tuple(r) for r in ctx.bools] == [tuple(r) for r in frame.to_numpy().tolist()]
    assert _concepts_pairs(ctx) == _our_labelled(build_lattice(frame))


def test_cxt_and_csv_write_unknown_as_not_holding():
    frame = pd.DataFrame(
        {"s": [True, True], "t": [False, True]}, index=pd.date_range("2020-01-01", periods=2)
    )
    known = pd.DataFrame({"s": [True, False], "t": [True, True]}, index=frame.index)
    assert to_cxt(frame, known).splitlines()[-2:] == ["X.", ".X"]
    text = to_csv(frame, known)
    assert text.splitlines() == [",s,t", "2020-01-01,X,", "2020-01-02,?,X"]
    ctx = concepts.Context.fromstring(text, frmat="csv")
    assert [tuple(r) for r in ctx.bools] == [(True, False), (False, True)]


def test_export_labels_are_checked_before_concepts():
    days = pd.date_range("2020-01-01", periods=2)
    with pytest.raises(SchemaError, match=r"'2020-01-02'.*both a day and a state"):
        to_cxt(pd.DataFrame({"2020-01-02": [True, False]}, index=days))
    timed = pd.DatetimeIndex(["2020-01-01 08:00", "2020-01-01 20:00"])
    with pytest.raises(SchemaError, match="more than once"):
        to_concepts_context(pd.DataFrame({"s": [True, False]}, index=timed))
    with pytest.raises(SchemaError, match="leading/trailing whitespace"):
        to_csv(pd.DataFrame({" s": [True, False]}, index=days))
    with pytest.raises(EmptyContextError, match="no attributes"):
        to_cxt(pd.DataFrame(index=days))


# --- real data: the study's UAE mobility states, built here from Google's file --------------


def _uae_mobility(data_dir: Path) -> pd.DataFrame:
    """Country rows 2020-03-01..2021-12-31 and the study's thresholds, read with plain csv."""
    path = data_dir / "google_mobility_ae" / "AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
    window = ("2020-03-01", "2021-12-31")
    with path.open(newline="") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if not r["sub_region_1"] and window[0] <= r["date"] <= window[1]
        ]
    categories = ("retail_and_recreation", "grocery_and_pharmacy", "transit_stations")
    value = {
        k: [int(r[f"{k}_percent_change_from_baseline"]) for r in rows]
        for k in (*categories, "workplaces", "residential")
    }
    frame = pd.DataFrame(
        {
            "mobility.retail:low": [v < -25 for v in value["retail_and_recreation"]],
            "mobility.transit:low": [v < -30 for v in value["transit_stations"]],
            "mobility.workplaces:low": [v < -25 for v in value["workplaces"]],
            "mobility.residential:high": [v > 8 for v in value["residential"]],
            "mobility.grocery:high": [v > 10 for v in value["grocery_and_pharmacy"]],
        },
        index=pd.DatetimeIndex([r["date"] for r in rows], name="date"),
    )
    parts = ["mobility.retail:low", "mobility.workplaces:low", "mobility.residential:high"]
    frame["mobility.lockdown:severe"] = frame[parts].all(axis=1)
    return frame


def test_real_uae_mobility_lattice(data_dir):
    frame = _uae_mobility(data_dir)
    assert len(frame) == 671
    lat = build_lattice(frame)
    support = {s: lat.concept_of([s]).support for s in frame.columns}
    # counts stated in issue 3 ("counted independently from Google's file")
    assert support == {
        "mobility.retail:low": 141,
        "mobility.transit:low": 363,
        "mobility.workplaces:low": 107,
        "mobility.residential:high": 289,
        "mobility.grocery:high": 286,
        "mobility.lockdown:severe": 87,
    }
    # the composite's closure contains its three parts: the lattice reflects its definition
    assert {"mobility.retail:low", "mobility.workplaces:low", "mobility.residential:high"} <= set(
        lat.closure(["mobility.lockdown:severe"])
    )
    assert not lat.is_minimal_generator(["mobility.lockdown:severe", "mobility.retail:low"])
    ref = concepts.Context(
        list(frame.columns),
        list(frame.index.strftime("%Y-%m-%d")),
        [tuple(col) for col in frame.to_numpy().T.tolist()],
    )  # transposed: fast
    theirs = {(frozenset(c.intent), frozenset(c.extent)) for c in ref.lattice}
    assert _our_labelled(lat)[0] == theirs
    severe = lat.concept_of(["mobility.lockdown:severe"])
    assert lat.extent_ranges(severe.index).startswith("2020-03-2")
