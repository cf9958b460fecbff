"""The DuckDB store, reading side: views, example questions, queries, exports, real data, docs."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from store_helpers import (
    ANGER_PARKS,
    RETAIL_CASES,
    TRANSIT_FEAR,
    WEEKEND_TRANSIT,
    all_tables,
    count,
    rule_row,
    rules_frame,
    run_record,
    validation_rows,
)

from crisis_fca.errors import ConfigError, StorageError
from crisis_fca.store import (
    EXAMPLES,
    RUN_TABLES,
    TABLES,
    VIEWS,
    export_run,
    list_runs,
    query,
    read_run,
    record_failure,
    rule_id,
    schema_markdown,
    write_run,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory database per test (closed afterwards)."""
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


# --- views -------------------------------------------------------------------------------


def _scenario(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Six runs over two cases and two profiles, one failed; see the view test for answers."""
    ids = {}
    ids["A"] = write_run(
        con,
        run_record(minutes=0),
        {
            "rules": rules_frame(
                rule_row(TRANSIT_FEAR, 0.70),
                rule_row(RETAIL_CASES, 0.9, "stable_same_day"),
                rule_row(ANGER_PARKS, 0.4, "failed"),
            ),
        },
    )
    tables_b = all_tables()
    tables_b["rules"] = rules_frame(
        rule_row(TRANSIT_FEAR, 0.75), rule_row(WEEKEND_TRANSIT, 1.0, "stable_same_day")
    )
    ids["B"] = write_run(con, run_record(minutes=10), tables_b)
    ids["C"] = write_run(
        con,
        run_record("la-wildfire", minutes=20),
        {
            "rules": rules_frame(
                rule_row(TRANSIT_FEAR, 0.80),
                rule_row(WEEKEND_TRANSIT, 0.95, "stable_same_day"),
                rule_row(ANGER_PARKS, 0.3, "failed", reasons="fold 1: confidence 0.3"),
            ),
            "validations": pd.DataFrame(validation_rows(TRANSIT_FEAR, [0.8, 0.65])),
        },
    )
    ids["D"] = record_failure(
        con, run_record(minutes=30), "EmptyWindowError: no posts in the window"
    )
    ids["E"] = write_run(
        con,
        run_record(profile="study", minutes=40),
        {"rules": rules_frame(rule_row(ANGER_PARKS, 0.9))},
    )
    ids["F"] = write_run(
        con,
        run_record("la-wildfire", "study", minutes=50),
        {"rules": rules_frame(rule_row(ANGER_PARKS, 0.85))},
    )
    return ids


def _pairs(frame: pd.DataFrame, key: str = "run_id") -> set[tuple[str, str]]:
    return set(zip(frame[key], frame["rule_id"], strict=True))


def test_views_answer_what_they_promise(con: duckdb.DuckDBPyConnection) -> None:
    """latest_*, stable/predictive, history and comparison on six runs, checked by hand."""
    ids = _scenario(con)
    tf, wt, ap = rule_id(*TRANSIT_FEAR), rule_id(*WEEKEND_TRANSIT), rule_id(*ANGER_PARKS)
    latest = query(con, "SELECT case_name, profile, run_id FROM latest_runs ORDER BY ALL")
    assert latest.values.tolist() == [
        ["la-wildfire", "rigorous", ids["C"]],
        ["la-wildfire", "study", ids["F"]],
        ["uae-covid", "rigorous", ids["B"]],
        ["uae-covid", "study", ids["E"]],
    ]  # D failed after B, so B stays the latest uae-covid/rigorous run
    assert _pairs(query(con, "SELECT * FROM latest_rules")) == {
        (ids["B"], tf),
        (ids["B"], wt),
        (ids["C"], tf),
        (ids["C"], wt),
        (ids["C"], ap),
        (ids["E"], ap),
        (ids["F"], ap),
    }
    assert _pairs(query(con, "SELECT * FROM stable_rules")) == {(ids["B"], wt), (ids["C"], wt)}
    assert _pairs(query(con, "SELECT * FROM predictive_rules")) == {
        (ids["B"], tf),
        (ids["C"], tf),
        (ids["E"], ap),
        (ids["F"], ap),
    }
    history = query(
        con,
        "SELECT run_id, confidence, in_latest, run_started FROM rule_history "
        "WHERE rule_id = ? ORDER BY seq",
        [tf],
    )
    assert history[["run_id", "confidence", "in_latest"]].values.tolist() == [
        [ids["A"], 0.70, False],
        [ids["B"], 0.75, True],
        [ids["C"], 0.80, True],
    ]
    assert history["run_started"].tolist() == [
        pd.Timestamp(f"2025-01-10 08:{m}:00") for m in ("00", "10", "20")
    ]
    comparison = query(
        con,
        "SELECT profile, rule_id, cases, rule_classes, confidences, n_cases "
        "FROM case_comparison ORDER BY profile, rule_id",
    )
    assert comparison.values.tolist() == sorted(
        [
            [
                "rigorous",
                tf,
                ("la-wildfire", "uae-covid"),
                ("predictive", "predictive"),
                (0.80, 0.75),
                2,
            ],
            [
                "rigorous",
                wt,
                ("la-wildfire", "uae-covid"),
                ("stable_same_day", "stable_same_day"),
                (0.95, 1.0),
                2,
            ],
            [
                "study",
                ap,
                ("la-wildfire", "uae-covid"),
                ("predictive", "predictive"),
                (0.85, 0.9),
                2,
            ],
        ]
    )


def test_rerun_adds_a_run_and_latest_stays_unambiguous(con: duckdb.DuckDBPyConnection) -> None:
    """The same case, config and data written twice: two runs, latest = the later recorded one.

    The second run is given an *earlier* start time: "latest" follows the order the store
    recorded runs in (seq), not clocks.
    """
    first = write_run(con, run_record(minutes=10), all_tables())
    second = write_run(con, run_record(minutes=0), all_tables())
    assert query(con, "SELECT run_id FROM latest_runs")["run_id"].tolist() == [second]
    assert len(query(con, "SELECT * FROM latest_rules")) == 2
    history = query(
        con,
        "SELECT run_id, in_latest FROM rule_history WHERE rule_id = ? ORDER BY seq",
        [rule_id(*TRANSIT_FEAR)],
    )
    assert history.values.tolist() == [[first, False], [second, True]]
    runs = list_runs(con)
    assert runs[["run_id", "latest", "rules", "stable", "predictive"]].values.tolist() == [
        [second, True, 2, 1, 1],
        [first, False, 2, 1, 1],
    ]


def test_example_questions_answer_on_the_scenario(con: duckdb.DuckDBPyConnection) -> None:
    """Every documented example runs; their answers match the scenario worked out by hand."""
    ids = _scenario(con)
    answers = {example.question: query(con, example.sql) for example in EXAMPLES}
    counts = answers[EXAMPLES[0].question]
    assert counts.values.tolist() == [
        ["la-wildfire", "rigorous", "failed", 1],
        ["la-wildfire", "rigorous", "predictive", 1],
        ["la-wildfire", "rigorous", "stable_same_day", 1],
        ["la-wildfire", "study", "predictive", 1],
        ["uae-covid", "rigorous", "predictive", 1],
        ["uae-covid", "rigorous", "stable_same_day", 1],
        ["uae-covid", "study", "predictive", 1],
    ]
    shared = answers[EXAMPLES[1].question]
    assert shared[["premise", "lead", "cases"]].values.tolist() == [
        [("mobility.workplaces:drop",), 3, ("la-wildfire", "uae-covid")]
    ]
    folds = answers[EXAMPLES[2].question]
    assert folds[["case_name", "fold", "test_confidence", "passed"]].values.tolist() == [
        ["la-wildfire", 0, 0.8, True],
        ["la-wildfire", 1, 0.65, True],
        ["uae-covid", 0, 0.7, True],
        ["uae-covid", 1, 0.5, False],
    ]
    assert answers[EXAMPLES[3].question]["confidence"].tolist() == [0.8, 0.7, 0.75]
    assert answers[EXAMPLES[4].question][["state", "unknown_days"]].values.tolist() == [
        ["calm'; DROP TABLE states; --", 5],
        ["social.lockdown:present", 5],
    ]
    assert answers[EXAMPLES[5].question]["signal"].tolist() == [
        "mobility.transit",
        "social.fear_share",
    ]
    assert answers[EXAMPLES[6].question][["run_id", "error"]].values.tolist() == [
        [ids["D"], "EmptyWindowError: no posts in the window"]
    ]
    assert answers[EXAMPLES[7].question][["case_name", "reasons"]].values.tolist() == [
        ["la-wildfire", "fold 1: confidence 0.3"]
    ]


# --- reading, querying, exporting ---------------------------------------------------------


def test_query_is_read_only_and_cannot_touch_files(tmp_path: Path) -> None:
    """Writes and file access are refused with a message; the store is unchanged."""
    path = tmp_path / "crisis.duckdb"
    run_id = write_run(path, run_record(), all_tables())
    with pytest.raises(
        StorageError, match=r"read-only.*crisis-fca sql is read-only.*DELETE FROM runs"
    ):
        query(path, "DELETE FROM runs")
    with pytest.raises(
        StorageError, match="reads only the store; write files with crisis-fca export"
    ):
        query(path, f"COPY runs TO '{tmp_path / 'leak.csv'}'")
    assert not (tmp_path / "leak.csv").exists()
    with pytest.raises(
        StorageError, match=r"(?s)does not exist.*check the SQL against docs/schema.md"
    ):
        query(path, "SELECT * FROM rulez")
    assert query(path, "SELECT run_id FROM runs WHERE case_name = ?", ["uae-covid"])[
        "run_id"
    ].tolist() == [run_id]
    assert query(path, "SET threads = 1").empty


def test_reader_beside_an_open_writer_in_the_same_process(tmp_path: Path) -> None:
    """DuckDB refuses a read-only connection next to a read-write one: the message says so."""
    path = tmp_path / "crisis.duckdb"
    write_run(path, run_record(), {})
    with duckdb.connect(str(path)) as writer:
        with pytest.raises(StorageError, match=r"this process already has .* open with other"):
            list_runs(path)
        assert count(writer, "SELECT count(*) FROM runs") == 1
    assert len(list_runs(path)) == 1


def test_export_writes_complete_folders_atomically(tmp_path: Path) -> None:
    """Parquet and CSV exports hold every table of the run, equal to the store; reruns replace."""
    path = tmp_path / "crisis.duckdb"
    write_run(path, run_record(minutes=0), all_tables())
    run_id = write_run(path, run_record(minutes=5), all_tables())
    stored = read_run(path, run_id)
    folder = export_run(path, run_id, tmp_path / "out")
    assert folder == tmp_path / "out" / run_id
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        f"{t.name}.parquet" for t in RUN_TABLES
    )
    with duckdb.connect() as raw:
        rules = raw.execute(
            "SELECT premise, confidence FROM read_parquet(?)", [str(folder / "rules.parquet")]
        ).fetchall()
        signals = count(
            raw, "SELECT count(*) FROM read_parquet(?)", [str(folder / "signals.parquet")]
        )
    assert rules == [
        (list(p), c)
        for p, c in zip(stored["rules"]["premise"], stored["rules"]["confidence"], strict=True)
    ]
    assert signals == 8
    csv_folder = export_run(path, run_id, tmp_path / "out", fmt="csv")
    assert csv_folder == folder  # replaced in place
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t.name}.csv" for t in RUN_TABLES)
    with (folder / "states.csv").open(newline="", encoding="utf-8") as handle:
        states = list(csv.DictReader(handle))
    assert [json.loads(s["parts"]) for s in states] == [
        [],
        [],
        ["mobility.workplaces:drop", "social.lockdown:present"],
    ]
    assert states[2]["state"] == "calm'; DROP TABLE states; --"
    assert [p.name for p in (tmp_path / "out").iterdir()] == [run_id]  # no temp folders left


def test_export_errors_name_the_problem(tmp_path: Path) -> None:
    """Unknown format, unknown run, and an output path that is a file."""
    path = tmp_path / "crisis.duckdb"
    run_id = write_run(path, run_record(), {})
    with pytest.raises(ConfigError, match="'parquet' or 'csv', got 'xlsx'"):
        export_run(path, run_id, tmp_path, fmt="xlsx")  # type: ignore[arg-type]
    with pytest.raises(StorageError, match=rf"no run 'nope' in .*most recent are \['{run_id}'\]"):
        export_run(path, "nope", tmp_path)
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(StorageError, match=r"cannot export to .*choose a writable folder"):
        export_run(path, run_id, blocker)


# --- real data ----------------------------------------------------------------------------


def test_real_google_mobility_signals_round_trip(tmp_path: Path, data_dir: Path) -> None:
    """UAE country-level mobility, March-April 2020, stored and summed back exactly."""
    source = data_dir / "google_mobility_ae" / "AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
    columns = {
        "retail": "retail_and_recreation_percent_change_from_baseline",
        "transit": "transit_stations_percent_change_from_baseline",
        "residential": "residential_percent_change_from_baseline",
    }
    rows = []
    with source.open(newline="", encoding="utf-8") as handle:
        for rec in csv.DictReader(handle):
            if rec["sub_region_1"] == "" and "2020-03-01" <= rec["date"] <= "2020-04-30":
                rows += [(rec["date"], f"mobility.{k}", float(rec[c])) for k, c in columns.items()]
    signals = pd.DataFrame(rows, columns=["date", "signal", "value"]).assign(
        date=lambda f: pd.to_datetime(f["date"]), status="observed"
    )
    path = tmp_path / "crisis.duckdb"
    run_id = write_run(
        path, run_record(data_checksums={source.name: "sha256:test"}), {"signals": signals}
    )
    assert query(path, "SELECT count(*) AS n FROM signals")["n"].tolist() == [61 * 3]
    day = query(
        path, "SELECT signal, value FROM signals WHERE date = DATE '2020-04-01' ORDER BY signal"
    )
    assert day.values.tolist() == [
        ["mobility.residential", 25.0],
        ["mobility.retail", -56.0],
        ["mobility.transit", -70.0],
    ]  # read off the CSV by hand
    sums = query(
        path, "SELECT signal, sum(value) AS s FROM signals WHERE run_id = ? GROUP BY 1", [run_id]
    )
    expected = signals.groupby("signal")["value"].sum()
    assert dict(zip(sums["signal"], sums["s"], strict=True)) == expected.to_dict()


# --- docs -----------------------------------------------------------------------------------


def test_committed_schema_doc_is_the_generated_one() -> None:
    """docs/schema.md equals schema_markdown(); regenerate with `python -m crisis_fca.store`."""
    committed = (ROOT / "docs" / "schema.md").read_text(encoding="utf-8")
    assert committed == schema_markdown(), "run: python -m crisis_fca.store > docs/schema.md"


def test_schema_doc_covers_every_column_view_and_example() -> None:
    """Every declared column, view and example question appears in the generated doc."""
    text = schema_markdown()
    for table in TABLES:
        assert f"### `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` | `{column.type}` |" in text
    for view in VIEWS:
        assert view.sql in text
    for example in EXAMPLES:
        assert example.sql in text
