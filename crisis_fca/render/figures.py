"""Time-series figures of the report: signals with state bands and phases, state heatmap.

Each function returns a :class:`plotly.graph_objects.Figure` and never modifies its inputs.
Unknown state-days get their own colour (amber), distinct from "held" and "not held":
a day without data is missing, never calm. Text that comes from data (post titles, state
and signal names) is HTML-escaped before it reaches Plotly, whose labels interpret a few
HTML tags, so a title like ``<script>alert(1)</script>`` is shown as text.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

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


def state_heatmap(
    values: pd.DataFrame, known: pd.DataFrame, states: Sequence[str] = ()
) -> go.Figure:
    """Days x states: held (blue), not held (light), unknown (amber)."""
    chosen = [s for s in states if s in values.columns] or list(values.columns)
    codes = state_codes(values[chosen], known[chosen])
    days = pd.DatetimeIndex(values.index).strftime("%Y-%m-%d")
    names = [html.escape(s) for s in chosen]
    fig = go.Figure(
        go.Heatmap(
            z=codes,
            x=list(days),
            y=names,
            customdata=_WORDS[codes],
            zmin=0,
            zmax=2,
            colorscale=_SCALE,
            colorbar={
                "tickvals": [1 / 3, 1, 5 / 3],
                "ticktext": list(_WORDS),
                "title": {"text": "state"},
            },
            hovertemplate="%{y}<br>%{x}: %{customdata}<extra></extra>",
            xgap=0,
            ygap=1,
        )
    )
    fig.update_layout(
        title={"text": "State activation by day (amber = unknown: no data that day)"},
        height=max(300, 22 * len(chosen) + 120),
        margin={"l": 20, "r": 20, "t": 50, "b": 40},
        yaxis={"autorange": "reversed", "automargin": True},
    )
    return fig


def signals_figure(
    signals: pd.DataFrame,
    *,
    key_signals: Sequence[str] = (),
    band_values: pd.DataFrame | None = None,
    band_known: pd.DataFrame | None = None,
    phases: Sequence[Phase] = (),
    holdout_start: date | None = None,
    posts: pd.DataFrame | None = None,
) -> go.Figure:
    """Signals over time, one panel per domain, a strip of key states, phases shaded.

    ``signals`` is the store's long frame (date, signal, value, status). Signals in
    ``key_signals`` (those behind the briefed rules) are drawn, or the first one of a
    panel that has none; the others start hidden and can be switched on in the legend.
    ``social.posts`` is always drawn, and its hovers show the day's first post titles.
    """
    wide = signals.pivot_table(
        index="date", columns="signal", values="value", aggfunc="first", dropna=False
    )
    wide.index = pd.DatetimeIndex(wide.index)
    panels = sorted({_panel(str(s)) for s in wide.columns})
    strip = _strip(band_values, band_known)
    n_band = 0 if strip is None else len(strip.y)
    fig = make_subplots(
        rows=len(panels) + int(strip is not None),
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.04,
        row_heights=[1.0] * len(panels) + ([0.1 + 0.1 * n_band] if n_band else []),
        subplot_titles=[*panels, *(["key states"] if n_band else [])],
    )
    titles = _titles_by_day(posts)
    for row, panel in enumerate(panels, start=1):
        names = sorted(str(c) for c in wide.columns if _panel(str(c)) == panel)
        shown = [n for n in names if n in key_signals] or names[:_SHOWN_PER_PANEL]
        for name in names:
            fig.add_trace(_line(wide[name], name, shown, titles), row=row, col=1)
    if strip is not None:
        fig.add_trace(strip, row=len(panels) + 1, col=1)
    _shade(fig, phases, holdout_start)
    fig.update_layout(
        title={"text": "Signals over time, with crisis phases and the holdout period"},
        height=220 * len(panels) + (40 + 22 * n_band if n_band else 0) + 80,
        margin={"l": 60, "r": 20, "t": 70, "b": 40},
        hovermode="closest",
        legend={"orientation": "v", "font": {"size": 10}},
    )
    return fig


def _strip(values: pd.DataFrame | None, known: pd.DataFrame | None) -> go.Heatmap | None:
    """The key-states strip under the signals (None without states)."""
    if values is None or known is None or values.shape[1] == 0:
        return None
    codes = state_codes(values, known)
    return go.Heatmap(
        z=codes,
        x=list(values.index),
        y=[html.escape(state_label(str(s))) for s in values.columns],
        customdata=_WORDS[codes],
        zmin=0,
        zmax=2,
        colorscale=_SCALE,
        showscale=False,
        hovertemplate="%{y}<br>%{x|%Y-%m-%d}: %{customdata}<extra></extra>",
        ygap=1,
    )


def _line(series: pd.Series, name: str, key: Sequence[str], titles: dict[date, str]) -> go.Scatter:
    days = [d.date() for d in pd.DatetimeIndex(series.index)]
    hover = [
        f"{html.escape(name)}<br>{d}: {v:.3g}"
        if np.isfinite(v)
        else f"{html.escape(name)}<br>{d}: no data"
        for d, v in zip(days, series.to_numpy(dtype=float), strict=True)
    ]
    if name == "social.posts" and titles:
        hover = [h + titles.get(d, "") for h, d in zip(hover, days, strict=True)]
    shown = name in key or name == "social.posts"
    return go.Scatter(
        x=list(series.index),
        y=series.to_numpy(dtype=float),
        mode="lines+markers" if name == "social.posts" else "lines",
        name=html.escape(name),
        hovertext=hover,
        hoverinfo="text",
        marker={"size": 4},
        line={"width": 1.4},
        connectgaps=False,
        visible=True if shown else "legendonly",
    )


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
    out: dict[date, str] = {}
    for day, group in frame.groupby("_day", sort=True):
        lines = [  # quotes stay as they are: Plotly shows "&quot;" literally, and with < > &
            # escaped no tag can form (quote=True printed every quoted headline wrong)
            html.escape(" ".join(str(t).split())[:90], quote=False)
            for t in group["title"].head(_TITLES_PER_DAY)
        ]
        out[day] = "<br>" + "<br>".join(f"• {line}" for line in lines)  # type: ignore[index]
    return out


def _shade(fig: go.Figure, phases: Sequence[Phase], holdout_start: date | None) -> None:
    palette = [
        "rgba(179,38,30,0.10)",
        "rgba(179,107,0,0.10)",
        "rgba(30,123,70,0.10)",
        "rgba(107,79,160,0.10)",
    ]
    names = list(dict.fromkeys(p.name for p in phases))
    for phase in phases:
        start, end = pd.Timestamp(phase.start), pd.Timestamp(phase.end) + pd.Timedelta(hours=23)
        colour = palette[names.index(phase.name) % len(palette)]
        fig.add_vrect(x0=start, x1=end, fillcolor=colour, line_width=0, layer="below")
        fig.add_annotation(
            x=start,
            y=1.0,
            yref="paper",
            text=html.escape(phase.name.replace("_", " ")),
            showarrow=False,
            xanchor="left",
            yanchor="bottom",
            font={"size": 10},
        )
    if holdout_start is not None:
        fig.add_vline(
            x=pd.Timestamp(holdout_start), line_dash="dash", line_color="#5b6475", line_width=1
        )
        fig.add_annotation(
            x=pd.Timestamp(holdout_start),
            y=1.0,
            yref="paper",
            text="holdout starts",
            showarrow=False,
            xanchor="left",
            font={"size": 10, "color": "#5b6475"},
        )
