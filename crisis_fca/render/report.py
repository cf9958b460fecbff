"""The interactive report: one self-contained HTML page of Plotly figures per run.

plotly.js is inlined once in the page head (the bundle shipped with the ``plotly``
package), never fetched from a CDN, so the page renders offline; its Content-Security-Policy
allows inline scripts and styles only. The figures are built as plain dicts in the Plotly
JSON schema (:mod:`~crisis_fca.render.figjson`; no ``plotly.graph_objects``) and travel as
one JSON document, serialised once, inside a ``<script type="application/json">`` element
with ``<``, ``>`` and ``&`` escaped as ``\\u003c`` etc., so no data can close the element;
a small bootstrap script draws each figure and marks its container ``data-rendered="1"``.
Figures whose inputs the view lacks are replaced by a note saying so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
from markupsafe import Markup

from crisis_fca.render import text as tx
from crisis_fca.render.brief import brief_filename
from crisis_fca.render.cards import ACTIONABLE, brief_cards
from crisis_fca.render.env import TEMPLATES_DIR, inline_file, jinja_env, write_atomic
from crisis_fca.render.figjson import Figure, figure_json, plotly_js, script_json
from crisis_fca.render.figures import signals_figure, state_heatmap
from crisis_fca.render.hasse import MAX_NODES, hasse_figure
from crisis_fca.render.header import header
from crisis_fca.render.rule_figures import holdout_figure, lead_heatmap, rules_scatter
from crisis_fca.render.score import lead_time
from crisis_fca.render.streams import state_signals
from crisis_fca.render.view import RunView, records

__all__ = [
    "CAPTIONS",
    "FigureSpec",
    "render_report",
    "report_figures",
    "write_report",
]

_KEY_STATES = 8
_PLOT_CONFIG = {"responsive": True, "displaylogo": False, "scrollZoom": False}


@dataclass(frozen=True)
class FigureSpec:
    """One report section: its element id, heading, how to read it, and the figure."""

    id: str
    title: str
    caption: str
    figure: Figure | None
    """The figure as a Plotly JSON dict (:mod:`~crisis_fca.render.figjson`)."""
    missing: str = ""
    """Why the figure is absent (set when ``figure`` is None)."""


CAPTIONS = {
    "fig-signals": (
        "Daily signals by domain (hidden ones can be switched on in the legend); the strip at "
        "the bottom shows the states the briefed rules use (amber = unknown). Shaded: crisis "
        "phases; dashed: where the holdout period starts. Hover the posts line for the day's "
        "first post titles."
    ),
    "fig-states": (
        "Each row is a behavioural state, each column a day. Blue: the state held; light: it "
        "did not; amber: unknown (no data that day, never counted as calm)."
    ),
    "fig-lattice": (
        "Each node is a formal concept: a set of days (extent) that share exactly a set of "
        "states (intent). Lines join a concept to the ones directly below it; lower concepts "
        "share more states on fewer days. Node size = days, colour = stability; labels name "
        "the states a concept introduces. Hover a node for its intent, days and stability."
    ),
    "fig-rules": (
        "Each marker is a rule: how many days trigger and outcome held together (x), how often "
        "the outcome followed the trigger (y, with its 95 % interval), and lift (colour). "
        "Circles are predictive, diamonds same-day, crosses failed validation."
    ),
    "fig-leads": (
        "How many validated rules link each combination of trigger domains and outcome, by "
        "days of warning (0 = same day)."
    ),
    "fig-holdout": (
        "Each point is a rule on one out-of-sample check (large: the chronological holdout; "
        "small: rolling folds). Points below the dotted line did worse on days the rule had "
        "never seen; red ones failed."
    ),
}
"""How to read each figure, shown above it."""


def report_figures(view: RunView, *, max_nodes: int = MAX_NODES) -> tuple[FigureSpec, ...]:
    """The report's six sections, in page order."""
    has_states = view.state_values is not None and view.state_known is not None
    has_lattice = view.concepts is not None and len(view.concepts) > 0
    states = (
        state_heatmap(view.state_values, view.state_known)  # type: ignore[arg-type]
        if has_states
        else None
    )
    lattice = (
        hasse_figure(view.concepts, view.concept_edges, max_nodes)  # type: ignore[arg-type]
        if has_lattice
        else None
    )
    return (
        _signals_spec(view, _key_states(view)),
        _spec("fig-states", "States by day", states, "The per-day states were not given."),
        _spec("fig-lattice", "Concept lattice", lattice, "The run has no lattice concepts."),
        _spec("fig-rules", "Rules: support and confidence", rules_scatter(view.rules)),
        _spec("fig-leads", "Lead times", lead_heatmap(view.rules)),
        _spec("fig-holdout", "Training vs holdout", holdout_figure(view.rules, view.validations)),
    )


def _spec(fig_id: str, title: str, figure: Figure | None, missing: str = "") -> FigureSpec:
    return FigureSpec(fig_id, title, CAPTIONS[fig_id], figure, "" if figure else missing)


def render_report(
    view: RunView,
    *,
    brief_href: str | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    max_nodes: int = MAX_NODES,
) -> str:
    """The report of ``view`` as one self-contained HTML page (inputs are not modified)."""
    specs = report_figures(view, max_nodes=max_nodes)
    payload = [
        {"id": s.id, **figure_json(s.figure), "config": _PLOT_CONFIG}
        for s in specs
        if s.figure is not None
    ]
    template = jinja_env(templates_dir).get_template("report.html.j2")
    return template.render(
        h=header(view),
        specs=specs,
        rules=_rule_rows(view),
        brief_href=brief_href or brief_filename(view.meta),
        css=inline_file("crisis.css", templates_dir),
        plotlyjs=Markup(plotly_js()),
        figures_json=Markup(script_json(payload)),
    )


def write_report(
    view: RunView,
    path: str | Path,
    *,
    brief_href: str | None = None,
    templates_dir: Path = TEMPLATES_DIR,
    max_nodes: int = MAX_NODES,
) -> Path:
    """Render the report and write it to ``path`` atomically; return the path."""
    html = render_report(
        view, brief_href=brief_href, templates_dir=templates_dir, max_nodes=max_nodes
    )
    return write_atomic(path, html)


def _signals_spec(view: RunView, key: list[str]) -> FigureSpec:
    if view.signals is None or view.signals.empty:
        return _spec(
            "fig-signals", "Signals over time", None, "The aligned signals were not given."
        )
    streams = sorted({s for state in key for s in state_signals(view, state)})
    values = view.state_values[key] if view.state_values is not None and key else None
    known = view.state_known[key] if view.state_known is not None and key else None
    fig = signals_figure(
        view.signals,
        key_signals=streams,
        band_values=values,
        band_known=known,
        phases=view.phases,
        holdout_start=_holdout_start(view.validations),
        posts=view.posts,
    )
    return _spec("fig-signals", "Signals over time", fig)


def _key_states(view: RunView) -> list[str]:
    """States of the briefed rules in card order (else of all rules), at most eight."""
    ordered = [
        c
        for card in brief_cards(view)
        for c in (*(x.state for x in card.conditions), card.outcome_state)
    ]
    if not ordered:
        ordered = [
            tx.split_item(str(s))[0]
            for r in records(view.rules)
            for s in (*r["premise"], r["consequent"])
        ]
    columns = set(view.state_values.columns) if view.state_values is not None else set()
    return [s for s in dict.fromkeys(ordered) if s in columns][:_KEY_STATES]


def _holdout_start(validations: pd.DataFrame) -> date | None:
    starts = pd.to_datetime(validations.loc[validations["fold"] == 0, "test_start"]).dropna()
    return None if starts.empty else starts.min().date()


def _rule_rows(view: RunView) -> list[dict[str, Any]]:
    order = {"predictive": 0, "stable_same_day": 1, "failed": 2}
    rows = sorted(
        records(view.rules),
        key=lambda r: (order.get(str(r["rule_class"]), 3), str(r["rule_id"])),
    )
    out = []
    for r in rows:
        premise = tuple(str(p) for p in r["premise"])
        consequent = tx.split_item(str(r["consequent"]))[0]
        out.append(
            {
                "rule_id": str(r["rule_id"]),
                "cls": str(r["rule_class"]),
                "actionable": str(r["rule_class"]) in ACTIONABLE,
                "sentence": tx.rule_sentence(premise, consequent, int(r["lead"]), {}),
                "label": tx.rule_label(lead_time(premise, int(r["lead"]))),
                "confidence": tx.fmt_pct(float(r["confidence"])),
                "lift": tx.fmt_num(float(r["lift"])),
                "q": tx.fmt_q(float(r["q_value"]) if not pd.isna(r["q_value"]) else None),
            }
        )
    return out
