"""Caltrans PeMS daily totals export -> ``<domain>.vmt/.tti/.vht/.delay`` daily signals.

Source: Caltrans Performance Measurement System (https://pems.dot.ca.gov/), aggregate
"Day" export with columns ``Day`` (``1/5/2025 0:00``), ``VMT (Veh-Miles)``, ``TTI``,
``VHT (Veh-Hours)``, ``Delay (V_t=35) (Veh-Hours)``, ``# Lane Points``, ``% Observed``.
Numbers carry thousands separators (``"85,983,765.00"``).

Partial days: VMT, VHT and delay are *totals over the lane points that reported*. A day
exported before it ended holds fewer lane points and so looks like a collapse in traffic
(the reference study read the half-day 2025-02-05 that way). The coverage of a day is its
``# Lane Points`` over the file's maximum, and every day below 1.0 gets a note, so
alignment can flag it as low-coverage instead of passing a fake collapse downstream.
``% Observed`` (share of detector data measured rather than imputed) is kept as its own
signal, ``<domain>.pems_observed_pct``.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from crisis_fca.ingest import SourceData
from crisis_fca.ingest._common import (
    check_unique_days,
    origin,
    parse_dates,
    parse_numbers,
    read_table,
    reject_first,
    require_columns,
    tidy_signals,
)

if TYPE_CHECKING:
    from crisis_fca.config import PemsSource

__all__ = ["PEMS_COLUMNS", "read_pems"]

PEMS_COLUMNS = {
    "vmt": "VMT (Veh-Miles)",
    "tti": "TTI",
    "vht": "VHT (Veh-Hours)",
    "delay": "Delay (V_t=35) (Veh-Hours)",
    "pems_observed_pct": "% Observed",
}
"""Signal name -> PeMS column."""

_DAY = "Day"
_LANES = "# Lane Points"
_DAY_FORMATS = ("%m/%d/%Y %H:%M", "%m/%d/%Y %H:%M:%S", "%m/%d/%Y")


def read_pems(source: PemsSource, path: Path) -> SourceData:
    """Read a PeMS daily export, with per-day coverage from the lane-point count.

    Returns:
        Signals ``<domain>.vmt``, ``.tti``, ``.vht``, ``.delay``, ``.pems_observed_pct``;
        ``coverage`` = the day's lane points / the file's maximum; one note per partial day.

    Raises:
        SchemaError: missing columns, an unparsable or non-midnight ``Day``, a repeated
            day, a non-numeric value, or a missing / non-positive lane-point count.
    """
    where = origin(source.name, path)
    table = read_table(path, where)
    require_columns(table, [_DAY, *PEMS_COLUMNS.values(), _LANES], where)
    stamps = parse_dates(table[_DAY], where, _DAY, _DAY_FORMATS)
    _require_midnight(stamps, table[_DAY], where)
    check_unique_days(stamps, where, fix="A daily PeMS export has one row per day")
    numbers = parse_numbers(table, [*PEMS_COLUMNS.values(), _LANES], where)
    lanes = _lane_points(numbers[_LANES], table[_LANES], where)
    coverage = lanes / lanes.max()
    values = {name: numbers[column] for name, column in PEMS_COLUMNS.items()}
    signals = tidy_signals(stamps, values, source.domain, coverage=coverage)
    notes = _partial_day_notes(stamps, lanes)
    return SourceData(name=source.name, path=path, signals=signals, notes=notes)


def _require_midnight(stamps: pd.Series, raw: pd.Series, where: str) -> None:
    problem = (
        "is not midnight, so this is not a daily export. Export PeMS with the 'Day' "
        "granularity (one row per day)."
    )
    reject_first(stamps != stamps.dt.normalize(), raw, where, problem)


def _lane_points(lanes: pd.Series, raw: pd.Series, where: str) -> pd.Series:
    problem = (
        "is not a positive count; the lane-point count is needed to detect partial "
        "days. Re-export the day."
    )
    reject_first(~(lanes > 0), raw, where, problem)
    return lanes


def _partial_day_notes(days: pd.Series, lanes: pd.Series) -> tuple[str, ...]:
    full = lanes.max()
    notes = []
    for line in lanes.index[lanes < full]:
        count = lanes[line]
        notes.append(
            f"{days[line]:%Y-%m-%d}: {count:,.0f} of {full:,.0f} lane points "
            f"({count / full:.0%}) — partial day"
        )
    return tuple(sorted(notes))  # each note starts with its ISO date
