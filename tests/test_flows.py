"""The Prefect flows on the real data: caching, failures, regions on Dask, serving on loopback.

Cost is kept small: one ``prefect_test_harness`` shared by the whole module and torn down after
it, so its threads and settings never reach other modules (its temporary server takes
15-30 s to start on 2 cores), a fresh ``PREFECT_HOME`` so no cached result survives from an
earlier session, telemetry off, and a small case (Google mobility + JHU cases, no posts, a
few states) so each flow run takes seconds. Task logic is tested with ``.fn()`` (no server).
The serve test starts its own ``prefect server start`` on 127.0.0.1 and needs no network.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from importlib.util import find_spec
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest
from prefect import flow, task
from prefect.cache_policies import NO_CACHE
from prefect.client.orchestration import get_client
from prefect.client.schemas.filters import (
    ArtifactFilter,
    ArtifactFilterFlowRunId,
    FlowRunFilter,
    FlowRunFilterId,
)
from prefect.settings import (
    PREFECT_API_URL,
    PREFECT_HOME,
    PREFECT_SERVER_ANALYTICS_ENABLED,
    PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS,
    temporary_settings,
)
from prefect.states import Failed
from prefect.testing.utilities import prefect_test_harness

from crisis_fca.config import GoogleMobilitySource, load_case
from crisis_fca.errors import SchemaError, StorageError
from crisis_fca.ingest import read_source
from crisis_fca.lattice import build_lattice
from crisis_fca.pipeline import ingest_case
from crisis_fca.regions import region_case
from crisis_fca.store import connect
from flows import PREFECT_DEFAULTS
from flows.artifacts import artifact_key, rule_rows, run_markdown
from flows.cache import (
    KEYS_FOLDER,
    StageKeys,
    StagePickle,
    code_digest,
    run_fingerprint,
    source_fingerprint,
    transient_io,
)
from flows.comparison import store_comparison
from flows.local import heartbeats_needed
from flows.pipeline import crisis_pipeline
from flows.regional import dask_runner, regional_flow
from flows.tasks import align_stage, ingest_source

ROOT = Path(__file__).resolve().parent.parent
needs_dask = pytest.mark.skipif(
    find_spec("prefect_dask") is None, reason="the `dask` extra (prefect-dask) is not installed"
)
GOOGLE = "google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
JHU = "jhu_csse_covid19_ae/time_series_covid19_confirmed_global_AE.csv"
QUIET = dict(PREFECT_DEFAULTS)  # what flows/ and the Makefile set
EMIRATES = [
    "Abu Dhabi",
    "Ajman",
    "Dubai",
    "Fujairah",
    "Ras al Khaimah",
    "Sharjah",
    "Umm Al Quawain",
]
WINDOW = (date(2020, 3, 1), date(2021, 6, 30))

# Validation is switched off so that mined rules reach the store and the comparison: this
# file tests orchestration, not whether these rules are any good.
MINI_CASE = f"""
[case]
name = "uae-mini"
title = "UAE mobility and COVID-19 cases (flow tests)"
region = "United Arab Emirates"
event_start = 2020-03-01

[window]
start = {WINDOW[0]}
end = {WINDOW[1]}

[[sources]]
name = "google"
kind = "google_mobility"
domain = "mobility"
path = "{GOOGLE}"
region = ""

[[sources]]
name = "jhu_cases"
kind = "jhu_csse"
domain = "health"
country = "United Arab Emirates"
measure = "new_cases"
path = "{JHU}"

[states.define."mobility.retail:drop"]
kind = "threshold"
signal = "mobility.retail"
below = -25
description = "Retail visits more than 25 % below the pre-pandemic level"

[states.define."mobility.transit:drop"]
kind = "threshold"
signal = "mobility.transit"
below = -30
description = "Transit visits more than 30 % below the pre-pandemic level"

[states.define."mobility.residential:increase"]
kind = "threshold"
signal = "mobility.residential"
above = 8
description = "Time at home more than 8 % above the pre-pandemic level"

[states.define."health.new_cases:high"]
kind = "threshold"
signal = "health.new_cases"
above = 1500
description = "More than 1,500 new cases reported"

[mining]
leads = [0, 1, 2]

[mining.null]
shifts = 200

[validation]
folds = 0
max_confidence_drop = 1.0
check_holdout_lift = false
min_holdout_days = 0
validate_predictive = false
"""


@pytest.fixture(scope="session")
def mini_case(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("cases") / "uae-mini.toml"
    path.write_text(MINI_CASE, encoding="utf-8")
    return path


@dataclass(frozen=True)
class LoopbackServer:
    """A ``prefect server start`` process on 127.0.0.1 and how to reach it."""

    proc: subprocess.Popen[bytes]
    url: str
    env: dict[str, str]


# Both servers live for this module only: the harness runs Prefect's services in threads of
# the test process (they draw on the global `random`, which trips hypothesis' check in later
# property tests) and sets PREFECT_* for as long as it lives. Only this module uses them, so
# module scope still starts each once.
@pytest.fixture(scope="module")
def loopback_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoopbackServer]:
    """Started first (the harness asks for it), so it boots while the harness server does."""
    home = tmp_path_factory.mktemp("server-home")
    port = _free_port()
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(home), "PREFECT_SERVER_UI_ENABLED": "false"}
    env.pop("PREFECT_API_URL", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
         str(port)], env=env, cwd=home, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    try:
        yield LoopbackServer(proc, f"http://127.0.0.1:{port}/api", env)
    finally:
        _stop(proc, signal.SIGTERM)


@pytest.fixture(scope="module")
def harness(
    tmp_path_factory: pytest.TempPathFactory, loopback_server: LoopbackServer
) -> Iterator[Path]:
    """One temporary Prefect server for this module's flow runs, with a fresh PREFECT_HOME."""
    home = tmp_path_factory.mktemp("prefect-home")
    settings = {
        PREFECT_HOME: str(home),
        PREFECT_SERVER_ANALYTICS_ENABLED: False,
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 120,
    }
    with pytest.MonkeyPatch.context() as env:
        for name, value in {**QUIET, "PREFECT_HOME": str(home)}.items():
            env.setenv(name, value)
        with temporary_settings(updates=settings), prefect_test_harness(server_startup_timeout=120):
            yield home


def _recorded_task_states(flow_run_id: object, names: tuple[str, ...]) -> dict[str, str | None]:
    """Final state name of each task run of a flow run, by task name, once the server has them.

    Task-run states reach the server as events, written by its task-run recorder once a
    second (``flows.PREFECT_DEFAULTS``), so a run's task runs appear up to a second or so
    after it returns: wait (at most 30 s) until every task in ``names`` is final.
    """
    deadline = time.monotonic() + 30
    with get_client(sync_client=True) as client:
        while True:
            task_runs = client.read_task_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id]))
            )
            runs = {t.name.rsplit("-", 1)[0]: t for t in task_runs}
            final = {name for name, run in runs.items() if run.state and run.state.is_final()}
            if set(names) <= final or time.monotonic() > deadline:
                return {name: run.state_name for name, run in runs.items()}
            time.sleep(0.2)


def _runs(db: Path) -> pd.DataFrame:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "SELECT run_id, case_name, status, error, config_hash, params FROM runs ORDER BY seq"
        ).df()
    finally:
        con.close()


# --- cache keys and retries (no server) ------------------------------------------------------


def test_fingerprints_follow_content_and_regions_share_unchanged_sources(
    mini_case: Path, data_dir: Path, tmp_path: Path
) -> None:
    case = load_case(mini_case)
    dubai, sharjah = region_case(case, "Dubai"), region_case(case, "Sharjah")
    # The JHU file is the same for every region: one read serves them all.
    assert source_fingerprint(dubai, "jhu_cases", data_dir) == source_fingerprint(
        sharjah, "jhu_cases", data_dir
    )
    assert source_fingerprint(dubai, "google", data_dir) != source_fingerprint(
        sharjah, "google", data_dir
    )
    assert run_fingerprint(case, data_dir) == run_fingerprint(case, data_dir)
    assert run_fingerprint(dubai, data_dir) != run_fingerprint(sharjah, data_dir)
    # Same config, one byte of data changed -> another key.
    copy = tmp_path / "data"
    for rel in (GOOGLE, JHU):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / rel, copy / rel)
    assert run_fingerprint(case, copy) == run_fingerprint(case, data_dir)
    text = (copy / JHU).read_text(encoding="utf-8")
    (copy / JHU).write_text(text[:-2] + ("0" if text[-2] != "0" else "1") + text[-1:], "utf-8")
    assert run_fingerprint(case, copy) != run_fingerprint(case, data_dir)
    assert source_fingerprint(case, "google", copy) == source_fingerprint(case, "google", data_dir)


def test_code_digest_ignores_only_downstream_modules(tmp_path: Path) -> None:
    tree = {"states/build.py": "A = 1\n", "render/brief.py": "B = 1\n", "cli.py": "C = 1\n"}
    for rel, text in tree.items():
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_text(text, encoding="utf-8")
    before = code_digest(tmp_path)
    (tmp_path / "render/brief.py").write_text("B = 2\n", encoding="utf-8")
    (tmp_path / "cli.py").write_text("C = 2\n", encoding="utf-8")
    assert code_digest(tmp_path) == before  # the brief and the CLI run after the cache
    (tmp_path / "states/build.py").write_text("A = 2\n", encoding="utf-8")
    assert code_digest(tmp_path) != before
    (tmp_path / "states/build.py").write_text("A = 1\n", encoding="utf-8")
    (tmp_path / "newstage.py").write_text("", encoding="utf-8")
    assert code_digest(tmp_path) != before  # unknown modules count as stage code


def test_stage_results_pickle_raw_and_round_trip() -> None:
    days = pd.date_range("2020-03-01", periods=40, freq="D")
    rng = np.random.default_rng(7)
    context = pd.DataFrame(rng.random((40, 6)) < 0.4, index=days, columns=list("abcdef"))
    lattice = build_lattice(context)
    blob = StagePickle().dumps(lattice)
    assert blob[:2] == b"\x80\x05"  # a raw protocol-5 pickle: no base64, no JSON around it
    back = StagePickle().loads(blob)
    assert back.concepts == lattice.concepts
    assert back.edges == lattice.edges
    assert dict(back.by_extent) == dict(lattice.by_extent)
    assert back.extent_of(["a"]).tolist() == lattice.extent_of(["a"]).tolist()
    pd.testing.assert_index_equal(back.objects, lattice.objects)
    # what the plain pickler refuses still round-trips (through cloudpickle)
    local = StagePickle().loads(StagePickle().dumps({"f": lambda x: x + 1}))
    assert local["f"](1) == 2


def test_stage_keys_follow_prefect_home_and_miss_a_lost_or_cut_short_result(tmp_path: Path) -> None:
    from prefect._internal.result_records import ResultRecordMetadata

    storage = tmp_path / "storage"
    keys = StageKeys()
    with temporary_settings(updates={PREFECT_HOME: str(tmp_path)}):
        result = storage / "crisis-fca-align-0123"
        record = ResultRecordMetadata(storage_key=str(result), serializer=StagePickle())
        keys.write_path("crisis-fca-align-0123", record.dump_bytes())
        assert (storage / KEYS_FOLDER / "crisis-fca-align-0123").is_file()
        with pytest.raises(FileNotFoundError):  # no result: Prefect counts it as not cached
            keys.read_path("crisis-fca-align-0123")
        result.write_bytes(StagePickle().dumps("aligned"))
        later = (storage / KEYS_FOLDER / "crisis-fca-align-0123").stat().st_mtime_ns + 10**9
        os.utime(result, ns=(later, later))
        with pytest.raises(FileNotFoundError):  # written after its record: a cut-short rewrite
            keys.read_path("crisis-fca-align-0123")
        keys.write_path("crisis-fca-align-0123", record.dump_bytes())  # as Prefect: result, record
        os.utime(storage / KEYS_FOLDER / "crisis-fca-align-0123", ns=(later, later))
        assert keys.read_path("crisis-fca-align-0123") == record.dump_bytes()
    with temporary_settings(updates={PREFECT_HOME: str(tmp_path / "elsewhere")}):
        keys.write_path("crisis-fca-align-0123", record.dump_bytes())
        with pytest.raises(FileNotFoundError):  # a result outside the current storage folder
            keys.read_path("crisis-fca-align-0123")


def test_heartbeats_only_with_a_real_server() -> None:
    with temporary_settings(updates={PREFECT_API_URL: "http://127.0.0.1:4200/api"}):
        assert heartbeats_needed()
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert not heartbeats_needed()  # ephemeral mode: the server dies with this process


def test_freeze_imports_takes_prefects_objects_out_of_the_collector() -> None:
    """In a fresh process (freezing is for processes that exist to run flows, not pytest)."""
    code = (
        "import gc\n"
        "from flows.local import freeze_imports\n"
        "import flows.pipeline\n"
        "assert gc.get_freeze_count() == 0\n"
        "print(freeze_imports(), gc.get_freeze_count(), len(gc.get_objects()))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=120, check=True).stdout.split()  # fmt: skip
    frozen, count, tracked = map(int, out)
    assert frozen == count > 100_000  # Prefect and the library, imported
    assert tracked < frozen // 10  # what the collector still walks: the few made since


def test_retries_only_transient_io(tmp_path: Path) -> None:
    db = tmp_path / "held.duckdb"
    holder = subprocess.Popen(
        [sys.executable, "-c", "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); "
         "print('ready', flush=True); time.sleep(60)", str(db)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(StorageError, match="has it open for writing") as locked:
            connect(db, lock_timeout=0.2)
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()  # type: ignore[union-attr]
    bad = tmp_path / "bad.csv"
    bad.write_text("date,value\n2020-01-01,1\n", encoding="utf-8")
    source = GoogleMobilitySource(name="g", kind="google_mobility", domain="m", path="bad.csv")
    with pytest.raises(SchemaError) as schema:
        read_source(source, tmp_path)
    assert transient_io(None, None, Failed(data=locked.value))  # type: ignore[arg-type]
    assert transient_io(None, None, Failed(data=ConnectionResetError("peer reset")))  # type: ignore[arg-type]
    assert not transient_io(None, None, Failed(data=schema.value))  # type: ignore[arg-type]
    assert not transient_io(None, None, Failed(data=FileNotFoundError("x.csv")))  # type: ignore[arg-type]


def test_ingest_and_align_tasks_match_the_library(mini_case: Path, data_dir: Path) -> None:
    case = load_case(mini_case)
    reads = [ingest_source.fn(case, s.name, data_dir, "-") for s in case.sources]
    flowed = align_stage.fn(case, reads, data_dir, "-")
    direct = ingest_case(case, data_dir)
    pd.testing.assert_frame_equal(flowed.aligned.values, direct.aligned.values)
    pd.testing.assert_frame_equal(flowed.aligned.coverage, direct.aligned.coverage)
    assert [s.name for s in flowed.sources] == ["google", "jhu_cases"]


# --- artifacts and the comparison table (no server) ------------------------------------------


def _rules() -> pd.DataFrame:
    base = {"support_days": 8, "premise_days": 10, "confidence": 0.8, "q_value": 0.01}
    return pd.DataFrame([
        {**base, "rule_id": "a", "premise": ("x:on",), "consequent": "y:on", "lead": 2,
         "rule_class": "predictive", "holdout_confidence": 0.7, "holdout_lift": 1.5},
        {**base, "rule_id": "b", "premise": ("x:on", "z:on"), "consequent": "y:on", "lead": 0,
         "rule_class": "stable_same_day", "holdout_confidence": 0.75, "holdout_lift": 1.2},
        {**base, "rule_id": "c", "premise": ("z:on",), "consequent": "x:on", "lead": 1,
         "rule_class": "failed", "holdout_confidence": float("nan"), "holdout_lift": 9.0},
    ])  # fmt: skip


def test_rule_rows_and_summary_markdown() -> None:
    rows = rule_rows(_rules())
    assert [r["rule_id"] for r in rows] == ["b", "a"]  # stable first; the failed rule is out
    assert rows[0] == {
        "premise": "x:on & z:on", "consequent": "y:on", "lead_days": 0,
        "class": "stable_same_day", "days": "8/10", "confidence": 0.8,
        "holdout_confidence": 0.75, "holdout_lift": 1.2, "q_value": 0.01, "rule_id": "b",
    }  # fmt: skip
    summary = {"days": 10, "same_day_kept": 4, "same_day_stable": 3,
               "same_day_pass_rate": 0.75, "predictive_kept": 2, "predictive_clean": 1,
               "candidates_same_day": 1234}  # fmt: skip
    text = run_markdown("T", "run-1", summary, _rules(), counts={"states": 3},
                        cached=("align", "rules"), files=(Path("/tmp/b.html"),))  # fmt: skip
    assert "| same-day holdout pass rate | 75% |" in text
    assert "| same-day kept -> stable | 4 -> 3 |" in text
    assert "| same-day candidates tested | 1,234 |" in text
    assert "| x:on & z:on | y:on | 0 d | stable_same_day | 0.8 | 1.2 |" in text
    assert "Stages from the cache (inputs unchanged): align, rules." in text
    assert "[b.html](file:///tmp/b.html)" in text
    assert (
        artifact_key("uae-covid--abu-dhabi", "Study", "rules") == "uae-covid-abu-dhabi-study-rules"
    )


def test_store_comparison_appends_one_batch_per_run(tmp_path: Path) -> None:
    db = tmp_path / "c.duckdb"
    frame = pd.DataFrame({
        "rule_id": ["r1"], "premise": [("a:on", "b:on")], "consequent": ["c:on"], "lead": [1],
        "n_regions": [2], "n_compared": [3], "regions": [("Dubai", "country")],
        "rule_classes": [("predictive", "predictive")], "confidences": [(0.8, 0.7)],
        "lifts": [(1.5, 1.25)], "run_ids": [("run-d", "run-c")],
    })  # fmt: skip
    before = frame.copy(deep=True)
    assert store_comparison.fn(db, frame, "batch-1", "uae-mini", "rigorous") == 1
    assert store_comparison.fn(db, frame.iloc[:0], "batch-2", "uae-mini", "rigorous") == 0
    assert store_comparison.fn(db, frame, "batch-3", "uae-mini", "rigorous") == 1
    pd.testing.assert_frame_equal(frame, before)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("SELECT batch_id, premise, regions, confidences, run_ids, n_regions "
                       "FROM region_comparison ORDER BY batch_id").fetchall()  # fmt: skip
    con.close()
    assert rows == [
        ("batch-1", ["a:on", "b:on"], ["Dubai", "country"], [0.8, 0.7], ["run-d", "run-c"], 2),
        ("batch-3", ["a:on", "b:on"], ["Dubai", "country"], [0.8, 0.7], ["run-d", "run-c"], 2),
    ]


@needs_dask
def test_local_dask_cluster_listens_on_loopback_only() -> None:
    runner = dask_runner(2)
    assert runner.cluster_kwargs == {
        "n_workers": 2, "threads_per_worker": 1, "processes": False,
        "dashboard_address": "127.0.0.1:0", "worker_dashboard_address": "127.0.0.1:0",
    }  # fmt: skip
    assert dask_runner(2, processes=True).cluster_kwargs["host"] == "127.0.0.1"
    assert dask_runner(address="tcp://10.0.0.5:8786").address == "tcp://10.0.0.5:8786"


# --- flows under the test harness ------------------------------------------------------------


def test_pipeline_rerun_takes_unchanged_stages_from_the_cache(
    harness: Path, mini_case: Path, data_dir: Path, tmp_path: Path
) -> None:
    db, out = tmp_path / "crisis.duckdb", tmp_path / "out"
    kwargs = {"case": str(mini_case), "data_dir": data_dir, "db": db, "out_dir": out}
    first = crisis_pipeline(**kwargs, render=False)
    second = crisis_pipeline(**kwargs)
    stages = ("ingest:google", "ingest:jhu_cases", "align", "states", "lattice", "rules")
    assert first.cached == ()
    assert first.brief is None
    assert second.cached == stages
    runs = _runs(db)
    assert list(runs["status"]) == ["succeeded", "succeeded"]
    assert runs["config_hash"].nunique() == 1
    assert list(runs["run_id"]) == [first.run_id, second.run_id]
    con = duckdb.connect(str(db), read_only=True)
    briefs = con.execute("SELECT DISTINCT output_path FROM briefs WHERE run_id = ?",
                         [second.run_id]).fetchall()  # fmt: skip
    per_run = [
        con.execute(f"SELECT {cols} FROM {table} WHERE run_id = ? ORDER BY ALL", [run]).fetchall()
        for run in (first.run_id, second.run_id)
        for table, cols in (("states", "state, true_days, known_days"), ("rules", "rule_id"))
    ]
    con.close()
    assert per_run[0] == per_run[2]
    assert per_run[1] == per_run[3]
    assert len(per_run[0]) == 4  # the case's four states
    assert second.brief is not None
    assert "UAE mobility and COVID-19 cases" in second.brief.read_text()
    assert second.run_id in second.brief.read_text()
    assert briefs == [(str(second.brief),)]  # the store's briefs rows point at the page
    stages = ("align", "states", "lattice", "rules", "store")
    states = _recorded_task_states(second.flow_run_id, stages)
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[second.flow_run_id]))
        )  # fmt: skip
    assert {states[s] for s in stages[:-1]} == {"Cached"}
    assert states["store"] == "Completed"
    kinds = {a.key: a.type for a in artifacts}
    assert kinds == {
        "uae-mini-rigorous-summary": "markdown",
        "uae-mini-rigorous-rules": "table",
        "uae-mini-rigorous-brief": "markdown",  # link artifacts are stored as markdown links
        "uae-mini-rigorous-report": "markdown",
    }
    refreshed = crisis_pipeline(**kwargs, refresh=True, render=False)
    assert refreshed.cached == ()
    assert refreshed.brief is None


def test_pipeline_recomputes_only_what_a_changed_byte_or_a_lost_result_touches(
    harness: Path, mini_case: Path, data_dir: Path, tmp_path: Path
) -> None:
    copy = tmp_path / "data"
    for rel in (GOOGLE, JHU):
        (copy / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(data_dir / rel, copy / rel)
    db = tmp_path / "c.duckdb"
    kwargs = {"case": str(mini_case), "data_dir": copy, "db": db, "render": False}
    everything = ("ingest:google", "ingest:jhu_cases", "align", "states", "lattice", "rules")
    crisis_pipeline(**kwargs)  # computes, or reuses what an earlier test stored (same bytes)
    assert crisis_pipeline(**kwargs).cached == everything
    text = (copy / JHU).read_text(encoding="utf-8")
    (copy / JHU).write_text(text[:-2] + ("0" if text[-2] != "0" else "1") + text[-1:], "utf-8")
    changed = crisis_pipeline(**kwargs)
    assert changed.cached == ("ingest:google",)  # the other source's bytes did not change
    fingerprint = run_fingerprint(load_case(mini_case), copy)
    storage = harness / "storage"
    lattice = storage / f"crisis-fca-lattice-{fingerprint}"
    assert lattice.read_bytes()[:2] == b"\x80\x05"  # the raw pickle, metadata kept apart
    meta = json.loads((storage / KEYS_FOLDER / lattice.name).read_text(encoding="utf-8"))
    assert meta["serializer"]["type"] == "crisis-fca-pickle"
    assert meta["storage_key"] == str(lattice)
    lattice.unlink()  # a lost result is computed again, not a failed run
    again = crisis_pipeline(**kwargs)
    assert again.cached == tuple(s for s in everything if s != "lattice")
    assert lattice.is_file()
    runs = _runs(db)
    assert list(runs["status"]) == ["succeeded"] * 4
    assert [json.loads(p)["cached_stages"] for p in runs["params"]][1:] == [
        list(everything), ["ingest:google"], list(again.cached)
    ]


def test_pipeline_failure_is_recorded_with_its_reason(
    harness: Path, mini_case: Path, data_dir: Path, tmp_path: Path
) -> None:
    broken = tmp_path / "data"
    (broken / GOOGLE).parent.mkdir(parents=True)
    (broken / JHU).parent.mkdir(parents=True)
    shutil.copyfile(data_dir / JHU, broken / JHU)
    with (data_dir / GOOGLE).open(encoding="utf-8") as src, (broken / GOOGLE).open("w") as dst:
        rows = list(csv.reader(src))
        keep = [i for i, c in enumerate(rows[0]) if not c.startswith("residential")]
        csv.writer(dst).writerows([[r[i] for i in keep] for r in rows[:50]])
    db = tmp_path / "crisis.duckdb"
    with pytest.raises(SchemaError, match="residential_percent_change_from_baseline"):
        crisis_pipeline(case=str(mini_case), data_dir=broken, db=db, render=False)
    runs = _runs(db)
    assert list(runs["status"]) == ["failed"]
    assert runs["error"].iloc[0].startswith("SchemaError: ")
    assert str(broken / GOOGLE) in runs["error"].iloc[0]


_CALLS: dict[str, int] = {"io": 0, "schema": 0}


@task(retries=2, retry_delay_seconds=0, retry_condition_fn=transient_io, cache_policy=NO_CACHE)
def _flaky_read() -> str:
    _CALLS["io"] += 1
    if _CALLS["io"] == 1:
        raise ConnectionResetError("peer reset")  # transient: worth another try
    return "read"


@task(retries=2, retry_delay_seconds=0, retry_condition_fn=transient_io, cache_policy=NO_CACHE)
def _bad_file() -> str:
    _CALLS["schema"] += 1
    raise SchemaError("x.csv: missing column 'date'")  # the same every time


@flow
def _retrying() -> tuple[str, bool]:
    return _flaky_read(), _bad_file(return_state=True).is_failed()


def test_flow_retries_transient_errors_only(harness: Path) -> None:
    assert _retrying() == ("read", True)
    assert _CALLS == {"io": 2, "schema": 1}


def _retail_drop_days(data_dir: Path, region: str) -> tuple[int, int]:
    """(days retail < -25 %, days with a retail value) for a region, read with plain csv."""
    true = known = 0
    with (data_dir / GOOGLE).open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            day = date.fromisoformat(row["date"])
            value = row["retail_and_recreation_percent_change_from_baseline"]
            if row["sub_region_1"] == region and WINDOW[0] <= day <= WINDOW[1] and value:
                known += 1
                true += int(value) < -25
    return true, known


@needs_dask
def test_regional_pipeline_on_dask_fails_bad_regions_alone(
    harness: Path, mini_case: Path, data_dir: Path, tmp_path: Path
) -> None:
    db = tmp_path / "crisis.duckdb"
    regions = ["", *EMIRATES, "Atlantis"]  # Atlantis: a broken source injected by the test
    result = regional_flow(2)(case=str(mini_case), regions=regions, data_dir=data_dir, db=db)
    assert sorted(result.stored) == sorted(["country", *EMIRATES[:-1]])
    assert sorted(result.failed) == ["Atlantis", "Umm Al Quawain"]
    assert result.failed["Atlantis"].startswith("SchemaError: ")
    assert "Dubai (AE-DU)" in result.failed["Atlantis"]  # the adapter lists what the file holds
    assert "mobility.transit" in result.failed["Umm Al Quawain"]  # no transit values at all
    runs = _runs(db)
    assert sorted(runs.loc[runs["status"] == "failed", "case_name"]) == [
        "uae-mini--atlantis", "uae-mini--umm-al-quawain"
    ]  # fmt: skip
    failed = runs[runs["status"] == "failed"]
    assert failed["params"].str.contains(f'"batch_id": "{result.batch_id}"').all()
    assert set(runs.loc[runs["status"] == "succeeded", "run_id"]) == set(result.stored.values())
    con = duckdb.connect(str(db), read_only=True)
    try:
        states = dict(con.execute(
            "SELECT u.case_name, [s.true_days, s.known_days] FROM states s JOIN runs u USING "
            "(run_id) WHERE s.state = 'mobility.retail:drop'").fetchall())  # fmt: skip
        compared = con.execute(
            "SELECT rule_id, n_regions, n_compared, len(run_ids) FROM region_comparison "
            "WHERE batch_id = ? ORDER BY rule_id", [result.batch_id]).fetchall()  # fmt: skip
        recount = con.execute(
            "SELECT r.rule_id, count(DISTINCT u.case_name), 7, count(*) FROM rules r "
            "JOIN runs u USING (run_id) WHERE r.rule_class <> 'failed' "
            "GROUP BY r.rule_id ORDER BY r.rule_id").fetchall()  # fmt: skip
    finally:
        con.close()
    assert states["uae-mini--dubai"] == list(_retail_drop_days(data_dir, "Dubai"))
    assert states["uae-mini--country"] == list(_retail_drop_days(data_dir, ""))
    assert states["uae-mini--dubai"] != states["uae-mini--country"]
    assert compared == recount
    assert any(n > 1 for _, n, _, _ in compared)


@needs_dask
def test_regional_pipeline_on_an_existing_cluster(
    harness: Path, mini_case: Path, data_dir: Path, tmp_path: Path
) -> None:
    from distributed import LocalCluster

    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, protocol="tcp",
                      host="127.0.0.1", dashboard_address="127.0.0.1:0") as cluster:  # fmt: skip
        flow = regional_flow(address=cluster.scheduler_address)
        result = flow(case=str(mini_case), regions=["Dubai", "Sharjah"], data_dir=data_dir,
                      db=tmp_path / "crisis.duckdb")  # fmt: skip
        ran = set(cluster.scheduler.task_prefixes)  # what that scheduler was given to run
    assert sorted(result.stored) == ["Dubai", "Sharjah"]
    assert not result.failed
    assert ran == {"analyse_region"}


# --- serving on a loopback Prefect server ----------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _stop(proc: subprocess.Popen[bytes], sig: int) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, sig)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _wait(check: object, seconds: float, what: str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return check()  # type: ignore[operator]
        except Exception:
            time.sleep(0.5)
    pytest.fail(f"{what} not ready after {seconds:.0f} s")


def test_serve_registers_a_cron_deployment_per_case(loopback_server: LoopbackServer) -> None:
    import httpx

    server, url = loopback_server.proc, loopback_server.url
    _wait(lambda: httpx.get(f"{url}/health", timeout=2).raise_for_status(), 120, "server")
    serving = subprocess.Popen(
        [sys.executable, "-m", "crisis_fca.cli", "serve", "uae-covid=15 4 * * *",
         "la-wildfire:study=0 5 * * 1", "--timezone", "Asia/Dubai"],  # as `make serve` does
        env={**loopback_server.env, "PREFECT_API_URL": url}, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as c:
            uae = _wait(lambda: c.read_deployment_by_name("crisis-pipeline/uae-covid"), 60, "uae")
            la = _wait(lambda: c.read_deployment_by_name("crisis-pipeline/la-wildfire-study"), 30,
                       "la")  # fmt: skip
            runs = _wait(lambda: _scheduled(c, uae.id), 30, "scheduled runs")  # type: ignore[attr-defined]
            monitor = _wait(lambda: c.read_deployment_by_name("crisis-monitor/uae-covid"), 30,
                            "monitor")  # fmt: skip
        for deployment, cron, params in (
            (uae, "15 4 * * *", {"case": "uae-covid", "profile": "rigorous"}),
            (la, "0 5 * * 1", {"case": "la-wildfire", "profile": "study"}),
            (monitor, "0 7 * * *", {"case": "uae-covid", "profile": "rigorous"}),
        ):
            (schedule,) = deployment.schedules  # type: ignore[attr-defined]
            assert schedule.schedule.cron == cron
            assert schedule.active
            assert schedule.schedule.timezone == "Asia/Dubai"
            assert deployment.parameters == params  # type: ignore[attr-defined]
        # The server's scheduler queued the next runs: 04:15 in Dubai (UTC+4) is 00:15 UTC.
        assert {(r.expected_start_time.hour, r.expected_start_time.minute) for r in runs} == {
            (0, 15)
        }  # type: ignore[attr-defined]
        assert serving.poll() is None  # still serving
    finally:
        _stop(serving, signal.SIGINT)
        _stop(server, signal.SIGTERM)
    assert serving.returncode is not None
    assert server.returncode is not None


def _scheduled(client: object, deployment_id: object) -> list[object]:
    from prefect.client.schemas.filters import DeploymentFilter, DeploymentFilterId

    runs = client.read_flow_runs(  # type: ignore[attr-defined]
        deployment_filter=DeploymentFilter(id=DeploymentFilterId(any_=[deployment_id]))
    )
    if not runs:
        raise LookupError("no scheduled run yet")
    return list(runs)


def test_serve_refuses_without_a_server(capsys: pytest.CaptureFixture[str]) -> None:
    from flows.serve import main, parse_schedule

    assert parse_schedule("uae-covid") == parse_schedule("uae-covid=0 6 * * *")
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["uae-covid"]) == 1
        assert main(["uae-covid=61 * * * *"]) == 1
    err = capsys.readouterr().err
    assert "PREFECT_API_URL is not set" in err
