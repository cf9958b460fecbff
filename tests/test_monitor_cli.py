"""`crisis-fca monitor` and `crisis-fca replay` as an operator runs them, on the real data."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crisis_fca.cli import main


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, " ".join(captured.out.split()), " ".join(captured.err.split())


def test_monitor_as_of_2021_03_01_uses_no_later_data(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    db, out = tmp_path / "runs.duckdb", tmp_path / "out"
    code, text, err = _run(capsys, "monitor", "uae-covid", "--as-of", "2021-03-01", "--data-dir",
                           str(data_dir), "--db", str(db), "--out", str(out))  # fmt: skip
    assert code == 0, err
    assert "as of 2021-03-01, on the data known that day only" in text
    mined = re.search(
        r"mined on ([0-9-]{10})\.\.([0-9-]{10}) and validated on ([0-9-]{10})\.\.([0-9-]{10})", text
    )
    assert mined is not None, text
    assert max(mined.groups()) <= "2021-03-01"
    assert "it used no data after 2021-03-01" in text
    assert "Streams: 34 of 34 signals observed on 2021-03-01" in text
    assert (out / "uae-covid-rigorous-alert.html").is_file()
    assert "Traceback" not in err


def test_monitor_with_too_little_history_says_so(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    code, text, err = _run(capsys, "monitor", "uae-covid", "--as-of", "2020-03-10",
                           "--data-dir", str(data_dir), "--db", str(tmp_path / "r.duckdb"),
                           "--out", str(tmp_path))  # fmt: skip
    assert code == 0, err
    assert "too little history to validate any rule as of 2020-03-10" in text
    assert "the first as-of day on which validation can be attempted is 2020-04-18" in text
    assert "nothing was stored" in text


def test_replay_of_a_window_too_short_explains_and_fails(
    capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "r.duckdb"
    code, _, err = _run(capsys, "replay", "la-wildfire", "--start", "2025-01-05",
                           "--end", "2025-02-05", "--data-dir", str(data_dir), "--db", str(db),
                           "--out", str(tmp_path))  # fmt: skip
    assert code == 1, err
    assert "no day of 2025-01-05..2025-02-05 can have a validated rule set" in err
    assert "too short" in err
    assert "Traceback" not in err
    assert not db.exists()
