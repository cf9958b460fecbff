"""The ``crisis_monitor`` Prefect flow: its tasks (``.fn()``, no server), its deployment and
schedule, the refusal to serve without a server, and (``slow``) a whole flow run under the
test harness and a deployment registered on a loopback ``prefect server``."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from monitor_helpers import DAYS, START, day, toy_aligned, toy_case
from prefect.settings import PREFECT_API_URL, temporary_settings

from crisis_fca.monitor.run import latest_replay
from crisis_fca.pipeline import IngestResult
from crisis_fca.store import query
from flows import PREFECT_DEFAULTS
from flows.monitor import (
    DEFAULT_MONITOR_CRON,
    alert_brief_stage,
    crisis_monitor,
    main,
    monitor_deployments,
    monitor_stage,
    record_stage,
)
from flows.serve import CaseSchedule

ROOT = Path(__file__).resolve().parent.parent
QUIET = dict(PREFECT_DEFAULTS)  # what flows/ and the Makefile set


def test_tasks_monitor_record_and_write_the_brief(tmp_path: Path) -> None:
    """Two daily runs: the second finds the first and says what changed; the brief is written."""
    case, aligned = toy_case(), toy_aligned()
    ingest = IngestResult(case, tmp_path, (), aligned)
    db = tmp_path / "crisis.duckdb"
    first, choice = monitor_stage.fn(ingest, case, db, day(80), None)
    assert choice == f"no store at {db}: the rule set comes from the data up to 2021-03-22"
    one = record_stage.fn(db, first)
    assert (one.rows, one.previous_run) == (1, None)
    second, _ = monitor_stage.fn(ingest, case, db, day(81), None)
    two = record_stage.fn(db, second)
    assert two.previous_run == one.run_id
    assert list(two.changes["previous_as_of"]) == [day(80)]
    stored = query(db, "SELECT run_id, as_of FROM alerts ORDER BY as_of")
    assert stored["run_id"].tolist() == [one.run_id, two.run_id]
    page = alert_brief_stage.fn(tmp_path / "out", second, case, two, db)
    assert page == tmp_path / "out" / "toy-rigorous-alert.html"
    assert f"monitor run <code>{two.run_id}</code>" in page.read_text(encoding="utf-8")
    assert latest_replay(db, case) is None


def test_a_deployment_per_case_with_a_daily_cron() -> None:
    (uae, la) = monitor_deployments(
        [
            CaseSchedule("uae-covid", DEFAULT_MONITOR_CRON),
            CaseSchedule("la-wildfire", "0 8 * * *", "study"),
        ],
        db=Path("/tmp/x.duckdb"),
        timezone="Asia/Dubai",
    )
    assert (uae.name, la.name) == ("uae-covid", "la-wildfire-study")
    assert uae.flow_name == "crisis-monitor"
    assert uae.parameters == {"case": "uae-covid", "profile": "rigorous", "db": "/tmp/x.duckdb"}
    (schedule,) = uae.schedules
    assert (schedule.schedule.cron, schedule.schedule.timezone) == ("0 7 * * *", "Asia/Dubai")
    assert la.schedules[0].schedule.cron == "0 8 * * *"
    assert "monitor" in uae.tags


def test_serving_needs_a_real_server(capsys: pytest.CaptureFixture[str]) -> None:
    with temporary_settings(restore_defaults={PREFECT_API_URL}):
        assert main(["uae-covid"]) == 1
        assert main(["uae-covid=61 * * * *"]) == 1
    err = capsys.readouterr().err
    assert "PREFECT_API_URL is not set" in err


# --- slow: a whole flow run, and a deployment on a loopback server ---------------------------

TOML = """
[case]
name = "toy"
title = "Toy case"
event_start = {start}

[window]
start = {start}
end = {end}

[[sources]]
name = "sensors"
kind = "daily_csv"
domain = "mobility"
path = "x.csv"

[[sources]]
name = "posts"
kind = "daily_csv"
domain = "social"
path = "y.csv"

[states.define."mobility.x:high"]
kind = "threshold"
signal = "mobility.x"
above = 0.5
description = "x was high"

[states.define."social.y:high"]
kind = "threshold"
signal = "social.y"
above = 0.5
description = "y was high"

[mining]
leads = [2]
max_premise = 1
premise_states = ["mobility.*"]
led_states = ["social.*"]

[mining.null]
min_offset = 5

[validation]
train_fraction = 0.7
min_holdout_days = 5
folds = 0
"""


def _toy_files(folder: Path) -> Path:
    aligned = toy_aligned()
    for name, column in (("x.csv", "mobility.x"), ("y.csv", "social.y")):
        lines = ["date,value".replace("value", column.split(".")[1])]
        for stamp, value in aligned.values[column].items():
            lines.append(f"{stamp.date()},{'' if pd.isna(value) else int(value)}")
        (folder / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    path = folder / "toy.toml"
    end = date.fromordinal(START.toordinal() + DAYS - 1)
    path.write_text(TOML.format(start=START, end=end), encoding="utf-8")
    return path


@pytest.mark.slow
def test_the_whole_flow_under_the_test_harness(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from prefect.testing.utilities import prefect_test_harness

    case_file = _toy_files(tmp_path)
    for key, value in QUIET.items():
        monkeypatch.setenv(key, value)
    with prefect_test_harness(server_startup_timeout=120):
        result = crisis_monitor(
            case=str(case_file),
            data_dir=tmp_path,
            db=tmp_path / "crisis.duckdb",
            out_dir=tmp_path / "out",
            as_of=day(80),
        )
    assert (result.case, result.as_of, result.brief.exists()) == ("toy", day(80), True)
    assert result.active == int(toy_aligned().values.at[day(80).isoformat(), "mobility.x"])


@pytest.mark.slow
def test_the_monitor_deployment_is_registered_on_a_loopback_server(tmp_path: Path) -> None:
    import httpx
    from prefect.client.orchestration import get_client

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    url = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, **QUIET, "PREFECT_HOME": str(tmp_path / "home"),
           "PREFECT_SERVER_UI_ENABLED": "false"}  # fmt: skip
    env.pop("PREFECT_API_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1", "--port",
         str(port)], env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        start_new_session=True,
    )  # fmt: skip
    serving = None
    try:
        _wait(lambda: httpx.get(f"{url}/health", timeout=2).raise_for_status(), 90)
        serving = subprocess.Popen(
            [sys.executable, "-m", "flows.monitor", "uae-covid"],
            env={**env, "PREFECT_API_URL": url}, cwd=ROOT, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        with temporary_settings(updates={PREFECT_API_URL: url}), get_client(sync_client=True) as c:
            found = _wait(lambda: c.read_deployment_by_name("crisis-monitor/uae-covid"), 60)
        (schedule,) = found.schedules  # type: ignore[attr-defined]
        assert schedule.schedule.cron == DEFAULT_MONITOR_CRON
        assert schedule.active
        assert serving.poll() is None
    finally:
        for proc, sig in ((serving, signal.SIGINT), (server, signal.SIGTERM)):
            if proc is not None and proc.poll() is None:
                os.killpg(proc.pid, sig)
                try:
                    proc.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()


def _wait(check: object, seconds: float) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            return check()  # type: ignore[operator]
        except Exception:
            time.sleep(0.5)
    pytest.fail(f"not ready after {seconds:.0f} s")
