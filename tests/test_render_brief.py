"""The policy brief on a small hand-made run whose every number was worked out by hand.

The run (12 days, 2020-03-01 Sun .. 2020-03-12 Thu) has three states:

    idx            0  1  2  3  4  5  6  7  8  9 10 11
    transit:drop   1  1  0  0  1  1  0  1  0  0  1  1
    fear:present   0  1  1  0  0  1  1  0  ?  0  0  1     (? = unknown: no posts that day)
    weekend        1  0  0  0  0  0  1  1  0  0  0  0     (Sun 1st, Sat 7th, Sun 8th)

and four rules: A transit -> fear in 1 day (predictive), B fear -> transit same day
(stable same-day), C weekend -> fear in 2 days (failed), D weekend yesterday -> transit
(predictive, lead time 1: the premise is lagged). The playbook covers ``social.*`` only, so
B and D are flagged "no playbook". Hand-worked answers are in each test.

Golden file: ``tests/golden/brief_small.txt`` is the outline of the brief's HTML (every
element with an id, its classes and data attributes, nested). Regenerate it after an
intended change with ``CRISIS_FCA_REGEN_GOLDEN=1 .venv/bin/python -m pytest
tests/test_render_brief.py`` and review the diff.
"""

from __future__ import annotations

import os
import stat
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.errors import SchemaError
from crisis_fca.render import (
    PlaybookConfig,
    PlaybookEntry,
    RunMeta,
    RunView,
    brief_cards,
    brief_texts,
    failed_rules,
    render_brief,
    write_atomic,
    write_brief,
)
from crisis_fca.store import rule_id

GOLDEN = Path(__file__).parent / "golden" / "brief_small.txt"
REGEN = os.environ.get("CRISIS_FCA_REGEN_GOLDEN") == "1"
DAYS = pd.date_range("2020-03-01", periods=12, name="date")
TRANSIT, FEAR, WEEKEND = "mobility.transit:drop", "social.fear:present", "calendar.weekend"
RULE_A = ((TRANSIT,), FEAR, 1)
RULE_B = ((FEAR,), TRANSIT, 0)
RULE_C = ((WEEKEND,), FEAR, 2)
RULE_D = ((f"{WEEKEND}[t-1]",), TRANSIT, 0)
ID_A, ID_B, ID_C, ID_D = (rule_id(*r) for r in (RULE_A, RULE_B, RULE_C, RULE_D))
HOSTILE = "<script>alert(1)</script>"


def _states() -> tuple[pd.DataFrame, pd.DataFrame]:
    values = pd.DataFrame(
        {
            TRANSIT: [1, 1, 0, 0, 1, 1, 0, 1, 0, 0, 1, 1],
            FEAR: [0, 1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 1],
            WEEKEND: [1, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0],
        },
        index=DAYS,
    ).astype(bool)
    known = pd.DataFrame(True, index=DAYS, columns=values.columns)
    known.loc[DAYS[8], FEAR] = False
    return values, known


def _rule(rule, cls, *, conf, low, high, lift, reasons=""):
    premise, consequent, lead = rule
    return {
        "rule_id": rule_id(*rule),
        "premise": premise,
        "consequent": consequent,
        "lead": lead,
        "premise_days": 7,
        "support_days": 6,
        "evaluable_days": 11,
        "support": 6 / 11,
        "confidence": conf,
        "ci_low": low,
        "ci_high": high,
        "lift": lift,
        "q_value": 0.01,
        "null_p": 0.004,
        "rule_class": cls,
        "reasons": reasons,
    }


def _check(rid, fold, *, passed, reason, train_end=DAYS[5], test=(DAYS[6], DAYS[11])):
    return {
        "rule_id": rid,
        "fold": fold,
        "train_start": DAYS[0],
        "train_end": train_end,
        "test_start": test[0],
        "test_end": test[1],
        "train_confidence": 0.86,
        "test_confidence": 0.8 if passed else 0.5,
        "test_lift": 2.0 if passed else 0.9,
        "test_premise_days": 2,
        "passed": passed,
        "reason": reason,
    }


def small_run(region: str = "Test Region", posts: bool = True) -> RunView:
    """The hand-made run described in the module docstring."""
    values, known = _states()
    rules = pd.DataFrame(
        [
            _rule(RULE_A, "predictive", conf=0.86, low=0.40, high=0.97, lift=2.6),
            _rule(RULE_B, "stable_same_day", conf=0.78, low=0.50, high=0.93, lift=1.9),
            _rule(
                RULE_C,
                "failed",
                conf=0.70,
                low=0.30,
                high=0.92,
                lift=1.5,
                reasons="holdout lift 0.900 <= 1",
            ),
            _rule(RULE_D, "predictive", conf=0.67, low=0.20, high=0.94, lift=1.3),
        ]
    )
    later = {"train_end": DAYS[7], "test": (DAYS[8], DAYS[11])}
    validations = pd.DataFrame(
        [
            _check(ID_A, 0, passed=True, reason="held"),
            _check(ID_A, 1, passed=True, reason="held", **later),
            _check(ID_B, 0, passed=True, reason="held"),
            _check(
                ID_B,
                1,
                passed=False,
                reason="test confidence 0.500 < training 0.780 - 0.10",
                **later,
            ),
            _check(ID_C, 0, passed=False, reason="holdout lift 0.900 <= 1"),
            _check(ID_D, 0, passed=True, reason="held"),
        ]
    )
    states = pd.DataFrame(
        {
            "state": [TRANSIT, FEAR, WEEKEND],
            "domain": ["mobility", "social", "calendar"],
            "signal": ["mobility.transit", "social.fear_posts", "calendar.weekend"],
            "condition": ["drop", "present", ""],
            "kind": ["threshold", "threshold", "weekend"],
            "description": [
                "Transit visits more than 30 % below normal",
                "At least one post expressed fear",
                "Saturday or Sunday",
            ],
            "parts": [(), (), ()],
        }
    )
    coverage = pd.DataFrame(
        {
            "signal": ["mobility.transit", "social.fear_posts", "social.posts"],
            "source": ["google", "reddit", "reddit"],
            "domain": ["mobility", "social", "social"],
            "days": [12, 12, 12],
            "observed": [12, 11, 11],
            "filled": [0, 0, 0],
            "low_coverage": [0, 0, 0],
            "missing": [0, 1, 1],
            "first": [DAYS[0]] * 3,
            "last": [DAYS[11]] * 3,
        }
    )
    post_frame = pd.DataFrame(
        {
            "date": [DAYS[11], DAYS[11], DAYS[10]],
            "post_id": ["p2", "p1", "p0"],
            "title": ["{{ 7*7 }} people scared", HOSTILE, "quiet day"],
        }
    )
    meta = RunMeta(
        run_id="run-small",
        case="small",
        title="Small hand-made case",
        window_start=date(2020, 3, 1),
        window_end=date(2020, 3, 12),
        profile="rigorous",
        config_hash="0123456789ab",
        code_version="0.1.0",
        generated=date(2020, 3, 13),
        region=region,
    )
    playbook = PlaybookConfig(
        review_cadence="Every Monday.",
        valid_days=7,
        agencies={"OES": "Office of Emergency Services"},
        entries={
            "social.*": PlaybookEntry(
                owner="OES", action="Publish an update.", stand_down="Two calm days."
            )
        },
    )
    return RunView(
        meta=meta,
        rules=rules,
        validations=validations,
        states=states,
        coverage=coverage,
        state_values=values,
        state_known=known,
        posts=post_frame if posts else None,
        playbook=playbook,
    )


class _Outline(HTMLParser):
    """Every element with an id, nested by id-bearing ancestors, with classes and data-*."""

    VOID = frozenset({"meta", "br", "link", "img", "input", "hr"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.lines: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            depth = sum(self.stack)
            data = " ".join(f"{k}={v}" for k, v in sorted(a.items()) if k.startswith("data-"))
            classes = "".join(f".{c}" for c in (a.get("class") or "").split())
            self.lines.append(f"{'  ' * depth}{tag}#{a['id']}{classes}{' ' + data if data else ''}")
        if tag not in self.VOID:
            self.stack.append("id" in a)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()


def outline(html: str) -> str:
    parser = _Outline()
    parser.feed(html)
    return "\n".join(parser.lines) + "\n"


@pytest.fixture(scope="module")
def html() -> str:
    return render_brief(small_run())


def test_cards_are_ordered_by_the_documented_score():
    # A: 0.35*0.40 + 0.20*0.80 + 0.20*2/2 + 0.15*1/7 + 0.10*1 = 0.6214286
    # B: 0.35*0.50 + 0.20*0.45 + 0.20*1/2 + 0 + 0.10*1 = 0.465
    # D: 0.35*0.20 + 0.20*0.15 + 0.20*1/1 + 0.15*1/7 + 0 (calendar) = 0.3214286
    cards = brief_cards(small_run())
    assert [c.rule_id for c in cards] == [ID_A, ID_B, ID_D]
    assert [round(c.score, 6) for c in cards] == [0.621429, 0.465, 0.321429]
    assert [c.rank for c in cards] == [1, 2, 3]
    assert [c.label for c in cards] == ["PREDICTIVE", "SAME-DAY CORRELATION", "PREDICTIVE"]
    assert [c.band for c in cards] == ["LOW", "MEDIUM", "HIGH"]


def test_past_firings_and_outcomes_match_the_hand_count():
    a, b, d = brief_cards(small_run())
    # A: transit on idx 0,1,4,5,7,10,11 -> fear next day: hit, hit, hit, hit, unknown (idx 8),
    # hit, pending (2020-03-13 is after the window).
    assert [(f.day.day, f.outcome_day.day, f.outcome) for f in a.firings] == [
        (1, 2, "hit"),
        (2, 3, "hit"),
        (5, 6, "hit"),
        (6, 7, "hit"),
        (8, 9, "unknown"),
        (11, 12, "hit"),
        (12, 13, "pending"),
    ]
    assert a.outcome_counts == {"hit": 5, "miss": 0, "unknown": 1, "pending": 1}
    # B: fear on idx 1,2,5,6,11 (idx 8 unknown is no firing) -> transit same day.
    assert [(f.day.day, f.outcome) for f in b.firings] == [
        (2, "hit"),
        (3, "miss"),
        (6, "hit"),
        (7, "miss"),
        (12, "hit"),
    ]
    # D: weekend[t-1]: trigger seen on the weekend day, outcome the next day.
    assert [(f.day.day, f.outcome_day.day, f.outcome) for f in d.firings] == [
        (1, 2, "hit"),
        (7, 8, "hit"),
        (8, 9, "miss"),
    ]


def test_persistence_is_compared_on_the_holdout_days():
    a, b, d = brief_cards(small_run())
    # Holdout = 2020-03-07..12 (idx 6..11). Rule A: t=7 outcome unknown, t=10 hit, t=11
    # after the window -> 1 of 1. Persistence (fear at t -> fear at t+1): t=6 fear, idx 7
    # no fear -> 0 of 1; t=8 unknown, t=9/10 no fear, t=11 after the window.
    pa = a.persistence
    assert (pa.rule_hits, pa.rule_fired, pa.baseline_hits, pa.baseline_fired) == (1, 1, 0, 1)
    assert pa.beats is True
    assert "the rule beats persistence" in a.evidence.persistence_note
    assert b.persistence is None
    assert b.evidence.persistence_note.startswith("Not applicable")
    assert d.persistence is not None


def test_conditions_name_streams_and_lagged_premises_read_from_the_trigger_day():
    a, _, d = brief_cards(small_run())
    (cond,) = a.conditions
    assert (cond.text, cond.when, cond.streams) == (
        "Transit visits more than 30 % below normal",
        "today",
        ("mobility.transit (google)",),
    )
    assert a.outcome == "At least one post expressed fear"
    assert a.lead_phrase == "1 day later"
    (lagged,) = d.conditions
    assert (lagged.when, lagged.streams) == ("today", ("the calendar date",))
    assert d.sentence == "When weekend, expect transit: drop 1 day later."


def test_playbook_and_no_playbook_flag(html: str):
    a, b, d = brief_cards(small_run())
    assert a.playbook is not None
    assert a.owner == "OES (Office of Emergency Services)"
    assert b.playbook is None
    assert d.playbook is None
    assert f'id="noplaybook-{ID_B}"' in html
    assert f'id="noplaybook-{ID_D}"' in html
    assert f'id="noplaybook-{ID_A}"' not in html
    assert html.count(">NO PLAYBOOK<") == 2


def test_failed_rules_are_listed_apart_with_their_reasons(html: str):
    (failed,) = failed_rules(small_run())
    assert failed.rule_id == ID_C
    assert failed.reasons == "holdout lift 0.900 <= 1"
    section = html[html.index('id="failed"') :]
    assert f'id="failed-{ID_C}"' in section
    assert "holdout lift 0.900 &lt;= 1" in section
    assert f'id="rule-{ID_C}"' not in html  # never a card


def test_header_states_run_identity_validity_and_sources(html: str):
    for text in (
        "run-small",
        "0123456789ab",
        "rigorous",
        "2020-03-01..2020-03-12 (12 days)",
        "2020-03-13",
        "2020-03-20",  # valid until: generated + 7 days
        "Every Monday.",
        "11 of 12 days",  # reddit: its signals observed on 11 days
    ):
        assert text in html, text
    assert 'href="small-rigorous-report.html"' in html


def test_caveats_are_specific(html: str):
    a, b, _ = brief_cards(small_run())
    assert any(c.startswith("Small sample: the trigger fired on only 7 days") for c in a.caveats)
    assert any(
        c.startswith("Platform bias: social states come from posts (reddit)") for c in a.caveats
    )
    assert any(c.startswith("Keyword method") for c in a.caveats)
    assert any(
        c.startswith("Regime changes: the rule was learned on 2020-03-01") for c in a.caveats
    )
    regime = next(c for c in b.caveats if c.startswith("Regime change:"))
    assert "2020-03-09..2020-03-12 (4 days)" in regime
    assert "test confidence 0.500" in regime


def test_data_is_escaped_and_never_evaluated():
    html = render_brief(small_run(region=HOSTILE + " {{ 7*7 }}"))
    assert "<script" not in html  # the brief has no scripts at all
    # the region, and the post title under cards A and B (both last fired on 2020-03-12)
    assert html.count("&lt;script&gt;alert(1)&lt;/script&gt;") == 3
    assert "{{ 7*7 }} people scared" in html
    assert "49 people scared" not in html
    assert f"{HOSTILE} {{{{ 7*7 }}}}" not in html
    assert "default-src 'none'" in html


def test_rendering_is_deterministic_and_does_not_modify_inputs():
    view = small_run()
    before = {n: getattr(view, n).copy(deep=True) for n in ("rules", "validations", "states")}
    values, known = view.state_values.copy(), view.state_known.copy()
    first = render_brief(view)
    assert render_brief(view) == first
    for name, frame in before.items():
        pd.testing.assert_frame_equal(getattr(view, name), frame)
    pd.testing.assert_frame_equal(view.state_values, values)
    pd.testing.assert_frame_equal(view.state_known, known)


def test_without_state_frames_the_brief_says_what_is_missing():
    view = small_run()
    bare = RunView(view.meta, view.rules, view.validations, view.states, view.coverage)
    html = render_brief(bare)
    assert 'id="no-history"' in html
    assert "Not computed: the per-day states were not given" in html
    assert html.count('class="card ') == 3


def test_brief_texts_rows_for_the_store():
    rows = brief_texts(small_run(), "reports/small-rigorous-brief.html")
    assert list(rows.columns) == ["rule_id", "rendered_text", "output_path"]
    assert rows["rule_id"].tolist() == [None, ID_A, ID_B, ID_D]
    assert rows["rendered_text"][0].startswith(
        "Small hand-made case: 3 actionable rule(s) (2 predictive"
    )
    assert "Playbook: NO PLAYBOOK" in rows["rendered_text"][2]
    assert set(rows["output_path"]) == {"reports/small-rigorous-brief.html"}


def test_golden_outline(html: str):
    got = outline(html)
    if REGEN:
        GOLDEN.parent.mkdir(parents=True, exist_ok=True)
        GOLDEN.write_text(got, encoding="utf-8")
    assert got == GOLDEN.read_text(encoding="utf-8")


def test_write_brief_is_atomic_and_readable(tmp_path: Path):
    target = tmp_path / "out" / "brief.html"
    path = write_brief(small_run(), target)
    assert path == target
    assert path.read_text(encoding="utf-8") == render_brief(small_run())
    assert stat.S_IMODE(path.stat().st_mode) == 0o644
    assert [p.name for p in target.parent.iterdir()] == ["brief.html"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path):
    target = tmp_path / "brief.html"
    target.write_text("old", encoding="utf-8")
    with pytest.raises(TypeError):
        write_atomic(target, 42)  # type: ignore[arg-type]
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["brief.html"]


def test_missing_columns_are_reported_with_the_fix():
    view = small_run()
    with pytest.raises(SchemaError, match=r"RunView.rules lacks columns \['ci_low'\]"):
        RunView(
            view.meta,
            view.rules.drop(columns="ci_low"),
            view.validations,
            view.states,
            view.coverage,
        )
    with pytest.raises(SchemaError, match="state_values and state_known come together"):
        RunView(
            view.meta,
            view.rules,
            view.validations,
            view.states,
            view.coverage,
            state_values=view.state_values,
        )


def test_streams_fall_back_to_signals_named_after_the_state_family():
    view = small_run()
    states = view.states.assign(signal=["mobility.transit", "social.fear", "calendar.weekend"])
    coverage = pd.concat(
        [view.coverage, view.coverage.iloc[[1]].assign(signal="social.fear_share")],
        ignore_index=True,
    )
    bare = RunView(view.meta, view.rules, view.validations, states, coverage)
    (cond,) = brief_cards(bare)[1].conditions  # B: fear -> transit
    assert cond.streams == ("social.fear_posts (reddit)", "social.fear_share (reddit)")
