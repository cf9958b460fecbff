"""The command line on the real data: coverage tables, and clean errors on bad input."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crisis_fca.cli import main

ROOT = Path(__file__).resolve().parent.parent


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _row(out: str, signal: str) -> list[str]:
    for line in out.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) > 2 and cells[1] == signal:
            return cells[1:-1]
    raise AssertionError(f"no row for {signal!r} in:\n{out}")


def test_cases_lists_both_study_cases(capsys: pytest.CaptureFixture[str]) -> None:
    """`cases` lists the two shipped cases with their day counts."""
    code, out, _ = _run(capsys, "cases")
    assert code == 0
    assert "uae-covid" in out
    assert "671 days" in out
    assert "la-wildfire" in out
    assert "34 days" in out


def test_ingest_uae_prints_the_coverage_the_issue_asks_for(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    """671 days; six mobility signals fully observed; posts on 620 days, 51 missing."""
    code, out, _ = _run(capsys, "ingest", "uae-covid", "--data-dir", str(data_dir))
    assert code == 0, out
    assert "671 days" in out
    for category in ("retail", "grocery", "parks", "transit", "workplaces", "residential"):
        signal, source, observed, filled, low, missing, *_ = _row(out, f"mobility.{category}")
        assert (source, observed, filled, low, missing) == ("google", "671", "0", "0", "0")
    _, source, observed, _, _, missing, first, last = _row(out, "social.posts")
    assert (source, observed, missing) == ("reddit", "620", "51")
    assert (first, last) == ("2020-03-01", "2021-12-29")
    assert _row(out, "social.sentiment")[2] == "620"


def test_ingest_la_flags_partial_day_and_missing_pems(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    """34-day calendar, PeMS missing before 01-05, the half day 02-05 low-coverage, no-post days missing."""
    code, out, _ = _run(capsys, "ingest", "la-wildfire", "--data-dir", str(data_dir))
    assert code == 0, out
    assert "34 days" in out
    _, source, observed, filled, low, missing, first, last = _row(out, "mobility.vmt")
    # 2025-01-03 and 01-04 precede the PeMS file; 02-05 is the half day.
    assert (source, observed, filled, low, missing) == ("pems", "31", "0", "1", "2")
    assert (first, last) == ("2025-01-05", "2025-02-04")
    assert "2025-02-05" in out
    assert "partial day" in out
    _, source, observed, _, _, missing, *_ = _row(out, "social.posts")
    assert (source, observed, missing) == ("reddit", "30", "4")


def test_missing_data_folder_gives_one_paragraph_and_exit_1(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A data folder without the files names the file and the fix; no traceback."""
    code, out, err = _run(capsys, "ingest", "la-wildfire", "--data-dir", str(tmp_path))
    assert code == 1
    assert "LA_mobility.csv" in err
    assert "does not exist" in err
    assert "crisis-fca data fetch" in err
    assert "Traceback" not in err + out


def test_unknown_case_exit_1(capsys: pytest.CaptureFixture[str]) -> None:
    """An unknown case lists the known ones."""
    code, _, err = _run(capsys, "ingest", "no-such-case")
    assert code == 1
    assert "uae-covid" in err


def test_usage_error_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    """A missing argument is a usage error."""
    code, _, _ = _run(capsys, "ingest")
    assert code == 2


def test_broken_source_file_writes_nothing_and_has_no_traceback(
    tmp_path: Path, data_dir: Path
) -> None:
    """The installed entry point turns a corrupt file into a message, exit 1, and writes nothing."""
    folder = tmp_path / "data"
    shutil.copytree(data_dir / "la-wildfire-2025", folder / "la-wildfire-2025")
    shutil.copytree(
        data_dir / "calfire_palisades_fire_2025", folder / "calfire_palisades_fire_2025"
    )
    (folder / "la-wildfire-2025" / "LA_mobility.csv").write_text(
        "Day,VMT (Veh-Miles)\nnot-a-date,1\n"
    )
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    exe = Path(sys.executable).parent / "crisis-fca"
    proc = subprocess.run(
        [str(exe), "ingest", "la-wildfire", "--data-dir", str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
        cwd=tmp_path,
    )
    assert proc.returncode == 1
    assert "LA_mobility.csv" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before

    debug = subprocess.run(
        [str(exe), "--debug", "ingest", "la-wildfire", "--data-dir", str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "Traceback" in debug.stderr


def test_states_prints_the_study_mobility_counts(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    """`states --profile study` shows the study's Google state counts over 671 known days."""
    code, out, _ = _run(
        capsys, "states", "uae-covid", "--profile", "study", "--data-dir", str(data_dir)
    )
    assert code == 0, out
    assert "29 states over 671 days" in out
    expected = {
        "mobility.retail:drop": "141",
        "mobility.transit:drop": "363",
        "mobility.workplaces:drop": "107",
        "mobility.residential:increase": "289",
        "mobility.grocery:spike": "286",
        "mobility.restrictions:severe": "87",
    }
    for state, days in expected.items():
        _, true, known, unknown, *_ = _row(out, state)
        assert (true, known, unknown) == (days, "671", "0")


def test_states_rigorous_reports_no_post_days_as_unknown(
    capsys: pytest.CaptureFixture[str], data_dir: Path
) -> None:
    """In the rigorous profile a day without posts leaves social states unknown (51 days)."""
    code, out, _ = _run(capsys, "states", "uae-covid", "--data-dir", str(data_dir))
    assert code == 0, out
    _, true, known, unknown, *_ = _row(out, "social.fear:present")
    assert (known, unknown) == ("620", "51")
    _, true, known, unknown, *_ = _row(out, "calendar.weekend")
    assert (true, known, unknown) == ("191", "671", "0")


def test_lattice_writes_a_cxt_that_concepts_reads(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    """`lattice` on LA prints the concept count and writes a .cxt the concepts library loads."""
    import concepts

    code, out, _ = _run(
        capsys, "lattice", "la-wildfire", "--data-dir", str(data_dir), "--out", str(tmp_path)
    )
    assert code == 0, out
    assert "daily context 34 x" in out
    assert "most stable" in out
    assert "largest support" in out
    context = concepts.Context.fromstring((tmp_path / "context.cxt").read_text(), frmat="cxt")
    assert len(context.objects) == 34
    assert context.objects[0] == "2025-01-03"
    count = int(out.split("): ")[1].split(" concepts")[0].replace(",", ""))
    assert count == len(context.lattice)


def test_lattice_study_profile_collapses_uae_to_iso_weeks(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    """The study's lattice is over ISO weeks (671 days > 150): 97 weeks x 29 states."""
    code, out, _ = _run(
        capsys, "lattice", "uae-covid", "--profile", "study", "--data-dir", str(data_dir),
        "--out", str(tmp_path),
    )  # fmt: skip
    assert code == 0, out
    assert "weekly context 97 x 29" in out
    assert (tmp_path / "context.csv").read_text().count("\n") == 98
