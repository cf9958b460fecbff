"""The header shared by the brief and the report: identity, validity, sources with coverage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.view import RunView

__all__ = ["Header", "SourceRow", "header", "source_rows"]


@dataclass(frozen=True)
class SourceRow:
    """One data source and how much of the window its signals cover."""

    source: str
    domain: str
    signals: int
    observed: str
    """``"620 of 671 days"`` (or a range over its signals, ``"598–620 of 671 days"``)."""
    low_coverage: int
    missing: int
    first: str
    last: str


@dataclass(frozen=True)
class Header:
    """What every page states about its run."""

    case: str
    title: str
    region: str
    description: str
    window: str
    run_id: str
    profile: str
    config_hash: str
    code_version: str
    generated: date
    valid_until: date
    review_cadence: str
    sources: tuple[SourceRow, ...]


def header(view: RunView) -> Header:
    """The header of ``view``: valid until = generated + the playbook's ``valid_days``."""
    m = view.meta
    return Header(
        case=m.case,
        title=m.title,
        region=m.region,
        description=m.description,
        window=f"{m.window_start}..{m.window_end} ({tx.days_text(m.window_days)})",
        run_id=m.run_id,
        profile=m.profile,
        config_hash=m.config_hash,
        code_version=m.code_version,
        generated=m.generated,
        valid_until=m.generated + timedelta(days=view.playbook.valid_days),
        review_cadence=view.playbook.review_cadence,
        sources=source_rows(view.coverage),
    )


def source_rows(coverage: pd.DataFrame) -> tuple[SourceRow, ...]:
    """One row per source of the ``coverage`` table, sorted by source name.

    Example:
        >>> cov = pd.DataFrame({"signal": ["a.x", "a.y"], "source": ["s", "s"],
        ...     "domain": ["a", "a"], "days": [10, 10], "observed": [8, 10], "filled": [0, 0],
        ...     "low_coverage": [1, 0], "missing": [1, 0], "first": ["2020-03-01"] * 2,
        ...     "last": ["2020-03-10", "2020-03-09"]})
        >>> row = source_rows(cov)[0]
        >>> row.observed, row.missing, row.last
        ('8–10 of 10 days', 1, '2020-03-10')
    """
    out = []
    for source, rows in coverage.groupby(coverage["source"].fillna("?"), sort=True):
        low, high = int(rows["observed"].min()), int(rows["observed"].max())
        days = int(rows["days"].max())
        seen = f"{low:,}" if low == high else f"{low:,}–{high:,}"
        out.append(
            SourceRow(
                source=str(source),
                domain=", ".join(sorted({str(d) for d in rows["domain"].dropna()})),
                signals=len(rows),
                observed=f"{seen} of {tx.days_text(days)}",
                low_coverage=int(rows["low_coverage"].max()),
                missing=int(rows["missing"].max()),
                first=_day(pd.to_datetime(rows["first"]).min()),
                last=_day(pd.to_datetime(rows["last"]).max()),
            )
        )
    return tuple(out)


def _day(value: Any) -> str:
    if value is None or pd.isna(value):
        return "n/a"
    return pd.Timestamp(value).date().isoformat()
