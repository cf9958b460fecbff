"""The store under real processes: SIGKILL mid-write, two writers, a held lock, a waiting reader."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from store_helpers import all_tables, run_record

from crisis_fca.errors import StorageError
from crisis_fca.store import list_runs, query, read_run, write_run

HERE = Path(__file__).resolve().parent

# A writer process: writes runs in a loop, announcing each table and each commit on stdout,
# and sleeping inside the transaction (between tables) so it can be killed mid-write.
WRITER = """
import sys, time
sys.path.insert(0, sys.argv[1])
from store_helpers import all_tables, run_record
from crisis_fca.store import write_run

path, runs, pause, case = sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), sys.argv[5]

def slow(message):
    print(message, flush=True)
    time.sleep(pause)

print("start", time.time(), flush=True)
for i in range(runs):
    run = run_record(case, minutes=i)
    run_id = write_run(path, run, all_tables(), progress=slow, lock_timeout=60)
    print("committed", run_id, time.time(), flush=True)
print("done", flush=True)
"""

# A process that opens the file for writing and keeps it open until its stdin closes.
HOLDER = """
import sys, duckdb
con = duckdb.connect(sys.argv[1])
print("holding", flush=True)
sys.stdin.read()
con.close()
"""

EXPECTED_ROWS = {name: len(frame) for name, frame in all_tables().items()}


def _start(script: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", script, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes a test starts; any still running at the end are killed (by their pid)."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        for stream in (proc.stdin, proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()


def _wait_for(proc: subprocess.Popen[str], wanted: str, seen: list[str]) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        seen.append(line.strip())
        if line.startswith(wanted):
            return
    pytest.fail(
        f"process ended before printing {wanted!r}: {seen}; stderr: {proc.communicate()[1]}"
    )


def _assert_complete(path: Path, run_ids: list[str]) -> None:
    """Exactly these runs are stored, each succeeded and with every row of every table."""
    runs = list_runs(path)
    assert sorted(runs["run_id"]) == sorted(run_ids)
    assert set(runs["status"]) == {"succeeded"}
    for run_id in run_ids:
        stored = read_run(path, run_id)
        assert {name: len(stored[name]) for name in EXPECTED_ROWS} == EXPECTED_ROWS


def test_sigkill_mid_write_leaves_only_complete_runs(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """Kill -9 a writer inside its third transaction: two complete runs, and the next run works."""
    path = tmp_path / "crisis.duckdb"
    writer = _start(WRITER, str(HERE), str(path), "10", "0.05", "uae-covid")
    processes.append(writer)
    seen: list[str] = []
    _wait_for(writer, "committed", seen)
    _wait_for(writer, "committed", seen)
    _wait_for(writer, "writing rules", seen)  # signals..concepts of run 3 are inserted
    os.kill(writer.pid, signal.SIGKILL)
    assert writer.wait(timeout=30) == -signal.SIGKILL
    committed = [line.split()[1] for line in seen if line.startswith("committed")]
    assert len(committed) == 2
    _assert_complete(path, committed)
    after = write_run(path, run_record(minutes=99), all_tables())
    _assert_complete(path, [*committed, after])


def test_two_writers_at_once_both_complete(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """Two processes writing two runs each to one file at the same time: all four land.

    Both processes are writing before either has finished (checked from their clocks), so
    one of them must have waited for the other's lock.
    """
    path = tmp_path / "crisis.duckdb"
    writers = [_start(WRITER, str(HERE), str(path), "2", "0.02", case) for case in ("uae", "la")]
    processes.extend(writers)
    outputs = [w.communicate(timeout=120) for w in writers]
    lines = []
    for writer, (out, err) in zip(writers, outputs, strict=True):
        assert writer.returncode == 0, err
        assert out.splitlines()[-1] == "done"
        lines.append([line.split() for line in out.splitlines()])
    starts = [float(next(w[1] for w in out if w[0] == "start")) for out in lines]
    ends = [float([w for w in out if w[0] == "committed"][-1][2]) for out in lines]
    assert max(starts) < min(ends)  # the two writers overlapped
    committed = [w[1] for out in lines for w in out if w[0] == "committed"]
    assert len(committed) == 4
    _assert_complete(path, committed)
    cases = query(path, "SELECT case_name, count(*) AS n FROM runs GROUP BY 1 ORDER BY 1")
    assert cases.values.tolist() == [["la", 2], ["uae", 2]]


def test_writer_gives_up_cleanly_when_the_lock_is_held(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """A writer waits its lock timeout, then fails naming the holder; nothing is lost."""
    path = tmp_path / "crisis.duckdb"
    first = write_run(path, run_record(), all_tables())
    holder = _start(HOLDER, str(path))
    processes.append(holder)
    _wait_for(holder, "holding", [])
    started = time.monotonic()
    with pytest.raises(
        StorageError, match=rf"for writing: process {holder.pid} has it open .*after 0\.[5-9] s"
    ):
        write_run(path, run_record(minutes=1), all_tables(), lock_timeout=0.5)
    assert 0.5 <= time.monotonic() - started < 5
    with pytest.raises(StorageError, match=rf"for reading: process {holder.pid} has it open"):
        query(path, "SELECT count(*) FROM runs", lock_timeout=0.2)
    holder.communicate(input="", timeout=30)  # closing stdin lets it close the file
    _assert_complete(path, [first])
    second = write_run(path, run_record(minutes=2), all_tables())
    _assert_complete(path, [first, second])


def test_reader_waits_for_a_writer_to_finish(
    tmp_path: Path, processes: list[subprocess.Popen[str]]
) -> None:
    """A reader started while another process holds the file reads once it is released."""
    path = tmp_path / "crisis.duckdb"
    first = write_run(path, run_record(), all_tables())
    holder = _start(HOLDER, str(path))
    processes.append(holder)
    _wait_for(holder, "holding", [])
    assert holder.stdin is not None
    release = threading.Timer(1.0, holder.stdin.close)  # the holder closes the file in ~1 s
    started = time.monotonic()
    release.start()
    try:
        runs = query(path, "SELECT run_id FROM runs", lock_timeout=20)
    finally:
        release.join()
    assert runs["run_id"].tolist() == [first]
    assert time.monotonic() - started >= 1.0
