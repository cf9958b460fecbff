"""The brief and report on the real Los Angeles wildfire data, checked against the raw files.

The states come from the real pipeline (ingest, align, states); the rule is hand-made
("weekend -> fear in posts the next day") so its track record can be recomputed here from
the raw posts JSON with plain ``json``/``re``, the case file's fear keywords and the
calendar, without any crisis-fca code.
"""

from __future__ import annotations

import json
import re
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.config import CASES_DIR, load_case
from crisis_fca.lattice import build_lattice
from crisis_fca.pipeline import ingest_case
from crisis_fca.render import RunMeta, RunView, brief_cards, phases_from_states, render_brief
from crisis_fca.render.figjson import decode_array
from crisis_fca.render.report import report_figures
from crisis_fca.states import states_for_case
from crisis_fca.store import rule_id, signals_table, states_table

POSTS_FILE = "la-wildfire-2025/reddit_wildfire_posts_by_day.json"
RULE = (("calendar.weekend",), "social.fear:present", 1)


@pytest.fixture(scope="module")
def raw_posts(data_dir: Path) -> dict[str, list[dict]]:
    return json.loads((data_dir / POSTS_FILE).read_text(encoding="utf-8"))["posts_by_day"]


@pytest.fixture(scope="module")
def la(data_dir: Path) -> RunView:
    return la_view(data_dir)


def la_view(data_dir: Path) -> RunView:
    """The real LA run (rigorous profile) with one hand-made rule."""
    case = load_case("la-wildfire")
    aligned = ingest_case(case, data_dir).aligned
    ss = states_for_case(aligned, case)
    lattice = build_lattice(ss.values, ss.known)
    rid = rule_id(*RULE)
    rules = pd.DataFrame(
        [
            {
                "rule_id": rid,
                "premise": RULE[0],
                "consequent": RULE[1],
                "lead": RULE[2],
                "premise_days": 8,
                "support_days": 6,
                "evaluable_days": 30,
                "support": 0.2,
                "confidence": 0.75,
                "ci_low": 0.41,
                "ci_high": 0.93,
                "lift": 1.1,
                "q_value": 0.4,
                "null_p": 0.3,
                "rule_class": "predictive",
                "reasons": "",
            }
        ]
    )
    days = ss.values.index
    validations = pd.DataFrame(
        [
            {
                "rule_id": rid,
                "fold": 0,
                "train_start": days[0],
                "train_end": days[22],
                "test_start": days[23],
                "test_end": days[-1],
                "train_confidence": 0.75,
                "test_confidence": 0.5,
                "test_lift": 0.8,
                "test_premise_days": 3,
                "passed": False,
                "reason": "premise fired on 3 holdout days < 5",
            }
        ]
    )
    states = states_table(ss.values, ss.known, ss.meta).assign(inputs=list(ss.meta["inputs"]))
    meta = RunMeta(
        "real-la",
        case.name,
        case.case.title,
        case.window.start,
        case.window.end,
        case.profile,
        "test",
        "0.1.0",
        date(2025, 2, 6),
        case.case.region,
    )
    return RunView(
        meta=meta,
        rules=rules,
        validations=validations,
        states=states,
        coverage=aligned.coverage.assign(days=case.window.days),
        concepts=lattice.to_frame(date_ranges=True),
        concept_edges=lattice.edges,
        state_values=ss.values,
        state_known=ss.known,
        signals=signals_table(aligned.values, aligned.status),
        posts=aligned.posts,
        phases=phases_from_states(ss.values, ss.known, states),
        playbook=case.playbook,
    )


def _fear_days(raw_posts: dict[str, list[dict]]) -> set[str]:
    """Days with at least one post matching a fear keyword as a whole word (independent)."""
    toml = tomllib.loads((CASES_DIR / "la-wildfire.toml").read_text(encoding="utf-8"))
    words = toml["text"]["lexicons"]["fear"]
    pattern = re.compile(
        r"(?<![0-9A-Za-z_])(?:" + "|".join(map(re.escape, words)) + r")(?![0-9A-Za-z_])"
    )
    return {
        day
        for day, posts in raw_posts.items()
        if any(
            pattern.search(f"{p.get('title') or ''} {p.get('text') or ''}".lower()) for p in posts
        )
    }


def test_past_firings_match_the_raw_posts_and_the_calendar(la: RunView, raw_posts):
    (card,) = brief_cards(la)
    start, end = date(2025, 1, 3), date(2025, 2, 5)  # the case window (la-wildfire.toml)
    weekends = [start + timedelta(k) for k in range((end - start).days + 1)]
    weekends = [d for d in weekends if d.weekday() >= 5]
    fear = _fear_days(raw_posts)
    expected = []
    for day in weekends:
        nxt = day + timedelta(days=1)
        if nxt > end:
            outcome = "pending"
        elif nxt.isoformat() not in raw_posts:
            outcome = "unknown"  # no posts that day: the social state is unknown
        else:
            outcome = "hit" if nxt.isoformat() in fear else "miss"
        expected.append((day, nxt, outcome))
    assert [(f.day, f.outcome_day, f.outcome) for f in card.firings] == expected
    # by hand: ten weekend days, two of whose next days (5 and 6 January) had no posts
    assert len(expected) == 10
    assert [o for *_, o in expected].count("unknown") == 2


def test_example_posts_are_the_real_titles_of_the_last_firing_day(la: RunView, raw_posts):
    (card,) = brief_cards(la)
    last = max(f.day for f in card.firings if f.day.isoformat() in raw_posts)
    posts = sorted(raw_posts[last.isoformat()], key=lambda p: p["post_id"])[:3]
    assert card.example_day == last.isoformat()
    titles = [" ".join(p["title"].split()) for p in posts]
    assert card.example_posts == tuple(t if len(t) <= 160 else t[:159] + "…" for t in titles)


def test_header_coverage_and_playbook_from_the_real_case(la: RunView, raw_posts):
    html = render_brief(la)
    assert f"{len(raw_posts)} of 34 days" in html  # reddit: 30 days with posts
    assert "Los Angeles County Office of Emergency Services" in html
    assert "Daily while a fire is active" in html
    assert "2025-02-09" in html  # valid until: generated + 3 days


def test_report_shows_unknown_social_days_and_the_fire_phases(la: RunView, raw_posts):
    specs = {s.id: s for s in report_figures(la)}
    heat = specs["fig-states"].figure["data"][0]
    row = heat["y"].index("social.fear:present")
    days = pd.DatetimeIndex(heat["x"])
    unknown = {
        d.date().isoformat()
        for d, z in zip(days, decode_array(heat["z"])[row], strict=True)
        if z == 2
    }
    all_days = {d.date().isoformat() for d in days}
    assert unknown == all_days - set(raw_posts)
    assert [(p.name, p.start, p.end) for p in la.phases] == [
        ("pre_ignition", date(2025, 1, 3), date(2025, 1, 6)),
        ("spread", date(2025, 1, 7), date(2025, 1, 11)),
    ]
    lattice = specs["fig-lattice"].figure
    assert lattice["layout"]["title"]["text"].endswith(f"of {len(la.concepts)} concepts)")


def test_the_pipelines_own_tables_render(data_dir: Path):
    """analyse_case -> the store's tables -> run_view: LA rigorous keeps no rule at all."""
    from crisis_fca.pipeline import analyse_case
    from crisis_fca.records import run_tables
    from crisis_fca.render import run_view

    case = load_case("la-wildfire")
    run = analyse_case(case, data_dir)
    tables = run_tables(run.ingest.aligned, run.states, run.lattice.lattice, run.rules)
    runs = pd.DataFrame(
        [{"run_id": "r1", "profile": "rigorous", "config_hash": "h", "code_version": "v"}]
    )
    view = run_view(
        {**tables, "runs": runs},
        case,
        state_values=run.states.values,
        state_known=run.states.known,
        state_meta=run.states.meta,
        posts=run.ingest.aligned.posts,
        concept_edges=run.lattice.lattice.edges,
        generated=date(2025, 2, 6),
    )
    assert tables["rules"].empty  # the store's "no rows" frame
    html = render_brief(view)
    assert "No rule survived mining in this run" in html
    assert 'id="no-failed"' in html
    assert [s.id for s in report_figures(view) if s.figure is not None] == [
        "fig-signals", "fig-states", "fig-lattice", "fig-rules", "fig-leads", "fig-holdout",
    ]  # fmt: skip
    fear = view.states.set_index("state").loc["social.fear:present", "inputs"]
    assert fear == ("social.fear_posts",)
