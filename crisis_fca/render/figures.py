"""Time-series figures of the report: signals with state bands and phases, state heatmap.

Each function returns a figure dict in the Plotly JSON schema (:mod:`~crisis_fca.render.figjson`:
``{"data": [...], "layout": {...}}``, JSON-ready) and never modifies its inputs. Unknown
state-days get their own colour (amber), distinct from "held" and "not held": a day without
data is missing, never calm. Text that comes from data (post titles, state and signal names)
is HTML-escaped before it reaches Plotly, whose labels interpret a few HTML tags, so a title
like ``<script>alert(1)</script>`` is shown as text.

The signals figure stacks one panel per domain on a shared date axis, laid out as
``plotly.subplots.make_subplots(rows=n, cols=1, shared_xaxes=True, vertical_spacing=0.04,
row_heights=..., subplot_titles=...)`` lays it out (:func:`_panels_layout`, same domains,
anchors and titles), and shades phases and marks the holdout start on every panel as
``add_vrect`` / ``add_vline`` do.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

from crisis_fca.render.figjson import Figure, Trace, figure, iso_days, typed_array
from crisis_fca.render.text import state_label
from crisis_fca.render.view import Phase

__all__ = ["STATE_COLOURS", "signals_figure", "state_codes", "state_heatmap"]

STATE_COLOURS = {"not held": "#e9edf3", "held": "#1f5fa8", "unknown": "#f0a35e"}
_SCALE = [
    [0.0, STATE_COLOURS["not held"]],
    [1 / 3, STATE_COLOURS["not held"]],
    [1 / 3, STATE_COLOURS["held"]],
    [2 / 3, STATE_COLOURS["held"]],
    [2 / 3, STATE_COLOURS["unknown"]],
    [1.0, STATE_COLOURS["unknown"]],
]
_WORDS = np.array(["not held", "held", "unknown"])
_TITLES_PER_DAY = 3
_SHOWN_PER_PANEL = 1
_SPACING = 0.04
"""Vertical space between the signals figure's panels (fraction of the plot height)."""


def state_codes(values: pd.DataFrame, known: pd.DataFrame) -> np.ndarray:
    """states x days codes: 0 not held, 1 held, 2 unknown.

    Example:
        >>> days = pd.date_range("2020-03-01", periods=3)
        >>> v = pd.DataFrame({"s": [True, False, False]}, index=days)
        >>> k = pd.DataFrame({"s": [True, True, False]}, index=days)
        >>> state_codes(v, k).tolist()
        [[1, 0, 2]]
    """
    held = values.to_numpy(dtype=bool) & known.to_numpy(dtype=bool)
    codes = np.where(known.to_numpy(dtype=bool), held.astype(int), 2)
    return codes.T


def state_heatmap(values: pd.DataFrame, known: pd.DataFrame, states: Sequence[str] = ()) -> Figure:
    """Days x states: held (blue), not held (light), unknown (amber)."""
    chosen = [s for s in states if s in values.columns] or list(values.columns)
    codes = state_codes(values[chosen], known[chosen])
    days = pd.DatetimeIndex(values.index).strftime("%Y-%m-%d")
    names = [html.escape(s) for s in chosen]
    heat = {
        "type": "heatmap",
        "z": typed_array(codes),
        "x": list(days),
        "y": names,
        "customdata": _WORDS[codes].tolist(),
        "zmin": 0,
        "zmax": 2,
        "colorscale": _SCALE,
        "colorbar": {
            "tickvals": [1 / 3, 1, 5 / 3],
            "ticktext": _WORDS.tolist(),
            "title": {"text": "state"},
        },
        "hovertemplate": "%{y}<br>%{x}: %{customdata}<extra></extra>",
        "xgap": 0,
        "ygap": 1,
    }
    return figure(
        [heat],
        {
            "title": {"text": "State activation by day (amber = unknown: no data that day)"},
            "height": max(300, 22 * len(chosen) + 120),
            "margin": {"l": 20, "r": 20, "t": 50, "b": 40},
            "yaxis": {"autorange": "reversed", "automargin": True},
        },
    )


def signals_figure(
    signals: pd.DataFrame,
    *,
    key_signals: Sequence[str] = (),
    band_values: pd.DataFrame | None = None,
    band_known: pd.DataFrame | None = None,
    phases: Sequence[Phase] = (),
    holdout_start: date | None = None,
    posts: pd.DataFrame | None = None,
) -> Figure:
    """Signals over time, one panel per domain, a strip of key states, phases shaded.

    ``signals`` is the store's long frame (date, signal, value, status). Signals in
    ``key_signals`` (those behind the briefed rules) are drawn, or the first one of a
    panel that has none; the others start hidden and can be switched on in the legend.
    ``social.posts`` is always drawn, and its hovers show the day's first post titles.
    """
    wide = signals.pivot_table(
        index="date", columns="signal", values="value", aggfunc="first", dropna=False
    )
    index = pd.DatetimeIndex(wide.index)
    panels = sorted({_panel(str(s)) for s in wide.columns})
    strip = _strip(band_values, band_known)
    n_band = 0 if strip is None else len(strip["y"])
    layout = _panels_layout(
        [*panels, *(["key states"] if n_band else [])],
        [1.0] * len(panels) + ([0.1 + 0.1 * n_band] if n_band else []),
    )
    x = iso_days(index)  # one list shared by every line (all are on the same days)
    days = [d.date() for d in index]
    day_text = [str(d) for d in days]
    titles = _titles_by_day(posts)
    data: list[Trace] = []
    for row, panel in enumerate(panels, start=1):
        names = sorted(str(c) for c in wide.columns if _panel(str(c)) == panel)
        shown = [n for n in names if n in key_signals] or names[:_SHOWN_PER_PANEL]
        for name in names:
            line = _line(wide[name], name, shown, x=x, days=days, day_text=day_text, titles=titles)
            data.append({**line, **_axes(row)})
    if strip is not None:
        data.append({**strip, **_axes(len(panels) + 1)})
    _shade(layout, len(panels) + int(strip is not None), phases, holdout_start)
    layout.update(
        title={"text": "Signals over time, with crisis phases and the holdout period"},
        height=220 * len(panels) + (40 + 22 * n_band if n_band else 0) + 80,
        margin={"l": 60, "r": 20, "t": 70, "b": 40},
        hovermode="closest",
        legend={"orientation": "v", "font": {"size": 10}},
    )
    return figure(data, layout)


def _panels_layout(titles: Sequence[str], weights: Sequence[float]) -> dict[str, Any]:
    """Axes and panel titles of ``len(titles)`` stacked panels sharing the bottom x axis.

    The numbers are those of ``make_subplots(rows=n, cols=1, shared_xaxes=True,
    vertical_spacing=0.04, row_heights=weights, subplot_titles=titles)``: panel heights
    in proportion to ``weights`` after the gaps, domains from the bottom up, top panel
    first; every x axis but the bottom one matches it and hides its tick labels.

    Example:
        >>> lay = _panels_layout(["a", "b"], [1.0, 1.0])
        >>> lay["yaxis"]["domain"], lay["yaxis2"]["domain"], lay["xaxis"]["matches"]
        ([0.52, 1.0], [0.0, 0.48], 'x2')
    """
    n = len(titles)
    total = float(sum(weights))
    heights = [(1.0 - _SPACING * (n - 1)) * (w / total) for w in weights][::-1]
    layout: dict[str, Any] = {}
    annotations: list[dict[str, Any]] = []
    for r in range(n):
        k = n - 1 - r  # panels are counted from the bottom
        start = sum(heights[:k]) + k * _SPACING
        low, high = _unit(start + 0.0), _unit(start + heights[-1 - r] - 0.0)
        suffix = str(r + 1) if r else ""
        layout[f"xaxis{suffix}"] = {"anchor": f"y{suffix}", "domain": [0.0, 1.0]}
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": [low, high]}
        if titles[r]:
            annotations.append(
                {
                    "font": {"size": 16},
                    "showarrow": False,
                    "text": titles[r],
                    "x": 0.5,
                    "xanchor": "center",
                    "xref": "paper",
                    "y": high,
                    "yanchor": "bottom",
                    "yref": "paper",
                }
            )
    bottom = f"x{n}" if n > 1 else "x"
    for r in range(n - 1):
        layout[f"xaxis{r + 1 if r else ''}"].update(matches=bottom, showticklabels=False)
    layout["annotations"] = annotations
    return layout


def _unit(value: float) -> float:
    """A domain end nudged into [0, 1] (float error of the sums), as make_subplots does."""
    return 0.0 if -0.01 < value < 0.0 else 1.0 if 1.0 < value < 1.01 else value


def _axes(row: int) -> dict[str, str]:
    """The axes of panel ``row`` (1 = top) as a trace names them."""
    suffix = str(row) if row > 1 else ""
    return {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}


def _strip(values: pd.DataFrame | None, known: pd.DataFrame | None) -> Trace | None:
    """The key-states strip under the signals (None without states)."""
    if values is None or known is None or values.shape[1] == 0:
        return None
    codes = state_codes(values, known)
    return {
        "type": "heatmap",
        "z": typed_array(codes),
        "x": iso_days(list(values.index)),
        "y": [html.escape(state_label(str(s))) for s in values.columns],
        "customdata": _WORDS[codes].tolist(),
        "zmin": 0,
        "zmax": 2,
        "colorscale": _SCALE,
        "showscale": False,
        "hovertemplate": "%{y}<br>%{x|%Y-%m-%d}: %{customdata}<extra></extra>",
        "ygap": 1,
    }


def _line(
    series: pd.Series,
    name: str,
    key: Sequence[str],
    *,
    x: list[str],
    days: list[date],
    day_text: list[str],
    titles: dict[date, str],
) -> Trace:
    """One signal's line; ``x``, ``days`` and ``day_text`` are its index, precomputed."""
    values = series.to_numpy(dtype=float)
    label = html.escape(name)
    hover = [
        f"{label}<br>{d}: {v:.3g}" if math.isfinite(v) else f"{label}<br>{d}: no data"
        for d, v in zip(day_text, values.tolist(), strict=True)
    ]
    if name == "social.posts" and titles:
        hover = [h + titles.get(d, "") for h, d in zip(hover, days, strict=True)]
    shown = name in key or name == "social.posts"
    return {
        "type": "scatter",
        "x": x,
        "y": typed_array(values),
        "mode": "lines+markers" if name == "social.posts" else "lines",
        "name": label,
        "hovertext": hover,
        "hoverinfo": "text",
        "marker": {"size": 4},
        "line": {"width": 1.4},
        "connectgaps": False,
        "visible": True if shown else "legendonly",
    }


def _panel(signal: str) -> str:
    """The panel a signal is drawn in: its domain, with counts apart from scores.

    Example:
        >>> _panel("social.fear_posts"), _panel("social.sentiment"), _panel("mobility.tti")
        ('social (post counts)', 'social', 'mobility')
    """
    domain = signal.split(".", 1)[0]
    return f"{domain} (post counts)" if signal.endswith("posts") else domain


def _titles_by_day(posts: pd.DataFrame | None) -> dict[date, str]:
    """Per day, the first post titles (by post id), escaped, as hover lines."""
    if posts is None or posts.empty:
        return {}
    frame = posts.assign(_day=pd.to_datetime(posts["date"]).dt.date).sort_values(
        ["_day", "post_id"]
    )
    frame = frame[frame["_day"].notna()]  # as groupby: posts without a date have no day
    firsts: dict[date, list[str]] = {}
    for day, title in zip(frame["_day"].tolist(), frame["title"].tolist(), strict=True):
        lines = firsts.setdefault(day, [])
        if len(lines) < _TITLES_PER_DAY:
            # quotes stay as they are: Plotly shows "&quot;" literally, and with < > &
            # escaped no tag can form (quote=True printed every quoted headline wrong)
            lines.append(html.escape(" ".join(str(title).split())[:90], quote=False))
    return {
        day: "<br>" + "<br>".join(f"• {line}" for line in lines) for day, lines in firsts.items()
    }


def _shade(
    layout: dict[str, Any], panels: int, phases: Sequence[Phase], holdout_start: date | None
) -> None:
    """Phases shaded and the holdout start marked on every panel (as ``add_vrect``/``vline``)."""
    palette = [
        "rgba(179,38,30,0.10)",
        "rgba(179,107,0,0.10)",
        "rgba(30,123,70,0.10)",
        "rgba(107,79,160,0.10)",
    ]
    names = list(dict.fromkeys(p.name for p in phases))
    shapes: list[dict[str, Any]] = []
    notes = layout["annotations"]
    for phase in phases:
        start = pd.Timestamp(phase.start).isoformat()
        end = (pd.Timestamp(phase.end) + pd.Timedelta(hours=23)).isoformat()
        colour = palette[names.index(phase.name) % len(palette)]
        shapes.extend(
            {
                "type": "rect",
                "x0": start,
                "x1": end,
                "y0": 0,
                "y1": 1,
                "fillcolor": colour,
                "line": {"width": 0},
                "layer": "below",
                **_refs(row),
            }
            for row in range(1, panels + 1)
        )
        notes.append(
            {
                "x": start,
                "y": 1.0,
                "yref": "paper",
                "text": html.escape(phase.name.replace("_", " ")),
                "showarrow": False,
                "xanchor": "left",
                "yanchor": "bottom",
                "font": {"size": 10},
            }
        )
    if holdout_start is not None:
        at = pd.Timestamp(holdout_start).isoformat()
        shapes.extend(
            {
                "type": "line",
                "x0": at,
                "x1": at,
                "y0": 0,
                "y1": 1,
                "line": {"color": "#5b6475", "dash": "dash", "width": 1},
                **_refs(row),
            }
            for row in range(1, panels + 1)
        )
        notes.append(
            {
                "x": at,
                "y": 1.0,
                "yref": "paper",
                "text": "holdout starts",
                "showarrow": False,
                "xanchor": "left",
                "font": {"size": 10, "color": "#5b6475"},
            }
        )
    if shapes:
        layout["shapes"] = shapes


def _refs(row: int) -> dict[str, str]:
    """A shape spanning panel ``row``'s height at x positions on its x axis."""
    axes = _axes(row)
    return {"xref": axes["xaxis"], "yref": f"{axes['yaxis']} domain"}
