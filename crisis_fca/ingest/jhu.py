"""JHU CSSE COVID-19 wide cumulative time series -> daily new counts, ``<domain>.<measure>``.

Source: COVID-19 Data Repository by the Center for Systems Science and Engineering (CSSE)
at Johns Hopkins University, ``csse_covid_19_time_series/time_series_covid19_{confirmed,
deaths}_global.csv`` (Dong, Du & Gardner 2020, Lancet Infect Dis 20(5):533-534). One row
per country or province, id columns ``Province/State, Country/Region, Lat, Long`` (some
mirrors write ``Province, Country, Lat, Lon``; both are accepted) followed by one column
per day (``1/22/20`` in JHU's file, ``1/22/2020`` in mirrors) of *cumulative* counts.

Daily new = first difference of the cumulative series. The first day has no previous
value, so no row. A negative difference is a reporting revision (a back-correction), not
a negative count: that day gets no value and a note, rather than a spurious dip.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from crisis_fca.errors import SchemaError
from crisis_fca.ingest import SourceData
from crisis_fca.ingest._common import (
    check_unique_days,
    future_day_message,
    latest_allowed_day,
    origin,
    parse_date,
    parse_numbers,
    read_table,
    tidy_signals,
)

if TYPE_CHECKING:
    from crisis_fca.config import JhuSource

__all__ = ["read_jhu_csse"]

_ID_COLUMNS = (
    ("Province/State", "Country/Region", "Lat", "Long"),
    ("Province", "Country", "Lat", "Lon"),
)
_HEADER_FORMATS = ("%m/%d/%Y", "%m/%d/%y")


def read_jhu_csse(source: JhuSource, path: Path) -> SourceData:
    """Read one country's cumulative counts and return its daily new counts.

    Args:
        source: ``country`` (matched case-insensitively against the country column, on
            the row whose province is empty) and ``measure`` (the signal name).
        path: the wide CSV file.

    Returns:
        Signal ``<domain>.<measure>``: cumulative[d] - cumulative[d-1], from the second
        date on; days with a negative difference have no row and one note each.

    Raises:
        SchemaError: neither header layout, a date header that is not a date, a repeated
            date, the country missing (the message lists the countries present) or
            repeated, a non-numeric count.
    """
    where = origin(source.name, path)
    table = read_table(path, where)
    ids = _id_columns(table, where)
    date_columns = [str(c) for c in table.columns if c not in ids]
    days = _header_days(date_columns, where)
    row = _country_row(table, ids, source.country, where)
    cumulative = pd.Series(
        parse_numbers(row, date_columns, where, thousands=False).iloc[0].to_numpy(),
        index=days.to_numpy(),
    ).sort_index()
    previous = cumulative.shift()
    new = cumulative - previous
    revised = new < 0
    signal = f"{source.domain}.{source.measure}"
    notes = tuple(
        f"{signal} {day:%Y-%m-%d}: cumulative count fell from {previous[day]:,.0f} "
        f"to {cumulative[day]:,.0f} ({new[day]:+,.0f}), a reporting revision; "
        "the day is left without a value"
        for day in new.index[revised]
    )
    dates = pd.Series(new.index, index=new.index)
    signals = tidy_signals(dates, {source.measure: new.mask(revised)}, source.domain)
    return SourceData(name=source.name, path=path, signals=signals, notes=notes)


def _id_columns(table: pd.DataFrame, where: str) -> tuple[str, str, str, str]:
    for layout in _ID_COLUMNS:
        if all(column in table.columns for column in layout):
            return layout
    msg = (
        f"{where}: the header starts with {[str(c) for c in table.columns[:5]]}; expected "
        f"the id columns {list(_ID_COLUMNS[0])} (JHU) or {list(_ID_COLUMNS[1])} (mirrors), "
        "then one column per day. Rename the id columns, or check that this is a JHU "
        "time-series file."
    )
    raise SchemaError(msg)


def _header_days(columns: list[str], where: str) -> pd.Series:
    if not columns:
        msg = f"{where}: the header has no date columns after the id columns; is it JHU's?"
        raise SchemaError(msg)
    stamps = []
    latest = latest_allowed_day()
    for column in columns:
        stamp = parse_date(column, _HEADER_FORMATS)
        if stamp is not None and stamp >= latest:
            at = f"line 1 (header), column {column!r}"
            raise SchemaError(future_day_message(where, at, column, stamp))
        if stamp is None:
            msg = (
                f"{where}: line 1 (header): column {column!r} is neither an id column nor a "
                f"date like 1/22/2020. Expected id columns {list(_ID_COLUMNS[0])} or "
                f"{list(_ID_COLUMNS[1])}, then one column per day; rename or remove it."
            )
            raise SchemaError(msg)
        stamps.append(stamp)
    days = pd.Series(np.array(stamps, dtype="datetime64[ns]"), index=pd.Index(columns))
    check_unique_days(days, where, fix="keep one column per day", label="column")
    return days


def _country_row(
    table: pd.DataFrame, ids: tuple[str, str, str, str], country: str, where: str
) -> pd.DataFrame:
    province, country_column = ids[0], ids[1]
    named = table[country_column].str.casefold() == country.strip().casefold()
    rows = table[named & (table[province] == "")]
    if len(rows) == 1:
        return rows
    if len(rows) > 1:
        lines = ", ".join(str(line) for line in rows.index)
        msg = f"{where}: country {country!r} has {len(rows)} rows (lines {lines}); keep one"
    elif named.any():
        provinces = sorted(set(table.loc[named, province]))
        msg = (
            f"{where}: country {country!r} has only province rows ({', '.join(provinces)}) "
            "and no country-total row (empty province); this adapter reads the total row."
        )
    else:
        present = sorted(set(table[country_column]) - {""})
        close = difflib.get_close_matches(country, present, n=1, cutoff=0.6)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        more = f" and {len(present) - 30} more" if len(present) > 30 else ""
        shown = ", ".join(present[:30]) + more
        msg = (
            f"{where}: no row for country {country!r}.{hint} Countries in the file: {shown}. "
            "Set `country` in the case file to one of them (JHU's spelling)."
        )
    raise SchemaError(msg)
