"""The report's figures as plain Plotly JSON dicts (crisis_fca.render.figjson).

The figures are built without ``plotly.graph_objects``; these tests check that what they
hold is exactly what Plotly would have written (each dict goes through Plotly's own
validation unchanged, arrays are encoded as plotly.py encodes them, the template and
colour scales are plotly.py's), that each figure shows the run's own rules, days and
values, and that rendering a report never imports Plotly at all.
"""

from __future__ import annotations

import gc
import json
import re
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from test_render_brief import HOSTILE, small_run

from crisis_fca.render import brief_cards, render_report, sample_run
from crisis_fca.render.cards import _CARDS
from crisis_fca.render.evidence import folds_by_rule
from crisis_fca.render.figjson import (
    BLUES,
    VIRIDIS,
    decode_array,
    figure_json,
    finite_or_none,
    plotly_js,
    script_json,
    typed_array,
)
from crisis_fca.render.figures import state_codes
from crisis_fca.render.hasse import MAX_NODES, hasse_layout
from crisis_fca.render.report import report_figures
from crisis_fca.render.streams import state_signals


@pytest.fixture(scope="module")
def sample():
    return sample_run(hostile=HOSTILE + " {{ 7*7 }}")


@pytest.fixture(scope="module")
def specs(sample):
    return {s.id: s for s in report_figures(sample)}


def _plain(value: object) -> object:
    """``value`` as it reads back from the page's JSON."""
    return json.loads(json.dumps(value, allow_nan=False))


# --- the dicts are what Plotly itself would write ------------------------------------------


@pytest.mark.parametrize("view", ["sample", "small"])
def test_each_figure_passes_plotlys_validation_unchanged(view: str, sample):
    """go.Figure(dict) validates every property name and value (an unknown one raises) and
    writes the figure back out: it must come back exactly as built, template included."""
    import plotly.graph_objects as go
    import plotly.io as pio

    run = sample if view == "sample" else small_run()
    for spec in report_figures(run):
        if spec.figure is None:
            continue
        ours = _plain(spec.figure)
        theirs = json.loads(pio.to_json(go.Figure(spec.figure), validate=True))
        assert theirs == ours, spec.id


def test_the_template_bundle_and_colour_scales_are_plotlys():
    import plotly.graph_objects as go
    import plotly.io as pio
    from plotly.io.json import to_json_plotly
    from plotly.offline import get_plotlyjs

    assert plotly_js() == get_plotlyjs()
    template = json.loads(to_json_plotly(pio.templates["plotly"]))
    fig = report_figures(small_run())[1].figure  # the states heatmap
    assert fig is not None
    assert _plain(fig["layout"]["template"]) == template
    for name, ours in (("Viridis", VIRIDIS), ("Blues", BLUES)):
        scale = go.Layout(coloraxis={"colorscale": name}).coloraxis.colorscale
        assert [list(p) for p in scale] == ours, name


@pytest.mark.parametrize(
    "values",
    [
        np.array([0, 1, 2]),
        np.array([-200, 5]),
        np.array([70_000, -3]),
        np.array([2**40, 1]),
        np.array([1, 300], dtype=np.uint64),
        np.array([[1.5, np.nan], [np.inf, -0.0]]),
        np.array([], dtype=float),
        np.array([True, False]),
        pd.Series([0.25, np.nan, 3.0]),
        pd.Series([1.5, None], dtype="Float64"),  # a nullable column read back from DuckDB
        pd.Series([1, 2], dtype="Int64"),
        np.array([1.0, 2.0], dtype=np.float32),
    ],
)
def test_typed_arrays_are_encoded_as_plotly_encodes_them(values):
    from _plotly_utils.utils import to_typed_array_spec

    expected = to_typed_array_spec(values)
    if isinstance(expected, np.ndarray):
        expected = expected.tolist()
    assert typed_array(values) == expected
    np.testing.assert_array_equal(decode_array(typed_array(values)), np.asarray(values))


def test_missing_floats_in_plain_lists_become_null_and_json_never_holds_nan():
    assert finite_or_none([0.5, np.nan, -np.inf]) == [0.5, None, None]
    with pytest.raises(ValueError, match="JSON compliant"):
        script_json({"y": [float("nan")]})
    assert script_json({"t": "</script>&"}) == '{"t": "\\u003c/script\\u003e\\u0026"}'


# --- each figure shows the run's own rules, days and values --------------------------------


def test_the_page_carries_exactly_the_built_figures(sample, specs):
    html = render_report(sample)
    raw = re.search(r'id="figure-data">(.*?)</script>', html, re.S).group(1)  # type: ignore[union-attr]
    page = json.loads(raw)
    assert [f["id"] for f in page] == list(specs)
    for entry in page:
        assert {k: entry[k] for k in ("data", "layout")} == _plain(
            figure_json(specs[entry["id"]].figure)
        )
        assert entry["config"] == {"responsive": True, "displaylogo": False, "scrollZoom": False}


def test_signals_figure_holds_every_signal_on_every_day(sample, specs):
    fig = specs["fig-signals"].figure
    lines = [t for t in fig["data"] if t["type"] == "scatter"]
    wide = sample.signals.pivot_table(
        index="date", columns="signal", values="value", aggfunc="first", dropna=False
    )
    assert sorted(t["name"] for t in lines) == sorted(wide.columns)
    days = [d.isoformat() for d in pd.DatetimeIndex(wide.index)]
    for trace in lines:
        assert trace["x"] == days
        np.testing.assert_array_equal(decode_array(trace["y"]), wide[trace["name"]].to_numpy(float))
        assert len(trace["hovertext"]) == len(days)
    # every line sits on its panel's axes, titled by its domain, panels top to bottom
    titles = [a["text"] for a in fig["layout"]["annotations"] if a.get("font") == {"size": 16}]
    assert titles[-1] == "key states"
    for trace in lines:
        panel = int(trace["yaxis"][1:] or 1)
        assert trace["name"].split(".")[0] in titles[panel - 1]
    tops = [fig["layout"][f"yaxis{k if k > 1 else ''}"]["domain"][1] for k in range(1, 6)]
    assert tops == sorted(tops, reverse=True)
    assert tops[0] == 1.0
    # the strip: the briefed rules' states, coded as on the states figure
    (strip,) = [t for t in fig["data"] if t["type"] == "heatmap"]
    assert strip["yaxis"] == f"y{len(titles)}"
    assert 0 < len(strip["y"]) <= 8
    assert set(np.unique(decode_array(strip["z"]))) <= {0, 1, 2}
    # each phase shaded on every panel, the holdout marked on every panel
    rects = [s for s in fig["layout"]["shapes"] if s["type"] == "rect"]
    assert len(rects) == len(sample.phases) * len(titles)
    lines_v = [s for s in fig["layout"]["shapes"] if s["type"] == "line"]
    assert [s["xref"] for s in lines_v] == ["x", "x2", "x3", "x4", "x5"]
    # the signals a card's states come from are drawn, the others start hidden
    key = {
        s for c in brief_cards(sample) for x in c.conditions for s in state_signals(sample, x.state)
    }
    assert {t["name"] for t in lines if t["visible"] is True} >= key


def test_states_heatmap_is_the_run_states_by_day(sample, specs):
    (heat,) = specs["fig-states"].figure["data"]
    codes = state_codes(sample.state_values, sample.state_known)
    np.testing.assert_array_equal(decode_array(heat["z"]), codes)
    assert heat["x"] == [d.strftime("%Y-%m-%d") for d in sample.state_values.index]
    assert len(heat["y"]) == sample.state_values.shape[1]
    assert any("&lt;script&gt;" in y for y in heat["y"])  # the hostile state, escaped
    words = {0: "not held", 1: "held", 2: "unknown"}
    assert heat["customdata"] == [[words[c] for c in row] for row in codes.tolist()]


def test_rule_figures_hold_every_rule_and_every_check(sample, specs):
    rules = sample.rules
    scatter = specs["fig-rules"].figure["data"]
    assert [t["name"] for t in scatter] == ["rules", "predictive", "same-day", "failed"]
    np.testing.assert_array_equal(
        decode_array(scatter[0]["x"]), rules["support_days"].astype(float)
    )
    np.testing.assert_array_equal(decode_array(scatter[0]["y"]), rules["confidence"].astype(float))
    np.testing.assert_allclose(
        decode_array(scatter[0]["y"]) + decode_array(scatter[0]["error_y"]["array"]),
        rules["ci_high"].astype(float),
    )
    assert len(scatter[0]["hovertext"]) == len(rules)
    (heat,) = specs["fig-leads"].figure["data"]
    kept = int((rules["rule_class"] != "failed").sum())
    assert np.nansum(decode_array(heat["z"])) == kept
    holdout = specs["fig-holdout"].figure["data"]
    checked = sample.validations[sample.validations["rule_id"].isin(rules["rule_id"])]
    passed = checked["passed"].fillna(False).astype(bool)
    assert [t["name"] for t in holdout] == ["no change", "passed", "failed"]
    assert len(holdout[1]["hovertext"]) == int(passed.sum())
    assert len(holdout[2]["hovertext"]) == int((~passed).sum())
    np.testing.assert_array_equal(
        np.sort(decode_array(holdout[1]["y"])),
        np.sort(checked.loc[passed, "test_confidence"].astype(float).to_numpy()),
    )


def test_lattice_figure_draws_the_kept_concepts_and_their_covers(sample, specs):
    covers, nodes = specs["fig-lattice"].figure["data"]
    layout = hasse_layout(sample.concepts, sample.concept_edges)
    assert len(nodes["x"]) == min(MAX_NODES, len(sample.concepts)) == len(layout.ids)
    assert covers["x"].count(None) == len(layout.edges)
    assert [h.split("</b>")[0] for h in nodes["hovertext"]] == [
        f"<b>Concept {cid}" for cid in layout.ids
    ]
    assert nodes["y"] == list(layout.y)


# --- Plotly is not imported, the cards are derived once ------------------------------------


def test_rendering_a_report_does_not_import_plotly():
    code = (
        "import sys\n"
        "from crisis_fca.render import render_report, sample_run\n"
        "html = render_report(sample_run())\n"
        "assert html.count('plotly.js v') == 1\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('plotly', '_plotly_utils')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_cards_are_derived_once_per_view_and_never_outlive_it():
    view = small_run()
    cards = brief_cards(view)
    assert brief_cards(view) is cards
    changed = replace(view, rules=view.rules[view.rules["rule_class"] != "predictive"])
    assert [c.rule_id for c in brief_cards(changed)] == [
        c.rule_id for c in cards if c.label != "PREDICTIVE"
    ]
    held = len(_CARDS)
    del view, changed
    gc.collect()
    assert len(_CARDS) <= held - 2


def test_folds_by_rule_keeps_every_check_in_fold_order(sample):
    folds = folds_by_rule(sample.validations)
    counts = sample.validations.groupby("rule_id").size()
    assert {k: len(v) for k, v in folds.items()} == {str(k): int(n) for k, n in counts.items()}
    assert all([f.fold for f in v] == sorted(f.fold for f in v) for v in folds.values())
    shuffled = sample.validations.sample(frac=1.0, random_state=1)
    assert folds_by_rule(shuffled) == {k: folds[k] for k in folds_by_rule(shuffled)}
