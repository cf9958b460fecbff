"""Google COVID-19 Community Mobility Reports -> ``<domain>.<category>`` daily signals.

Source: Google LLC, "COVID-19 Community Mobility Reports"
(https://www.google.com/covid19/mobility/), per-country files
``<year>_<CC>_Region_Mobility_Report.csv``.
Each row is one place and day; the six ``*_percent_change_from_baseline`` columns are the
percent change in visits against the weekday median of 3 Jan - 6 Feb 2020.

A place is the country (``sub_region_1``, ``sub_region_2`` and ``metro_area`` all empty)
or a first-level region, chosen by its ``sub_region_1`` name or ``iso_3166_2_code``. Google
leaves a value empty when it is below its privacy threshold: such a day gets no row for
that category (missing, not zero). Coverage is 1.0 for every reported value.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from crisis_fca.errors import ConfigError, SchemaError
from crisis_fca.ingest import SourceData
from crisis_fca.ingest._common import (
    check_unique_days,
    origin,
    parse_dates,
    parse_numbers,
    read_table,
    require_columns,
    tidy_signals,
)

if TYPE_CHECKING:
    from crisis_fca.config import GoogleMobilitySource

__all__ = ["CATEGORY_COLUMNS", "read_google_mobility"]

CATEGORY_COLUMNS = {
    "retail": "retail_and_recreation_percent_change_from_baseline",
    "grocery": "grocery_and_pharmacy_percent_change_from_baseline",
    "parks": "parks_percent_change_from_baseline",
    "transit": "transit_stations_percent_change_from_baseline",
    "workplaces": "workplaces_percent_change_from_baseline",
    "residential": "residential_percent_change_from_baseline",
}
"""Signal name -> Google's column."""

_LOWER_LEVELS = ("sub_region_2", "metro_area")


def read_google_mobility(source: GoogleMobilitySource, path: Path) -> SourceData:
    """Read one place's six mobility categories from a Community Mobility Report CSV.

    Args:
        source: the case's source record (``region``: ``""`` = country rows, else a
            ``sub_region_1`` name or ISO 3166-2 code, case-insensitive; ``categories``).
        path: the CSV file.

    Returns:
        Signals ``<domain>.retail`` ... ``<domain>.residential``, one row per reported value.

    Raises:
        ConfigError: a category name that Google does not publish.
        SchemaError: missing columns, a region the file does not hold (the message lists
            the regions it does hold), an unparsable date or value, a repeated date.
    """
    where = origin(source.name, path)
    columns = _category_columns(source.categories, source.name)
    table = read_table(path, where)
    require_columns(table, ["date", "sub_region_1", *columns.values()], where)
    rows = _region_rows(table, source.region, where)
    days = parse_dates(rows["date"], where, "date", ("%Y-%m-%d",))
    check_unique_days(days, where, fix=_duplicate_fix(rows))
    numbers = parse_numbers(rows, list(columns.values()), where, thousands=False)
    values = {name: numbers[column] for name, column in columns.items()}
    signals = tidy_signals(days, values, source.domain)
    notes = tuple(
        f"{source.domain}.{name}: no values for {_place(source.region)} in the file "
        "(below Google's privacy threshold every day); the signal is absent"
        for name, series in values.items()
        if series.isna().all()
    )
    return SourceData(name=source.name, path=path, signals=signals, notes=notes)


def _place(region: str) -> str:
    return f"region {region!r}" if region.strip() else "the country level"


def _category_columns(categories: Sequence[str], source_name: str) -> dict[str, str]:
    unknown = [c for c in categories if c not in CATEGORY_COLUMNS]
    if unknown:
        msg = (
            f"source {source_name!r}: unknown mobility categor(y/ies) {unknown} in "
            f"`categories`; choose from {list(CATEGORY_COLUMNS)}"
        )
        raise ConfigError(msg)
    return {c: CATEGORY_COLUMNS[c] for c in categories}


def _blank(table: pd.DataFrame, column: str) -> pd.Series:
    if column not in table.columns:
        return pd.Series(True, index=table.index)
    return table[column] == ""


def _region_rows(table: pd.DataFrame, region: str, where: str) -> pd.DataFrame:
    same_level = _blank(table, "sub_region_2") & _blank(table, "metro_area")
    key = region.strip().casefold()
    if not key:
        mask = same_level & _blank(table, "sub_region_1")
    else:
        iso = table.get("iso_3166_2_code", pd.Series("", index=table.index))
        named = (table["sub_region_1"].str.casefold() == key) | (iso.str.casefold() == key)
        mask = same_level & named
    if not mask.any():
        raise SchemaError(_unknown_region(table[same_level], region, where))
    return table[mask]


def _unknown_region(table: pd.DataFrame, region: str, where: str) -> str:
    iso = table.get("iso_3166_2_code", pd.Series("", index=table.index))
    pairs = sorted({(n, c) for n, c in zip(table["sub_region_1"], iso, strict=True) if n})
    listed = [f"{name} ({code})" if code else name for name, code in pairs]
    if (table["sub_region_1"] == "").any():
        listed.insert(0, 'country level (region = "")')
    wanted = f"region {region!r}" if region.strip() else 'country-level rows (region = "")'
    close = difflib.get_close_matches(region, [n for n, _ in pairs], n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (
        f"{where}: the file has no {wanted}.{hint} Regions in the file: "
        f"{', '.join(listed) or 'none'}. Set `region` in the case file to one of these "
        "names or ISO codes."
    )


def _duplicate_fix(rows: pd.DataFrame) -> str:
    if "country_region_code" in rows.columns:
        countries = sorted(set(rows["country_region_code"]))
        if len(countries) > 1:
            return (
                f"The selected rows belong to several countries ({', '.join(countries)}): "
                "use Google's per-country file, or filter the global file to one country"
            )
    return "Google publishes one row per place and day: remove the repeated rows"
