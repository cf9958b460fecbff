"""`crisis-fca run` on the real uae-covid case lands in DuckDB, and the README's questions run on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crisis_fca.cli import main
from crisis_fca.store import EXAMPLES, query

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def real_db(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> Path:
    """A database holding one real rigorous and one real study run of uae-covid."""
    folder = tmp_path_factory.mktemp("store")
    db = folder / "crisis.duckdb"
    for profile in ("rigorous", "study"):
        args = ["run", "uae-covid", "--profile", profile, "--data-dir", str(data_dir)]
        code = main([*args, "--db", str(db), "--out", str(folder)])
        assert code == 0
    return db


def test_run_writes_brief_and_report_and_records_them(real_db: Path) -> None:
    """Both pages exist beside the database, carry the run id, and the briefs table points at them."""
    for profile in ("rigorous", "study"):
        brief = real_db.parent / f"uae-covid-{profile}-brief.html"
        report = real_db.parent / f"uae-covid-{profile}-report.html"
        run_id = query(real_db, "SELECT run_id FROM latest_runs WHERE profile = ?", [profile]).iloc[
            0, 0
        ]
        assert run_id in brief.read_text(encoding="utf-8")
        assert report.name in brief.read_text(encoding="utf-8")
        assert brief.name in report.read_text(encoding="utf-8")
        paths = query(real_db, "SELECT DISTINCT output_path FROM briefs WHERE run_id = ?", [run_id])
        assert paths["output_path"].tolist() == [str(brief)]


def test_sql_command_answers_after_a_run(real_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`crisis-fca sql "select count(*) from stable_rules"` answers with the study's 8 stable rules."""
    capsys.readouterr()
    assert (
        main(
            [
                "sql",
                "select count(*) AS n from stable_rules",
                "--db",
                str(real_db),
                "--format",
                "csv",
            ]
        )
        == 0
    )
    assert capsys.readouterr().out.splitlines() == ["n", "8"]


def test_the_run_records_what_it_ran_on(real_db: Path) -> None:
    """Each run row names its case, profile, config hash, data checksums and code version."""
    runs = query(real_db, "SELECT * FROM runs ORDER BY seq")
    assert runs["profile"].tolist() == ["rigorous", "study"]
    assert (runs["status"] == "succeeded").all()
    assert runs["config_hash"].nunique() == 2
    checksums = runs["data_checksums"].iloc[0]
    assert "bc68902c7ff95958ad5b9a714424f50ae2381b6c7a7aa7ef25fb98901ec77be6" in str(checksums)
    counts = query(
        real_db, "SELECT profile, count(*) AS n FROM latest_rules GROUP BY ALL ORDER BY ALL"
    )
    assert counts["n"].min() > 0


def test_stored_rules_match_the_analysis(real_db: Path) -> None:
    """The rigorous run's kept rules are stored as predictive, with their holdout evidence."""
    kept = query(
        real_db,
        "SELECT * FROM latest_rules WHERE profile = 'rigorous' AND rule_class <> 'failed'",
    )
    assert len(kept) >= 1
    assert (kept["holdout_lift"] > 1.1).all()
    assert (kept["q_value"] <= 0.05).all()
    assert kept["cross_domain"].all()


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.question[:40])
def test_readme_example_runs_on_a_real_run(real_db: Path, example) -> None:
    """Every example question in the README is answered by its SQL on real runs."""
    readme = (ROOT / "README.md").read_text()
    assert example.sql in readme, "README is out of date: regenerate its example queries"
    answer = query(real_db, example.sql)
    assert list(answer.columns)


def test_failed_rule_reasons_are_stored(real_db: Path) -> None:
    """Rules that failed validation say why (so nobody acts on them by mistake)."""
    failed = query(real_db, "SELECT reasons FROM latest_rules WHERE rule_class = 'failed'")
    assert len(failed) > 0
    assert failed["reasons"].map(lambda r: bool(re.search(r"\w", r or ""))).all()


def test_runs_export_and_json_output(
    real_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`runs` lists both runs, `export` writes every table of the newest run, `sql` speaks JSON."""
    import json

    import pandas as pd

    capsys.readouterr()
    assert main(["runs", "--db", str(real_db)]) == 0
    listing = capsys.readouterr().out
    assert listing.count("uae-covid") == 2
    assert main(["export", "--db", str(real_db), "--format", "csv", "--out", str(tmp_path)]) == 0
    newest = query(real_db, "SELECT run_id FROM runs ORDER BY seq DESC LIMIT 1").iloc[0, 0]
    folder = tmp_path / newest
    rules = pd.read_csv(folder / "rules.csv")
    stored = query(real_db, "SELECT count(*) FROM rules WHERE run_id = ?", [newest]).iloc[0, 0]
    assert len(rules) == stored
    assert {"runs.csv", "rules.csv", "validations.csv", "states.csv"} <= {
        p.name for p in folder.iterdir()
    }
    capsys.readouterr()
    sql = "select profile, count(*) as n from latest_rules group by all order by all"
    assert main(["sql", sql, "--db", str(real_db), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["profile"] for r in rows] == ["rigorous", "study"]


def test_sql_refuses_writes(real_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The sql command is read-only: a DELETE is refused with a message, and nothing changes."""
    before = query(real_db, "SELECT count(*) FROM rules").iloc[0, 0]
    capsys.readouterr()
    assert main(["sql", "delete from rules", "--db", str(real_db)]) == 1
    assert "read-only" in capsys.readouterr().err.lower()
    assert query(real_db, "SELECT count(*) FROM rules").iloc[0, 0] == before
