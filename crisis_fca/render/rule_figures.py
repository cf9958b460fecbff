"""Rule figures of the report: support x confidence, lead-time heatmap, training vs holdout.

Each function returns a figure dict in the Plotly JSON schema
(:mod:`~crisis_fca.render.figjson`). Inputs are the store's ``rules`` and ``validations``
frames (never modified). Rule texts in
hovers are HTML-escaped (Plotly interprets a few tags in labels). The lead time on the
heatmap is the warning time of :func:`crisis_fca.render.score.lead_time`, the same number
the brief's cards show.
"""

from __future__ import annotations

import html
from typing import Any

import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.figjson import BLUES, VIRIDIS, Figure, Trace, figure, typed_array
from crisis_fca.render.score import NEUTRAL_DOMAINS, lead_time
from crisis_fca.render.view import records

__all__ = ["holdout_figure", "lead_heatmap", "rules_scatter"]

_SYMBOLS = {"predictive": "circle", "stable_same_day": "diamond", "failed": "x"}
_CLASS_NAMES = {"predictive": "predictive", "stable_same_day": "same-day", "failed": "failed"}
_FOLD_FIELDS = [
    "premise",
    "consequent",
    "lead",
    "fold",
    "test_start",
    "test_end",
    "train_confidence",
    "test_confidence",
    "test_lift",
    "reason",
]
"""What a check's hover reads (of the validations merged with their rules)."""


def rules_scatter(rules: pd.DataFrame) -> Figure:
    """Support (days premise and outcome held) x confidence, coloured by lift."""
    lifts = pd.to_numeric(rules["lift"], errors="coerce")
    finite = lifts[lifts.abs() != float("inf")].dropna()
    cmax = float(finite.max()) if len(finite) else 2.0
    conf = rules["confidence"].astype(float)
    data: list[Trace] = [
        {
            "type": "scatter",
            "x": typed_array(rules["support_days"].astype(float)),
            "y": typed_array(conf),
            "mode": "markers",
            "name": "rules",
            "showlegend": False,
            "error_y": {
                "type": "data",
                "symmetric": False,
                "array": typed_array(rules["ci_high"].astype(float) - conf),
                "arrayminus": typed_array(conf - rules["ci_low"].astype(float)),
                "thickness": 1,
                "color": "#b8c0cc",
            },
            "marker": {
                "symbol": [_SYMBOLS.get(str(c), "square") for c in rules["rule_class"]],
                "size": 11,
                "color": typed_array(lifts.clip(upper=cmax).fillna(1.0)),
                "coloraxis": "coloraxis",
                "line": {"color": "#1d2330", "width": 0.5},
            },
            "hovertext": [_rule_hover(r) for r in records(rules)],
            "hoverinfo": "text",
        }
    ]
    data.extend(  # legend entries for the marker shapes
        {
            "type": "scatter",
            "x": [None],
            "y": [None],
            "mode": "markers",
            "name": _CLASS_NAMES[cls],
            "marker": {"symbol": symbol, "size": 10, "color": "#8a8f99"},
        }
        for cls, symbol in _SYMBOLS.items()
    )
    layout: dict[str, Any] = {
        "title": {"text": "Rules: support x confidence (colour = lift; bars = 95 % interval)"},
        "xaxis": {"title": {"text": "days the trigger and the outcome both held"}},
        "yaxis": {"title": {"text": "confidence"}, "tickformat": ".0%", "range": [0, 1.05]},
        "coloraxis": {
            "colorscale": VIRIDIS,
            "cmin": 1.0,
            "cmax": max(cmax, 1.01),
            "colorbar": {"title": {"text": "lift"}},
        },
        "height": 480,
        "margin": {"l": 60, "r": 20, "t": 80, "b": 50},
        "hovermode": "closest",
        "legend": {"orientation": "h", "x": 0, "y": 1.02, "yanchor": "bottom"},
    }
    return figure(data, _empty_note(layout, rules.empty, "No rules in this run."))


def lead_heatmap(rules: pd.DataFrame) -> Figure:
    """Validated rules by (premise domains -> outcome) x lead time; colour = count."""
    kept = rules[rules["rule_class"] != "failed"]
    rows = [
        (
            _domains(r["premise"]),
            tx.split_item(str(r["consequent"]))[0],
            lead_time(tuple(r["premise"]), int(r["lead"])),
            float(r["lift"]),
        )
        for r in records(kept)
    ]
    frame = pd.DataFrame(rows, columns=["domains", "outcome", "lead", "lift"])
    frame["row"] = frame["domains"] + " → " + frame["outcome"]
    leads = list(range(max([7, *frame["lead"].tolist()]) + 1))
    counts = frame.pivot_table(index="row", columns="lead", values="lift", aggfunc="count").reindex(
        columns=leads
    )
    best = frame.pivot_table(index="row", columns="lead", values="lift", aggfunc="max").reindex(
        columns=leads
    )
    labels = [html.escape(str(r)) for r in counts.index]
    hover = [
        [
            f"{lab}<br>lead {lead} d: {_count(c)} rule(s), best lift {tx.fmt_num(b)}"
            for lead, c, b in zip(leads, cr, br, strict=True)
        ]
        for lab, cr, br in zip(labels, counts.to_numpy(), best.to_numpy(), strict=True)
    ]
    heat = {
        "type": "heatmap",
        "z": typed_array(counts.to_numpy()),
        "x": leads,
        "y": labels,
        "colorscale": BLUES,
        "hovertext": hover,
        "hoverinfo": "text",
        "zmin": 0,
        "zmax": max(float(counts.fillna(0).to_numpy(dtype=float).max(initial=0)), 1.0),
        "texttemplate": "%{z}",
        "colorbar": {"title": {"text": "rules"}, "dtick": 1},
        "xgap": 2,
        "ygap": 2,
    }
    layout: dict[str, Any] = {
        "title": {
            "text": "Lead times of validated rules: trigger domains → outcome, by days of warning"
        },
        "xaxis": {"title": {"text": "lead time (days)"}, "dtick": 1},
        "yaxis": {"automargin": True},
        "height": max(260, 30 * len(labels) + 130),
        "margin": {"l": 20, "r": 20, "t": 50, "b": 50},
    }
    note = "No validated rules: nothing to place by lead time."
    return figure([heat], _empty_note(layout, kept.empty, note))


def holdout_figure(rules: pd.DataFrame, validations: pd.DataFrame) -> Figure:
    """Training vs holdout confidence, one point per rule and fold (big = fold 0)."""
    merged = validations.merge(
        rules[["rule_id", "premise", "consequent", "lead", "rule_class"]], on="rule_id", how="inner"
    )
    data: list[Trace] = [
        {
            "type": "scatter",
            "x": [0, 1],
            "y": [0, 1],
            "mode": "lines",
            "name": "no change",
            "hoverinfo": "skip",
            "line": {"color": "#8a8f99", "dash": "dot", "width": 1},
        }
    ]
    sentences: dict[tuple[tuple[str, ...], str, int], str] = {}  # a rule has several checks
    for passed, colour, name in ((True, "#1e7b46", "passed"), (False, "#b3261e", "failed")):
        part = merged[merged["passed"].fillna(False).astype(bool) == passed]
        if part.empty:
            continue
        data.append(
            {
                "type": "scatter",
                "x": typed_array(part["train_confidence"].astype(float)),
                "y": typed_array(part["test_confidence"].astype(float)),
                "mode": "markers",
                "name": name,
                "marker": {
                    "color": colour,
                    "size": [12 if f == 0 else 7 for f in part["fold"]],
                    "opacity": 0.85,
                },
                "hovertext": [_fold_hover(r, sentences) for r in records(part[_FOLD_FIELDS])],
                "hoverinfo": "text",
            }
        )
    layout: dict[str, Any] = {
        "title": {
            "text": "Training vs holdout confidence (below the dotted line = worse on later days)"
        },
        "xaxis": {
            "title": {"text": "training confidence"},
            "tickformat": ".0%",
            "range": [0, 1.02],
        },
        "yaxis": {"title": {"text": "holdout confidence"}, "tickformat": ".0%", "range": [0, 1.02]},
        "height": 480,
        "margin": {"l": 60, "r": 20, "t": 50, "b": 50},
        "hovermode": "closest",
    }
    note = "No out-of-sample checks recorded for this run."
    return figure(data, _empty_note(layout, merged.empty, note))


def _rule_hover(r: dict[str, Any]) -> str:
    premise = tuple(str(p) for p in r["premise"])
    consequent = tx.split_item(str(r["consequent"]))[0]
    sentence = tx.rule_sentence(premise, consequent, int(r["lead"]), {})
    low, high = tx.fmt_pct(float(r["ci_low"])), tx.fmt_pct(float(r["ci_high"]))
    days = f"{int(r['support_days'])} of {int(r['premise_days'])} trigger days"
    return (
        f"<b>{html.escape(sentence)}</b><br>{_CLASS_NAMES.get(str(r['rule_class']), '?')}"
        f"<br>confidence {tx.fmt_pct(float(r['confidence']))} ({low}–{high})"
        f"<br>lift {tx.fmt_num(float(r['lift']))}, q {tx.fmt_q(float(r['q_value']))}, {days}"
    )


def _fold_hover(r: dict[str, Any], sentences: dict[tuple[tuple[str, ...], str, int], str]) -> str:
    """One check's hover; ``sentences`` keeps each rule's (escaped) sentence once worked out."""
    key = (
        tuple(str(p) for p in r["premise"]),
        tx.split_item(str(r["consequent"]))[0],
        int(r["lead"]),
    )
    sentence = sentences.get(key)
    if sentence is None:
        sentence = sentences[key] = html.escape(tx.rule_sentence(*key, {}))
    reason = "" if pd.isna(r["reason"]) else html.escape(str(r["reason"]))
    tested = f"{pd.Timestamp(r['test_start']).date()}..{pd.Timestamp(r['test_end']).date()}"
    train, test = tx.fmt_pct(float(r["train_confidence"])), tx.fmt_pct(float(r["test_confidence"]))
    return (
        f"<b>{sentence}</b><br>fold {int(r['fold'])}: tested {tested}"
        f"<br>training {train} → holdout {test}, lift {tx.fmt_num(float(r['test_lift']))}"
        f"<br>{reason}"
    )


def _domains(premise: Any) -> str:
    found = sorted({tx.split_item(str(p))[0].split(".", 1)[0] for p in premise})
    named = [d for d in found if d not in NEUTRAL_DOMAINS] or found
    return " + ".join(named)


def _count(value: float) -> int:
    return 0 if pd.isna(value) else int(value)


def _empty_note(layout: dict[str, Any], empty: bool, message: str) -> dict[str, Any]:
    """``layout``, with ``message`` across the middle of the plot when the figure is empty."""
    if empty:
        layout["annotations"] = [
            {
                "text": message,
                "x": 0.5,
                "y": 0.5,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "font": {"size": 14, "color": "#5b6475"},
            }
        ]
    return layout
