"""The benchmark suite's engines solve the same problem: counts and fingerprints agree.

Correctness only -- no wall-clock assertion anywhere. Hand-worked cases fix the expected
answers; small persistent contexts check crisis-fca, ``concepts``, mlxtend and (when
installed) pyfim against each other through the very engine wrappers the benchmark
times, and the subprocess harness is checked for its measurements and its cap.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from benchmarks import lattice, mining, null
from benchmarks.data import baseline_input, lead_time_states, markov_context, mining_task
from benchmarks.harness import ROOT, Result, Task, run_task
from benchmarks.report import agreement, speedup
from crisis_fca.rules import MiningConfig, StateFrames

LATTICE_ENGINES = ["crisis-fca", "crisis-fca-nostab", "crisis-fca-enum", "concepts"]
MINING_BASELINES = ["mlxtend-apriori", "mlxtend-fpgrowth"]


def _outcome(engines: dict[str, Any], key: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """Prepare, run once and describe one engine, exactly as the worker does."""
    run, describe = engines[key](inputs, {})
    return describe(run())  # type: ignore[no-any-return]


def _lattice_input(columns: dict[str, list[int]]) -> dict[str, Any]:
    days = pd.date_range("2020-03-01", periods=len(next(iter(columns.values()))), name="date")
    return {"values": pd.DataFrame(columns, index=days).astype(bool), "known": None}


# -- lattice -------------------------------------------------------------------------------


def _brute_lattice(frame: pd.DataFrame) -> dict[str, Any]:
    """Every closed intent by closing all 2^m state sets, covers by pairwise comparison."""
    names, rows = list(frame.columns), [set(frame.columns[r]) for r in frame.to_numpy()]
    intents = set()
    for size in range(len(names) + 1):
        for subset in combinations(names, size):
            extent = [r for r in rows if set(subset) <= r]
            intents.add(frozenset(set.intersection(*extent)) if extent else frozenset(names))
    covers = [
        (up, low)
        for up in intents
        for low in intents
        if up < low and not any(up < mid < low for mid in intents)
    ]
    return {
        "counts": {"concepts": len(intents), "edges": len(covers)},
        "fingerprints": {
            "intents": lattice.fingerprint("|".join(sorted(i)) for i in intents),
            "edges": lattice.fingerprint(
                f"{'|'.join(sorted(u))}>{'|'.join(sorted(lo))}" for u, lo in covers
            ),
        },
    }


def test_hand_lattice_counts_in_every_engine() -> None:
    # days: {a,b}, {a}, {b}: concepts (∅,3) ({a},2) ({b},2) ({a,b},1); covers ∅>a, ∅>b, a>ab, b>ab
    inputs = _lattice_input({"a": [1, 1, 0], "b": [1, 0, 1]})
    want = {"intents": lattice.fingerprint(["", "a", "b", "a|b"])}
    want["edges"] = lattice.fingerprint([">a", ">b", "a>a|b", "b>a|b"])
    for key in LATTICE_ENGINES:
        out = _outcome(lattice.ENGINES, key, inputs)
        assert out["counts"]["concepts"] == 4, key
        assert out["fingerprints"]["intents"] == want["intents"], key
        if key != "crisis-fca-enum":
            assert out["counts"]["edges"] == 4, key
            assert out["fingerprints"]["edges"] == want["edges"], key


def _assert_matches(out: dict[str, Any], want: dict[str, Any], key: str) -> None:
    """Every count and fingerprint ``out`` reports equals the brute-force answer."""
    for name, value in out["counts"].items():
        assert value == want["counts"][name], (key, name)
    for name, value in out["fingerprints"].items():
        assert value == want["fingerprints"][name], (key, name)


@pytest.mark.parametrize("m", [5, 9])
def test_lattice_engines_agree_on_persistent_contexts(m: int) -> None:
    inputs = {"values": markov_context(150, m, seed=m), "known": None}
    want = _brute_lattice(inputs["values"])
    assert want["counts"]["concepts"] > 2 * m  # a real lattice, not a chain
    for key in LATTICE_ENGINES:
        _assert_matches(_outcome(lattice.ENGINES, key, inputs), want, key)


def test_real_mobility_lattice_in_every_engine(uae_mobility: dict[str, Any]) -> None:
    want = _brute_lattice(uae_mobility["values"])
    assert want["counts"]["concepts"] > 10
    for key in LATTICE_ENGINES:
        _assert_matches(_outcome(lattice.ENGINES, key, uae_mobility), want, key)


def test_pyfim_closed_sets_with_its_top_and_bottom_restored() -> None:
    pytest.importorskip("fim")
    # 'u' holds every day, so the top concept's intent is {u} -- pyfim never reports the
    # top -- and no day has all three states, so the bottom {a,b,u} has no supporting day:
    # 4 concepts, {u}, {a,u}, {b,u}, {a,b,u}, worked out by hand.
    inputs = _lattice_input({"u": [1, 1, 1, 1], "a": [1, 1, 0, 0], "b": [0, 0, 1, 1]})
    out = _outcome(lattice.ENGINES, "pyfim", inputs)
    assert out["counts"] == {"concepts": 4}
    assert out["fingerprints"]["intents"] == lattice.fingerprint(["u", "a|u", "b|u", "a|b|u"])
    wider = {"values": markov_context(150, 9, seed=3), "known": None}
    _assert_matches(
        _outcome(lattice.ENGINES, "pyfim", wider), _brute_lattice(wider["values"]), "pyfim"
    )


# -- mining --------------------------------------------------------------------------------


def _hand_states() -> StateFrames:
    a = [1, 1, 1, 0, 0, 1, 1, 0]
    b = [0, 1, 1, 1, 0, 0, 1, 1]
    days = pd.date_range("2020-03-01", periods=8, name="date")
    values = pd.DataFrame({"mobility.a:low": a, "social.b:present": b}, index=days).astype(bool)
    meta = pd.DataFrame(
        {"domain": ["mobility", "social"], "signal": ["mobility.a", "social.b"], "parts": [(), ()]},
        index=values.columns,
    )
    return StateFrames(values, values | True, meta)


def _mining_inputs(
    states: StateFrames, base: MiningConfig
) -> tuple[dict[str, Any], dict[str, Any]]:
    task = mining_task(base)
    ours = {"states": states, "task": task, "confidence": (3, 5)}
    return ours, baseline_input(states, task)


def test_hand_rules_in_every_mining_engine() -> None:
    # 7 complete days (t+1 is unknown on the last day). By hand, confidence >= 0.6:
    # a => b[t+0] 3/5, a => a[t+1] 3/5, a => b[t+1] 5/5, b => a[t+0] 3/4, b => b[t+1] 3/4;
    # b => a[t+1] is 1/4, and a => a[t+0], b => b[t+0] are trivial.
    a, b = "mobility.a:low", "social.b:present"
    want = [
        mining.rule_key([a], f"{b}[t+0]", 3, 5, 4),
        mining.rule_key([a], f"{a}[t+1]", 3, 5, 4),
        mining.rule_key([a], f"{b}[t+1]", 5, 5, 5),
        mining.rule_key([b], f"{a}[t+0]", 3, 4, 5),
        mining.rule_key([b], f"{b}[t+1]", 3, 4, 5),
    ]
    ours, theirs = _mining_inputs(_hand_states(), MiningConfig(leads=(0, 1), max_premise=1))
    assert len(theirs["frame"]) == 7
    assert theirs["need"] == 1
    for key in ["crisis-fca-enum", "crisis-fca-mine", *MINING_BASELINES]:
        out = _outcome(mining.ENGINES, key, ours if key.startswith("crisis") else theirs)
        assert out["counts"]["rules"] == 5, key
        assert out["fingerprints"]["rules"] == lattice.fingerprint(want), key


@pytest.mark.parametrize(("days", "n_states", "seed"), [(240, 7, 1), (240, 8, 5)])
def test_mining_engines_agree_on_synthetic_lead_time_contexts(
    days: int, n_states: int, seed: int
) -> None:
    ours, theirs = _mining_inputs(lead_time_states(days, n_states, seed), MiningConfig())
    ref = _outcome(mining.ENGINES, "crisis-fca-enum", ours)
    assert ref["counts"]["rules"] > 50
    others = {"crisis-fca-mine": ours} | dict.fromkeys(MINING_BASELINES, theirs)
    for key, inputs in others.items():
        out = _outcome(mining.ENGINES, key, inputs)
        assert out["counts"]["rules"] == ref["counts"]["rules"], key
        assert out["fingerprints"] == ref["fingerprints"], key


def test_pyfim_rules_agree() -> None:
    pytest.importorskip("fim")
    ours, theirs = _mining_inputs(_hand_states(), MiningConfig(leads=(0, 1), max_premise=1))
    assert _outcome(mining.ENGINES, "pyfim", theirs)["counts"]["rules"] == 5
    ours, theirs = _mining_inputs(lead_time_states(240, 8, 5), MiningConfig())
    want = _outcome(mining.ENGINES, "crisis-fca-enum", ours)
    got = _outcome(mining.ENGINES, "pyfim", theirs)
    assert got["fingerprints"] == want["fingerprints"]


def test_null_row_counts_every_candidate_and_every_admissible_offset() -> None:
    states = lead_time_states(200, 7, 2)
    out = _outcome(null.ENGINES, "crisis-fca-null", {"states": states, "mining": MiningConfig()})
    # 200 days, min_offset 30 (< 200 // 4): offsets 30..170, all of them (fewer than 1,000)
    assert out["counts"]["offsets"] == 141
    assert out["counts"]["rules"] > 0
    assert out["extra"]["p_min"] >= 1 / 142


# -- harness and report --------------------------------------------------------------------


def test_worker_measures_in_a_subprocess(tmp_path: Path) -> None:
    path = tmp_path / "ctx.pkl"
    path.write_bytes(pickle.dumps(_lattice_input({"a": [1, 1, 0], "b": [1, 0, 1]})))
    task = Task(
        "lattice", "hand", "crisis-fca", "benchmarks.lattice", "crisis-fca", str(path), repeats=2
    )
    result = run_task(task)
    assert result.status == "ok", result.message
    assert len(result.walls) == 2
    assert len(result.cpus) == 2
    assert result.counts == {"concepts": 4, "edges": 4}
    assert result.maxrss_mb is not None
    assert result.ready_rss_mb is not None
    assert result.maxrss_mb >= result.ready_rss_mb
    assert result.py_peak_mb is not None


def test_worker_over_its_cap_is_killed_and_reported(tmp_path: Path) -> None:
    path = tmp_path / "ctx.pkl"
    # concepts needs seconds for this context (5,340 concepts); the worker may run for
    # cap + harness.SLACK = 1.05 s before it is killed
    path.write_bytes(pickle.dumps({"values": markov_context(671, 24, seed=24), "known": None}))
    task = Task("lattice", "m24", "concepts", "benchmarks.lattice", "concepts", str(path), cap=0.05)
    result = run_task(task)
    assert result.status == "timeout"
    assert result.median is None


def _result(key: str, status: str, walls: list[float], **task: Any) -> Result:
    counts = task.pop("counts", {"rules": 3})
    spec = Task("mining", "ctx", key, "m", key, "", **task)
    return Result(spec, status=status, walls=walls, counts=counts, fingerprints={"rules": "x"})


def test_ratios_use_the_faster_baseline_or_a_lower_bound() -> None:
    ours = _result("ours", "ok", [0.5], reference=True)
    slow = _result("apriori", "ok", [10.0], baseline=True)
    slower = _result("fpgrowth", "timeout", [], baseline=True, cap=120.0)
    assert speedup(ours, [ours, slow, slower]) == "20x"
    assert speedup(ours, [ours, slower]) == "> 240x"
    assert speedup(slower, [ours, slow, slower]) == "—"


def test_agreement_names_what_differs() -> None:
    ref = _result("ours", "ok", [0.5], reference=True)
    same = _result("apriori", "ok", [1.0])
    fewer = _result("fpgrowth", "ok", [1.0], counts={"rules": 2})
    assert agreement(ref, [ref, same]) == "ref"
    assert agreement(same, [ref, same]) == "yes"
    assert agreement(fewer, [ref, fewer]) == "NO: rules 2 vs 3"


@pytest.fixture(scope="module")
def uae_mobility(data_dir: Path) -> dict[str, Any]:
    """Six UAE mobility states (the study's thresholds and a deeper one), plain csv."""
    import csv

    path = data_dir / "google_mobility_ae" / "AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if not r["sub_region_1"] and "2020-03-01" <= r["date"] <= "2021-12-31"
        ]
    col = {
        "retail": "retail_and_recreation_percent_change_from_baseline",
        "transit": "transit_stations_percent_change_from_baseline",
        "grocery": "grocery_and_pharmacy_percent_change_from_baseline",
        "residential": "residential_percent_change_from_baseline",
        "workplaces": "workplaces_percent_change_from_baseline",
    }
    values = {k: np.array([int(r[c]) for r in rows]) for k, c in col.items()}
    frame = pd.DataFrame(
        {
            "mobility.retail:drop": values["retail"] < -25,
            "mobility.transit:drop": values["transit"] < -30,
            "mobility.grocery:spike": values["grocery"] > 10,
            "mobility.residential:increase": values["residential"] > 8,
            "mobility.workplaces:drop": values["workplaces"] < -25,
            "mobility.retail:deep": values["retail"] < -50,
        },
        index=pd.DatetimeIndex([r["date"] for r in rows], name="date"),
    )
    return {"values": frame, "known": None}


# -- regions and the Prefect flow row ------------------------------------------------------


def test_synthetic_regions_agree_between_one_and_two_workers() -> None:
    from benchmarks import regions

    outcomes = []
    for workers in (1, 2):
        cluster, client = regions.local_cluster(workers)
        try:
            out = regions.fan_out(client, range(3), window=2, days=120, shifts=20, total=3)
        finally:
            client.close()
            cluster.close()
        assert sorted(s[0] for s in out.summaries) == [0, 1, 2]
        assert [n for n, _ in out.rss_mb_at] == [1, 2, 3]
        outcomes.append(sorted(out.summaries))
    assert outcomes[0] == outcomes[1]
    # each region is exactly the library's analysis of its own seed, run in this thread
    assert outcomes[0] == [regions.region_summary(r, days=120, shifts=20) for r in range(3)]
    counts = regions.synthetic_counts(outcomes[0])
    assert counts["regions"] == 3
    assert counts["concepts"] == sum(s[1] for s in outcomes[0])
    assert counts["concepts"] > 3 * 12  # real lattices, not just the 12 single states


def test_regions_rows_compare_workers_and_report_regions_per_minute(tmp_path: Path) -> None:
    from benchmarks import regions
    from benchmarks.report import table_rows
    from benchmarks.targets import target_lines

    rows = regions.tasks(
        tmp_path, tmp_path, case="uae-covid", uae_workers=(2, 1), synthetic=((100, (2,)),)
    )
    uae = [t for t in rows if t.key == "uae-flow"]
    assert [t.engine.endswith("1 thread worker") for t in uae] == [True, False]
    assert uae[0].baseline
    assert uae[0].reference
    assert not uae[1].baseline
    assert uae[0].context == "uae-covid, 8 regions (real flow, rigorous, render off)"
    assert rows[-1].context == "100 synthetic regions x 974 days"

    def done(task: Task, seconds: float, rss: float, n: int, workers: int) -> Result:
        counts = {"regions": n, "rules": 5}
        extra = {"workers": workers, "failed": {"Umm Al Quawain": "SchemaError: no transit"}}
        return Result(task, "ok", walls=[seconds], counts=counts, extra=extra, maxrss_mb=rss)

    one = done(uae[0], 60.0, 500.0, 8, 1)
    two = done(uae[1], 40.0, 520.0, 8, 2)
    table = table_rows([one, two])
    assert "8.0 regions/min" in table[0][8]
    assert "failed: Umm Al Quawain" in table[0][8]
    assert table[1][5] == "1.5x"  # scaling 1 -> 2 workers
    assert table[1][9] == "yes"
    small = regions.tasks(tmp_path, tmp_path, case="uae-covid", uae_workers=(),
                          synthetic=((100, (2,)), (1000, (2,))))  # fmt: skip
    assert [t.key for t in small] == ["synthetic", "synthetic-processes"] * 2
    assert small[1].engine.endswith("2 process workers")
    threads = [t for t in small if t.key == "synthetic"]
    lines = target_lines(
        [done(threads[0], 10.0, 300.0, 100, 2), done(threads[1], 99, 320.0, 1000, 2)]
    )
    assert lines[-1].endswith("-> within 10 % met")


@pytest.mark.parametrize(("enum_s", "verdict"), [(0.060, "met"), (0.070, "NOT MET")])
def test_mining_target_is_checked_on_mining_metrics_and_fdr(enum_s: float, verdict: str) -> None:
    """Issue 9's "mining + metrics + FDR" row is crisis-fca-enum; mine_rules is beside it."""
    from benchmarks.targets import target_lines

    def row(key: str, seconds: float, **task: Any) -> Result:
        spec = Task("mining", "uae-covid lead-time context", key, "m", key, "", **task)
        return Result(spec, "ok", walls=[seconds], counts={"rules": 3})

    results = [
        row("crisis-fca-enum", enum_s, reference=True),
        row("crisis-fca-mine", 0.150),
        row("mlxtend-apriori", 28.0, baseline=True),
        row("pyfim", 0.033),
    ]
    lines = [line for line in target_lines(results) if "pyfim" in line or "mlxtend" in line]
    assert lines[0].endswith("-> >= 10x met")
    assert f"{enum_s / 0.033:.1f}x pyfim's time" in lines[1]
    assert lines[1].endswith(f"-> within 2x {verdict}")
    assert lines[2].startswith("mine_rules uae-covid (no target")
    assert "4.5x pyfim's time" in lines[2]


def test_flow_table_separates_the_prefect_start_up(tmp_path: Path) -> None:
    from benchmarks import endtoend
    from benchmarks.targets import flow_line, flow_table

    lib_task, primed_task, flow_task, paired_task = endtoend.tasks(
        str(tmp_path / "in.pkl"), repeats=2
    )
    assert (lib_task.key, primed_task.key, flow_task.key) == ("pipeline", "pipeline-primed", "flow")
    assert paired_task.key == "flow-paired"
    assert flow_task.context == lib_task.context == primed_task.context
    assert endtoend.tasks("x", repeats=2, states_only=True)[0].key == "states"
    library = Result(lib_task, "ok", walls=[12.0, 12.0], extra={"import_s": 1.0},
                     stages=[{"ingest": 15.0, "render": 4.0}, {"ingest": 8.0, "render": 4.0},
                             {"ingest": 8.0, "render": 4.0}])  # fmt: skip
    flow = Result(flow_task, "ok", walls=[14.0, 14.0], extra={"import_s": 3.0},
                  stages=[{"prefect start-up": 20.0, "flow": 24.0}, {"flow": 14.0},
                          {"flow": 15.0}])  # fmt: skip
    text = flow_table(library, flow)
    startup = next(line for line in text.splitlines() if "start-up" in line)
    assert "+20 s" in startup
    cold = next(line for line in text.splitlines() if "cold" in line)
    assert "19 s" in cold
    assert "24 s" in cold
    assert "+5.00 s" in cold
    warm = next(line for line in text.splitlines() if "warm" in line)
    assert "12 s" in warm  # the library's warm pass: 8 + 4 s
    assert "+2.50 s" in warm
    line = flow_line([library, flow])
    assert line is not None
    assert "adds 2.50 s per run" in line
    assert "start-up of 20 s" in line


def test_paired_target_compares_flow_minus_library_with_the_skeleton(tmp_path: Path) -> None:
    """Worked by hand: warm differences 1.0, 0.2, 0.6 -> median 0.6; skeleton median 0.5."""
    from benchmarks import endtoend
    from benchmarks.targets import paired_line, paired_table, target_lines

    task = endtoend.tasks(str(tmp_path / "in.pkl"), repeats=3)[-1]
    first = {"prefect start-up": 25.0, "library": 8.0, "flow": 9.5, "skeleton": 1.5}
    warm = [{"library": 5.0, "flow": 6.0, "skeleton": 0.5},
            {"library": 6.0, "flow": 6.2, "skeleton": 0.4},
            {"library": 5.4, "flow": 6.0, "skeleton": 0.9}]  # fmt: skip
    row = Result(task, "ok", walls=[7.0] * 3, extra={"import_s": 3.0}, stages=[first, *warm])
    line = paired_line([row])
    assert line is not None
    assert line.startswith("Prefect flow uae-covid adds 600.0 ms per run")
    assert "median of 3 paired passes; flow 6.00 s, library 5.40 s" in line
    assert "skeleton flow (same task runs, logs and artifacts, no work): 500.0 ms" in line
    assert "per-process start-up 28 s" in line
    assert line.endswith("no more than its fixed start-up NOT MET")
    cheaper = [dict(s, skeleton=0.7) for s in warm]  # median skeleton 0.7 >= 0.6
    line = paired_line([Result(task, "ok", stages=[first, *cheaper])])
    assert line is not None
    assert line.endswith("fixed start-up met")
    assert paired_line([Result(task, "ok", stages=[first])]) is None  # no warm pass
    assert line in target_lines([Result(task, "ok", stages=[first, *cheaper])])
    table = paired_table(row)
    diff = next(r for r in table.splitlines() if r.startswith("flow - library"))
    assert "1.50 s" in diff  # cold: 9.5 - 8.0
    assert "600.0 ms" in diff  # warm: the median difference


@pytest.mark.slow
def test_skeleton_flow_runs_the_pipelines_task_runs_and_artifacts(tmp_path: Path) -> None:
    """The skeleton flow on Prefect's temporary server: one task run per stage, no result."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    code = (
        "from benchmarks import _prefect; _prefect.isolate()\n"
        "from benchmarks.endtoend import skeleton_flow\n"
        "from prefect.client.orchestration import get_client\n"
        "from prefect.client.schemas.filters import FlowRunFilter\n"
        "state = skeleton_flow(['google', 'reddit'])(return_state=True)\n"
        "assert state.is_completed(), state\n"
        "import time; deadline = time.monotonic() + 30\n"
        "with get_client(sync_client=True) as c:  # task runs are recorded once a second\n"
        "    one = FlowRunFilter(id={'any_': [state.state_details.flow_run_id]})\n"
        "    while len(runs := c.read_task_runs(flow_run_filter=one)) < 7 and "
        "time.monotonic() < deadline:\n"
        "        time.sleep(0.2)\n"
        "    arts = c.read_artifacts()\n"
        "print(sorted(r.name for r in runs)); print(sorted(a.key for a in arts if a.key))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout.splitlines()  # fmt: skip
    assert out[-2] == str(sorted(["ingest:google", "ingest:reddit", "align", "states", "lattice",
                                  "rules", "store"]))  # fmt: skip
    keys = ("summary", "rules", "brief", "report")
    assert out[-1] == str(sorted(f"skeleton-none-{k}" for k in keys))
