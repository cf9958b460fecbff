"""Plotly figures as plain JSON-ready dicts, and the plotly.js bundle, without graph objects.

The report's and the alert brief's figures are built directly as the dicts plotly.js
reads, ``{"data": [trace, ...], "layout": {...}}`` (the Plotly JSON schema), rather than
through ``plotly.graph_objects``, which validates and deep-copies every property of every
trace and then converts it all back to JSON: for a two-year case that took more time than
the rest of the render stage. A figure dict holds only JSON values (str, int, finite
float, bool, None, lists, dicts), so it is serialised once, with :func:`json.dumps`:

- numeric arrays travel as plotly.js typed arrays, ``{"dtype": "f8", "bdata": <base64>}``
  (``int64`` narrowed to the smallest signed type that holds it), exactly as plotly.py
  itself encodes numpy arrays and pandas series (:func:`typed_array`);
- dates and timestamps as ISO strings (:func:`iso_days`), as plotly.py writes them;
- a missing float in a plain list is ``None`` (JSON ``null``), never ``NaN``
  (:func:`finite_or_none`).

Every layout carries plotly.py's default template (``plotly``, read from the ``plotly``
package's data), as a figure made with ``go.Figure`` does, so the figures look exactly as
they did. Nothing here imports ``plotly`` itself: the template and plotly.js are read from
the installed package's files.
"""

from __future__ import annotations

import base64
import functools
import importlib.util
import json
import math
from collections.abc import Iterable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypedDict

import numpy as np
import pandas as pd

from crisis_fca.errors import ConfigError

__all__ = [
    "BLUES",
    "VIRIDIS",
    "Figure",
    "Trace",
    "colorscale",
    "decode_array",
    "figure",
    "figure_json",
    "finite_or_none",
    "iso_days",
    "plotly_js",
    "script_json",
    "script_safe",
    "typed_array",
]

Trace = dict[str, Any]
"""One trace: ``{"type": "scatter", "x": ..., ...}`` as plotly.js reads it."""


class Figure(TypedDict):
    """A whole figure in the Plotly JSON schema."""

    data: list[Trace]
    layout: dict[str, Any]


_SHORT_TYPES = {
    "int8": "i1",
    "uint8": "u1",
    "int16": "i2",
    "uint16": "u2",
    "int32": "i4",
    "uint32": "u4",
    "float32": "f4",
    "float64": "f8",
}
_CODES = {code: np.dtype(name) for name, code in _SHORT_TYPES.items()}
_NARROW = (np.int8, np.int16, np.int32)
_UNARROW = (np.uint8, np.uint16, np.uint32)


def colorscale(colours: Sequence[str]) -> list[list[Any]]:
    """Evenly spaced colours as a colorscale, as plotly.py expands a named one.

    Example:
        >>> colorscale(["#000", "#888", "#fff"])
        [[0.0, '#000'], [0.5, '#888'], [1.0, '#fff']]
    """
    d = len(colours) - 1
    return [[(1.0 * i) / (1.0 * d), c] for i, c in enumerate(colours)]


VIRIDIS = colorscale(
    [
        "#440154",
        "#482878",
        "#3e4989",
        "#31688e",
        "#26828e",
        "#1f9e89",
        "#35b779",
        "#6ece58",
        "#b5de2b",
        "#fde725",
    ]
)
"""plotly.py's ``"Viridis"`` (``plotly.colors.sequential.Viridis``), as it writes it out."""

BLUES = colorscale(
    [
        "rgb(247,251,255)",
        "rgb(222,235,247)",
        "rgb(198,219,239)",
        "rgb(158,202,225)",
        "rgb(107,174,214)",
        "rgb(66,146,198)",
        "rgb(33,113,181)",
        "rgb(8,81,156)",
        "rgb(8,48,107)",
    ]
)
"""plotly.py's ``"Blues"`` (``plotly.colors.sequential.Blues``), as it writes it out."""


def figure(data: list[Trace], layout: dict[str, Any]) -> Figure:
    """A figure of ``data`` whose layout carries plotly.py's default template.

    Example:
        >>> fig = figure([{"type": "scatter", "x": [1], "y": [2]}], {"height": 300})
        >>> sorted(fig["layout"]), "layout" in fig["layout"]["template"]
        (['height', 'template'], True)
    """
    return {"data": data, "layout": {"template": json.loads(_template_text()), **layout}}


def figure_json(fig: Figure) -> dict[str, Any]:
    """A figure's ``data`` and ``layout`` for a page's list of figures (already JSON-ready)."""
    return {"data": fig["data"], "layout": fig["layout"]}


def typed_array(values: np.ndarray | pd.Series | pd.Index) -> dict[str, str] | list[Any]:
    """A numeric array as a plotly.js typed array spec, as plotly.py encodes numpy arrays.

    ``int64`` / ``uint64`` are narrowed to the smallest type holding every value (kept as a
    plain list when none does, as plotly.py does); an empty array is ``[]``; an array that
    is not numeric becomes a (nested) list.

    Example:
        >>> typed_array(np.array([0, 1, 2]))
        {'dtype': 'i1', 'bdata': 'AAEC'}
        >>> decode_array(typed_array(np.array([[1.5, np.nan]]))).tolist()
        [[1.5, nan]]
    """
    array = np.asarray(values)
    if array.size == 0:
        return []
    if array.dtype == np.int64:
        low, high = int(array.min()), int(array.max())
        narrow = next(
            (t for t in _NARROW if np.iinfo(t).min <= low and high <= np.iinfo(t).max), None
        )
        if narrow is None:
            return list(array.tolist())
        array = array.astype(narrow)
    elif array.dtype == np.uint64:
        high = int(array.max())
        unarrow = next((t for t in _UNARROW if high <= np.iinfo(t).max), None)
        if unarrow is None:
            return list(array.tolist())
        array = array.astype(unarrow)
    code = _SHORT_TYPES.get(str(array.dtype))
    if code is None:
        return list(array.tolist())
    spec = {"dtype": code, "bdata": base64.b64encode(array.tobytes()).decode("ascii")}
    if array.ndim > 1:
        spec["shape"] = str(array.shape)[1:-1]
    return spec


def decode_array(value: Any) -> np.ndarray:
    """The values of a typed array spec (or of a plain list) as a numpy array.

    Example:
        >>> decode_array({"dtype": "i1", "bdata": "AAEC"}).tolist()
        [0, 1, 2]
    """
    if isinstance(value, dict) and "bdata" in value:
        array = np.frombuffer(base64.b64decode(value["bdata"]), dtype=_CODES[value["dtype"]])
        if "shape" in value:
            array = array.reshape([int(n) for n in str(value["shape"]).split(",") if n.strip()])
        return array
    return np.asarray(value)


def finite_or_none(values: Iterable[float]) -> list[float | None]:
    """Floats for a plain JSON list: NaN and infinities as None (``null``, a gap).

    Example:
        >>> finite_or_none([1.0, float("nan"), float("inf")])
        [1.0, None, None]
    """
    return [float(v) if math.isfinite(v) else None for v in values]


def iso_days(values: Iterable[date]) -> list[str]:
    """Timestamps, datetimes or dates (in that order of subclasses) as plotly.py writes them.

    Example:
        >>> iso_days([pd.Timestamp("2020-03-01"), date(2020, 3, 2)])
        ['2020-03-01T00:00:00', '2020-03-02']
    """
    return [v.isoformat() for v in values]


def script_safe(text: str) -> str:
    """JSON that cannot end its ``<script>`` element: ``<``, ``>``, ``&`` as escapes.

    Example:
        >>> script_safe('{"t": "</script>"}')
        '{"t": "\\\\u003c/script\\\\u003e"}'
    """
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def script_json(payload: object) -> str:
    """``payload`` as JSON to embed in a ``<script type="application/json">`` element.

    Raises ``ValueError`` on a NaN or infinite float: a figure dict must hold none (a bare
    ``NaN`` would make the whole page's JSON unreadable).
    """
    return script_safe(json.dumps(payload, ensure_ascii=False, allow_nan=False))


def plotly_js() -> str:
    """The plotly.js bundle shipped with the installed ``plotly`` package (read once)."""
    return _package_text("plotly.min.js")


@functools.cache
def _template_text() -> str:
    return _package_text("templates/plotly.json")


@functools.cache
def _package_text(name: str) -> str:
    """A file of the ``plotly`` package's ``package_data`` folder (without importing plotly)."""
    spec = importlib.util.find_spec("plotly")
    folder = (
        Path(next(iter(spec.submodule_search_locations)))
        if spec and spec.submodule_search_locations
        else None
    )
    path = folder / "package_data" / name if folder else Path("plotly", "package_data", name)
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        msg = f"{path} is missing: the report needs the plotly package (pip install plotly)"
        raise ConfigError(msg) from None
