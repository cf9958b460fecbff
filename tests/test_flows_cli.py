"""The Prefect commands of the CLI as a user runs them: outside `make`, with nothing exported."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.pop("DO_NOT_TRACK", None)
    return {**env, "PREFECT_HOME": str(tmp_path / "prefect"), **extra}


def test_flows_set_the_prefect_defaults_unless_the_user_did(tmp_path: Path) -> None:
    code = (
        "import os, flows.pipeline\n"
        "from prefect.settings import get_current_settings\n"
        "s = get_current_settings()\n"
        "print(os.environ['DO_NOT_TRACK'], s.server.analytics_enabled,"
        " s.server.ephemeral.startup_timeout_seconds)\n"
    )
    run = [sys.executable, "-c", code]
    plain = subprocess.run(
        run, env=_env(tmp_path), cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert plain.returncode == 0, plain.stderr
    assert plain.stdout.split() == ["1", "False", "120"]
    mine = _env(tmp_path, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="45")
    theirs = subprocess.run(run, env=mine, cwd=ROOT, capture_output=True, text=True, check=False)
    assert theirs.stdout.split()[-1] == "45"


def test_a_server_that_does_not_start_in_time_is_a_message_not_a_bug(
    tmp_path: Path, data_dir: Path
) -> None:
    env = _env(tmp_path, PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="1")
    cli = [sys.executable, "-m", "crisis_fca.cli", "flow", "la-wildfire"]
    cli += ["--data-dir", str(data_dir), "--db", str(tmp_path / "x.duckdb")]
    cli += ["--out", str(tmp_path / "out"), "--no-render"]
    done = subprocess.run(
        cli, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 1, done.stderr
    assert "did not start in time" in done.stderr
    assert "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS" in done.stderr
    assert "Traceback" not in done.stderr
    assert "internal error" not in done.stderr
    assert not (tmp_path / "x.duckdb").exists()
