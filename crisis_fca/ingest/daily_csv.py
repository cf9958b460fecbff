"""A CSV that already holds one row per day -> one ``<domain>.<column>`` signal per column.

For sources that arrive aggregated (a feature table exported by another tool, an
official daily series). The date column and its format come from the case file; every
other column (or those listed in ``columns``) must be numeric. Signal names are the
column names made into identifiers (:func:`~crisis_fca.ingest._common.slug`):
``"Trips (000s)"`` -> ``<domain>.trips_000s``. Empty cells are missing days for that
signal; coverage is 1.0 for every value present. Thousands separators are accepted
(``"85,983,765.00"``: a PeMS export read as a plain daily table); a decimal comma is not.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from crisis_fca.errors import SchemaError
from crisis_fca.ingest import SourceData
from crisis_fca.ingest._common import (
    check_unique_days,
    origin,
    parse_dates,
    parse_numbers,
    read_table,
    require_columns,
    slug,
    tidy_signals,
)

if TYPE_CHECKING:
    from crisis_fca.config import DailyCsvSource

__all__ = ["read_daily_csv"]


def read_daily_csv(source: DailyCsvSource, path: Path) -> SourceData:
    """Read a one-row-per-day CSV of numeric columns.

    Args:
        source: ``date_column`` (default ``date``), ``date_format`` (``strptime`` codes;
            default ISO 8601), ``columns`` (default: all but the date column).
        path: the CSV file.

    Returns:
        One signal per value column, ``<domain>.<slug of the column name>``.

    Raises:
        SchemaError: missing columns, no value column, two columns with the same signal
            name, an unparsable date, a repeated date or a non-numeric value.
    """
    where = origin(source.name, path)
    table = read_table(path, where)
    columns = _value_columns(source, [str(c) for c in table.columns], where)
    require_columns(table, [source.date_column, *columns], where)
    names = _signal_names(columns, where)
    formats = (source.date_format,) if source.date_format else None
    stamps = parse_dates(table[source.date_column], where, source.date_column, formats)
    days = stamps.dt.normalize()
    check_unique_days(days, where)
    fix = (
        "Write plain numbers and leave a missing value empty; if the column is not a "
        "signal, list the numeric ones in the source's `columns`."
    )
    numbers = parse_numbers(table, columns, where, fix=fix)
    values = {names[column]: numbers[column] for column in columns}
    return SourceData(
        name=source.name, path=path, signals=tidy_signals(days, values, source.domain)
    )


def _value_columns(source: DailyCsvSource, found: list[str], where: str) -> list[str]:
    if source.columns is not None:
        chosen = list(source.columns)
    else:
        chosen = [c for c in found if c != source.date_column]
    if not chosen:
        msg = (
            f"{where}: no value columns to read (found only {found}); the file needs "
            f"numeric columns beside the date column {source.date_column!r}"
        )
        raise SchemaError(msg)
    return chosen


def _signal_names(columns: Sequence[str], where: str) -> dict[str, str]:
    names = {column: slug(column) for column in columns}
    unnamed = [c for c, name in names.items() if not name]
    if unnamed:
        msg = (
            f"{where}: column(s) {unnamed} give no signal name (no letters or digits); rename them"
        )
        raise SchemaError(msg)
    seen: dict[str, str] = {}
    for column, name in names.items():
        if name in seen:
            msg = (
                f"{where}: columns {seen[name]!r} and {column!r} both become signal "
                f"{name!r}; rename one of them"
            )
            raise SchemaError(msg)
        seen[name] = column
    return names
