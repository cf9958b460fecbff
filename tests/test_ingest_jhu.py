"""JHU CSSE adapter: real UAE cumulative files + hand-made wide files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.config import JhuSource
from crisis_fca.errors import DataSourceError, SchemaError
from crisis_fca.ingest.jhu import read_jhu_csse

CONFIRMED = "jhu_csse_covid19_ae/time_series_covid19_confirmed_global_AE.csv"
DEATHS = "jhu_csse_covid19_ae/time_series_covid19_deaths_global_AE.csv"


def _source(measure: str = "new_cases", country: str = "United Arab Emirates") -> JhuSource:
    return JhuSource(
        name="jhu", kind="jhu_csse", domain="health", country=country, measure=measure, path="x"
    )


def _cumulative(path: Path) -> dict[str, int]:
    with path.open(newline="", encoding="utf-8") as handle:
        header, row = list(csv.reader(handle))
    return {column: int(value) for column, value in list(zip(header, row, strict=True))[4:]}


def test_new_cases_are_the_first_difference(data_dir: Path) -> None:
    cumulative = _cumulative(data_dir / CONFIRMED)
    assert (cumulative["4/9/2020"], cumulative["4/10/2020"]) == (2990, 3360)
    signals = read_jhu_csse(_source(), data_dir / CONFIRMED).signals.set_index("date")["value"]
    assert signals[pd.Timestamp("2020-04-10")] == 3360 - 2990
    assert signals[pd.Timestamp("2020-05-28")] == cumulative["5/28/2020"] - cumulative["5/27/2020"]
    assert len(signals) == len(cumulative) - 1 == 1142  # the first date has no previous value
    assert signals.index.min() == pd.Timestamp("2020-01-23")
    assert signals.sum() == cumulative["3/9/2023"] - cumulative["1/22/2020"] == 1_053_213


def test_new_deaths_signal_name_and_value(data_dir: Path) -> None:
    data = read_jhu_csse(_source("new_deaths"), data_dir / DEATHS)
    assert set(data.signals["signal"]) == {"health.new_deaths"}
    deaths = data.signals.set_index("date")["value"]
    assert deaths[pd.Timestamp("2020-04-10")] == 16 - 14
    assert data.notes == ()  # the file has no negative differences


# --- hand-made files (JHU's original header, two-digit years) ------------------------

JHU_HEADER = "Province/State,Country/Region,Lat,Long,1/22/20,1/23/20,1/24/20,1/25/20"


def _file(tmp_path: Path, *rows: str, header: str = JHU_HEADER) -> Path:
    path = tmp_path / "jhu.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_original_header_province_rows_and_a_revision(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "Ontario,Canada,51.2,-85.3,1,2,3,4",
        ",Utopia,0,0,5,9,7,10",
        "Nowhere,Utopia,0,0,100,100,100,100",
    )
    data = read_jhu_csse(_source(country="utopia"), path)
    signals = data.signals
    assert signals["date"].dt.strftime("%Y-%m-%d").tolist() == ["2020-01-23", "2020-01-25"]
    assert signals["value"].tolist() == [4.0, 3.0]  # 9-5; 7-9 < 0 is dropped; 10-7
    assert data.notes == (
        "health.new_cases 2020-01-24: cumulative count fell from 9 to 7 (-2), a reporting "
        "revision; the day is left without a value",
    )


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "jhu.csv"
    path.write_text("\n", encoding="utf-8")
    with pytest.raises(DataSourceError, match=r"source 'jhu', file .*jhu\.csv: the file is empty"):
        read_jhu_csse(_source(), path)


def test_wrong_id_columns(tmp_path: Path) -> None:
    path = _file(tmp_path, ",Utopia,0,0,1,2", header="State,Nation,Lat,Long,1/22/20,1/23/20")
    with pytest.raises(
        SchemaError, match=r"header starts with \['State', 'Nation'.*expected the id columns"
    ):
        read_jhu_csse(_source(country="Utopia"), path)


def test_unparsable_date_header(tmp_path: Path) -> None:
    header = "Province,Country,Lat,Lon,1/22/2020,1/32/2020"
    path = _file(tmp_path, ",Utopia,0,0,1,2", header=header)
    with pytest.raises(SchemaError, match=r"line 1 \(header\): column '1/32/2020' is neither"):
        read_jhu_csse(_source(country="Utopia"), path)


def test_duplicate_dates_in_header(tmp_path: Path) -> None:
    header = "Province,Country,Lat,Lon,1/22/2020,1/22/20"
    path = _file(tmp_path, ",Utopia,0,0,1,2", header=header)
    with pytest.raises(SchemaError, match=r"2020-01-22 \(columns 1/22/2020, 1/22/20\)"):
        read_jhu_csse(_source(country="Utopia"), path)


def test_non_numeric_count(tmp_path: Path) -> None:
    path = _file(tmp_path, ",Atlantis,0,0,1,2,3,4", ",Utopia,0,0,1,2,x,4")
    with pytest.raises(SchemaError, match=r"line 3, column '1/24/20': 'x' is not a number"):
        read_jhu_csse(_source(country="Utopia"), path)


def test_unknown_country_lists_countries(tmp_path: Path) -> None:
    path = _file(tmp_path, ",Atlantis,0,0,1,2,3,4", ",Utopia,0,0,1,2,3,4")
    with pytest.raises(
        SchemaError,
        match=r"no row for country 'Utopiaa'\. Did you mean 'Utopia'\? "
        r"Countries in the file: Atlantis, Utopia\.",
    ):
        read_jhu_csse(_source(country="Utopiaa"), path)


def test_country_with_only_provinces(tmp_path: Path) -> None:
    path = _file(tmp_path, "Ontario,Canada,0,0,1,2,3,4", "Quebec,Canada,0,0,1,2,3,4")
    with pytest.raises(SchemaError, match=r"'Canada' has only province rows \(Ontario, Quebec\)"):
        read_jhu_csse(_source(country="Canada"), path)


def test_country_twice(tmp_path: Path) -> None:
    path = _file(tmp_path, ",Utopia,0,0,1,2,3,4", ",Utopia,0,0,1,2,3,4")
    with pytest.raises(SchemaError, match=r"country 'Utopia' has 2 rows \(lines 2, 3\)"):
        read_jhu_csse(_source(country="Utopia"), path)
