"""daily_csv adapter: the real PeMS export read as a generic daily table + hand-made files."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.config import DailyCsvSource
from crisis_fca.errors import DataSourceError, SchemaError
from crisis_fca.ingest.daily_csv import read_daily_csv


def _source(**extra: object) -> DailyCsvSource:
    return DailyCsvSource(name="daily", kind="daily_csv", domain="traffic", path="d.csv", **extra)


def _file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "d.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_real_pems_export_as_a_daily_table(data_dir: Path) -> None:
    source = _source(date_column="Day", date_format="%m/%d/%Y %H:%M")
    signals = read_daily_csv(source, data_dir / "la-wildfire-2025/LA_mobility.csv").signals
    assert set(signals["signal"]) == {
        "traffic.vmt_veh_miles",
        "traffic.tti",
        "traffic.vht_veh_hours",
        "traffic.delay_v_t_35_veh_hours",
        "traffic.lane_points",
        "traffic.observed",
    }
    vmt = signals[signals["signal"] == "traffic.vmt_veh_miles"].set_index("date")["value"]
    assert len(vmt) == 32
    assert vmt[pd.Timestamp("2025-01-06")] == 96_413_230.6
    assert (signals["coverage"] == 1.0).all()  # no partial-day logic in the generic reader


def test_columns_subset_iso_default_and_empty_cells(tmp_path: Path) -> None:
    path = _file(
        tmp_path, "date,Trips (000s),note\n2020-01-02,5,x\n2020-01-01,,y\n2020-01-03,7.5,z\n"
    )
    signals = read_daily_csv(_source(columns=("Trips (000s)",)), path).signals
    assert signals["signal"].unique().tolist() == ["traffic.trips_000s"]
    assert signals["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-02", "2020-01-03"]
    assert signals["value"].tolist() == [5.0, 7.5]


def test_empty_file(tmp_path: Path) -> None:
    with pytest.raises(DataSourceError, match=r"source 'daily', file .*d\.csv: the file is empty"):
        read_daily_csv(_source(), _file(tmp_path, ""))


def test_missing_date_column(tmp_path: Path) -> None:
    path = _file(tmp_path, "day,value\n2020-01-01,1\n")
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'date'.*found \['day', 'value'\]"):
        read_daily_csv(_source(columns=("value",)), path)


def test_missing_value_column(tmp_path: Path) -> None:
    path = _file(tmp_path, "date,value\n2020-01-01,1\n")
    with pytest.raises(SchemaError, match=r"missing column\(s\) 'trips'"):
        read_daily_csv(_source(columns=("trips",)), path)


def test_only_a_date_column(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="no value columns to read"):
        read_daily_csv(_source(), _file(tmp_path, "date\n2020-01-01\n"))


def test_unparsable_date_with_format(tmp_path: Path) -> None:
    path = _file(tmp_path, "when,v\n01.02.2020,1\n2020-02-02,2\n")
    with pytest.raises(
        SchemaError,
        match=r"line 3, column 'when': '2020-02-02' is not a date in the format '%d.%m.%Y'",
    ):
        read_daily_csv(_source(date_column="when", date_format="%d.%m.%Y"), path)


def test_duplicate_dates(tmp_path: Path) -> None:
    path = _file(tmp_path, "date,v\n2020-01-01,1\n2020-01-01T00:00,2\n")
    with pytest.raises(SchemaError, match=r"2020-01-01 \(lines 2, 3\)"):
        read_daily_csv(_source(), path)


def test_non_numeric_value_suggests_columns(tmp_path: Path) -> None:
    path = _file(tmp_path, "date,v,note\n2020-01-01,1,calm\n")
    with pytest.raises(
        SchemaError, match=r"line 2, column 'note': 'calm' is not a number.*`columns`"
    ):
        read_daily_csv(_source(), path)


def test_columns_that_collide_as_signal_names(tmp_path: Path) -> None:
    path = _file(tmp_path, "date,Trips,trips\n2020-01-01,1,2\n")
    with pytest.raises(
        SchemaError, match=r"columns 'Trips' and 'trips' both become signal 'trips'"
    ):
        read_daily_csv(_source(), path)
