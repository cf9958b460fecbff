"""Render building blocks: phrasing, false-alarm bands, the score, playbooks and case files."""

from __future__ import annotations

import math

import pytest
from pydantic import ValidationError

from crisis_fca import render
from crisis_fca.config import load_case, parse_case
from crisis_fca.errors import ConfigError
from crisis_fca.render import PlaybookConfig, PlaybookEntry, lead_time, risk_band, rule_score
from crisis_fca.render.score import is_cross_domain
from crisis_fca.render.text import (
    fmt_pct,
    fmt_q,
    lead_text,
    normalized,
    rule_label,
    rule_sentence,
    split_item,
    state_label,
)


@pytest.mark.parametrize(
    ("confidence", "lift", "band"),
    [
        (0.85, 2.5, "LOW"),
        (0.99, 9.0, "LOW"),
        (0.8499, 2.5, "MEDIUM"),
        (0.85, 2.49, "MEDIUM"),
        (0.75, 1.8, "MEDIUM"),
        (0.7499, 1.8, "HIGH"),
        (0.95, 1.79, "HIGH"),
        (math.nan, 3.0, "HIGH"),
        (0.9, math.inf, "HIGH"),
    ],
)
def test_false_alarm_band_is_the_studys(confidence, lift, band):
    assert risk_band(confidence, lift) == band


def test_labels_and_lead_times_count_from_the_latest_observation():
    assert [rule_label(k) for k in (0, 1, 7)] == [
        "SAME-DAY CORRELATION",
        "PREDICTIVE",
        "PREDICTIVE",
    ]
    # x[t-3] -> y on day t: 3 days of warning; x[t-1] and z -> y on day t: none.
    assert lead_time(["social.fear:present[t-3]"], 0) == 3
    assert lead_time(["social.fear:present[t-1]", "mobility.transit:drop"], 0) == 0
    assert lead_time(["mobility.transit:drop"], 2) == 2
    assert normalized(["a[t-7]", "b[t-2]"], 1) == ((("a", -5), ("b", 0)), 3)


def test_phrasing_of_states_items_and_sentences():
    assert split_item("social.fear:present[t-12]") == ("social.fear:present", -12)
    assert split_item("odd[name]") == ("odd[name]", 0)
    assert state_label("mobility.restrictions:severe") == "restrictions: severe"
    assert lead_text(0) == "on the same day"
    sentence = rule_sentence(["a.x:on[t-2]", "b.y:off"], "c.z:high", 0, {"a.x:on": "X is on"})
    assert sentence == "When X is on (2 days earlier) and y: off, expect z: high on the same day."
    assert fmt_pct(0.8537) == "85.4 %"
    assert fmt_q(0.049) == "0.049"
    assert fmt_q(None) == "not tested"


def test_score_terms_weights_and_caps():
    score, parts = rule_score(0.7, 2.0, 3, 4, 7, cross_domain=True)
    # 0.35*0.7 + 0.20*0.5 + 0.20*0.75 + 0.15*1 + 0.10*1
    assert score == pytest.approx(0.745)
    assert [p.key for p in parts] == ["E", "L", "H", "T", "X"]
    assert sum(p.weight for p in parts) == pytest.approx(1.0)
    capped, _ = rule_score(1.2, 10.0, 0, 0, 30, cross_domain=False)
    assert capped == pytest.approx(0.35 + 0.20 + 0 + 0.15)
    nothing, _ = rule_score(math.nan, math.nan, 0, 0, 0, cross_domain=False)
    assert nothing == 0.0


def test_cross_domain_ignores_calendar_and_cross_composites():
    assert is_cross_domain(["mobility.transit:drop"], "social.fear:present")
    assert not is_cross_domain(["social.anger:present"], "social.fear:present")
    assert not is_cross_domain(["calendar.weekend"], "mobility.transit:drop")
    assert not is_cross_domain(["social.fear:present"], "cross.emotion_mobility:both")


def test_playbook_prefers_the_exact_name_then_the_most_specific_pattern():
    entry = PlaybookEntry

    def e(owner):
        return entry(owner=owner, action="act", stand_down="stop")

    book = PlaybookConfig(
        entries={
            "social.*": e("broad"),
            "social.fear:*": e("family"),
            "social.fear:present": e("exact"),
        }
    )
    assert book.entry_for("social.fear:present").owner == "exact"
    assert book.entry_for("social.fear:dominant").owner == "family"
    assert book.entry_for("social.anger:present").owner == "broad"
    assert book.entry_for("mobility.transit:drop") is None
    assert book.agency_name("broad") == "broad"


def test_playbook_owner_must_be_a_listed_agency():
    with pytest.raises(ValidationError, match=r"entry 'social\.\*' names owner 'NCMEA'"):
        PlaybookConfig(
            agencies={"NCEMA": "National Emergency Crisis and Disaster Management Authority"},
            entries={"social.*": PlaybookEntry(owner="NCMEA", action="a", stand_down="s")},
        )


def test_a_typo_in_a_case_files_playbook_names_the_key():
    raw = {
        "case": {"name": "x", "title": "X"},
        "window": {"start": "2020-03-01", "end": "2020-03-02"},
        "sources": [{"name": "g", "kind": "pems", "domain": "mobility", "path": "p.csv"}],
        "playbook": {"entries": {"social.*": {"owner": "A", "action": "a", "standdown": "s"}}},
    }
    with pytest.raises(ConfigError, match=r"playbook\.entries\.social\.\*\.standdown"):
        parse_case(raw)


@pytest.mark.parametrize(
    ("case", "state", "owner"),
    [
        ("uae-covid", "mobility.restrictions:severe", "NCEMA"),
        ("uae-covid", "mobility.grocery:spike", "NCEMA"),
        ("uae-covid", "mobility.residential:increase", "DHA"),
        ("uae-covid", "health.new_cases:surge", "MoHAP"),
        ("uae-covid", "social.fear:present", "WAM"),
        ("uae-covid", "cross.emotion_mobility:calm", None),
        ("la-wildfire", "hazard.containment:low", "CAL FIRE"),
        ("la-wildfire", "social.information_gap:present", "LA County OES"),
        ("la-wildfire", "social.evacuation:present", "LAFD"),
        ("la-wildfire", "social.solidarity:present", None),
    ],
)
def test_shipped_case_playbooks(case, state, owner):
    for profile in ("rigorous", "study"):
        entry = load_case(case, profile=profile).playbook.entry_for(state)
        assert (entry.owner if entry else None) == owner


def test_every_public_name_is_exported_and_loads_lazily():
    lazy = {name for names in render._LAZY.values() for name in names}
    assert set(render.__all__) == lazy | {"PlaybookConfig", "PlaybookEntry"}
    for name in render.__all__:
        assert getattr(render, name) is not None
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = render.nope
