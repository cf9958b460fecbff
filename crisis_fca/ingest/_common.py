"""Parsing shared by the source adapters: text, CSV tables, dates, numbers, tidy output.

Every adapter reads its file through these helpers so that every bad input is reported
the same way: the message names the source and file, the 1-based line number *in the
file* (a record's first line, so quoted multi-line cells and blank lines are counted
correctly), the column and the offending value, and says how to fix it.

:func:`read_table` keeps each record's line number as the frame's index; filtering and
parsing keep that index, so an error found late still points at the right line. Cells
stay text until :func:`parse_dates` / :func:`parse_numbers` convert them, which is what
makes those messages possible (pandas' own parsers only say *that* something failed).
Tolerated: a UTF-8 byte-order mark, CRLF line ends, blank and all-empty rows,
thousands separators (``"85,983,765.00"``) where the source writes them (PeMS, CAL FIRE).
Refused with a message that says so: a semicolon- or tab-separated export, a file whose
header row is missing, a date after today (an observation cannot come from the future),
and a thousands separator in a source that never writes one (``"1,234"`` there may be a
decimal comma, so it is ambiguous).
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd

from crisis_fca.errors import DataSourceError, SchemaError
from crisis_fca.ingest import SIGNAL_COLUMNS

__all__ = [
    "check_unique_days",
    "empty_signals",
    "future_day_message",
    "latest_allowed_day",
    "origin",
    "parse_date",
    "parse_dates",
    "parse_numbers",
    "read_table",
    "read_text",
    "reject_first",
    "require_columns",
    "slug",
    "tidy_signals",
]

_MISSING = frozenset({"", "na", "n/a", "nan", "null", "none"})
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
_NUMBER_FIX = (
    "Write plain numbers (thousands separators like 1,234.5 are fine) "
    "and leave a missing value empty."
)


def origin(source_name: str, path: Path) -> str:
    """The prefix of every adapter message: which source and which file.

    Example:
        >>> origin("pems", Path("/data/LA_mobility.csv"))
        "source 'pems', file /data/LA_mobility.csv"
    """
    return f"source {source_name!r}, file {path}"


def read_text(path: Path, where: str) -> str:
    """The file's text, decoded as UTF-8 (a byte-order mark is dropped).

    Raises:
        DataSourceError: the file cannot be read, is not UTF-8, or holds only whitespace.
    """
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = (
            f"{where}: cannot read the file ({exc.strerror}); check that it exists and is readable"
        )
        raise DataSourceError(msg) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        msg = (
            f"{where}: not UTF-8 text: byte 0x{data[exc.start]:02x} at offset {exc.start} "
            f"(line {line}) cannot be decoded. Re-save the file as UTF-8 "
            "(e.g. `iconv -f latin1 -t utf-8 IN > OUT`)."
        )
        raise DataSourceError(msg) from None
    if not text.strip():
        msg = f"{where}: the file is empty (no header, no data); re-download or replace it"
        raise DataSourceError(msg)
    return text


def read_table(path: Path, where: str) -> pd.DataFrame:
    """A CSV file as a frame of stripped text cells, indexed by 1-based line number.

    The first non-blank record is the header; records whose cells are all empty are
    dropped (CAL FIRE's scrape has rows of bare commas).

    Raises:
        DataSourceError: unreadable, not UTF-8 or empty file.
        SchemaError: broken CSV, duplicate header names, a row whose field count differs
            from the header's, or a header without data rows.
    """
    records = _records(read_text(path, where), where)
    (header_line, header), rows = records[0], records[1:]
    _check_header(header, header_line, where)
    _check_separator(header, header_line, where)
    for line, row in rows:
        if len(row) != len(header):
            msg = (
                f"{where}: line {line} has {len(row)} fields but the header (line "
                f"{header_line}) has {len(header)}; the file may be truncated, or a value "
                "holds an unquoted comma (quote it)"
            )
            raise SchemaError(msg)
    if not rows:
        msg = f"{where}: the header (line {header_line}) has no data rows below it; add data"
        raise SchemaError(msg)
    index = pd.Index([line for line, _ in rows], name="line")
    return pd.DataFrame([row for _, row in rows], columns=header, index=index, dtype=str)


def _records(text: str, where: str) -> list[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    out: list[tuple[int, list[str]]] = []
    previous = 0
    try:
        for row in reader:
            start, previous = previous + 1, reader.line_num
            cells = [cell.strip() for cell in row]
            while out and len(cells) > len(out[0][1]) and not cells[-1]:
                cells.pop()  # empty cells beyond the header's width (spreadsheet exports)
            if any(cells):
                out.append((start, cells))
    except csv.Error as exc:
        msg = f"{where}: line {previous + 1} is not valid CSV ({exc}); fix the quoting there"
        raise SchemaError(msg) from None
    if not out:
        msg = f"{where}: the file has only empty rows (no header, no data); replace it"
        raise DataSourceError(msg)
    return out


def _check_header(header: list[str], line: int, where: str) -> None:
    dupes = sorted({name for name in header if header.count(name) > 1})
    if dupes and _looks_like_data(header, dates=False):  # JHU's header is dates
        msg = (
            f"{where}: line {line} holds data ({header[:4]}...), not column names: the "
            "header row is missing. Add the source's header line at the top of the file, "
            "or re-export it with headers."
        )
        raise SchemaError(msg)
    if dupes:
        msg = f"{where}: the header (line {line}) names column(s) {dupes} twice; rename them"
        raise SchemaError(msg)


def _check_separator(header: list[str], line: int, where: str) -> None:
    """A one-column header holding ``;`` or a tab: an export with another separator."""
    if len(header) != 1:
        return
    for mark, name in ((";", "semicolon"), ("\t", "tab")):
        if mark in header[0]:
            msg = (
                f"{where}: the header (line {line}) is one column holding {name}s "
                f"({header[0][:60]!r}...): the file is {name}-separated (a spreadsheet "
                "export with a regional setting). Re-export it as comma-separated CSV with "
                "'.' as the decimal point."
            )
            raise SchemaError(msg)


def require_columns(table: pd.DataFrame, expected: Sequence[str], where: str) -> None:
    """Fail with the found and expected column names unless all of ``expected`` exist.

    Raises:
        SchemaError: some expected columns are missing (a close match is suggested, so
            a renamed column such as ``Date`` for ``Day`` is easy to spot).
    """
    found = [str(c) for c in table.columns]
    missing = [c for c in expected if c not in found]
    if not missing:
        return
    if _looks_like_data(found, dates=True):
        msg = (
            f"{where}: the first line holds data ({found[:4]}...), not column names: the "
            f"header row is missing. Add the header line {list(expected)} (in the source's "
            "own column order) at the top of the file, or re-export it with headers."
        )
        raise SchemaError(msg)
    lowered = {name.lower(): name for name in found if name not in expected}  # unclaimed
    described = []
    for name in missing:
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.5)
        hint = f" (did you mean {lowered[close[0]]!r}?)" if close else ""
        described.append(f"{name!r}{hint}")
    msg = (
        f"{where}: missing column(s) {', '.join(described)}. Expected {list(expected)}; "
        f"found {found}. Rename the column(s) in the file, or check that this file "
        "belongs to this kind of source."
    )
    raise SchemaError(msg)


def _looks_like_data(cells: Sequence[str], *, dates: bool) -> bool:
    """Most header cells are numbers (or dates): the header line is really a data row."""
    filled = [c for c in cells if c]
    data = [c for c in filled if _number(c, percent=True) is not None or (dates and _is_date(c))]
    return len(data) * 2 > len(filled) > 0


def _is_date(cell: str) -> bool:
    formats = ("%m/%d/%Y %H:%M", "%m/%d/%Y", "%m/%d/%y", "%d.%m.%Y")
    return parse_date(cell) is not None or parse_date(cell, formats) is not None


def latest_allowed_day(today: date | None = None) -> datetime:
    """The last day an observation may carry: tomorrow (UTC), so no time zone is refused.

    Example:
        >>> latest_allowed_day(date(2025, 2, 5))
        datetime.datetime(2025, 2, 6, 0, 0)
    """
    day = today or datetime.now(UTC).date()
    return datetime.combine(day + timedelta(days=1), datetime.min.time())


def future_day_message(where: str, at: str, value: str, day: datetime) -> str:
    """The message for a date after :func:`latest_allowed_day` (shared by the adapters)."""
    return (
        f"{where}: {at}: {value!r} is {day:%Y-%m-%d}, a day in the future (today is "
        f"{datetime.now(UTC):%Y-%m-%d} UTC). A raw file holds observed days only: fix the "
        "year (or the date format's day/month order) or drop the row."
    )


def parse_dates(
    values: pd.Series, where: str, column: str, formats: Sequence[str] | None = None
) -> pd.Series:
    """Text cells -> ``datetime64[ns]`` (time zones dropped, wall-clock time kept).

    Each cell is tried against ``formats`` (``strptime`` codes) in turn; ``None`` means
    ISO 8601 (``2020-04-10``). The index (line numbers) is kept.

    Raises:
        SchemaError: naming the line, column and value of the first cell that is not a
            date, or that is a day after tomorrow (UTC).
    """
    latest = latest_allowed_day()
    parsed = []
    for line, cell in values.items():
        stamp = parse_date(str(cell), formats)
        if stamp is None:
            expected = " or ".join(repr(f) for f in formats) if formats else "ISO 8601 (YYYY-MM-DD)"
            msg = (
                f"{where}: line {line}, column {column!r}: {cell!r} is not a date in the "
                f"format {expected}. Fix the value (or the source's date format) or drop the row."
            )
            raise SchemaError(msg)
        if stamp >= latest:
            at = f"line {line}, column {column!r}"
            raise SchemaError(future_day_message(where, at, str(cell), stamp))
        parsed.append(stamp)
    return pd.Series(np.array(parsed, dtype="datetime64[ns]"), index=values.index, name=column)


def parse_date(text: str, formats: Sequence[str] | None = None) -> datetime | None:
    """One text as a naive datetime, trying ``formats`` in turn (``None``: ISO 8601).

    Returns ``None`` when nothing matches or the date is outside ``datetime64[ns]``.

    Example:
        >>> parse_date("1/22/20", ("%m/%d/%Y", "%m/%d/%y"))
        datetime.datetime(2020, 1, 22, 0, 0)
    """
    for fmt in formats or (None,):
        try:
            stamp = datetime.fromisoformat(text) if fmt is None else datetime.strptime(text, fmt)
        except ValueError:
            continue
        if 1678 <= stamp.year <= 2261:  # datetime64[ns] bounds
            return stamp.replace(tzinfo=None)
    return None


def parse_numbers(
    table: pd.DataFrame,
    columns: Sequence[str],
    where: str,
    *,
    percent: bool = False,
    thousands: bool = True,
    fix: str = _NUMBER_FIX,
) -> pd.DataFrame:
    """Text cells of ``columns`` -> float64 (empty / ``NA`` -> NaN), same index.

    Example:
        >>> cells = pd.DataFrame({"v": ["85,983,765.00", "", "-84"]}, index=[2, 3, 4])
        >>> parse_numbers(cells, ["v"], "demo")["v"].tolist()
        [85983765.0, nan, -84.0]

    Args:
        percent: also accept a trailing ``%`` (``"95%"`` -> 95.0).
        thousands: accept thousands separators (``"1,234.5"``); ``False`` for sources
            that never write them, where ``"1,234"`` may be a decimal comma.
        fix: the advice appended to an error message.

    Raises:
        SchemaError: naming the line, column and value of the first non-number, of an
            infinite value, or of a thousands separator where none is expected.
    """
    cells = table[list(columns)].to_numpy(dtype=object)
    out = np.empty(cells.shape, dtype="float64")
    for (i, j), cell in np.ndenumerate(cells):
        text = str(cell)
        value = _number(text, percent)
        if value is not None and not thousands and "," in text:
            msg = (
                f"{where}: line {table.index[i]}, column {columns[j]!r}: {cell!r} has a "
                "comma, but this source never writes thousands separators, so it may be a "
                "decimal comma (1,234 = 1.234?). Write the number without separators, with "
                "'.' as the decimal point."
            )
            raise SchemaError(msg)
        if value is None:
            infinite = " (an infinite value cannot be analysed)" if _is_infinite(text) else ""
            msg = (
                f"{where}: line {table.index[i]}, column {columns[j]!r}: {cell!r} is not a "
                f"number{infinite}. {fix}"
            )
            raise SchemaError(msg)
        out[i, j] = value
    return pd.DataFrame(out, index=table.index, columns=list(columns))


def _number(cell: str, percent: bool) -> float | None:
    text = cell.strip()
    if percent and text.endswith("%"):
        text = text[:-1].rstrip()
    if text.lower() in _MISSING:
        return math.nan
    if _THOUSANDS.fullmatch(text):
        text = text.replace(",", "")
    if not _PLAIN_NUMBER.fullmatch(text):
        return None
    value = float(text)
    return value if math.isfinite(value) else None


def _is_infinite(cell: str) -> bool:
    try:
        return math.isinf(float(cell.strip()))
    except ValueError:
        return False


def reject_first(bad: pd.Series, raw: pd.Series, where: str, problem: str) -> None:
    """Fail naming the first row where ``bad`` holds: its line, column and raw cell.

    ``raw`` is the column as read (its name is the column, its index the line numbers);
    ``problem`` completes the sentence "<value> ...", e.g. "is not a positive count".

    Raises:
        SchemaError: when any element of ``bad`` is true.
    """
    if not bad.any():
        return
    position = int(np.argmax(bad.to_numpy(dtype=bool)))
    line, cell = raw.index[position], raw.iloc[position]
    raise SchemaError(f"{where}: line {line}, column {raw.name!r}: {cell!r} {problem}")


def check_unique_days(days: pd.Series, where: str, fix: str = "", label: str = "line") -> None:
    """Fail when a day occurs more than once (the index says where: lines or columns).

    Raises:
        SchemaError: listing up to five repeated dates with their lines.
    """
    repeated = days[days.duplicated(keep=False)]
    if repeated.empty:
        return
    groups = sorted(repeated.groupby(repeated).groups.items())
    listing = "; ".join(
        f"{day:%Y-%m-%d} ({label}s {', '.join(str(x) for x in where_)})"
        for day, where_ in groups[:5]
    )
    more = f" and {len(groups) - 5} more" if len(groups) > 5 else ""
    advice = fix or "keep one row per day and delete the others"
    msg = f"{where}: {len(groups)} date(s) appear more than once: {listing}{more}. {advice}."
    raise SchemaError(msg)


def slug(name: str) -> str:
    """A column name as a signal name: lowercase, runs of non-alphanumerics -> ``_``.

    Example:
        >>> slug("VMT (Veh-Miles)")
        'vmt_veh_miles'
    """
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")


def empty_signals() -> pd.DataFrame:
    """A tidy signal frame with no rows and the contract's dtypes."""
    return pd.DataFrame(
        {
            "date": pd.Series(dtype="datetime64[ns]"),
            "signal": pd.Series(dtype=str),
            "value": pd.Series(dtype="float64"),
            "coverage": pd.Series(dtype="float64"),
        }
    )


def tidy_signals(
    days: pd.Series,
    values: Mapping[str, pd.Series],
    domain: str,
    coverage: pd.Series | None = None,
) -> pd.DataFrame:
    """Wide per-day values -> the tidy frame of :data:`~crisis_fca.ingest.SIGNAL_COLUMNS`.

    ``days`` and every series in ``values`` (keyed by signal name without domain) share
    one index. A NaN value yields no row: the day is then *missing* for that signal.
    Rows are sorted by signal, then date.
    """
    parts = []
    for name, series in values.items():
        part = pd.DataFrame(
            {
                "date": days,
                "signal": f"{domain}.{name}",
                "value": series.astype("float64"),
                "coverage": 1.0 if coverage is None else coverage.astype("float64"),
            }
        )
        part = part[part["value"].notna()]
        if not part.empty:
            parts.append(part)
    if not parts:
        return empty_signals()
    frame = pd.concat(parts, ignore_index=True)
    frame = frame.sort_values(["signal", "date"], kind="stable", ignore_index=True)
    return frame.astype(
        {"date": "datetime64[ns]", "signal": str, "value": "float64", "coverage": "float64"}
    )[list(SIGNAL_COLUMNS)]
