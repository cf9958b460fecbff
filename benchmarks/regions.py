"""Regions family (issue 9, item 5): many regions on a local Dask cluster, 1 and 2 workers.

Two kinds of rows, each in a fresh worker process like every other row:

**The real flow on the 8 UAE regions** (engine ``uae-flow``):
:func:`flows.regional.regional_flow` ``(workers)`` -- ``regional_pipeline`` on a local
Dask cluster of ``workers`` thread workers (the default of ``crisis-fca regions``) -- on
``uae-covid`` (rigorous profile) for the 8 regions its case file names (country level and
the 7 emirates), ``render=False``, ``refresh=True`` (every stage recomputed: the shared
sources once, then each region), into a fresh temporary DuckDB per run. The worker has its
own temporary ``PREFECT_HOME``; Prefect's temporary server is started and timed before the
runs (``prefect start-up`` in the row's notes), so the runs time the flow alone. With a
warm-up, the first call runs the flow on the country level alone (lazy imports, the Dask
and Prefect machinery) and the timed call all 8 regions. Umm Al Quawain is expected to
fail, alone (its mobility rows have no transit data): the row counts regions attempted,
stored and failed, and regions per minute are the regions *attempted* per minute of wall
time. Counts (stored, failed, rules compared across regions and how many regions each
holds in) must agree between 1 and 2 workers.

**1,000 synthetic regions x 974 days** (engine ``synthetic``): the flow reads real files
only, so this measures the library's per-region analysis fanned out on a
``dask.distributed`` ``LocalCluster`` (thread workers, ``threads_per_worker=1``, every
listening socket on 127.0.0.1, dashboard on a random loopback port), exactly as a region
task would run it: :func:`region_summary` builds the region's states
(:func:`crisis_fca.rules.synthetic.synthetic_states`: 974 days x 12 states -- 6 mobility
and 5 social rare, persistent regimes, 3 of them coupled at a 2-day lag, and the weekend;
seed = the region's number), its daily concept lattice (``build_lattice`` with
stability, as the case lattice) and its rules (``mine_rules`` with the default mining
settings: leads 0..7, premises of up to 2 states, support 5 %, confidence 0.6, FDR, every
filter -- and a **200-shift** circular null instead of 1,000), and returns five counts.
Regions are *streamed*: a region's states are generated inside its task and dropped when
it returns, at most ``4 x workers`` regions are in flight (``client.map`` on the first
window, then one ``client.submit`` per finished region, consumed with ``as_completed``),
and the process keeps one 5-number summary per region -- so memory must not grow with the
number of regions (compare the peak RSS of 100 and 1,000 regions, and the resident set
sampled after every tenth of a run, ``extra["rss_mb_at"]``). The first call is a warm-up
on ``2 x workers`` other regions; the timed call runs them all. OpenBLAS is pinned to one
thread per process (``threadpoolctl``), as Dask pins it in its worker processes: on this
2-core machine its own threads made ``mine_rules`` about 3x slower under load and would
blur the 1 -> 2 worker scaling. Dask's statistical profiler is off (see
:func:`local_cluster`: on, its in-memory profiles grow with the run's length, about 0.1 MB
per region, and hid whether the regions themselves stream). Counts and a fingerprint of
every region's summary must agree between 1 and 2 workers.

``x base`` is the 1-worker row's time over the row's: the scaling from 1 to 2 workers.
"""

from __future__ import annotations

import atexit
import hashlib
import logging
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any

from benchmarks.harness import Task

__all__ = [
    "DAYS",
    "ENGINES",
    "NULL_SHIFTS",
    "SHAPE",
    "Fanned",
    "fan_out",
    "local_cluster",
    "region_summary",
    "synthetic_label",
    "tasks",
]

Prepared = tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]

DAYS = 974
"""Days per synthetic region (issue 9: 1,000 synthetic regions x 974 days)."""
SHAPE: dict[str, Any] = {
    "mobility": 6,
    "social": 5,
    "coupled": 3,
    "mobility_rates": (0.02, 0.1),
    "social_rates": (0.03, 0.12),
}
"""``synthetic_states`` arguments of a region: 12 states (with the weekend)."""
NULL_SHIFTS = 200
"""Circular-shift offsets per region (the rigorous profile uses 1,000)."""
WARMUP_SEED = 1_000_000
"""Warm-up regions are numbered from here (never one of the timed regions)."""
SUMMARY = ("region", "concepts", "edges", "candidates", "rules")
"""What one synthetic region returns."""


# -- synthetic regions ---------------------------------------------------------------------


def region_summary(region: int, days: int = DAYS, shifts: int = NULL_SHIFTS) -> tuple[int, ...]:
    """States -> lattice -> rules of synthetic region ``region``; only counts come back.

    Returns ``(region, concepts, cover edges, candidates, kept rules)``.
    """
    from crisis_fca.lattice import build_lattice
    from crisis_fca.rules import MiningConfig, mine_rules
    from crisis_fca.rules.synthetic import synthetic_states

    states = synthetic_states(days, seed=region, **SHAPE)
    lattice = build_lattice(states.values, states.known)
    base = MiningConfig()
    mining = base.model_copy(
        update={"null": base.null.model_copy(update={"enabled": shifts > 0, "shifts": shifts})}
    )
    mined = mine_rules(states, mining)
    return (region, len(lattice.concepts), len(lattice.edges), len(mined.candidates),
            len(mined.rules))  # fmt: skip


@dataclass
class Fanned:
    """What one fan-out kept: a summary per region and the resident set along the way."""

    summaries: list[tuple[int, ...]] = field(default_factory=list)
    rss_mb_at: list[tuple[int, float]] = field(default_factory=list)
    """(regions done, resident set MB) after every tenth of the regions."""


def fan_out(
    client: Any,
    regions: Iterable[int],
    *,
    window: int,
    days: int = DAYS,
    shifts: int = NULL_SHIFTS,
    total: int | None = None,
) -> Fanned:
    """Run :func:`region_summary` for every region, at most ``window`` in flight.

    ``client.map`` submits the first ``window`` regions; each finished region is consumed
    (``as_completed``) and replaced by the next one (``client.submit``), so neither the
    futures nor their results pile up. ``total`` (the number of regions, if known) sets
    when the resident set is sampled.
    """
    from distributed import as_completed

    from benchmarks._worker import current_rss_mb

    pending = iter(regions)
    kw = {"days": days, "shifts": shifts, "pure": False}
    out = Fanned()
    step = max(1, (total or 0) // 10)
    done = as_completed(client.map(region_summary, list(islice(pending, window)), **kw))  # type: ignore[no-untyped-call]
    for future in done:
        out.summaries.append(future.result())
        del future  # the only reference left: Dask frees the result now
        following = next(pending, None)
        if following is not None:
            done.add(client.submit(region_summary, following, **kw))  # type: ignore[no-untyped-call]
        if total and (len(out.summaries) % step == 0 or len(out.summaries) == total):
            out.rss_mb_at.append((len(out.summaries), round(current_rss_mb(), 1)))
    return out


def local_cluster(
    workers: int, *, profiler: bool = False, processes: bool = False
) -> tuple[Any, Any]:
    """A ``LocalCluster`` of ``workers`` workers on loopback, and its ``Client``.

    ``processes``: one process per worker (its own interpreter, so no shared GIL; Dask
    limits BLAS/OpenMP to one thread in each) instead of threads of this process.

    ``profiler``: Dask's statistical profiler (on by default in Dask). It samples every
    worker's stack each 10 ms and keeps the profiles of the last cycles in memory, so the
    resident set grows with the run's length -- by about 0.1 MB per region here, 73 MB over
    1,000 regions with one worker, 140 MB with two -- whatever the regions hold. Off, the
    rows measure what the regions themselves keep.
    """
    import dask
    from distributed import Client, LocalCluster

    with dask.config.set({"distributed.worker.profile.enabled": profiler}):  # read at start
        cluster = LocalCluster(  # type: ignore[no-untyped-call]
            n_workers=workers,
            threads_per_worker=1,
            # threads talk over inproc:// (no TCP listener); processes over loopback TCP
            processes=processes,
            **({"host": "127.0.0.1"} if processes else {}),
            dashboard_address="127.0.0.1:0",  # None would still open 0.0.0.0:8787
            worker_dashboard_address="127.0.0.1:0",
            silence_logs=logging.ERROR,
        )
    return cluster, Client(cluster)  # type: ignore[no-untyped-call]


def _pin_blas() -> int | None:
    """One OpenBLAS / OpenMP thread for the whole process (None: threadpoolctl missing)."""
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
    except ImportError:
        return None
    import numpy  # noqa: F401 -- load the BLAS libraries first: only loaded ones are limited
    import scipy.linalg  # noqa: F401 -- scipy bundles its own OpenBLAS

    threadpool_limits(limits=1)
    return max((lib["num_threads"] for lib in threadpool_info()), default=None)


class _Synthetic:
    """Synthetic regions fanned out on a local cluster that lives as long as the worker."""

    def __init__(self, inputs: dict[str, Any], params: dict[str, Any]) -> None:
        self.regions, self.workers = int(inputs["regions"]), int(inputs["workers"])
        self.days, self.shifts = (
            int(inputs.get("days", DAYS)),
            int(inputs.get("shifts", NULL_SHIFTS)),
        )
        self.warmup = bool(params.get("warmup", True))
        self.blas = _pin_blas()
        self.profiler = bool(params.get("profiler", False))
        self.processes = bool(inputs.get("processes", False))
        self.cluster, self.client = local_cluster(
            self.workers, profiler=self.profiler, processes=self.processes
        )
        atexit.register(self.close)
        self.calls = 0

    def run(self) -> Fanned:
        """The warm-up (first call, when enabled) or every region."""
        warm = self.warmup and self.calls == 0
        self.calls += 1
        if warm:
            first = range(WARMUP_SEED, WARMUP_SEED + 2 * self.workers)
            return fan_out(self.client, first, window=4 * self.workers, days=self.days,
                           shifts=self.shifts)  # fmt: skip
        return fan_out(self.client, range(self.regions), window=4 * self.workers,
                       days=self.days, shifts=self.shifts, total=self.regions)  # fmt: skip

    def describe(self, out: Fanned) -> dict[str, Any]:
        """Summed counts, a fingerprint of every region's counts, the sampled RSS."""
        return {
            "counts": synthetic_counts(out.summaries),
            "fingerprints": {"regions": _fingerprint(out.summaries)},
            "extra": {
                "rss_mb_at": out.rss_mb_at,
                "workers": self.workers,
                "blas_threads": self.blas,
                "shifts": self.shifts,
                "dask_profiler": self.profiler,
                "processes": self.processes,
            },
        }

    def close(self) -> None:
        self.client.close()
        self.cluster.close()


def synthetic_counts(summaries: Sequence[tuple[int, ...]]) -> dict[str, int]:
    """Regions, and concepts, edges, candidates and kept rules summed over them."""
    counts = {"regions": len(summaries)}
    for i, name in enumerate(SUMMARY[1:], 1):
        counts[name] = sum(s[i] for s in summaries)
    return counts


def _fingerprint(summaries: Iterable[tuple[int, ...]]) -> str:
    lines = sorted(",".join(map(str, s)) for s in summaries)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()[:16]


# -- the real flow on the UAE regions ------------------------------------------------------


class _UaeFlow:
    """``regional_flow(workers)`` on one case's regions, in a fresh Prefect home."""

    def __init__(self, inputs: dict[str, Any], params: dict[str, Any]) -> None:
        from benchmarks import _prefect

        _prefect.isolate()  # before Prefect is imported: this worker's own PREFECT_HOME
        start = time.perf_counter()
        from crisis_fca.config import load_case
        from crisis_fca.regions import case_regions
        from flows.regional import regional_flow

        self.import_s = time.perf_counter() - start
        self.startup_s = _prefect.start_server()
        self.server = _prefect
        self.flow = regional_flow
        self.case, self.profile = inputs["case"], inputs.get("profile", "rigorous")
        self.regions = list(case_regions(load_case(self.case, profile=self.profile)))
        self.data_dir, self.workers = Path(inputs["data_dir"]), int(inputs["workers"])
        self.warmup = bool(params.get("warmup", True))
        self.calls = 0
        self.counts: dict[str, int] = {}
        self.failed: dict[str, str] = {}

    def run(self) -> Any:
        """The warm-up (the country level alone) or every region, into a fresh store."""
        warm = self.warmup and self.calls == 0
        self.calls += 1
        regions = self.regions[:1] if warm else self.regions
        with tempfile.TemporaryDirectory(prefix="crisis-fca-bench-") as tmp:
            db = Path(tmp) / "regions.duckdb"
            result = self.flow(self.workers)(
                case=self.case,
                profile=self.profile,
                regions=regions,
                data_dir=self.data_dir,
                db=db,
                render=False,
                refresh=True,
            )
            self.counts = _uae_counts(result, db, len(regions))
            self.failed = dict(result.failed)
        return result

    def describe(self, result: Any) -> dict[str, Any]:
        """Regions stored and failed (with why), rules compared; start-up, server memory."""
        return {
            "counts": self.counts,
            "fingerprints": {"stored": _fingerprint([(name,) for name in sorted(result.stored)])},
            "extra": {
                "failed": self.failed,
                "import_s": self.import_s,
                "prefect_startup_s": self.startup_s,
                "server_peak_mb": self.server.server_peak_mb(),
                "workers": self.workers,
            },
        }


def _uae_counts(result: Any, db: Path, regions: int) -> dict[str, int]:
    """Regions attempted, stored, failed; the comparison's rules and region holdings."""
    import duckdb

    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "SELECT count(*), coalesce(sum(n_regions), 0) FROM region_comparison "
            "WHERE batch_id = ?",
            [result.batch_id],
        ).fetchone()
    finally:
        con.close()
    compared, holdings = row if row else (0, 0)
    return {
        "regions": regions,
        "stored": len(result.stored),
        "failed": len(result.failed),
        "rules compared": int(compared),
        "region holdings": int(holdings),
        "shared rules": int(result.shared_rules),
    }


def _uae_flow(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    engine = _UaeFlow(inputs, params)
    return engine.run, engine.describe


def _synthetic(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    engine = _Synthetic(inputs, params)
    return engine.run, engine.describe


ENGINES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Prepared]] = {
    "uae-flow": _uae_flow,
    "synthetic": _synthetic,
    "synthetic-processes": _synthetic,
}


# -- the rows ------------------------------------------------------------------------------


def synthetic_label(regions: int, days: int = DAYS) -> str:
    """Row context of a synthetic run, e.g. ``1,000 synthetic regions x 974 days``."""
    return f"{regions:,} synthetic regions x {days} days"


def _engine(workers: int, what: str, kind: str = "thread") -> str:
    return f"{what}, Dask {workers} {kind} worker{'s' if workers > 1 else ''}"


def tasks(
    folder: Path,
    data_dir: Path,
    *,
    case: str,
    uae_workers: Sequence[int],
    synthetic: Sequence[tuple[int, Sequence[int]]],
    warmup: bool = True,
) -> list[Task]:
    """The UAE flow rows (one per worker count), then the synthetic rows.

    ``synthetic`` holds (regions, worker counts) pairs. Within a context the row with the
    fewest workers is the baseline (``x base`` = scaling) and the reference (``agree``).
    Each row makes one timed run, after a warm-up unless ``warmup`` is false.
    """
    from benchmarks.data import save

    common: dict[str, Any] = {
        "family": "regions",
        "module": __name__,
        "cap": 600.0,
        "repeats": 1 if warmup else 0,
        "slow": 600.0,
        "trace_below": 0.0,
        "params": {"warmup": warmup},
    }
    out: list[Task] = []
    regions = _case_regions(case)
    context = f"{case}, {len(regions)} regions (real flow, rigorous, render off)"
    for i, workers in enumerate(sorted(uae_workers)):
        inputs = {"case": case, "data_dir": str(data_dir), "workers": workers}
        out.append(Task(context=context, engine=_engine(workers, "regional_flow"), key="uae-flow",
                        inputs=save(inputs, folder, f"regions_uae_{workers}"),
                        baseline=i == 0, reference=i == 0, **common))  # fmt: skip
    for n, counts in synthetic:
        for i, workers in enumerate(sorted(counts)):
            inputs = {"regions": n, "workers": workers, "days": DAYS, "shifts": NULL_SHIFTS}
            engine = _engine(workers, "library per region, null 200 shifts")
            out.append(Task(context=synthetic_label(n), engine=engine, key="synthetic",
                            inputs=save(inputs, folder, f"regions_syn_{n}_{workers}"),
                            baseline=i == 0, reference=i == 0, **common))  # fmt: skip
        for workers in sorted(c for c in counts if c > 1):  # the GIL-free variant
            inputs = {"regions": n, "workers": workers, "days": DAYS, "shifts": NULL_SHIFTS,
                      "processes": True}  # fmt: skip
            engine = _engine(workers, "library per region, null 200 shifts", "process")
            out.append(Task(context=synthetic_label(n), engine=engine, key="synthetic-processes",
                            inputs=save(inputs, folder, f"regions_syn_{n}_{workers}_proc"),
                            **common))  # fmt: skip
    return out


def _case_regions(case: str) -> tuple[str, ...]:
    from crisis_fca.config import load_case
    from crisis_fca.regions import case_regions

    return case_regions(load_case(case))
