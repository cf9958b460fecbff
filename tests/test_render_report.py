"""The interactive report and its figures, checked on hand-made frames (no browser here).

The browser checks (rendering, hover, injected scripts) are in test_render_browser.py.
"""

from __future__ import annotations

import json
import re
from datetime import date

import numpy as np
import pandas as pd
import pytest
from test_render_brief import HOSTILE, ID_A, ID_B, ID_C, ID_D, small_run

from crisis_fca.render import cover_edges, hasse_layout, render_report, sample_run
from crisis_fca.render.figjson import decode_array
from crisis_fca.render.figures import signals_figure, state_codes, state_heatmap
from crisis_fca.render.report import report_figures
from crisis_fca.render.rule_figures import holdout_figure, lead_heatmap, rules_scatter
from crisis_fca.render.view import Phase

FIGURE_IDS = ["fig-signals", "fig-states", "fig-lattice", "fig-rules", "fig-leads", "fig-holdout"]


@pytest.fixture(scope="module")
def sample():
    return sample_run(hostile=HOSTILE + " {{ 7*7 }}")


@pytest.fixture(scope="module")
def sample_html(sample) -> str:
    return render_report(sample)


def _figure_data(html: str) -> list[dict]:
    match = re.search(
        r'<script type="application/json" id="figure-data">(.*?)</script>', html, re.S
    )
    assert match is not None
    return json.loads(match.group(1))


def test_plotly_js_is_inlined_once_and_nothing_is_fetched(sample_html: str):
    assert sample_html.count("plotly.js v") == 1  # the bundle's licence header
    assert "cdn.plot.ly" not in sample_html.split("<body", 1)[1]
    assert not re.search(r"<script[^>]+src=", sample_html)
    assert 'href="sample-city-rigorous-brief.html"' in sample_html
    assert "script-src 'unsafe-inline'" in sample_html


def test_every_figure_is_in_the_page_data(sample_html: str):
    figures = _figure_data(sample_html)
    assert [f["id"] for f in figures] == FIGURE_IDS
    for fig_id in FIGURE_IDS:
        assert f'<div class="plot" id="{fig_id}"' in sample_html


def test_figure_data_cannot_close_its_script_element(sample_html: str):
    raw = sample_html.split('id="figure-data">', 1)[1].split("</script>", 1)[0]
    assert "<" not in raw
    assert ">" not in raw
    # the hostile state name: HTML-escaped for Plotly's labels, then JSON-escaped
    assert "\\u0026lt;script\\u0026gt;alert(1)" in raw
    assert "{{ 7*7 }}" in raw


def test_missing_inputs_become_notes_not_figures():
    view = small_run()
    specs = {s.id: s for s in report_figures(view)}
    assert specs["fig-signals"].figure is None
    assert specs["fig-lattice"].missing == "The run has no lattice concepts."
    html = render_report(view)
    assert 'id="fig-signals-missing"' in html
    assert [f["id"] for f in _figure_data(html)] == [
        "fig-states",
        "fig-rules",
        "fig-leads",
        "fig-holdout",
    ]
    # every rule is listed and linked to its card, or to its row in the failed section
    for rid in (ID_A, ID_B, ID_D):
        assert f'href="small-rigorous-brief.html#rule-{rid}"' in html
    assert f'href="small-rigorous-brief.html#failed-{ID_C}"' in html


def test_state_heatmap_marks_unknown_days_apart():
    view = small_run()
    fig = state_heatmap(view.state_values, view.state_known)
    z = decode_array(fig["data"][0]["z"])
    # rows: transit, fear, weekend; fear is unknown on idx 8 only
    assert z.shape == (3, 12)
    assert z[1].tolist() == [0, 1, 1, 0, 0, 1, 1, 0, 2, 0, 0, 1]
    assert (z == 2).sum() == 1
    assert fig["data"][0]["customdata"][1][8] == "unknown"
    assert state_codes(view.state_values, view.state_known).tolist() == z.tolist()


def test_signals_panels_visibility_and_escaped_post_titles():
    days = pd.date_range("2020-03-01", periods=3, name="date")
    signals = pd.DataFrame(
        {
            "date": list(days) * 3,
            "signal": ["mobility.transit"] * 3 + ["social.posts"] * 3 + ["social.sentiment"] * 3,
            "value": [-10.0, -40.0, -45.0, 2.0, np.nan, 3.0, 0.1, np.nan, -0.4],
            "status": ["observed"] * 9,
        }
    )
    posts = pd.DataFrame({"date": [days[2]], "post_id": ["a"], "title": [HOSTILE]})
    phases = (Phase("spread", date(2020, 3, 2), date(2020, 3, 3)),)
    fig = signals_figure(
        signals,
        key_signals=["social.sentiment"],
        phases=phases,
        holdout_start=date(2020, 3, 3),
        posts=posts,
    )
    names = [t["name"] for t in fig["data"]]
    assert names == ["mobility.transit", "social.sentiment", "social.posts"]
    # mobility has no key signal: its first signals are drawn; posts are always drawn
    assert [t["visible"] for t in fig["data"]] == [True, True, True]
    posts_trace = fig["data"][2]
    assert posts_trace["hovertext"][2].endswith("• &lt;script&gt;alert(1)&lt;/script&gt;")
    assert posts_trace["hovertext"][1] == "social.posts<br>2020-03-02: no data"
    notes = [a["text"] for a in fig["layout"]["annotations"]]
    assert [n for n in notes if n in ("spread", "holdout starts")] == ["spread", "holdout starts"]


def test_cover_edges_and_layout_of_a_diamond():
    concepts = pd.DataFrame(
        {
            "concept_id": [0, 1, 2, 3],
            "intent": [(), ("a.x:on",), ("b.y:on",), ("a.x:on", "b.y:on")],
            "extent_size": [10, 6, 5, 2],
            "support": [1.0, 0.6, 0.5, 0.2],
            "stability": [1.0, 0.9, 0.8, 0.5],
            "date_ranges": [("2020-03-01..2020-03-10",), (), (), ("2020-03-02", "2020-03-05")],
        }
    )
    assert cover_edges(concepts["intent"].tolist()) == ((0, 1), (0, 2), (1, 3), (2, 3))
    layout = hasse_layout(concepts)
    assert layout.ids == (0, 1, 2, 3)
    assert layout.y == (0, -1, -1, -2)
    assert layout.edges == ((0, 1), (0, 2), (1, 3), (2, 3))
    assert layout.labels == ("", "x: on", "y: on", "")  # reduced labelling
    assert layout.x == (0.5, 0.25, 0.75, 0.5)


def test_kept_concepts_are_an_upward_closed_hasse_diagram(sample):
    """With max_nodes, the restricted cover edges equal the covers computed from intents."""
    layout = hasse_layout(sample.concepts, sample.concept_edges, max_nodes=15)
    rows = sample.concepts.set_index("concept_id").loc[list(layout.ids)]
    independent = cover_edges(rows["intent"].tolist())
    assert layout.edges == tuple(sorted((layout.ids[a], layout.ids[b]) for a, b in independent))
    assert layout.total == len(sample.concepts)
    assert all(-y == len(i) for y, i in zip(layout.y, rows["intent"], strict=True))


def test_rule_figures_on_the_small_run():
    view = small_run()
    scatter = rules_scatter(view.rules)["data"][0]
    assert decode_array(scatter["x"]).tolist() == [6, 6, 6, 6]
    assert scatter["marker"]["symbol"] == ["circle", "diamond", "x", "circle"]
    assert scatter["hovertext"][0].startswith("<b>When transit: drop, expect fear: present 1 day")
    heat = lead_heatmap(view.rules)["data"][0]
    z = decode_array(heat["z"]).astype(float)
    counts = dict(zip(heat["y"], z.tolist(), strict=True))
    # A: mobility -> fear, lead 1; B: social -> transit, lead 0; D: calendar -> transit, lead 1
    assert counts["mobility → social.fear:present"][1] == 1
    assert counts["social → mobility.transit:drop"][0] == 1
    assert counts["calendar → mobility.transit:drop"][1] == 1
    assert np.nansum(z) == 3  # C failed: not counted
    holdout = holdout_figure(view.rules, view.validations)
    passed, failed = holdout["data"][1], holdout["data"][2]
    assert (len(decode_array(passed["x"])), len(decode_array(failed["x"]))) == (4, 2)
    assert failed["marker"]["size"] == [7, 12]  # B's fold 1, C's fold 0 (the holdout)


def test_report_does_not_modify_its_inputs(sample):
    frames = {
        n: getattr(sample, n).copy(deep=True)
        for n in ("rules", "validations", "concepts", "signals")
    }
    render_report(sample, max_nodes=20)
    for name, frame in frames.items():
        pd.testing.assert_frame_equal(getattr(sample, name), frame)


def test_a_run_read_back_from_the_store_renders_the_same_cards(sample, tmp_path):
    """Write the sample run to DuckDB, read it back, and brief it without the per-day states."""
    from datetime import UTC, datetime

    from crisis_fca.config import parse_case
    from crisis_fca.render import brief_cards, render_brief, run_view
    from crisis_fca.store import RunRecord, read_run, write_run
    from crisis_fca.store.schema import table

    frames = {
        name: getattr(sample, name)[[c.name for c in table(name).data_columns]]
        for name in ("rules", "validations", "states", "coverage", "concepts", "signals")
    }
    record = RunRecord(
        case="sample-city",
        profile="rigorous",
        config_hash="5a3p1e0c0n1f",
        data_checksums={},
        code_version="0.1.0",
        started=datetime(2020, 9, 1, tzinfo=UTC),
    )
    db = tmp_path / "store.duckdb"
    run_id = write_run(db, record, frames)
    case = parse_case(
        {
            "case": {"name": "sample-city", "title": sample.meta.title},
            "window": {"start": "2020-03-01", "end": "2020-08-31"},
            "sources": [{"name": "g", "kind": "pems", "domain": "mobility", "path": "p.csv"}],
            "playbook": sample.playbook.model_dump(),
        }
    )
    view = run_view(read_run(db, run_id), case, generated=date(2020, 9, 1))
    stored, direct = brief_cards(view), brief_cards(sample)
    assert [c.rule_id for c in stored] == [c.rule_id for c in direct]
    assert [round(c.score, 12) for c in stored] == [round(c.score, 12) for c in direct]
    # without the per-day states, persistence comes from the stored holdout precisions
    assert [c.evidence.beats_persistence for c in stored] == [
        c.evidence.beats_persistence for c in direct
    ]
    assert all(set(s.caveats) <= set(d.caveats) for s, d in zip(stored, direct, strict=True))
    assert stored[0].firings == ()
    html = render_brief(view)
    assert run_id in html
    assert 'id="no-history"' in html
    assert len(report_figures(view)) == 6
