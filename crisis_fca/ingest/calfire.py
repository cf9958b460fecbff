"""CAL FIRE incident update bulletins -> daily ``<domain>.acres_burned/.containment/...``.

Source: CAL FIRE incident pages (https://www.fire.ca.gov/incidents/), "updates" history,
as scraped to CSV (e.g. GitHub ``haiyang5535/Palisades-Fire-Data``): one row per bulletin,
``Page DateTime`` like ``Update on 02/10/2025 at 3:46 PM`` (California local time),
``Acres Burned``, ``Containment`` (``95%``), ``Structures Destroyed`` and more.

Bulletins arrive at irregular times, from dozens a day to none for several days. A day's
value is the **last bulletin of that local calendar day** (the state at the day's end, as
a daily situation report would give it); a bulletin that leaves a figure empty gives no
value for that figure that day. Days without bulletins have no rows; carrying the last
value forward is a gap policy for the alignment stage, not something the adapter
invents. Bulletins with the same timestamp are ordered as in the file (later line wins).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from crisis_fca.errors import SchemaError
from crisis_fca.ingest import SourceData
from crisis_fca.ingest._common import (
    origin,
    parse_dates,
    parse_numbers,
    read_table,
    reject_first,
    require_columns,
    tidy_signals,
)

if TYPE_CHECKING:
    from crisis_fca.config import CalfireSource

__all__ = ["CALFIRE_COLUMNS", "read_calfire"]

CALFIRE_COLUMNS = {
    "acres_burned": "Acres Burned",
    "containment": "Containment",
    "structures_destroyed": "Structures Destroyed",
}
"""Signal name -> CAL FIRE column."""

_INCIDENT = "Incident Name"
_UPDATED = "Page DateTime"
_FORMATS = ("Update on %m/%d/%Y at %I:%M %p", "%m/%d/%Y at %I:%M %p", "%m/%d/%Y %I:%M %p")


def read_calfire(source: CalfireSource, path: Path) -> SourceData:
    """Read one incident's bulletins and keep the last bulletin of each calendar day.

    Args:
        source: ``incident`` (matched case-insensitively on ``Incident Name``; may be
            left out when the file holds a single incident).
        path: the bulletins CSV.

    Returns:
        Signals ``<domain>.acres_burned``, ``.containment`` (percent, 0-100) and
        ``.structures_destroyed``, one row per day with a bulletin reporting the figure.

    Raises:
        SchemaError: missing columns, an unknown incident (the message lists those in the
            file) or several incidents with none chosen, an unparsable ``Page DateTime``,
            a non-numeric figure or a containment outside 0-100 %.
    """
    where = origin(source.name, path)
    table = read_table(path, where)
    require_columns(table, [_INCIDENT, _UPDATED, *CALFIRE_COLUMNS.values()], where)
    rows = _incident_rows(table, source.incident, where)
    stamps = parse_dates(rows[_UPDATED], where, _UPDATED, _FORMATS)
    counts = parse_numbers(rows, ["Acres Burned", "Structures Destroyed"], where)
    contained = parse_numbers(rows, ["Containment"], where, percent=True)["Containment"]
    _check_percent(contained, rows["Containment"], where)
    figures = pd.concat([counts, contained], axis=1)
    latest = _last_of_day(stamps, figures)
    days = latest["stamp"].dt.normalize()
    values = {name: latest[column] for name, column in CALFIRE_COLUMNS.items()}
    return SourceData(
        name=source.name, path=path, signals=tidy_signals(days, values, source.domain)
    )


def _incident_rows(table: pd.DataFrame, incident: str | None, where: str) -> pd.DataFrame:
    names = sorted(set(table[_INCIDENT]) - {""})
    if incident is None:
        if len(names) > 1:
            msg = (
                f"{where}: the file holds bulletins of {len(names)} incidents "
                f"({', '.join(names)}); set `incident` in the case file to one of them"
            )
            raise SchemaError(msg)
        return table
    chosen = table[table[_INCIDENT].str.casefold() == incident.strip().casefold()]
    if chosen.empty:
        close = difflib.get_close_matches(incident, names, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        msg = (
            f"{where}: no bulletins for incident {incident!r}.{hint} Incidents in the file: "
            f"{', '.join(names) or 'none'}. Set `incident` in the case file to one of them."
        )
        raise SchemaError(msg)
    return chosen


def _check_percent(percent: pd.Series, raw: pd.Series, where: str) -> None:
    outside = (percent < 0) | (percent > 100)
    reject_first(outside, raw, where, "is outside 0-100 %; fix the value")


def _last_of_day(stamps: pd.Series, figures: pd.DataFrame) -> pd.DataFrame:
    frame = figures.assign(stamp=stamps).sort_index()  # file order breaks timestamp ties
    frame = frame.sort_values("stamp", kind="stable")
    return frame.groupby(frame["stamp"].dt.normalize()).tail(1)
