"""The DuckDB store, writing side: migrations, refusals, transactional writes, round trips."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
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

from crisis_fca.align import align_signals
from crisis_fca.config import SignalsConfig, Window
from crisis_fca.errors import StorageError
from crisis_fca.store import (
    DATA_TABLES,
    MIGRATIONS,
    SCHEMA_VERSION,
    TABLES,
    VIEWS,
    list_runs,
    migrate,
    pending,
    query,
    read_run,
    record_failure,
    rule_id,
    signals_table,
    states_table,
    upgrade,
    write_run,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    """A fresh in-memory database per test (closed afterwards)."""
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


def _file_counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as raw:
        return {t.name: count(raw, f'SELECT count(*) FROM "{t.name}"') for t in TABLES}


# --- schema and migrations -------------------------------------------------------------


def test_fresh_database_matches_the_declarations(con: duckdb.DuckDBPyConnection) -> None:
    """Migrating an empty database creates exactly the declared tables, types and views."""
    assert migrate(con) == ("0001_tables", "0002_views", "0003_alerts", "0004_region_comparison")
    for table in TABLES:
        rows = con.execute(
            "SELECT column_name, data_type FROM information_schema.columns "
            "WHERE table_name = ? ORDER BY ordinal_position",
            [table.name],
        ).fetchall()
        assert rows == [(c.name, c.type) for c in table.columns], table.name
    views = {
        r[0]
        for r in con.execute("SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    }
    assert views == {v.name for v in VIEWS}
    recorded = con.execute(
        "SELECT version, name, checksum FROM schema_migrations ORDER BY 1"
    ).fetchall()
    assert recorded == [(m.version, m.name, m.checksum) for m in MIGRATIONS]
    assert pending(con) == ()
    assert migrate(con) == ()


def test_older_file_is_reported_by_readers_and_upgraded_by_a_writer(tmp_path: Path) -> None:
    """A file at schema v1 (tables, no views) keeps its runs when a writer upgrades it."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as raw:
        assert migrate(raw, target=1) == ("0001_tables",)
        raw.execute(
            "INSERT INTO runs (run_id, case_name, profile, started, status, schema_version, "
            "recorded) VALUES ('old-run', 'uae-covid', 'rigorous', TIMESTAMP '2024-01-01', "
            "'succeeded', 1, TIMESTAMP '2024-01-01 00:05:00')"
        )
    with duckdb.connect(str(path), read_only=True) as ro:
        assert [m.label for m in pending(ro)] == [
            "0002_views",
            "0003_alerts",
            "0004_region_comparison",
        ]
    with pytest.raises(
        StorageError,
        match=r"schema version 1, older than .* 4 \(missing 0002_views, 0003_alerts, 0004_region",
    ):
        query(path, "SELECT * FROM runs")
    assert upgrade(path) == ("0002_views", "0003_alerts", "0004_region_comparison")
    new_id = write_run(path, run_record(), {"rules": rules_frame(rule_row(TRANSIT_FEAR))})
    runs = list_runs(path)
    assert list(runs["run_id"]) == [new_id, "old-run"]
    assert list(runs["latest"]) == [True, False]
    assert query(path, "SELECT max(version) FROM schema_migrations").iloc[0, 0] == SCHEMA_VERSION


def test_file_from_a_newer_crisis_fca_is_refused_and_left_alone(tmp_path: Path) -> None:
    """A migration this code does not know means a newer writer: refuse, never write."""
    path = tmp_path / "new.duckdb"
    upgrade(path)
    with duckdb.connect(str(path)) as raw:
        raw.execute(
            "INSERT INTO schema_migrations VALUES (99, 'future', 'ffff', TIMESTAMP '2030-01-01')"
        )
    before = _file_counts(path)
    for attempt in (
        lambda: write_run(path, run_record(), {}),
        lambda: query(path, "SELECT 1"),
        lambda: upgrade(path),
    ):
        with pytest.raises(
            StorageError, match=r"newer crisis-fca: .*0099_future.*up to 0004_region_comparison"
        ):
            attempt()
    assert _file_counts(path) == before


def test_edited_applied_migration_is_refused(tmp_path: Path) -> None:
    """A file whose recorded migration checksum differs from the code's is refused."""
    path = tmp_path / "edited.duckdb"
    upgrade(path)
    with duckdb.connect(str(path)) as raw:
        raw.execute("UPDATE schema_migrations SET checksum = 'deadbeef' WHERE version = 1")
    with pytest.raises(StorageError, match=r"0001_tables \(checksum deadbeef\).*was changed"):
        write_run(path, run_record(), {})


def test_file_that_is_not_duckdb_is_refused_untouched(tmp_path: Path, data_dir: Path) -> None:
    """A CSV (real Google file) or an empty file named as the store is neither read nor written."""
    source = data_dir / "google_mobility_ae" / "AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
    for name, content in (("csv.duckdb", source.read_bytes()[:50_000]), ("empty.duckdb", b"")):
        path = tmp_path / name
        path.write_bytes(content)
        with pytest.raises(
            StorageError, match=r"is not a DuckDB database file.*will not overwrite"
        ):
            write_run(path, run_record(), {})
        with pytest.raises(StorageError, match="is not a DuckDB database file"):
            query(path, "SELECT 1")
        assert path.read_bytes() == content


def test_duckdb_file_of_another_application_is_refused(tmp_path: Path) -> None:
    """A DuckDB file with its own tables and no schema_migrations is not ours."""
    path = tmp_path / "other.duckdb"
    with duckdb.connect(str(path)) as raw:
        raw.execute("CREATE TABLE sales (id INTEGER)")
    with pytest.raises(StorageError, match=r"not a crisis-fca store: it has tables \(sales\)"):
        write_run(path, run_record(), {})
    with duckdb.connect(str(path), read_only=True) as raw:
        assert raw.execute("SELECT table_name FROM duckdb_tables()").fetchall() == [("sales",)]


def test_reader_on_a_missing_file_says_so_and_creates_nothing(tmp_path: Path) -> None:
    """Reading a path where no store exists does not create one."""
    path = tmp_path / "nowhere" / "crisis.duckdb"
    with pytest.raises(
        StorageError, match=r"there is no crisis-fca database at .*run a case first"
    ):
        list_runs(path)
    assert not path.exists()


# --- writing: round trip, validation, transactions ------------------------------------


def _expected(frame: pd.DataFrame) -> pd.DataFrame:
    """What the reader returns for an input frame: lists as tuples, dates as datetime64[us]."""
    out = frame.copy()
    for column in out.columns:
        if out[column].map(lambda v: isinstance(v, list | tuple)).any():
            out[column] = out[column].map(lambda v: tuple(v) if v is not None else None)
        elif pd.api.types.is_datetime64_any_dtype(out[column]):
            out[column] = out[column].astype("datetime64[us]")
    return out


def test_every_table_round_trips(con: duckdb.DuckDBPyConnection) -> None:
    """Each frame written is read back equal, in order; the runs row holds the record."""
    tables = all_tables()
    started = datetime(2025, 1, 10, 12, 0, tzinfo=timezone(timedelta(hours=4)))
    run_id = write_run(con, run_record(started=started, finished=None), tables)
    back = read_run(con, run_id)
    tables["rules"] = tables["rules"].assign(
        rule_id=[rule_id(*TRANSIT_FEAR), rule_id(*WEEKEND_TRANSIT)]
    )
    for name, frame in tables.items():
        columns = [c.name for c in next(t for t in DATA_TABLES if t.name == name).data_columns]
        pd.testing.assert_frame_equal(back[name], _expected(frame[columns]), check_dtype=False)
    row = back["runs"].iloc[0]
    assert row["started"] == pd.Timestamp("2025-01-10 08:00:00")  # +04:00 stored as UTC
    assert pd.isna(row["finished"])
    assert json.loads(row["data_checksums"]) == {
        "google.csv": "sha256:aa",
        "posts.json": "sha256:bb",
    }
    assert json.loads(row["params"]) == {"alpha": 0.05, "leads": [0, 1, 3]}
    assert (row["case_name"], row["status"], row["schema_version"], row["seq"]) == (
        "uae-covid",
        "succeeded",
        SCHEMA_VERSION,
        1,
    )
    assert run_id.startswith("20250110T080000-")
    # NaN values are stored as NULL, so SQL filters treat them as unknown
    assert count(con, "SELECT count(*) FROM signals WHERE value IS NULL") == 2


def test_write_does_not_mutate_its_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The caller's frames are unchanged (rules keep having no rule_id column)."""
    tables = all_tables()
    copies = {name: frame.copy(deep=True) for name, frame in tables.items()}
    write_run(con, run_record(), tables)
    for name, frame in tables.items():
        pd.testing.assert_frame_equal(frame, copies[name])
    assert "rule_id" not in tables["rules"].columns


def test_rule_ids_are_filled_in_and_checked(con: duckdb.DuckDBPyConnection) -> None:
    """Missing rule ids are computed; a wrong one is refused naming the row and the fix."""
    run_id = write_run(con, run_record(), {"rules": rules_frame(rule_row(RETAIL_CASES))})
    stored = con.execute("SELECT rule_id, premise FROM rules WHERE run_id = ?", [run_id]).fetchall()
    assert stored == [
        (
            rule_id(("mobility.retail:low", "social.lockdown:present"), "health.new_cases:high", 0),
            ["mobility.retail:low", "social.lockdown:present"],
        )
    ]
    bad = rules_frame(rule_row(RETAIL_CASES)).assign(rule_id="deadbeef")
    with pytest.raises(
        StorageError, match=r"table 'rules', row 0: rule_id 'deadbeef' is not the id"
    ):
        write_run(con, run_record(), {"rules": bad})


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"rulez": pd.DataFrame()}, r"unknown table\(s\) \['rulez'\]"),
        ({"runs": pd.DataFrame()}, r"unknown table\(s\) \['runs'\].*comes from the RunRecord"),
        (
            {"coverage": all_tables()["coverage"].drop(columns="missing")},
            r"table 'coverage'.*missing \['missing'\], unexpected \[\]",
        ),
        (
            {"signals": all_tables()["signals"].assign(region="Dubai")},
            r"table 'signals'.*unexpected \['region'\]",
        ),
        (
            {"rules": rules_frame(rule_row(TRANSIT_FEAR, lead=2.5))},
            r"table 'rules': lead 2.5 of consequent 'social.lockdown:present' is not a whole number",
        ),
        (
            {"states": all_tables()["states"].assign(parts=pd.Series([(), ("a", 3), ()]))},
            r"table 'states', column 'parts', row 1: expected a list of strings .*\('a', 3\)",
        ),
        (
            {
                "rules": rules_frame(rule_row(TRANSIT_FEAR)),
                "validations": pd.DataFrame(validation_rows(ANGER_PARKS, [0.9])),
            },
            r"table 'validations', row 0: rule_id '[0-9a-f]{16}' is not among this run's rules",
        ),
    ],
)
def test_frames_that_do_not_fit_are_refused_and_recorded(
    con: duckdb.DuckDBPyConnection, tables: dict[str, pd.DataFrame], message: str
) -> None:
    """A frame that does not fit its table is refused before any row is written."""
    with pytest.raises(StorageError, match=message):
        write_run(con, run_record(), tables)
    assert con.execute("SELECT status FROM runs").fetchall() == [("failed",)]
    assert all(count(con, f'SELECT count(*) FROM "{t.name}"') == 0 for t in DATA_TABLES)


def test_database_error_mid_write_rolls_the_whole_run_back(con: duckdb.DuckDBPyConnection) -> None:
    """An invalid rule class fails on the 5th table: the first four are rolled back too."""
    good = write_run(con, run_record(minutes=0), all_tables())
    before = {t.name: count(con, f'SELECT count(*) FROM "{t.name}"') for t in DATA_TABLES}
    tables = all_tables()
    tables["rules"] = tables["rules"].assign(rule_class=["predictive", "stable_sameday"])
    with pytest.raises(StorageError) as caught:
        write_run(con, run_record(minutes=5), tables)
    text = str(caught.value)
    assert "writing table 'rules'" in text
    assert "CHECK constraint" in text
    assert "was rolled back" in text
    assert "status 'failed'" in text
    after = {t.name: count(con, f'SELECT count(*) FROM "{t.name}"') for t in DATA_TABLES}
    assert after == before
    runs = con.execute("SELECT run_id, status, error FROM runs ORDER BY seq").fetchall()
    assert [(r[0] == good, r[1]) for r in runs] == [(True, "succeeded"), (False, "failed")]
    assert runs[1][2].startswith("StorageError: writing table 'rules'")
    assert query(con, "SELECT run_id FROM latest_runs")["run_id"].tolist() == [good]


def test_exception_between_tables_rolls_back_and_is_recorded(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """An exception raised after signals..concepts were inserted leaves none of them."""
    seen: list[str] = []

    def fail_at_rules(message: str) -> None:
        seen.append(message)
        if message == "writing rules":
            raise RuntimeError("disk unplugged")

    with pytest.raises(RuntimeError, match="disk unplugged") as caught:
        write_run(con, run_record(), all_tables(), progress=fail_at_rules)
    assert seen == [
        "writing signals",
        "writing coverage",
        "writing states",
        "writing concepts",
        "writing rules",
    ]
    assert any("was rolled back" in note for note in caught.value.__notes__)
    assert all(count(con, f'SELECT count(*) FROM "{t.name}"') == 0 for t in DATA_TABLES)
    assert con.execute("SELECT status, error FROM runs").fetchall() == [
        ("failed", "RuntimeError: disk unplugged")
    ]


def test_blank_frames_mean_no_rows(con: duckdb.DuckDBPyConnection) -> None:
    """``pd.DataFrame()`` for a table stores no rows for it (and is not a column error)."""
    run_id = write_run(con, run_record(), {"briefs": pd.DataFrame(), "rules": pd.DataFrame()})
    assert count(con, "SELECT count(*) FROM briefs") == 0
    assert read_run(con, run_id)["runs"]["status"].tolist() == ["succeeded"]


def test_failure_before_the_store_is_recorded(con: duckdb.DuckDBPyConnection) -> None:
    """record_failure stores a failed run with its error and no data."""
    run_id = record_failure(con, run_record(finished=None), ValueError("no rows in the window"))
    runs = list_runs(con)
    assert runs[["run_id", "status", "error", "latest", "rules"]].values.tolist() == [
        [run_id, "failed", "ValueError: no rows in the window", False, 0]
    ]
    assert runs["finished"].notna().all()


def test_run_record_is_checked() -> None:
    """A run record with an unknown status, or a status that contradicts its error, is refused."""
    with pytest.raises(StorageError, match=r"status must be one of \('succeeded', 'failed'\)"):
        run_record(status="done")
    with pytest.raises(StorageError, match="must carry an error message"):
        run_record(status="failed")
    with pytest.raises(StorageError, match="must not carry an error message"):
        run_record(error="boom")
    with pytest.raises(AttributeError):
        run_record().case = "other"  # type: ignore[misc]


def test_hostile_names_are_stored_verbatim(con: duckdb.DuckDBPyConnection) -> None:
    """Quotes, SQL and right-to-left text in names are data: stored as given, nothing runs."""
    names = ("x'); DROP TABLE rules; --", 'say "hi"', "خوف:present", "emoji 🔥:high", "a\x00b")
    rules = rules_frame(rule_row((names[:2], names[2], 1)), rule_row(((names[3],), names[4], 2)))
    run = run_record(case="uae'; DELETE FROM runs; --", profile='"study"')
    run_id = write_run(con, run, {"rules": rules})
    back = read_run(con, run_id)
    assert back["rules"]["premise"].tolist() == [names[:2], (names[3],)]
    assert back["rules"]["consequent"].tolist() == [names[2], names[4]]
    assert back["runs"]["case_name"].tolist() == [run.case]
    found = query(con, "SELECT lead FROM rules WHERE list_contains(premise, ?)", [names[0]])
    assert found["lead"].tolist() == [1]
    assert count(con, "SELECT count(*) FROM duckdb_tables() WHERE NOT internal") == len(TABLES) + 1


_NAMES = st.text(st.characters(codec="utf-8"), max_size=12) | st.sampled_from(
    ["'; DROP TABLE rules; --", 'a "b" c', "x'y", "مرحبا:present", "🔥", "[a, b]", "NULL", ""]
)
_FLOATS = st.floats(allow_nan=True, allow_infinity=True)
_COUNTS = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@st.composite
def _rules_frames(draw: st.DrawFn) -> pd.DataFrame:
    keys = draw(
        st.lists(
            st.tuples(st.lists(_NAMES, max_size=3).map(tuple), _NAMES, st.integers(0, 30)),
            min_size=1,
            max_size=6,
            unique_by=lambda k: (tuple(sorted(k[0])), k[1], k[2]),
        )
    )
    rows = []
    for premise, consequent, lead in keys:
        row = rule_row(
            (premise, consequent, lead),
            rule_class=draw(st.sampled_from(["stable_same_day", "predictive", "failed"])),
        )
        row |= {
            k: draw(_FLOATS) for k in ("support", "confidence", "lift", "conviction", "q_value")
        }
        row |= {k: draw(_COUNTS) for k in ("premise_days", "support_days", "evaluable_days")}
        row |= {
            "concept": draw(st.lists(_NAMES, max_size=3)),
            "reasons": draw(st.none() | _NAMES),
            "filters_passed": tuple(draw(st.lists(_NAMES, max_size=2))),
        }
        rows.append(row)
    return rules_frame(*rows)


@pytest.fixture(scope="module")
def shared_con() -> Iterator[duckdb.DuckDBPyConnection]:
    """One database for all examples of the property: each example is its own run."""
    connection = duckdb.connect(":memory:")
    yield connection
    connection.close()


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules=_rules_frames())
def test_rules_round_trip_property(
    shared_con: duckdb.DuckDBPyConnection, rules: pd.DataFrame
) -> None:
    """Any rules frame (odd names, NaN/inf, extreme counts) is read back equal, in order."""
    run_id = write_run(shared_con, run_record(), {"rules": rules})
    back = read_run(shared_con, run_id)["rules"]
    ids = [
        rule_id(p, c, lead)
        for p, c, lead in zip(rules["premise"], rules["consequent"], rules["lead"], strict=True)
    ]
    expected = _expected(rules.assign(rule_id=ids)[list(back.columns)])
    pd.testing.assert_frame_equal(back, expected)
    lists = back[["premise", "concept", "filters_passed"]]
    assert all(isinstance(cell, tuple) for column in lists for cell in lists[column])


def test_failed_run_finish_time_defaults_to_utc_now(con: duckdb.DuckDBPyConnection) -> None:
    """record_failure fills finished with the current UTC time when the record has none."""
    before = datetime.now(UTC).replace(tzinfo=None)
    record_failure(con, run_record(finished=None), "boom")
    [(finished,)] = con.execute("SELECT finished FROM runs").fetchall()
    assert before <= finished <= datetime.now(UTC).replace(tzinfo=None)


def test_aligned_signals_and_states_go_in_through_the_tidy_helpers(
    con: duckdb.DuckDBPyConnection,
) -> None:
    """Real align_signals output + a StateSet-shaped trio, reshaped and stored, checked by hand."""
    tidy = pd.DataFrame(
        [
            ("2025-01-01", "m.x", 10.0, 1.0),
            ("2025-01-02", "m.x", 11.0, 1.0),
            ("2025-01-04", "m.x", 5.0, 0.5),  # half a day: low coverage, masked
            ("2025-01-05", "s.y", 0.2, 1.0),
        ],
        columns=["date", "signal", "value", "coverage"],
    ).assign(date=lambda f: pd.to_datetime(f["date"]), source="src")
    window = Window(start=date(2025, 1, 1), end=date(2025, 1, 5))
    aligned = align_signals(tidy, window, SignalsConfig(min_coverage=0.75))
    before = aligned.values.copy()
    days = aligned.values.index
    held = pd.DataFrame(
        {
            "m.x:high": [True, False, False, False, False],
            "s.y:present": [False, False, False, False, True],
        },
        index=days,
    )
    known = pd.DataFrame(
        {
            "m.x:high": [True, True, False, False, False],
            "s.y:present": [False, False, False, False, True],
        },
        index=days,
    )
    meta = pd.DataFrame(
        {
            "domain": ["m", "s"],
            "signal": ["m.x", "s.y"],
            "condition": ["high", "present"],
            "kind": ["threshold", "threshold"],
            "description": ["x is high", "y is present"],
            "parts": [(), ()],
        },
        index=["m.x:high", "s.y:present"],
    )
    tables = {
        "signals": signals_table(aligned.values, aligned.status),
        "coverage": aligned.coverage,
        "states": states_table(held, known, meta),
    }
    write_run(con, run_record(), tables)
    pd.testing.assert_frame_equal(aligned.values, before)
    stored = con.execute(
        "SELECT signal, day(date), coalesce(CAST(value AS VARCHAR), '-'), status FROM signals "
        "ORDER BY signal, date"
    ).fetchall()
    assert stored == [
        ("m.x", 1, "10.0", "observed"),
        ("m.x", 2, "11.0", "observed"),
        ("m.x", 3, "-", "missing"),
        ("m.x", 4, "-", "low_coverage"),
        ("m.x", 5, "-", "missing"),
        ("s.y", 1, "-", "missing"),
        ("s.y", 2, "-", "missing"),
        ("s.y", 3, "-", "missing"),
        ("s.y", 4, "-", "missing"),
        ("s.y", 5, "0.2", "observed"),
    ]
    coverage = con.execute(
        "SELECT signal, days, observed, low_coverage, missing, first, last FROM coverage "
        "ORDER BY signal"
    ).fetchall()
    assert coverage == [
        ("m.x", 5, 2, 1, 2, date(2025, 1, 1), date(2025, 1, 2)),
        ("s.y", 5, 1, 0, 4, date(2025, 1, 5), date(2025, 1, 5)),
    ]
    states = con.execute(
        "SELECT state, true_days, known_days, unknown_days, parts FROM states ORDER BY state"
    ).fetchall()
    assert states == [("m.x:high", 1, 2, 3, []), ("s.y:present", 1, 1, 4, [])]


def test_tidy_helpers_refuse_mismatched_frames() -> None:
    """A status frame of another shape, or meta without a state, is named in the error."""
    days = pd.date_range("2020-03-01", periods=3, name="date")
    values = pd.DataFrame({"a.b": [1.0, 2.0, 3.0]}, index=days)
    with pytest.raises(StorageError, match=r"status frame must have the same dates"):
        signals_table(values, values.iloc[:2].astype(str))
    flags = pd.DataFrame({"a.b:high": [True, False, True]}, index=days)
    meta = pd.DataFrame({"domain": ["a"]}, index=["other"])
    with pytest.raises(StorageError, match=r"lacks columns \['signal'.*and states \['a.b:high'\]"):
        states_table(flags, flags, meta)


def test_a_failed_open_leaves_no_new_folder(tmp_path: Path) -> None:
    """The writer creates the database's folder, and removes what it created if the open fails."""
    from crisis_fca.store import connect

    target = tmp_path / "new" / "deeper" / "runs.duckdb"
    with pytest.raises(StorageError, match=r"cannot open .*runs\.duckdb for writing"):
        connect(target, config={"no_such_duckdb_option": 1})
    assert list(tmp_path.iterdir()) == []
    connect(target).close()  # and a good open creates it
    assert target.is_file()
