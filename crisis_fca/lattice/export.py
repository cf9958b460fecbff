"""Formal contexts out: Burmeister ``.cxt`` text, a CSV table and a ``concepts.Context``.

The ``.cxt`` layout is Burmeister's (ConExp, ToscanaJ and ``concepts`` read it): a ``B``
line, a blank line, the object and attribute counts, a blank line, one object label per
line, one attribute label per line, then one row of ``X`` / ``.`` per object. The CSV uses
``concepts``' table convention (an empty corner cell, ``X`` = holds) and writes ``?`` for
an unknown cell, which ``concepts`` reads as "not asserted", exactly as the lattice does.

Labels are checked before ``concepts`` sees them, because it raises a bare ``ValueError`` on
empty, duplicate or overlapping labels: objects are written as ISO dates
(``YYYY-MM-DD``) when the index holds days, states by name, and the two must not overlap.
Functions here return text; writing files is the caller's job (I/O stays at the edges).
"""

from __future__ import annotations

import csv
import io
from collections import Counter

import concepts
import numpy as np
import pandas as pd

from crisis_fca.errors import SchemaError
from crisis_fca.lattice.context import check_context

__all__ = ["object_labels", "to_concepts_context", "to_csv", "to_cxt"]


def object_labels(context: pd.DataFrame) -> list[str]:
    """The object labels used in exports: ISO dates for a DatetimeIndex, else ``str(label)``.

    Raises:
        SchemaError: labels would be empty, duplicated, span lines, carry edge whitespace,
            or coincide with a state name.

    Example:
        >>> days = pd.date_range("2020-03-01", periods=2)
        >>> object_labels(pd.DataFrame({"calendar.weekend": [True, False]}, index=days))
        ['2020-03-01', '2020-03-02']
    """
    check_context(context)
    index = context.index
    if isinstance(index, pd.DatetimeIndex):
        labels = list(index.strftime("%Y-%m-%d"))
    else:
        labels = [str(label) for label in index]
    _check_labels(labels, "object (day)")
    states = [str(c) for c in context.columns]
    _check_labels(states, "state")
    overlap = sorted(set(labels) & set(states))
    if overlap:
        msg = (
            f"labels {overlap[:3]} name both a day and a state; rename the state(s) so object "
            "and attribute labels are distinct (FCA formats require it)"
        )
        raise SchemaError(msg)
    return labels


def to_cxt(context: pd.DataFrame, known: pd.DataFrame | None = None) -> str:
    """The context as Burmeister ``.cxt`` text (unknown cells written as not holding).

    Example:
        >>> frame = pd.DataFrame({"s": [True, False]}, index=["d1", "d2"])
        >>> print(to_cxt(frame))
        B
        <BLANKLINE>
        2
        1
        <BLANKLINE>
        d1
        d2
        s
        X
        .
        <BLANKLINE>
    """
    labels, states, rows = _table(context, known)
    lines = ["B", "", str(len(labels)), str(len(states)), "", *labels, *states]
    lines += ["".join("X" if cell else "." for cell in row) for row in rows]
    return "\n".join(lines) + "\n"


def to_csv(context: pd.DataFrame, known: pd.DataFrame | None = None) -> str:
    """The context as CSV: header ``,state,...``; cells ``X`` (holds), empty, or ``?`` (unknown).

    Example:
        >>> frame = pd.DataFrame({"s": [True, False]}, index=["d1", "d2"])
        >>> to_csv(frame, pd.DataFrame({"s": [True, False]}, index=["d1", "d2"])).splitlines()
        [',s', 'd1,X', 'd2,?']
    """
    labels, states, rows = _table(context, known)
    mask = np.ones(rows.shape, dtype=bool) if known is None else known[states].to_numpy(bool)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["", *states])
    for label, row, row_known in zip(labels, rows, mask, strict=True):
        cells = [
            "X" if cell else ("" if ok else "?") for cell, ok in zip(row, row_known, strict=True)
        ]
        writer.writerow([label, *cells])
    return out.getvalue()


def to_concepts_context(
    context: pd.DataFrame, known: pd.DataFrame | None = None
) -> concepts.Context:
    """The context as a ``concepts.Context`` (unknown cells not asserted), labels checked first.

    Example:
        >>> frame = pd.DataFrame({"s": [True, False]}, index=["d1", "d2"])
        >>> to_concepts_context(frame).intension(["d1"])
        ('s',)
    """
    labels, states, rows = _table(context, known)
    return concepts.Context(labels, states, [tuple(bool(c) for c in row) for row in rows])


def _table(
    context: pd.DataFrame, known: pd.DataFrame | None
) -> tuple[list[str], list[str], np.ndarray]:
    """Validated labels and the incidence matrix (True only where holding and known)."""
    check_context(context, known)
    labels = object_labels(context)
    states = [str(c) for c in context.columns]
    rows = context.to_numpy(dtype=bool)
    if known is not None:
        rows = rows & known[states].to_numpy(dtype=bool)
    return labels, states, rows


def _check_labels(labels: list[str], what: str) -> None:
    """Labels must survive a line-based format and be unique."""
    bad = [lab for lab in labels if not lab or lab != lab.strip() or "\n" in lab or "\r" in lab]
    if bad:
        msg = (
            f"{what} labels {bad[:3]!r} are empty, span lines or have leading/trailing "
            "whitespace; FCA file formats cannot store them -- rename them"
        )
        raise SchemaError(msg)
    dups = sorted(lab for lab, count in Counter(labels).items() if count > 1)
    if dups:
        msg = (
            f"{what} labels {dups[:3]} occur more than once (e.g. days with times that share a "
            "date); make each label unique, e.g. normalise the index to whole days"
        )
        raise SchemaError(msg)
