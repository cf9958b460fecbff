"""Laying out a concept lattice as a Hasse diagram, and drawing it as a Plotly figure dict.

A concept sits at height = the number of states in its intent (a concept covering another
has a strictly smaller intent, so every edge points down), and within a level concepts are
ordered by the barycentre of their upper covers (the layer-by-layer crossing reduction of
Sugiyama, Tagawa & Toda, "Methods for visual understanding of hierarchical system
structures", IEEE SMC 1981) and spread evenly. Nodes carry *reduced labels*: the states a
concept introduces, i.e. the states not already in an upper cover's intent (Ganter & Wille,
*Formal Concept Analysis*, 1999, sec. 1.2).

Daily lattices are large (thousands of concepts), so at most ``max_nodes`` concepts are
drawn: the most frequent ones. That set is closed upwards (an upper neighbour always has
more days), so the cover edges among the kept concepts are exactly the cover relation of
that iceberg, and the diagram stays a correct Hasse diagram of it.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.figjson import VIRIDIS, Figure, figure, finite_or_none
from crisis_fca.render.view import records

__all__ = ["MAX_NODES", "HasseLayout", "cover_edges", "hasse_figure", "hasse_layout"]

MAX_NODES = 120
_MAX_RUNS = 6


@dataclass(frozen=True)
class HasseLayout:
    """Positions of the drawn concepts and the cover edges between them."""

    ids: tuple[int, ...]
    x: tuple[float, ...]
    y: tuple[int, ...]
    edges: tuple[tuple[int, int], ...]
    labels: tuple[str, ...]
    """Reduced label of each node (states it introduces), '' when none."""
    total: int
    """Concepts in the input (before keeping the ``max_nodes`` most frequent)."""


def cover_edges(intents: Sequence[Iterable[str]]) -> tuple[tuple[int, int], ...]:
    """Cover pairs ``(upper, lower)`` (positions in ``intents``) of concepts given by intents.

    Example:
        >>> cover_edges([(), ("a",), ("b",), ("a", "b")])
        ((0, 1), (0, 2), (1, 3), (2, 3))
    """
    sets = [frozenset(i) for i in intents]
    out: list[tuple[int, int]] = []
    for low, below in enumerate(sets):
        uppers = [k for k, s in enumerate(sets) if s < below]
        out.extend((up, low) for up in uppers if not any(sets[up] < sets[k] for k in uppers))
    return tuple(sorted(out))


def hasse_layout(
    concepts: pd.DataFrame,
    edges: Iterable[tuple[int, int]] | None = None,
    max_nodes: int = MAX_NODES,
) -> HasseLayout:
    """Positions for the ``max_nodes`` most frequent concepts (ties: smaller intent, id)."""
    order = concepts.assign(_n=concepts["intent"].map(len)).sort_values(
        ["extent_size", "_n", "concept_id"], ascending=[False, True, True]
    )
    kept = order.head(max_nodes)
    ids = [int(i) for i in kept["concept_id"]]
    intents = {int(i): tuple(x) for i, x in zip(kept["concept_id"], kept["intent"], strict=True)}
    pos = {cid: k for k, cid in enumerate(ids)}
    if edges is None:
        pairs = cover_edges([intents[i] for i in ids])
        links = tuple((ids[a], ids[b]) for a, b in pairs)
    else:
        links = tuple(sorted((int(a), int(b)) for a, b in edges if a in pos and b in pos))
    level = {cid: len(intents[cid]) for cid in ids}
    x = _positions(ids, level, links)
    uppers: dict[int, set[str]] = {cid: set() for cid in ids}
    for up, low in links:
        uppers[low] |= set(intents[up])
    labels = tuple(
        ", ".join(tx.state_label(s) for s in intents[c] if s not in uppers[c]) for c in ids
    )
    return HasseLayout(
        ids=tuple(ids),
        x=tuple(x[c] for c in ids),
        y=tuple(-level[c] for c in ids),
        edges=links,
        labels=labels,
        total=len(concepts),
    )


def _positions(
    ids: Sequence[int], level: dict[int, int], links: Sequence[tuple[int, int]]
) -> dict[int, float]:
    """Evenly spread x in [0, 1] per level, ordered by the mean x of upper covers."""
    parents: dict[int, list[int]] = {c: [] for c in ids}
    for up, low in links:
        parents[low].append(up)
    x: dict[int, float] = {}
    for depth in sorted(set(level.values())):
        row = [c for c in ids if level[c] == depth]

        def key(c: int) -> tuple[float, int]:
            above = [x[p] for p in parents[c] if p in x]
            return (sum(above) / len(above) if above else 0.5, ids.index(c))

        row.sort(key=key)
        for k, c in enumerate(row):
            x[c] = (k + 0.5) / len(row)
    return x


def hasse_figure(
    concepts: pd.DataFrame,
    edges: Iterable[tuple[int, int]] | None = None,
    max_nodes: int = MAX_NODES,
) -> Figure:
    """The lattice as an interactive Hasse diagram; hover a node to see its concept."""
    layout = hasse_layout(concepts, edges, max_nodes)
    rows = concepts.set_index("concept_id").loc[list(layout.ids)]
    xy = dict(zip(layout.ids, zip(layout.x, layout.y, strict=True), strict=True))
    ex: list[float | None] = []
    ey: list[float | None] = []
    for up, low in layout.edges:
        ex += [xy[up][0], xy[low][0], None]
        ey += [xy[up][1], xy[low][1], None]
    largest = max(rows["extent_size"].max(), 1)
    sizes = [float(8 + 22 * (s / largest) ** 0.5) for s in rows["extent_size"]]
    covers = {
        "type": "scatter",
        "x": ex,
        "y": ey,
        "mode": "lines",
        "hoverinfo": "skip",
        "name": "covers",
        "line": {"color": "#b8c0cc", "width": 1},
        "showlegend": False,
    }
    nodes = {
        "type": "scatter",
        "x": list(layout.x),
        "y": list(layout.y),
        "mode": "markers+text",
        "name": "concepts",
        "text": [html.escape(_short(label)) for label in layout.labels],
        "textposition": _label_positions(layout),
        "textfont": {"size": 10, "color": "#3d4453"},
        "hovertext": [_hover(cid, row) for cid, row in zip(layout.ids, records(rows), strict=True)],
        "hoverinfo": "text",
        "marker": {
            "size": sizes,
            "color": finite_or_none(rows["stability"].astype(float).tolist()),
            "colorscale": VIRIDIS,
            "cmin": 0,
            "cmax": 1,
            "colorbar": {"title": {"text": "stability"}},
            "line": {"color": "#ffffff", "width": 1},
        },
        "showlegend": False,
    }
    shown = f"{len(layout.ids)} most frequent of {layout.total} concepts"
    levels = sorted(set(layout.y))
    return figure(
        [covers, nodes],
        {
            "title": {"text": f"Concept lattice ({shown})"},
            "xaxis": {"visible": False},
            "yaxis": {
                "title": {"text": "states shared (intent size)"},
                "tickvals": levels,
                "ticktext": [str(-v) for v in levels],
                "zeroline": False,
            },
            "height": 640,
            "margin": {"l": 60, "r": 20, "t": 50, "b": 20},
            "hovermode": "closest",
            "plot_bgcolor": "#ffffff",
        },
    )


def _label_positions(layout: HasseLayout) -> list[str]:
    """Above and below in turn along each level, so neighbouring labels do not collide."""
    out = ["top center"] * len(layout.ids)
    for depth in set(layout.y):
        row = sorted(
            (x, k) for k, (x, y) in enumerate(zip(layout.x, layout.y, strict=True)) if y == depth
        )
        for turn, (_, k) in enumerate(row):
            out[k] = "top center" if turn % 2 == 0 else "bottom center"
    return out


def _short(label: str, limit: int = 24) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


def _hover(cid: int, row: dict[str, Any]) -> str:
    intent = [html.escape(str(s)) for s in _seq(row["intent"])] or ["(no state shared by all)"]
    runs = _seq(row["date_ranges"])
    more = f" … (+{len(runs) - _MAX_RUNS} more)" if len(runs) > _MAX_RUNS else ""
    return (
        f"<b>Concept {cid}</b><br>Intent: {'<br>  '.join(intent)}<br>"
        f"Extent: {tx.days_text(int(row['extent_size']))} ({tx.fmt_pct(float(row['support']))})"
        f"<br>Stability: {tx.fmt_num(float(row['stability']), 3)}"
        f"<br>Days: {', '.join(html.escape(str(r)) for r in runs[:_MAX_RUNS])}{more}"
    )


def _seq(value: Any) -> list[Any]:
    """A list cell (tuple, list or numpy array) as a list; None / NaN as []."""
    if value is None or isinstance(value, float):
        return []
    return [value] if isinstance(value, str) else list(value)
