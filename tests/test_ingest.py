"""Shared ingest parsing (crisis_fca.ingest._common) and the adapter output contract.

Per-adapter values and bad inputs are in tests/test_ingest_<adapter>.py.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crisis_fca.config import (
    CalfireSource,
    GoogleMobilitySource,
    JhuSource,
    PemsSource,
    PostsSource,
    load_case,
)
from crisis_fca.errors import DataSourceError, SchemaError
from crisis_fca.ingest import SIGNAL_COLUMNS, read_source
from crisis_fca.ingest._common import (
    check_unique_days,
    parse_dates,
    parse_numbers,
    read_table,
    require_columns,
    slug,
    tidy_signals,
)

# --- read_table --------------------------------------------------------------------


def _write(tmp_path: Path, content: str | bytes, name: str = "t.csv") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        path.write_bytes(content.encode("utf-8"))
    else:
        path.write_bytes(content)
    return path


def test_read_table_tolerates_bom_crlf_and_counts_lines_of_multiline_cells(tmp_path: Path) -> None:
    # line 1 header, line 2 blank, line 3-4 one record (quoted newline), line 5 commas only,
    # line 6 a record
    text = '\ufeffday,note\r\n\r\n2020-01-01,"two\r\nlines"\r\n,\r\n2020-01-02, x \r\n'
    table = read_table(_write(tmp_path, text), "demo")
    assert list(table.columns) == ["day", "note"]  # BOM gone from the first name
    assert list(table.index) == [3, 6]
    assert table.loc[3, "note"] == "two\r\nlines"
    assert table.loc[6, "note"] == "x"  # cells are stripped


@pytest.mark.parametrize("content", ["", "   \n\n", "\ufeff"])
def test_read_table_empty_file(tmp_path: Path, content: str) -> None:
    with pytest.raises(DataSourceError, match=r"t\.csv: the file is empty"):
        read_table(_write(tmp_path, content), f"file {tmp_path / 't.csv'}")


def test_read_table_only_commas_is_empty(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="only empty rows"):
        read_table(_write(tmp_path, ",,\n,,\n"), "demo")


def test_read_table_header_without_rows(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"header \(line 1\) has no data rows"):
        read_table(_write(tmp_path, "date,value\n"), "demo")


def test_read_table_ragged_row_names_line(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"line 3 has 3 fields but the header .* has 2"):
        read_table(_write(tmp_path, "a,b\n1,2\n3,4,5\n"), "demo")


def test_read_table_trailing_empty_cells_are_tolerated(tmp_path: Path) -> None:
    table = read_table(_write(tmp_path, "a,b\n1,2,,\n"), "demo")
    assert table.loc[2].tolist() == ["1", "2"]


def test_read_table_duplicate_header(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match=r"names column\(s\) \['a'\] twice"):
        read_table(_write(tmp_path, "a,a\n1,2\n"), "demo")


def test_read_table_not_utf8_names_offset_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, b"name,value\nZ\xfcrich,1\n")
    with pytest.raises(DataSourceError, match=r"not UTF-8 text: byte 0xfc at offset 12 \(line 2\)"):
        read_table(path, "demo")


def test_read_table_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match="cannot read the file"):
        read_table(tmp_path / "absent.csv", "demo")


# --- columns, dates, numbers ---------------------------------------------------------


def test_require_columns_lists_found_expected_and_a_close_match() -> None:
    table = pd.DataFrame({"Date": ["x"], "VMT": ["1"]})
    with pytest.raises(
        SchemaError, match=r"'Day' \(did you mean 'Date'\?\).*found \['Date', 'VMT'\]"
    ):
        require_columns(table, ["Day", "VMT"], "demo")


def test_parse_dates_tries_formats_and_names_line_and_value() -> None:
    cells = pd.Series(["1/5/2025 0:00", "02/06/2025"], index=[2, 3])
    parsed = parse_dates(cells, "demo", "Day", ("%m/%d/%Y %H:%M", "%m/%d/%Y"))
    assert parsed.dtype == "datetime64[ns]"
    assert parsed.tolist() == [pd.Timestamp("2025-01-05"), pd.Timestamp("2025-02-06")]
    with pytest.raises(SchemaError, match=r"line 7, column 'Day': '2025-13-01' is not a date"):
        parse_dates(pd.Series(["2025-01-01", "2025-13-01"], index=[6, 7]), "demo", "Day")


def test_parse_numbers_handles_separators_missing_and_percent() -> None:
    cells = pd.DataFrame({"v": ["1,247,328", "NA", " -0.5 ", "95%"]}, index=[2, 3, 4, 5])
    before = cells.copy()
    out = parse_numbers(cells, ["v"], "demo", percent=True)
    assert out["v"].tolist()[0] == 1247328.0
    assert np.isnan(out["v"].tolist()[1])
    assert out["v"].tolist()[2:] == [-0.5, 95.0]
    assert list(out.index) == [2, 3, 4, 5]
    pd.testing.assert_frame_equal(cells, before)  # input untouched


@pytest.mark.parametrize("bad", ["12,34", "abc", "1.2.3", "inf", "95%"])
def test_parse_numbers_rejects_non_numbers(bad: str) -> None:
    cells = pd.DataFrame({"VMT": ["1", bad]}, index=[2, 9])
    with pytest.raises(SchemaError, match=rf"line 9, column 'VMT': '{bad}' is not a number"):
        parse_numbers(cells, ["VMT"], "demo")


def test_check_unique_days_names_dates_and_lines() -> None:
    days = pd.Series(pd.to_datetime(["2020-01-01", "2020-01-02", "2020-01-01"]), index=[2, 3, 7])
    with pytest.raises(
        SchemaError, match=r"1 date\(s\) appear more than once: 2020-01-01 \(lines 2, 7\)"
    ):
        check_unique_days(days, "demo")


def test_slug() -> None:
    assert slug("Delay (V_t=35) (Veh-Hours)") == "delay_v_t_35_veh_hours"
    assert slug("% Observed") == "observed"
    assert slug("!!") == ""


def test_tidy_signals_drops_nan_values_and_sorts() -> None:
    days = pd.Series(pd.to_datetime(["2020-01-02", "2020-01-01"]), index=[2, 3])
    values = {"b": pd.Series([1.0, np.nan], index=[2, 3]), "a": pd.Series([3.0, 4.0], index=[2, 3])}
    days_before, b_before = days.copy(), values["b"].copy()
    out = tidy_signals(days, values, "dom", coverage=pd.Series([0.5, 1.0], index=[2, 3]))
    pd.testing.assert_series_equal(days, days_before)
    pd.testing.assert_series_equal(values["b"], b_before)
    assert out.to_dict("list") == {
        "date": [
            pd.Timestamp("2020-01-01"),
            pd.Timestamp("2020-01-02"),
            pd.Timestamp("2020-01-02"),
        ],
        "signal": ["dom.a", "dom.a", "dom.b"],
        "value": [4.0, 3.0, 1.0],
        "coverage": [1.0, 0.5, 0.5],
    }


# --- the contract, on every adapter with the real files ------------------------------

REAL_SOURCES = [
    GoogleMobilitySource(
        name="google",
        kind="google_mobility",
        domain="mobility",
        region="Umm Al Quawain",
        path="google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv",
    ),
    PemsSource(
        name="pems", kind="pems", domain="mobility", path="la-wildfire-2025/LA_mobility.csv"
    ),
    PostsSource(
        name="reddit",
        kind="posts_by_day",
        domain="social",
        path="uae-covid-2020-2021/reddit_covid_uae_posts_by_day.json",
    ),
    JhuSource(
        name="jhu",
        kind="jhu_csse",
        domain="health",
        country="United Arab Emirates",
        measure="new_deaths",
        path="jhu_csse_covid19_ae/time_series_covid19_deaths_global_AE.csv",
    ),
    CalfireSource(
        name="calfire",
        kind="calfire",
        domain="hazard",
        path="calfire_palisades_fire_2025/calfire_updates_cleaned.csv",
    ),
]


@pytest.mark.parametrize("source", REAL_SOURCES, ids=lambda s: s.kind)
def test_adapter_output_honours_the_contract(source, data_dir: Path) -> None:
    before = copy.deepcopy(source)
    data = read_source(source, data_dir)
    signals = data.signals
    assert tuple(signals.columns) == SIGNAL_COLUMNS
    assert signals["date"].dtype == "datetime64[ns]"
    assert (signals["date"] == signals["date"].dt.normalize()).all()
    assert signals["signal"].str.startswith(f"{source.domain}.").all()
    assert signals["value"].dtype == "float64"
    assert signals["value"].notna().all()  # a missing value is a missing row
    assert signals["coverage"].dtype == "float64"
    assert signals["coverage"].between(0, 1).all()
    assert not signals.duplicated(["date", "signal"]).any()
    assert signals.equals(signals.sort_values(["signal", "date"], ignore_index=True))
    assert data.name == source.name
    assert source == before


@pytest.mark.parametrize("case", ["uae-covid", "la-wildfire"])
def test_every_source_of_the_shipped_cases_reads(case: str, data_dir: Path) -> None:
    for source in load_case(case).sources:
        data = read_source(source, data_dir)
        assert len(data.signals) > 0, source.name
