"""Filters on hand-made rules, the study's tautology groups, and premise concepts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crisis_fca.errors import ConfigError
from crisis_fca.rules import (
    ClassConfig,
    FilterConfig,
    MiningConfig,
    StateFrames,
    build_context,
    mine_rules,
)
from crisis_fca.rules.closure import premise_concepts
from crisis_fca.rules.filters import apply_filters, cross_domain, state_signals
from crisis_fca.rules.mining import enumerate_candidates

META = pd.DataFrame(
    {
        "domain": [
            "social",
            "social",
            "social",
            "social",
            "mobility",
            "mobility",
            "cross",
            "calendar",
        ],
        "signal": [
            "social.sentiment",
            "social.sentiment",
            "social.fear",
            "social.emotion",
            "mobility.retail",
            "mobility.grocery",
            "cross.emotion_mobility",
            "calendar.weekend",
        ],
        "parts": [
            (),
            (),
            (),
            (),
            (),
            (),
            ("social.sentiment:negative", "mobility.retail:drop"),
            (),
        ],
        "inputs": [
            ("social.sentiment",),
            ("social.sentiment",),
            ("social.fear_posts",),
            ("social.fear_posts",),
            ("mobility.retail",),
            ("mobility.grocery",),
            ("social.sentiment", "mobility.retail"),
            (),
        ],
    },
    index=[
        "social.sentiment:negative",
        "social.sentiment:positive",
        "social.fear:present",
        "social.emotion:fear_dominant",
        "mobility.retail:drop",
        "mobility.grocery:spike",
        "cross.emotion_mobility:calm",
        "calendar.weekend",
    ],
)


def _rules(*rows: tuple) -> pd.DataFrame:  # type: ignore[type-arg]
    """Rows of (premise states, consequent, lead, confidence, conviction[, extra]) -> rules."""
    out = []
    for prem, cons, lead, conf, conv, *extra in rows:
        rule = {
            "premise": tuple(prem),
            "premise_states": tuple(prem),
            "premise_offsets": tuple(0 for _ in prem),
            "consequent": f"{cons}[t+{lead}]",
            "consequent_state": cons,
            "lead": lead,
            "horizon": lead,
            "rule_class": "same_day" if lead == 0 else "predictive",
            "confidence": conf,
            "lift": 2.0,
            "conviction": conv,
            "leverage": 0.05,
            "q_value": 0.01,
            "cross_domain": True,
            "minimal_generator": True,
            "support_days": 50,
        }
        rule.update(extra[0] if extra else {})
        out.append(rule)
    return pd.DataFrame(out)


def _only(step: str, **filters: object) -> MiningConfig:
    off = dict.fromkeys(
        [
            "significance",
            "conviction_leverage",
            "no_backward",
            "no_led_premise",
            "no_persistence",
            "no_definitional",
            "stronger_direction",
            "shorter_premise",
            "minimal_generator",
        ],
        False,
    )
    off["top_n"] = 0
    if step != "top_n":
        off[step] = True
    cls = ClassConfig(
        min_confidence=None, min_lift=None, filters=FilterConfig(**{**off, **filters})
    )  # type: ignore[arg-type]
    return MiningConfig(same_day=cls, predictive=cls)


def _kept(rules: pd.DataFrame, mining: MiningConfig) -> list[str]:
    out, report = apply_filters(rules, META, mining)
    assert int(report["removed"].sum()) == int((out["removed_by"] != "").sum())
    rows = zip(out["premise"], out["consequent"], out["removed_by"], strict=True)
    return [f"{'&'.join(p)}->{c}" for p, c, gone in rows if not gone]


def test_persistence_uses_the_state_family() -> None:
    rules = _rules(
        (["social.sentiment:negative"], "social.sentiment:positive", 2, 0.8, 2.0),
        (["mobility.retail:drop"], "social.sentiment:positive", 2, 0.8, 2.0),
    )
    assert _kept(rules, _only("no_persistence")) == [
        "mobility.retail:drop->social.sentiment:positive[t+2]"
    ]


def test_definitional_links_by_parts_or_by_shared_signals() -> None:
    rules = _rules(
        (["mobility.retail:drop"], "cross.emotion_mobility:calm", 0, 0.8, 2.0),  # a part
        (
            ["social.sentiment:positive"],
            "cross.emotion_mobility:calm",
            0,
            0.8,
            2.0,
        ),  # same signal as a part
        (["mobility.grocery:spike"], "cross.emotion_mobility:calm", 0, 0.8, 2.0),  # unrelated
        (["social.emotion:fear_dominant"], "social.fear:present", 0, 0.8, 2.0),  # same input series
    )
    assert _kept(rules, _only("no_definitional", definitional_links="parts")) == [
        "social.sentiment:positive->cross.emotion_mobility:calm[t+0]",
        "mobility.grocery:spike->cross.emotion_mobility:calm[t+0]",
        "social.emotion:fear_dominant->social.fear:present[t+0]",
    ]
    assert _kept(rules, _only("no_definitional")) == [
        "mobility.grocery:spike->cross.emotion_mobility:calm[t+0]"
    ]
    assert state_signals("cross.emotion_mobility:calm", META) == {
        "cross.emotion_mobility",
        "social.sentiment",
        "mobility.retail",
    }


def test_stronger_direction_keeps_the_higher_conviction_of_a_same_day_pair() -> None:
    rules = _rules(
        (["mobility.retail:drop"], "social.fear:present", 0, 0.7, 2.0),
        (["social.fear:present"], "mobility.retail:drop", 0, 0.8, 3.0),
        (["social.fear:present"], "mobility.retail:drop", 2, 0.8, 1.5),
        (["mobility.retail:drop"], "social.fear:present", 2, 0.8, 4.0),
    )
    assert _kept(rules, _only("stronger_direction")) == [
        "social.fear:present->mobility.retail:drop[t+0]",
        "social.fear:present->mobility.retail:drop[t+2]",
        "mobility.retail:drop->social.fear:present[t+2]",
    ]


def test_shorter_premise_one_sided_and_two_sided() -> None:
    a, b, c = "mobility.retail:drop", "social.fear:present", "social.sentiment:negative"
    rules = _rules(
        ([a], c, 1, 0.80, 2.0),
        ([a, b], c, 1, 0.84, 2.0),
        ([b], c, 2, 0.80, 2.0),
        ([a, b], c, 2, 0.70, 2.0),
        ([a, b], c, 3, 0.70, 2.0),
    )
    assert _kept(rules, _only("shorter_premise")) == [
        f"{a}->{c}[t+1]",
        f"{b}->{c}[t+2]",
        f"{a}&{b}->{c}[t+3]",
    ]
    assert _kept(rules, _only("shorter_premise", shorter_premise_two_sided=True)) == [
        f"{a}->{c}[t+1]",
        f"{b}->{c}[t+2]",
        f"{a}&{b}->{c}[t+2]",
        f"{a}&{b}->{c}[t+3]",
    ]


def test_top_n_conviction_leverage_significance_and_generators() -> None:
    c = "social.fear:present"
    rules = _rules(
        (["mobility.retail:drop"], c, 1, 0.9, 1.05, {"lift": 3.0}),
        (["mobility.grocery:spike"], c, 1, 0.8, 2.0, {"lift": 2.5, "leverage": -0.01}),
        (["calendar.weekend"], c, 1, 0.7, 2.0, {"lift": 2.0, "q_value": 0.2}),
        (["social.sentiment:negative"], c, 1, 0.6, 2.0, {"lift": 1.5, "minimal_generator": False}),
    )
    assert _kept(rules, _only("top_n", top_n=2)) == [
        f"mobility.retail:drop->{c}[t+1]",
        f"mobility.grocery:spike->{c}[t+1]",
    ]
    assert _kept(rules, _only("conviction_leverage")) == [
        f"calendar.weekend->{c}[t+1]",
        f"social.sentiment:negative->{c}[t+1]",
    ]
    assert len(_kept(rules, _only("significance"))) == 3
    assert len(_kept(rules, _only("minimal_generator"))) == 3


def test_cross_domain_ignores_neutral_domains() -> None:
    rules = _rules(
        (["mobility.retail:drop"], "social.fear:present", 0, 0.8, 2.0),
        (["calendar.weekend"], "social.fear:present", 0, 0.8, 2.0),
        (["mobility.grocery:spike"], "cross.emotion_mobility:calm", 0, 0.8, 2.0),
    )
    assert cross_domain(rules, META, ("calendar", "cross")).tolist() == [True, False, False]


def test_premise_concepts_closures_and_minimal_generators() -> None:
    index = pd.date_range("2021-01-01", periods=6, name="date")
    vals = pd.DataFrame(
        {"m.a:on": [1, 1, 1, 0, 0, 1], "m.b:on": [1, 1, 1, 1, 0, 1], "s.c:on": [1, 0, 1, 0, 1, 1]},
        index=index,
    ).astype(bool)
    meta = pd.DataFrame(
        {"domain": ["m", "m", "s"], "signal": ["m.a", "m.b", "s.c"], "parts": [(), (), ()]},
        index=vals.columns,
    )
    ctx = build_context(StateFrames(vals, vals | True, meta), MiningConfig(leads=(0,)))
    table = premise_concepts(ctx, [(0,), (0, 1), (0, 2), (1,)])
    assert table["premise_closure"].tolist() == [
        ("m.a:on", "m.b:on"),
        ("m.a:on", "m.b:on"),
        ("m.a:on", "m.b:on", "s.c:on"),
        ("m.b:on",),
    ]
    assert table["closure_days"].tolist() == [4, 4, 3, 5]
    # a implies b, so {a, b} is not a key; {a, c} is (dropping either enlarges the extent)
    assert table["minimal_generator"].tolist() == [True, False, True, True]


def _tautology_states() -> StateFrames:
    rng = np.random.default_rng(1)
    names = [
        "social.fear:present",
        "social.sentiment:negative",
        "mobility.retail:drop",
        "mobility.transit:drop",
        "calendar.weekend",
        "cross.emotion_mobility:both",
        "social.sentiment:improved",
        "social.sentiment:shift",
    ]
    index = pd.date_range("2021-01-01", periods=60, name="date")
    vals = pd.DataFrame(rng.random((60, len(names))) < 0.5, index=index, columns=names)
    meta = pd.DataFrame(
        {
            "domain": [n.split(".")[0] for n in names],
            "signal": [n.split(":")[0] for n in names],
            "parts": [() for _ in names],
        },
        index=names,
    )
    return StateFrames(vals, vals | True, meta)


def test_study_tautology_groups_apply_during_enumeration() -> None:
    loose = ClassConfig(min_support=0.0, min_days=1, max_prevalence=None)
    groups = {
        "cross.emotion_mobility:both": (
            ("social.fear:present", "social.sentiment:negative"),
            ("mobility.retail:drop", "mobility.transit:drop"),
        ),
        "social.sentiment:shift": (("social.sentiment:improved",),),
    }
    mining = MiningConfig(
        leads=(0, 2), lags=(1,), same_day=loose, predictive=loose, tautology_groups=groups
    )
    cand = enumerate_candidates(build_context(_tautology_states(), mining), mining)
    pairs = set(zip(cand.rules["premise"], cand.rules["consequent"], strict=True))
    both = "cross.emotion_mobility:both"
    assert (
        ("mobility.retail:drop", "social.fear:present"),
        f"{both}[t+0]",
    ) not in pairs  # every group hit
    assert (
        ("mobility.retail:drop", "social.fear:present[t-1]"),
        f"{both}[t+2]",
    ) not in pairs  # lags/leads ignored
    assert (("social.fear:present",), f"{both}[t+0]") in pairs  # one group only
    assert (("calendar.weekend", "social.fear:present"), f"{both}[t+0]") in pairs
    assert (("social.sentiment:improved[t-1]",), "social.sentiment:shift[t+2]") not in pairs
    assert (("calendar.weekend",), "social.sentiment:shift[t+0]") in pairs
    step = cand.enumeration.set_index(["step", "rule_class"]).loc[("tautology_groups", "same_day")]
    assert step["removed"] > 0
    bad = mining.model_copy(
        update={"tautology_groups": {"cross.emotion_mobility:both": (("social.fear",),)}}
    )
    with pytest.raises(ConfigError, match=r"\['social.fear'\]"):
        enumerate_candidates(build_context(_tautology_states(), bad), bad)


def test_form_filters_run_before_testing_and_every_step_reports() -> None:
    states = _tautology_states()
    result = mine_rules(states, MiningConfig(leads=(0, 1), null={"shifts": 50, "min_offset": 5}))
    cand = result.candidates
    form_removed = cand["removed_by"].isin(["no_persistence", "no_definitional"])
    assert form_removed.any()
    assert cand.loc[form_removed, "q_value"].isna().all()
    assert cand.loc[~form_removed, "null_p"].notna().all()
    steps = result.steps
    for cls in ("same_day", "predictive"):
        s = steps[steps["rule_class"] == cls]
        assert (
            s["removed"].sum() + s["remaining"].iloc[-1]
            == s["remaining"].iloc[0] + s["removed"].iloc[0]
        )
        assert s["remaining"].iloc[-1] == (result.rules["rule_class"] == cls).sum()


def test_premise_closures_are_intents_of_the_lattice_engine() -> None:
    from crisis_fca.lattice import build_lattice
    from crisis_fca.rules.synthetic import synthetic_states

    states = synthetic_states(days=120, mobility=4, social=3, coupled=2, seed=3)
    ctx = build_context(states, MiningConfig(leads=(0,)))
    names = [str(c) for c in ctx.premise_items["item"]]
    frame = pd.DataFrame(ctx.premise_values, columns=names)
    concepts = build_lattice(frame, with_stability=False).concepts
    lattice = {frozenset(c.intent): c.support for c in concepts}
    premises = [(i,) for i in range(len(names))] + [(i, j) for i in range(4) for j in range(4, 8)]
    table = premise_concepts(ctx, premises)
    for closure, days in zip(table["premise_closure"], table["closure_days"], strict=True):
        assert all(type(s) is str for s in closure)
        assert lattice[frozenset(closure)] == days
