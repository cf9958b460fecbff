"""Crash safety: the pipeline killed with SIGKILL at every stage boundary and in the middle of
its database write, a read-only output folder and a full disk.

Each test starts from a store and a reports folder that already hold one complete run of
the tiny UAE case (``tests/bad_inputs/tiny-uae.toml``). A child process, forked from the
test process so it starts warm (no second import of the stack), runs the pipeline --
``analyse_case`` then ``store_run``, exactly what ``crisis-fca run`` calls -- and is killed:

- by itself, with ``os.kill(os.getpid(), SIGKILL)``, at a precise point reached through the
  pipeline's own progress callbacks (``analyse_case(progress=...)`` and ``write_run``'s
  ``progress``, which fires inside the transaction before each table) or by wrapping the
  next function called -- no hook in the library;
- by the test, at timed points after the child reported that it started writing.

Children killed after the analysis reuse one analysis and its real pages made in the test
process (the pages carry a placeholder run id that the child replaces with its own), which
saves ~2 s per child; the pages and tables they write are those of a real run.

SIGKILL runs no ``finally``, no ``atexit`` and no DuckDB destructor. Afterwards the database
must open, hold only complete runs (every succeeded run has exactly the rows the first run
has, a killed run has no row at all or is complete), every page must be whole and name a
run that is in the database, and the next run must succeed and leave no temporary file.
"""

from __future__ import annotations

import errno
import hashlib
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest
from test_bad_inputs import CORPUS, _tiny_data, read_only

from crisis_fca.cli import main
from crisis_fca.config import load_case
from crisis_fca.store import DATA_TABLES

PAGES = ("tiny-uae-rigorous-brief.html", "tiny-uae-rigorous-report.html")
FORK = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class World:
    """A data folder, a case, a store and a reports folder."""

    root: Path

    @property
    def data(self) -> Path:
        return self.root / "data"

    @property
    def case(self) -> Path:
        return self.root / "case.toml"

    @property
    def db(self) -> Path:
        return self.root / "store" / "crisis.duckdb"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def run(self) -> int:
        """``crisis-fca run`` on this world, in this process."""
        return main(
            ["run", str(self.case), "--data-dir", str(self.data), "--db", str(self.db),
             "--out", str(self.out)]
        )  # fmt: skip


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory, data_dir: Path) -> World:
    """A world after one successful run (built once, copied per test)."""
    world = World(tmp_path_factory.mktemp("fault-template"))
    _tiny_data(data_dir, world.data)
    shutil.copy(CORPUS / "tiny-uae.toml", world.case)
    assert world.run() == 0
    return world


@pytest.fixture
def world(template: World, tmp_path: Path) -> World:
    copy = World(tmp_path / "world")
    shutil.copytree(template.root, copy.root)
    return copy


# --- what the store and the reports folder hold ----------------------------------------------


def _runs(db: Path) -> dict[str, tuple[str, tuple[int, ...]]]:
    """run_id -> (status, rows per data table); opening the file is itself a check."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        runs = dict(con.execute("SELECT run_id, status FROM runs").fetchall())
        counts = {
            table.name: dict(
                con.execute(
                    f'SELECT run_id, count(*) FROM "{table.name}" GROUP BY run_id'
                ).fetchall()
            )
            for table in DATA_TABLES
        }
    finally:
        con.close()
    return {
        run_id: (status, tuple(counts[t.name].get(run_id, 0) for t in DATA_TABLES))
        for run_id, status in runs.items()
    }


def _pages(out: Path) -> dict[str, str]:
    """Page name -> content hash, for the pages and any other file in the folder."""
    return {p.name: hashlib.sha1(p.read_bytes()).hexdigest() for p in sorted(out.iterdir())}


def _check_consistent(world: World, before: dict[str, Any]) -> dict[str, Any]:
    """The invariants after a crash; returns what changed."""
    runs = _runs(world.db)
    complete = before["rows"]
    assert set(before["runs"]) <= set(runs), "a committed run was lost"
    new = {r: v for r, v in runs.items() if r not in before["runs"]}
    assert len(new) <= 1
    for run_id, (status, rows) in runs.items():
        if status == "succeeded":
            assert rows == complete, (run_id, rows, complete)  # never half a run
        else:
            assert not any(rows), (run_id, rows)
    for name in PAGES:
        html = (world.out / name).read_text("utf-8")
        assert html.rstrip().endswith("</html>"), name  # whole
        shown = [run_id for run_id in runs if run_id in html]
        assert len(shown) == 1, (name, shown)
        assert runs[shown[0]][0] == "succeeded", name  # names a run the store holds
    return new


def _state(world: World) -> dict[str, Any]:
    runs = _runs(world.db)
    [(status, rows)] = list(runs.values())[:1]
    assert status == "succeeded"
    return {"runs": runs, "rows": rows, "pages": _pages(world.out)}


def _next_run_succeeds(world: World, complete: tuple[int, ...]) -> None:
    """The next run adds one complete run, and leaves the two pages and nothing else."""
    known = _runs(world.db)
    assert world.run() == 0
    runs = _runs(world.db)
    added = [r for r in runs if r not in known]
    assert [runs[r] for r in added] == [("succeeded", complete)]
    assert sorted(p.name for p in world.out.iterdir()) == sorted(PAGES)  # debris swept
    _check_consistent(world, {"runs": known, "rows": complete})


# --- the child: the pipeline, killed where asked -------------------------------------------


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _wrap(module: Any, name: str, before: Callable[[], None] | None = None, after=None) -> None:
    real = getattr(module, name)

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if before:
            before()
        result = real(*args, **kwargs)
        if after:
            after()
        return result

    setattr(module, name, wrapper)


PLACEHOLDER = "19990101T000000-0badc0de"


@dataclass(frozen=True)
class Prepared:
    """One analysis and its real pages, made once in the test process (with a placeholder
    run id), so that children killed after the analysis need not repeat the ~2 s of it."""

    run: Any
    pages: dict[str, str]
    briefs: Any
    out: Path


@pytest.fixture(scope="module")
def prepared(template: World) -> Prepared:
    from crisis_fca.pipeline import _render, analyse_case, run_record
    from crisis_fca.records import run_tables

    run = analyse_case(load_case(str(template.case)), template.data)
    tables = run_tables(run.ingest.aligned, run.states, run.lattice.lattice, run.rules)
    record = run_record(run, datetime.now(UTC))
    pages, briefs = _render(run, tables, record, PLACEHOLDER, template.out)
    return Prepared(run, {p.name: html for p, html in pages.items()}, briefs, template.out)


def _replay(prepared: Prepared) -> Callable[..., Any]:
    """``pipeline._render`` giving the prepared pages with the child's run id and folder."""

    def render(run: Any, tables: Any, record: Any, run_id: str, out_dir: Path) -> Any:
        pages = {out_dir / n: h.replace(PLACEHOLDER, run_id) for n, h in prepared.pages.items()}
        briefs = prepared.briefs.assign(
            rendered_text=prepared.briefs["rendered_text"].str.replace(PLACEHOLDER, run_id),
            output_path=prepared.briefs["output_path"].str.replace(str(prepared.out), str(out_dir)),
        )
        return pages, briefs

    return render


def _child(world: World, point: str, prepared: Prepared, report: Any = None) -> None:
    """Run the pipeline in this (forked) process; SIGKILL it at ``point``."""
    import crisis_fca._atomic as atomic
    from crisis_fca import pipeline, store

    stage = {
        "after_ingest": "building behavioural states",
        "after_states": "building the concept lattice",
        "after_lattice": "mining and validating rules",
    }

    def progress(message: str) -> None:
        if stage.get(point) == message:
            _die()

    def writing(message: str) -> None:
        if report is not None:
            report.send(message)
        if point == "mid_db_write" and message == "writing rules":
            _die()

    real_write = store.write_run
    store.write_run = lambda *a, **k: real_write(*a, **{**k, "progress": writing})
    if point == "after_rendering":
        _wrap(store, "write_run", before=_die)
    if point == "after_db_commit":
        _wrap(store, "write_run", after=_die)
    if point == "between_pages":  # the first page replaced, the second not yet
        _wrap(atomic.Staged, "commit", after=_die)
    started = datetime.now(UTC)
    if point in stage:
        pipeline.analyse_case(load_case(str(world.case)), world.data, progress=progress)
        os._exit(1)  # not reached: killed inside the analysis
    if point == "after_rules":  # the analysis is done (prepared), nothing written yet
        _die()
    pipeline._render = _replay(prepared)  # type: ignore[attr-defined]
    pipeline.store_run(prepared.run, world.db, started, out_dir=world.out)
    os._exit(0)


def _killed_child(world: World, point: str, prepared: Prepared) -> None:
    child = FORK.Process(target=_child, args=(world, point, prepared))
    child.start()
    child.join(120)
    assert child.exitcode == -signal.SIGKILL, child.exitcode


POINTS = [
    "after_ingest",
    "after_states",
    "after_lattice",
    "after_rules",
    "after_rendering",
    "mid_db_write",
    "after_db_commit",
    "between_pages",
]


STAGED = {"after_rendering", "mid_db_write", "after_db_commit", "between_pages"}
COMMITTED = {"after_db_commit", "between_pages"}


def test_sigkill_at_each_stage_boundary_and_mid_write(world: World, prepared: Prepared) -> None:
    """Killed at each point in turn on the same store: after every kill the store opens with
    only complete runs and whole pages; then the next run succeeds and sweeps the debris."""
    first = _state(world)
    for point in POINTS:
        runs, pages = _runs(world.db), _pages(world.out)
        _killed_child(world, point, prepared)
        new = _check_consistent(world, {"runs": runs, "rows": first["rows"]})
        assert len(new) == (point in COMMITTED), point  # before the commit: nothing of it
        now = _pages(world.out)
        replaced = [name for name in PAGES if now[name] != pages[name]]
        assert replaced == (list(PAGES[:1]) if point == "between_pages" else []), point
        debris = [name for name in now if name not in PAGES]
        assert bool(debris) == (point in STAGED), (point, debris)  # staged, never replaced
    _next_run_succeeds(world, first["rows"])


def test_sigkill_at_timed_points_during_the_write(world: World, prepared: Prepared) -> None:
    """Killed from outside 0 and 50 ms after the write began: all of the run or nothing."""
    before = _state(world)
    outcomes = []
    for delay in (0.0, 0.05):
        receive, send = FORK.Pipe(duplex=False)
        child = FORK.Process(target=_child, args=(world, "timed", prepared, send))
        child.start()
        assert receive.poll(120), "the child never started writing"
        receive.recv()
        time.sleep(delay)
        os.kill(child.pid, signal.SIGKILL)
        child.join(30)
        outcomes.append(len(_check_consistent(world, before)))
        before = {**before, "runs": _runs(world.db)}
    assert len(outcomes) == 2  # each kill left a consistent store, whichever way it fell


# --- no room, no permission -------------------------------------------------------------------


def test_full_disk_while_writing_pages_changes_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """ENOSPC on the pages: exit 1 naming the file; the store and the old pages untouched."""
    before = _state(world)
    real = os.fdopen

    def full(fd: int, *args: Any, **kwargs: Any) -> Any:
        handle = real(fd, *args, **kwargs)
        handle.write = _raise_enospc
        return handle

    monkeypatch.setattr(os, "fdopen", full)
    code = world.run()
    monkeypatch.undo()
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1
    assert "No space left on device" in err
    assert "tiny-uae-rigorous-brief.html" in err
    assert _runs(world.db) == before["runs"]  # the database was never opened for writing
    assert _pages(world.out) == before["pages"]  # no temporary file either


def _raise_enospc(_text: str) -> int:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


def test_read_only_output_folder_changes_nothing(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder the run may not write: exit 1 naming it; the store and the old pages untouched."""
    before = _state(world)
    with read_only(world.out):
        code = world.run()
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1, err
    assert re.search(r"cannot write .*/out/tiny-uae-rigorous-brief\.html", err), err
    assert _runs(world.db) == before["runs"]
    assert _pages(world.out) == before["pages"]


@pytest.fixture
def small_disk(world: World) -> Iterator[Path]:
    """A real full disk: the store folder on a tmpfs with room for the file as it is now.

    Needs mount rights (root); skipped otherwise (the simulated full disk above always runs).
    """
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a small tmpfs needs root")
    folder = world.db.parent
    saved = world.root / "saved-store"
    shutil.copytree(folder, saved)
    size = sum(p.stat().st_size for p in saved.iterdir()) + 16 * 1024
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
        check=False,
        capture_output=True,
    )
    if mounted.returncode:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        for item in saved.iterdir():
            shutil.copy2(item, folder / item.name)
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False, capture_output=True)


def test_full_disk_under_the_database_keeps_every_committed_run(
    world: World, small_disk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """DuckDB runs out of space mid-transaction: exit 1, the file opens, pages untouched."""
    before = _state(world)
    code = world.run()
    err = " ".join(capsys.readouterr().err.split())
    assert code == 1, err
    assert "No space left on device" in err, err
    assert re.search(r"crisis\.duckdb holds nothing of it", err), err
    assert "Traceback" not in err
    runs = _runs(world.db)
    assert {r: v for r, v in runs.items() if r in before["runs"]} == before["runs"]
    assert all(status == "failed" for r, (status, _) in runs.items() if r not in before["runs"])
    assert _pages(world.out) == before["pages"]  # staged pages were discarded
