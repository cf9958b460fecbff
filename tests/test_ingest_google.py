"""Google Community Mobility adapter: real UAE file + hand-made bad files."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.config import GoogleMobilitySource
from crisis_fca.errors import ConfigError, DataSourceError, SchemaError
from crisis_fca.ingest.google import CATEGORY_COLUMNS, read_google_mobility

REL = "google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
HEADER = (
    "country_region_code,country_region,sub_region_1,sub_region_2,metro_area,iso_3166_2_code,"
    "census_fips_code,place_id,date," + ",".join(CATEGORY_COLUMNS.values())
)


def _source(region: str = "", **extra: object) -> GoogleMobilitySource:
    return GoogleMobilitySource(
        name="google", kind="google_mobility", domain="mobility", path=REL, region=region, **extra
    )


def _value(signals: pd.DataFrame, signal: str, day: str) -> float:
    row = signals[(signals["signal"] == signal) & (signals["date"] == pd.Timestamp(day))]
    assert len(row) == 1
    return float(row["value"].iloc[0])


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def test_uae_country_level_transit_on_2020_04_10(data_dir: Path) -> None:
    signals = read_google_mobility(_source(), data_dir / REL).signals
    assert _value(signals, "mobility.transit", "2020-04-10") == -84.0
    assert _value(signals, "mobility.residential", "2020-04-10") == 23.0
    assert _value(signals, "mobility.retail", "2020-04-10") == -74.0


def test_uae_country_level_has_974_days_for_each_category(data_dir: Path) -> None:
    signals = read_google_mobility(_source(), data_dir / REL).signals
    counts = signals.groupby("signal").size()
    assert counts.to_dict() == {f"mobility.{c}": 974 for c in CATEGORY_COLUMNS}
    assert signals["date"].min() == pd.Timestamp("2020-02-15")
    assert signals["date"].max() == pd.Timestamp("2022-10-15")
    assert (signals["coverage"] == 1.0).all()


def test_region_by_name_or_iso_code_case_insensitive(data_dir: Path) -> None:
    by_name = read_google_mobility(_source("dubai"), data_dir / REL).signals
    by_code = read_google_mobility(_source("AE-DU"), data_dir / REL).signals
    pd.testing.assert_frame_equal(by_name, by_code)
    rows = [r for r in _csv_rows(data_dir / REL) if r["sub_region_1"] == "Dubai"]
    first = min(rows, key=lambda r: r["date"])
    expected = float(first["workplaces_percent_change_from_baseline"])
    assert _value(by_name, "mobility.workplaces", first["date"]) == expected


def test_nan_values_and_missing_days_have_no_rows(data_dir: Path) -> None:
    rows = [r for r in _csv_rows(data_dir / REL) if r["iso_3166_2_code"] == "AE-UQ"]
    reported = sum(1 for r in rows if r["residential_percent_change_from_baseline"] != "")
    assert (len(rows), reported) == (967, 761)  # 7 missing days, 206 empty values
    data = read_google_mobility(_source("Umm Al Quawain"), data_dir / REL)
    counts = data.signals.groupby("signal").size()
    assert counts["mobility.residential"] == 761
    assert "mobility.parks" not in counts  # never reported for this emirate
    assert any(n.startswith("mobility.parks: no values") for n in data.notes)


def test_categories_select_a_subset(data_dir: Path) -> None:
    source = _source(categories=("transit", "parks"))
    signals = read_google_mobility(source, data_dir / REL).signals
    assert set(signals["signal"]) == {"mobility.transit", "mobility.parks"}


def test_unknown_category_is_a_config_error(data_dir: Path) -> None:
    with pytest.raises(ConfigError, match=r"unknown mobility categor.*\['transport'\].*'transit'"):
        read_google_mobility(_source(categories=("transport",)), data_dir / REL)


def test_unknown_region_lists_the_regions_with_iso_codes(data_dir: Path) -> None:
    with pytest.raises(SchemaError, match="no region 'Dubayy'") as caught:
        read_google_mobility(_source("Dubayy"), data_dir / REL)
    message = str(caught.value)
    assert "Did you mean 'Dubai'?" in message
    assert 'country level (region = "")' in message
    assert "Abu Dhabi (AE-AZ)" in message
    assert "Umm Al Quawain (AE-UQ)" in message


# --- hand-made bad files ------------------------------------------------------------


def _file(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "mobility.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def _row(day: str, transit: str = "-84", region: str = "", iso: str = "") -> str:
    return f"AE,United Arab Emirates,{region},,,{iso},,place,{day},1,2,3,{transit},5,6"


def test_hand_made_file_reads(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("2020-04-11", "-80"), _row("2020-04-10", ""))
    signals = read_google_mobility(_source(), path).signals
    transit = signals[signals["signal"] == "mobility.transit"]
    assert transit["date"].tolist() == [pd.Timestamp("2020-04-11")]  # NaN day: no row
    assert transit["value"].tolist() == [-80.0]
    assert len(signals) == 11


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "mobility.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(
        DataSourceError, match=r"source 'google', file .*mobility\.csv: the file is empty"
    ):
        read_google_mobility(_source(), path)


def test_renamed_column_is_named(tmp_path: Path) -> None:
    header = HEADER.replace("transit_stations", "transit")
    path = _file(tmp_path, _row("2020-04-10"), header=header)
    with pytest.raises(
        SchemaError,
        match=r"missing column\(s\) 'transit_stations_percent_change_from_baseline' "
        r"\(did you mean 'transit_percent_change_from_baseline'\?\)",
    ):
        read_google_mobility(_source(), path)


def test_unparsable_date_names_line_and_value(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("2020-04-10"), _row("10/04/2020"))
    with pytest.raises(SchemaError, match=r"line 3, column 'date': '10/04/2020' is not a date"):
        read_google_mobility(_source(), path)


def test_duplicate_dates_are_named(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("2020-04-10"), _row("2020-04-11"), _row("2020-04-10"))
    with pytest.raises(SchemaError, match=r"2020-04-10 \(lines 2, 4\)"):
        read_google_mobility(_source(), path)


def test_duplicate_dates_from_two_countries_say_so(tmp_path: Path) -> None:
    other = _row("2020-04-10").replace("AE,United Arab Emirates", "QA,Qatar")
    path = _file(tmp_path, _row("2020-04-10"), other)
    with pytest.raises(SchemaError, match=r"several countries \(AE, QA\)"):
        read_google_mobility(_source(), path)


def test_non_numeric_value_names_column_line_value(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("2020-04-10"), _row("2020-04-11", "n/a%"))
    with pytest.raises(
        SchemaError,
        match=r"line 3, column 'transit_stations_percent_change_from_baseline': "
        r"'n/a%' is not a number",
    ):
        read_google_mobility(_source(), path)


def test_no_country_rows_in_a_regions_only_file(tmp_path: Path) -> None:
    path = _file(tmp_path, _row("2020-04-10", region="Dubai", iso="AE-DU"))
    with pytest.raises(
        SchemaError, match=r"no country-level rows .*Regions in the file: Dubai \(AE-DU\)\."
    ):
        read_google_mobility(_source(), path)
