"""The bad-input corpus (``tests/bad_inputs/cases.toml``) through the real command line.

Each case copies real files from ``../shared/data`` into ``tmp_path`` (or builds the tiny
UAE case from them), breaks one input the way scrapers and exports break, and runs
``crisis_fca.cli.main([...])`` with ``--data-dir`` / ``--db`` / ``--out`` inside
``tmp_path``. Then, whatever the case:

- no traceback, one paragraph: the message is for a person;
- ``fail``: exit status 1, every ``error`` pattern in stderr (the file, line, column, key or
  value at fault and the fix), and the whole tmp tree byte-for-byte as before (no
  database, no page, no temporary file, no folder);
- ``degrade`` / ``work``: exit 0, the expected notes said (or none beyond the base case's),
  the coverage / state counts worked out by hand from the raw files, and for ``run`` the
  database and both pages written (and nothing else).

The small broken files live in ``tests/bad_inputs/files/``; edits of real files are
described in the manifest. This complements ``tests/test_cli_bad_input.py`` (issue 2's
list) without repeating it.
"""

from __future__ import annotations

import contextlib
import sqlite3
import errno
import hashlib
import json
import os
import re
import shutil
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from crisis_fca.cli import main
from crisis_fca.config import CASES_DIR

CORPUS = Path(__file__).resolve().parent / "bad_inputs"
CASES: list[dict[str, Any]] = tomllib.loads((CORPUS / "cases.toml").read_text("utf-8"))["case"]
ADAPTERS = {"google_mobility", "pems", "posts_by_day", "daily_csv", "jhu_csse", "calfire"}
GOOGLE = "google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
UAE_POSTS = "uae-covid-2020-2021/reddit_covid_uae_posts_by_day.json"
JHU = "jhu_csse_covid19_ae/time_series_covid19_confirmed_global_AE.csv"
BASE_NOTES = {
    "la": {"pems: 2025-02-05: 1,247,328 of 2,494,656 lane points (50%) — partial day"},
    "tiny": set(),
}


# --- building the inputs -----------------------------------------------------------------


@pytest.fixture(scope="module")
def tiny_data(data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny case's data folder, built once; each case works on its own copy."""
    folder = tmp_path_factory.mktemp("tiny-base")
    _tiny_data(data_dir, folder)
    return folder


def _tiny_data(shared: Path, folder: Path) -> None:
    """Two months of real UAE inputs for ``tiny-uae.toml`` (rows copied byte for byte;
    at most three posts a day, to keep VADER's share of the corpus time small)."""
    tiny = folder / "tiny"
    tiny.mkdir(parents=True)
    lines = (shared / GOOGLE).read_text("utf-8").splitlines(keepends=True)
    google, daily = [lines[0]], ["date,stay_home\n"]
    for line in lines[1:]:
        cells = line.rstrip("\n").split(",")  # Google's AE rows hold no quoted commas
        day, region = cells[8], cells[2]
        if "2020-02-25" <= day <= "2020-05-05" and region in ("", "Dubai", "Abu Dhabi"):
            google.append(line)
            if region == "":
                daily.append(f"{day},{cells[14]}\n")  # residential_percent_change_from_baseline
    (tiny / "google.csv").write_text("".join(google), "utf-8")
    (tiny / "daily.csv").write_text("".join(daily), "utf-8")
    posts = json.loads((shared / UAE_POSTS).read_text("utf-8"))
    posts["posts_by_day"] = {
        k: v[:3] for k, v in posts["posts_by_day"].items() if "2020-03-01" <= k <= "2020-04-30"
    }
    (tiny / "posts.json").write_text(json.dumps(posts, indent=1, ensure_ascii=False), "utf-8")
    shutil.copy(shared / JHU, tiny / "jhu_confirmed.csv")


def _base(case: dict[str, Any], shared: Path, tiny: Path, tmp: Path) -> tuple[Path, str]:
    """A writable copy of the case's base data folder, and its case TOML text."""
    data = tmp / "data"
    if case["base"] == "la":
        for sub in ("la-wildfire-2025", "calfire_palisades_fire_2025"):
            shutil.copytree(shared / sub, data / sub)
        return data, (CASES_DIR / "la-wildfire.toml").read_text("utf-8")
    shutil.copytree(tiny, data)
    return data, (CORPUS / "tiny-uae.toml").read_text("utf-8")


def _break(path: Path, edit: dict[str, Any]) -> None:
    """Apply one manifest edit to ``path`` (see the kinds in cases.toml)."""
    kind = edit["kind"]
    if kind == "file":
        shutil.copy(CORPUS / edit["name"], path)
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncate":
        path.write_bytes(path.read_bytes()[: -edit["drop"]])
    elif kind == "nest":
        path.write_text("[" * edit["depth"] + "]" * edit["depth"], "utf-8")
    elif kind == "latin1":
        old, new = edit["old"].encode("utf-8"), edit["new"].encode("latin-1")
        assert old in path.read_bytes(), f"{edit['old']!r} not found"
        path.write_bytes(path.read_bytes().replace(old, new, 1))  # one Latin-1 spot in UTF-8
    elif kind == "bom_crlf":
        _write(path, "\ufeff" + _text(path).replace("\n", "\r\n"))
    elif kind == "drop_lines":
        _write(path, "".join(_text(path).splitlines(keepends=True)[edit["first"] :]))
    elif kind == "append":
        _write(path, _text(path) + edit["text"] * edit["times"])
    elif kind == "regex":
        text, n = re.subn(edit["pattern"], edit["new"], _text(path), count=max(edit["count"], 0))
        assert n, f"{edit} matched nothing in {path.name}"
        _write(path, text)
    elif kind == "replace":
        new = edit["new"] + edit.get("repeat_tail", "") * edit.get("times", 0)
        _write(path, _replace(_text(path), edit["old"], new, edit.get("count", 1)))
    else:
        raise AssertionError(f"unknown break kind {kind!r}")


def _text(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _write(path: Path, text: str) -> None:
    path.write_bytes(text.encode("utf-8"))


def _replace(text: str, old: str, new: str, count: int) -> str:
    assert old in text, f"{old!r} not found"
    return text.replace(old, new, count)


# --- faults of the store and the output folder ---------------------------------------------


@pytest.fixture
def faults() -> Iterator[contextlib.ExitStack]:
    """Undoes a case's fault afterwards (a read-only folder must become writable again)."""
    with contextlib.ExitStack() as stack:
        yield stack


def _make_fault(kind: str, db: Path, out: Path, stack: contextlib.ExitStack, mp: Any) -> None:
    if kind == "db_not_duckdb":
        db.parent.mkdir(parents=True, exist_ok=True)
        db.write_bytes(b"crisis-fca notes, not a database\n" * 200)
    elif kind == "db_sqlite":  # DuckDB would fetch its sqlite extension from the network
        db.parent.mkdir(parents=True, exist_ok=True)
        with contextlib.closing(sqlite3.connect(db)) as lite:
            lite.execute("CREATE TABLE runs (run_id TEXT)")
            lite.commit()
    elif kind == "read_only_out":
        out.mkdir(parents=True)
        stack.enter_context(read_only(out))
    elif kind == "disk_full":
        mp.setattr(os, "fdopen", _full_disk_fdopen(os.fdopen))
    else:
        raise AssertionError(f"unknown fault {kind!r}")


@contextlib.contextmanager
def read_only(folder: Path) -> Iterator[None]:
    """``folder`` read-only: chmod 555, and as root (which ignores modes) chattr +i too.

    Skips the test where neither holds (root without chattr or a file system without it).
    """
    folder.chmod(0o555)
    try:
        if _writable(folder):
            subprocess.run(["chattr", "+i", str(folder)], check=False, capture_output=True)
        if _writable(folder):
            pytest.skip("cannot make a folder read-only here (root without chattr)")
        yield
    finally:
        subprocess.run(["chattr", "-i", str(folder)], check=False, capture_output=True)
        folder.chmod(0o755)


def _writable(folder: Path) -> bool:
    probe = folder / ".probe"
    try:
        probe.write_text("x")
    except OSError:
        return False
    probe.unlink()
    return True


def _full_disk_fdopen(real: Any) -> Any:
    """``os.fdopen`` whose files refuse every write with ENOSPC (a full disk)."""

    class Full:
        def __init__(self, handle: Any) -> None:
            self.handle = handle

        def __enter__(self) -> Full:
            return self

        def __exit__(self, *exc: object) -> None:
            self.handle.close()

        def write(self, _text: str) -> int:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        def __getattr__(self, name: str) -> Any:
            return getattr(self.handle, name)

    return lambda fd, *a, **k: Full(real(fd, *a, **k))


# --- reading what the CLI printed --------------------------------------------------------


def _coverage_table(text: str) -> dict[str, list[int]]:
    """Rows of the coverage table: signal -> [observed, filled, low-coverage, missing]."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) == 8 and all(re.fullmatch(r"\d+", c) for c in cells[2:6]):
            rows[cells[0]] = [int(c) for c in cells[2:6]]
    return rows


def _states_table(text: str) -> dict[str, list[int]]:
    """Rows of the states table: state -> [true, known, unknown] days."""
    rows = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("│ ").split("│")]
        if len(cells) >= 4 and all(re.fullmatch(r"\d+", c) for c in cells[1:4]):
            rows[cells[0]] = [int(c) for c in cells[1:4]]
    return rows


def _snapshot(root: Path) -> dict[str, str]:
    """Every file (content hash) and folder under ``root``."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        out[rel] = "dir" if path.is_dir() else hashlib.sha1(path.read_bytes()).hexdigest()
    return out


# --- the test ------------------------------------------------------------------------------


def test_corpus_covers_every_adapter_and_the_issues_list() -> None:
    """At least 30 cases, every adapter and the config, each case well-formed."""
    assert len(CASES) >= 30
    assert {c["adapter"] for c in CASES} >= ADAPTERS | {"config", "store", "output"}
    assert len({c["id"] for c in CASES}) == len(CASES)
    for case in CASES:
        assert case["expect"] in {"fail", "degrade", "work"}, case["id"]
        assert bool(case.get("error")) == (case["expect"] == "fail"), case["id"]
        assert bool(case.get("notes")) == (case["expect"] == "degrade"), case["id"]
        assert case["base"] in BASE_NOTES, case["id"]


@pytest.mark.parametrize("case", CASES, ids=[c["id"] for c in CASES])
def test_corpus_case(
    case: dict[str, Any],
    tmp_path: Path,
    *,
    data_dir: Path,
    tiny_data: Path,
    faults: contextlib.ExitStack,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The run fails naming the culprit (or degrades saying so, or works); nothing half-written."""
    data, case_text = _base(case, data_dir, tiny_data, tmp_path)
    for edit in case.get("break", []):
        _break(data / case["target"], edit)
    for old, new in case.get("case_edit", []):
        case_text = _replace(case_text, old, new, 1)
    case_file = tmp_path / "case.toml"
    case_file.write_text(case_text, "utf-8")
    db, out = tmp_path / "store" / "crisis.duckdb", tmp_path / "out"
    if case.get("fault"):
        _make_fault(case["fault"], db, out, faults, monkeypatch)
    command = case.get("command", "run")
    argv = [command, str(case_file), "--data-dir", str(data)]
    if command == "run":
        argv += ["--db", str(db), "--out", str(out)]
    before = _snapshot(tmp_path)

    code = main(argv)

    monkeypatch.undo()  # a simulated full disk must not outlive the run
    printed = capsys.readouterr()
    assert "Traceback" not in printed.out + printed.err
    if case["expect"] == "fail":
        _check_failure(case, code, printed.err, before, _snapshot(tmp_path))
    else:
        after = _snapshot(tmp_path)
        _check_success(case, code, printed=printed, before=before, after=after, command=command)


def _check_failure(
    case: dict[str, Any], code: int, err: str, before: dict[str, str], after: dict[str, str]
) -> None:
    assert code == 1, err
    message = " ".join(err.split())  # rich wraps long lines at the console width
    assert message.startswith("error:"), err
    assert "\n\n" not in err.strip(), err  # one paragraph
    for pattern in case["error"]:
        assert re.search(pattern, message), (pattern, message)
    assert after == before, "the failed run left something behind"


def _check_success(
    case: dict[str, Any],
    code: int,
    *,
    printed: Any,
    before: dict[str, str],
    after: dict[str, str],
    command: str,
) -> None:
    assert code == 0, printed.err
    text = " ".join(printed.out.split())
    notes = {" ".join(n.split()) for n in re.findall(r"^note: (.*)$", printed.out, re.M)}
    for pattern in case.get("notes", []):
        assert re.search(pattern, text), (pattern, printed.out)
    if case["expect"] == "work":
        assert notes <= BASE_NOTES[case["base"]], notes
    coverage = _coverage_table(printed.out)
    for signal, counts in case.get("coverage", {}).items():
        assert coverage.get(signal) == counts, (signal, coverage.get(signal))
    states = _states_table(printed.out)
    for state, counts in case.get("states", {}).items():
        assert states.get(state) == counts, (state, states.get(state))
    added = sorted(set(after) - set(before))
    changed = [k for k in before if after.get(k) != before[k]]
    assert changed == [], changed  # the inputs are read, never written
    if command == "run":
        name = "tiny-uae" if case["base"] == "tiny" else "la-wildfire"
        assert added == [
            "out",
            f"out/{name}-rigorous-brief.html",
            f"out/{name}-rigorous-report.html",
            "store",
            "store/crisis.duckdb",
        ]
    else:
        assert added == []
