"""Caltrans PeMS adapter: real LA export (incl. the half day 2025-02-05) + bad files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.config import PemsSource
from crisis_fca.errors import DataSourceError, SchemaError
from crisis_fca.ingest.pems import read_pems

REL = "la-wildfire-2025/LA_mobility.csv"
HEADER = (
    "Day,VMT (Veh-Miles),TTI,VHT (Veh-Hours),Delay (V_t=35) (Veh-Hours),# Lane Points,% Observed"
)
SOURCE = PemsSource(name="pems", kind="pems", domain="mobility", path=REL)


def _value(signals: pd.DataFrame, signal: str, day: str, column: str = "value") -> float:
    row = signals[(signals["signal"] == signal) & (signals["date"] == pd.Timestamp(day))]
    assert len(row) == 1
    return float(row[column].iloc[0])


def test_la_vmt_on_2025_01_06(data_dir: Path) -> None:
    signals = read_pems(SOURCE, data_dir / REL).signals
    assert _value(signals, "mobility.vmt", "2025-01-06") == 96_413_230.6
    assert _value(signals, "mobility.vht", "2025-01-06") == 1_733_297.7
    assert _value(signals, "mobility.delay", "2025-01-06") == 80_199.4
    assert _value(signals, "mobility.tti", "2025-01-06") == 1.1
    assert _value(signals, "mobility.pems_observed_pct", "2025-01-06") == 20.6


def test_every_row_becomes_five_signals_from_2025_01_05(data_dir: Path) -> None:
    with (data_dir / REL).open(newline="", encoding="utf-8") as handle:
        days = [row["Day"] for row in csv.DictReader(handle)]
    signals = read_pems(SOURCE, data_dir / REL).signals
    assert len(days) == 32
    assert signals.groupby("signal").size().to_dict() == {
        f"mobility.{name}": 32 for name in ("delay", "pems_observed_pct", "tti", "vht", "vmt")
    }
    assert signals["date"].min() == pd.Timestamp("2025-01-05")  # nothing before: missing
    assert signals["date"].max() == pd.Timestamp("2025-02-05")


def test_half_day_2025_02_05_gets_coverage_half_and_a_note(data_dir: Path) -> None:
    data = read_pems(SOURCE, data_dir / REL)
    signals = data.signals
    assert _value(signals, "mobility.vmt", "2025-02-05", "coverage") == 0.5
    assert _value(signals, "mobility.vmt", "2025-02-05") == 42_378_447.7  # kept, flagged
    full_days = signals[signals["date"] < pd.Timestamp("2025-02-05")]
    assert (full_days["coverage"] == 1.0).all()
    assert data.notes == ("2025-02-05: 1,247,328 of 2,494,656 lane points (50%) — partial day",)


# --- hand-made files --------------------------------------------------------------


def _file(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "pems.csv"
    path.write_text("\r\n".join([header, *rows]) + "\r\n", encoding="utf-8")
    return path


def _row(day: str, vmt: str = '"1,000.0"', lanes: str = "400") -> str:
    return f'{day},{vmt},1.10,"20.0","3.5",{lanes},20.0'


def test_quarter_day_coverage_and_note(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("1/5/2025 0:00"), _row("1/6/2025 0:00", lanes="100"))
    data = read_pems(SOURCE, path)
    assert _value(data.signals, "mobility.vmt", "2025-01-06", "coverage") == 0.25
    assert data.notes == ("2025-01-06: 100 of 400 lane points (25%) — partial day",)


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "pems.csv"
    path.write_bytes(b"")
    with pytest.raises(
        DataSourceError, match=r"source 'pems', file .*pems\.csv: the file is empty"
    ):
        read_pems(SOURCE, path)


def test_missing_columns_list_found_and_expected(tmp_path: Path) -> None:
    header = HEADER.replace("Day,", "Date,").replace(",# Lane Points", ",Lanes")
    path = _file(tmp_path, _row("1/5/2025 0:00"), header=header)
    with pytest.raises(
        SchemaError,
        match=r"missing column\(s\) 'Day' \(did you mean 'Date'\?\), '# Lane Points'"
        r".*found \['Date'",
    ):
        read_pems(SOURCE, path)


def test_unparsable_date_names_line_and_value(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("1/5/2025 0:00"), _row("13/45/2025 0:00"))
    with pytest.raises(SchemaError, match=r"line 3, column 'Day': '13/45/2025 0:00' is not a date"):
        read_pems(SOURCE, path)


def test_hourly_export_is_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("1/5/2025 0:00"), _row("1/5/2025 1:00"))
    with pytest.raises(SchemaError, match=r"line 3, column 'Day': '1/5/2025 1:00' is not midnight"):
        read_pems(SOURCE, path)


def test_duplicate_dates_are_named(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("1/5/2025 0:00"), _row("1/6/2025 0:00"), _row("01/05/2025 0:00"))
    with pytest.raises(SchemaError, match=r"2025-01-05 \(lines 2, 4\)"):
        read_pems(SOURCE, path)


def test_non_numeric_value_names_column_line_value(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("1/5/2025 0:00"), _row("1/6/2025 0:00", vmt="n.a."))
    with pytest.raises(
        SchemaError, match=r"line 3, column 'VMT \(Veh-Miles\)': 'n.a.' is not a number"
    ):
        read_pems(SOURCE, path)


def test_missing_lane_points_are_refused(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("1/5/2025 0:00"), _row("1/6/2025 0:00", lanes=""))
    with pytest.raises(
        SchemaError, match=r"line 3, column '# Lane Points': '' is not a positive count"
    ):
        read_pems(SOURCE, path)
