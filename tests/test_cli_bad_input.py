"""Bad input through the command line: one paragraph naming the culprit, exit 1, no traceback,
nothing written (the issue's list: missing/empty file, wrong columns, bad dates, duplicate
dates, non-numeric values, a JSON that is not posts-by-day, a window with no data, a region
that does not exist, a config key typo)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from crisis_fca.cli import main
from crisis_fca.config import CASES_DIR

PEMS = "la-wildfire-2025/LA_mobility.csv"
POSTS = "la-wildfire-2025/reddit_wildfire_posts_by_day.json"
HEADER = (
    "Day,VMT (Veh-Miles),TTI,VHT (Veh-Hours),Delay (V_t=35) (Veh-Hours),# Lane Points,% Observed\n"
)
ROW = '1/{d}/2025 0:00,"85,983,765.00",1.00,"1,386,513.60","19,219.60",2494656,22.10\n'


def _write(rel: str, text: str) -> Callable[[Path], None]:
    def breaker(folder: Path) -> None:
        (folder / rel).write_text(text, encoding="utf-8")

    return breaker


def _delete(rel: str) -> Callable[[Path], None]:
    def breaker(folder: Path) -> None:
        (folder / rel).unlink()

    return breaker


DATA_CASES = [
    ("missing file", _delete(PEMS), [r"LA_mobility\.csv", "does not exist", "data fetch"]),
    ("empty file", _write(PEMS, ""), [r"LA_mobility\.csv", "empty"]),
    (
        "missing column",
        _write(PEMS, "Day,VMT (Veh-Miles)\n1/5/2025 0:00,1\n"),
        [r"LA_mobility\.csv", "TTI"],
    ),
    (
        "unparsable date",
        _write(PEMS, HEADER + ROW.format(d=5) + ROW.replace("1/{d}/2025", "yesterday")),
        [r"LA_mobility\.csv", "yesterday", "line 3"],
    ),
    (
        "duplicate dates",
        _write(PEMS, HEADER + ROW.format(d=5) + ROW.format(d=5)),
        [r"LA_mobility\.csv", "2025-01-05"],
    ),
    (
        "non-numeric value",
        _write(PEMS, HEADER + ROW.format(d=5).replace("1.00,", "fast,")),
        [r"LA_mobility\.csv", "TTI", "fast"],
    ),
    (
        "JSON not posts-by-day",
        _write(POSTS, '{"posts": []}'),
        [r"reddit_wildfire_posts_by_day\.json", "posts_by_day"],
    ),
]


@pytest.fixture
def la_data(tmp_path: Path, data_dir: Path) -> Path:
    """A writable copy of the LA raw files."""
    folder = tmp_path / "data"
    for sub in ("la-wildfire-2025", "calfire_palisades_fire_2025"):
        shutil.copytree(data_dir / sub, folder / sub)
    return folder


def _snapshot(root: Path) -> list[tuple[str, int]]:
    return sorted(
        (str(p.relative_to(root)), p.stat().st_size) for p in root.rglob("*") if p.is_file()
    )


@pytest.mark.parametrize(
    ("label", "breaker", "patterns"), DATA_CASES, ids=[c[0] for c in DATA_CASES]
)
def test_bad_data_file(
    label: str,
    breaker: Callable[[Path], None],
    patterns: list[str],
    la_data: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Each broken file stops `run` with a message naming it; no database or report is written."""
    breaker(la_data)
    before = _snapshot(tmp_path)
    db = tmp_path / "out" / "crisis.duckdb"
    code = main(["run", "la-wildfire", "--data-dir", str(la_data), "--db", str(db)])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert "Traceback" not in captured.err + captured.out
    for pattern in patterns:
        assert re.search(pattern, captured.err), (pattern, captured.err)
    assert _snapshot(tmp_path) == before
    assert not db.exists()


def _case_file(tmp_path: Path, name: str, edit: Callable[[str], str]) -> Path:
    path = tmp_path / f"{name}-edited.toml"
    path.write_text(edit((CASES_DIR / f"{name}.toml").read_text()))
    return path


CONFIG_CASES = [
    (
        "window with no data",
        "la-wildfire",
        lambda t: t.replace("start = 2025-01-03", "start = 2019-01-03").replace(
            "end = 2025-02-05", "end = 2019-02-05"
        ),
        [r"no data inside the case window 2019-01-03\.\.2019-02-05", "2025-01-05"],
    ),
    (
        "region that does not exist",
        "uae-covid",
        lambda t: t.replace('region = ""  #', 'region = "Atlantis"  #'),
        ["Atlantis", "Dubai", "AE-DU"],
    ),
    (
        "config key typo",
        "la-wildfire",
        lambda t: t.replace("min_coverage = 0.75", "min_coverge = 0.75", 1),
        [r"signals\.min_coverge", "did you mean 'min_coverage'"],
    ),
]


@pytest.mark.parametrize(
    ("label", "name", "edit", "patterns"), CONFIG_CASES, ids=[c[0] for c in CONFIG_CASES]
)
def test_bad_configuration(
    label: str,
    name: str,
    edit: Callable[[str], str],
    patterns: list[str],
    tmp_path: Path,
    data_dir: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A bad case file or a window/region without data is named, with exit 1 and no traceback."""
    case = _case_file(tmp_path, name, edit)
    db = tmp_path / "crisis.duckdb"
    code = main(["run", str(case), "--data-dir", str(data_dir), "--db", str(db)])
    captured = capsys.readouterr()
    assert code == 1, captured
    assert "Traceback" not in captured.err
    for pattern in patterns:
        assert re.search(pattern, captured.err), (pattern, captured.err)
    assert not db.exists()
