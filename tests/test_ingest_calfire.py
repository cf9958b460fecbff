"""CAL FIRE bulletins adapter: real Palisades Fire file + hand-made bulletins."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.config import CalfireSource
from crisis_fca.errors import DataSourceError, SchemaError
from crisis_fca.ingest.calfire import read_calfire

REL = "calfire_palisades_fire_2025/calfire_updates_cleaned.csv"
HEADER = "Incident Name,Page DateTime,Acres Burned,Containment,Structures Destroyed"


def _source(incident: str | None = "Palisades Fire") -> CalfireSource:
    return CalfireSource(
        name="calfire", kind="calfire", domain="hazard", incident=incident, path="x"
    )


def _wide(signals: pd.DataFrame) -> pd.DataFrame:
    return signals.pivot(index="date", columns="signal", values="value")


def test_last_bulletin_is_23448_acres_95_percent(data_dir: Path) -> None:
    wide = _wide(read_calfire(_source(), data_dir / REL).signals)
    last = wide.loc[pd.Timestamp("2025-02-10")]
    assert last["hazard.acres_burned"] == 23_448
    assert last["hazard.containment"] == 95
    assert last["hazard.structures_destroyed"] == 6_833


def test_one_row_per_bulletin_day_from_the_days_last_bulletin(data_dir: Path) -> None:
    with (data_dir / REL).open(newline="", encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["Incident Name"]]
    fmt = "Update on %m/%d/%Y at %I:%M %p"
    stamp = {id(r): datetime.strptime(r["Page DateTime"], fmt) for r in rows}
    last: dict[str, dict[str, str]] = {}
    for row in sorted(rows, key=lambda r: stamp[id(r)]):
        last[f"{stamp[id(row)]:%Y-%m-%d}"] = row
    assert len(last) == 28
    wide = _wide(read_calfire(_source(), data_dir / REL).signals)
    assert wide.index.strftime("%Y-%m-%d").tolist() == sorted(last)
    assert wide["hazard.acres_burned"].tolist() == [
        float(last[d]["Acres Burned"]) for d in sorted(last)
    ]
    # 2025-01-07: the 10:20 PM bulletin says 1,262 acres, 0 %
    assert wide.loc[pd.Timestamp("2025-01-07"), "hazard.acres_burned"] == 1262
    # the last bulletin of 2025-01-09 leaves structures empty: no value that day
    assert last["2025-01-09"]["Structures Destroyed"] == ""
    assert pd.isna(wide.loc[pd.Timestamp("2025-01-09"), "hazard.structures_destroyed"])
    assert pd.Timestamp("2025-01-29") not in wide.index  # no bulletin that day


def test_incident_can_be_omitted_for_a_single_incident_file(data_dir: Path) -> None:
    named = read_calfire(_source(), data_dir / REL).signals
    pd.testing.assert_frame_equal(read_calfire(_source(None), data_dir / REL).signals, named)


# --- hand-made bulletins -----------------------------------------------------------


def _file(tmp_path: Path, *rows: str, header: str = HEADER) -> Path:
    path = tmp_path / "calfire.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_same_day_bulletins_keep_the_latest_time_not_the_latest_line(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "Eaton Fire,Update on 01/08/2025 at 9:00 AM,100.0,5%,",
        "Eaton Fire,Update on 01/08/2025 at 11:00 PM,300.0,10%,7",
        ",,,,",
        "Eaton Fire,Update on 01/08/2025 at 1:00 PM,200.0,8%,2",
        "Other Fire,Update on 01/09/2025 at 1:00 PM,9.0,1%,1",
    )
    wide = _wide(read_calfire(_source("eaton fire"), path).signals)
    assert wide.to_dict("list") == {
        "hazard.acres_burned": [300.0],
        "hazard.containment": [10.0],
        "hazard.structures_destroyed": [7.0],
    }


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "calfire.csv"
    path.write_text("", encoding="utf-8")
    with pytest.raises(
        DataSourceError, match=r"source 'calfire', file .*calfire\.csv: the file is empty"
    ):
        read_calfire(_source(), path)


def test_missing_column(tmp_path: Path) -> None:
    header = HEADER.replace("Acres Burned", "Acres")
    path = _file(tmp_path, "A,Update on 01/08/2025 at 9:00 AM,1,1%,1", header=header)
    with pytest.raises(
        SchemaError, match=r"missing column\(s\) 'Acres Burned' \(did you mean 'Acres'\?\)"
    ):
        read_calfire(_source("A"), path)


def test_unknown_incident_lists_incidents(tmp_path: Path) -> None:
    path = _file(tmp_path, "Eaton Fire,Update on 01/08/2025 at 9:00 AM,1,1%,1")
    with pytest.raises(
        SchemaError,
        match=r"no bulletins for incident 'Palisades Fire'\. Incidents in the file: Eaton Fire\.",
    ):
        read_calfire(_source(), path)


def test_several_incidents_need_a_choice(tmp_path: Path) -> None:
    path = _file(
        tmp_path,
        "Eaton Fire,Update on 01/08/2025 at 9:00 AM,1,1%,1",
        "Hurst Fire,Update on 01/08/2025 at 9:00 AM,1,1%,1",
    )
    with pytest.raises(
        SchemaError, match=r"2 incidents \(Eaton Fire, Hurst Fire\); set `incident`"
    ):
        read_calfire(_source(None), path)


def test_unparsable_page_datetime(tmp_path: Path) -> None:
    path = _file(
        tmp_path, "A,Update on 01/08/2025 at 9:00 AM,1,1%,1", "A,Update on 8 Jan 2025,1,1%,1"
    )
    with pytest.raises(
        SchemaError, match=r"line 3, column 'Page DateTime': 'Update on 8 Jan 2025' is not a date"
    ):
        read_calfire(_source("A"), path)


def test_non_numeric_acres(tmp_path: Path) -> None:
    path = _file(tmp_path, "A,Update on 01/08/2025 at 9:00 AM,about 10,1%,1")
    with pytest.raises(
        SchemaError, match=r"line 2, column 'Acres Burned': 'about 10' is not a number"
    ):
        read_calfire(_source("A"), path)


def test_containment_above_100_percent(tmp_path: Path) -> None:
    path = _file(tmp_path, "A,Update on 01/08/2025 at 9:00 AM,10,120%,1")
    with pytest.raises(SchemaError, match=r"line 2, column 'Containment': '120%' is outside 0-100"):
        read_calfire(_source("A"), path)
