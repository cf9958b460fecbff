"""End-to-end family: one case through the library, stage by stage, in a fresh process.

The ``pipeline`` engine runs, per pass, :func:`crisis_fca.pipeline.analyse_case` --
``ingest`` (read every source, score the posts with VADER and the lexicons, align),
``states``, ``lattice`` (:func:`case_lattice` at the case's resolution, with stability) and
``rules`` (:func:`validate_rules`: mining on the training window with the 1,000-shift
circular null and FDR, holdout, rolling folds), timed by the library itself -- then
:func:`crisis_fca.pipeline.store_run` twice into fresh temporary folders: without pages
(``store``: one DuckDB transaction with every table) and with them (``render`` is that
call's time minus the first: the brief and the report, rendered and written). Importing
the library is timed once, before the first pass. The first pass in the process is the
*cold* run (lazy imports of scipy, statsmodels, VADER, Jinja and Plotly included); the
median of the later passes is the *warm* time.

The library row starts from an empty VADER score cache (a first run ever: every post is
scored in the cold pass); ``pipeline-primed`` starts from the cache an earlier run in
another process left (filled before timing), as every later run of a case does.

The ``flow`` engine runs the same case through the Prefect flow
:func:`flows.pipeline.crisis_pipeline` (``refresh=True``: every stage task recomputes, none
is served from Prefect's cache; ``render=True``; a fresh temporary DuckDB and pages folder
per pass) in ephemeral mode -- no server to run, Prefect starts a temporary local API in
the process -- with the worker's own temporary ``PREFECT_HOME`` (:mod:`benchmarks._prefect`).
The first pass is split into ``prefect start-up`` (the temporary server, started just as
the first flow call would start it, timed on its own) and ``flow``; later passes in the
same process find the server running and time the flow alone. A pass does the same work
as the library row's ``ingest`` ... ``render`` (analyse, then one ``store_run`` with pages),
plus Prefect's orchestration: task runs and states, results persisted to
``PREFECT_HOME``, logs and artifacts sent to the temporary API. Counts (days, states,
concepts, candidates, rules) are read from the flow's result and its store, and must
agree with the library row's.

The ``flow-paired`` engine measures what the flow adds where no other load can tell the
two apart: in one worker (Prefect imported, its temporary server running), each pass runs,
in an order rotated pass by pass, (1) the library's same work -- ``analyse_case`` and one
``store_run`` with pages, as the flow does --, (2) the flow as the ``flow`` engine runs it,
and (3) Prefect's **fixed per-run cost**: a skeleton flow (:func:`skeleton_flow`) with the
pipeline's task runs (one per source, align, states, lattice, rules, store; the stage
tasks' options, cache refreshed), its log lines and its four artifacts, doing no work and
returning nothing. The target "the Prefect flow adds no more than its fixed start-up" is
checked on the medians of the paired differences (flow - library) against the skeleton's
(:mod:`benchmarks.targets`); the per-process start-up -- the import and the temporary
server -- is reported with it.

Hook for the lead (marked ``HOOK``): :data:`EXTRA_STAGES` takes more ``(name, function)``
stages.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from benchmarks.harness import Task

__all__ = ["ENGINES", "EXTRA_STAGES", "PAIRED", "Staged", "skeleton_flow", "tasks"]

Prepared = tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]


@dataclass
class Staged:
    """A pass's result (a ``CaseRun``, or the states alone) and its stage times in seconds."""

    run: Any
    stages: dict[str, float] = field(default_factory=dict)


EXTRA_STAGES: list[tuple[str, Callable[[Any], object]]] = []
"""HOOK: further stages after ``render``, each called with the pass's ``CaseRun``."""


class _Pipeline:
    """The library's stages for one case, run pass after pass in one process."""

    def __init__(self, inputs: dict[str, Any], params: dict[str, Any]) -> None:
        _score_cache(inputs, params.get("score_cache", "empty"))
        start = time.perf_counter()
        from crisis_fca import pipeline
        from crisis_fca.config import load_case
        from crisis_fca.states import states_for_case

        self.import_s = time.perf_counter() - start
        self.lib, self.states_for_case = pipeline, states_for_case
        self.case = load_case(inputs["case"], profile=inputs.get("profile", "rigorous"))
        self.data_dir = Path(inputs["data_dir"])
        self.dump: str | None = inputs.get("dump_states")
        self.only_states = bool(params.get("only_states"))

    def run(self) -> Staged:
        """One pass: the four analysis stages, then store and render."""
        if self.only_states:
            aligned = self.lib.ingest_case(self.case, self.data_dir).aligned
            return Staged(self._dumped(self.states_for_case(aligned, self.case)))
        started = datetime.now(UTC)
        run = self.lib.analyse_case(self.case, self.data_dir)
        self._dumped(run.states)
        staged = Staged(run, dict(run.timings))
        with tempfile.TemporaryDirectory(prefix="crisis-fca-bench-") as tmp:
            lap = time.perf_counter()
            self.lib.store_run(run, Path(tmp) / "store.duckdb", started)
            staged.stages["store"] = time.perf_counter() - lap
            lap = time.perf_counter()
            self.lib.store_run(run, Path(tmp) / "both.duckdb", started, out_dir=Path(tmp) / "pages")
            staged.stages["render"] = time.perf_counter() - lap - staged.stages["store"]
        for name, stage in EXTRA_STAGES:
            lap = time.perf_counter()
            stage(run)
            staged.stages[name] = time.perf_counter() - lap
        return staged

    def _dumped(self, states: Any) -> Any:
        """Pickle the first pass's states for the other families (once); return them."""
        if self.dump:
            from crisis_fca.rules import StateFrames

            with open(self.dump, "wb") as fh:
                pickle.dump(StateFrames(states.values, states.known, states.meta), fh)
            self.dump = None
        return states

    def describe(self, staged: Staged) -> dict[str, Any]:
        """Counts of what the last pass produced, and the import time."""
        extra = {"import_s": self.import_s}
        if self.only_states:
            shape = staged.run.values.shape
            return {
                "counts": {"days": shape[0], "states": shape[1]},
                "fingerprints": {},
                "extra": extra,
            }
        run = staged.run
        counts = {
            "days": len(run.states.values),
            "states": run.states.values.shape[1],
            "concepts": len(run.lattice.lattice.concepts),
            "edges": len(run.lattice.lattice.edges),
            "candidates": len(run.rules.mining.candidates),
            "rules": len(run.rules.rules),
        }
        return {"counts": counts, "fingerprints": {}, "extra": extra}


_PRIME = (
    "import sys; from pathlib import Path\n"
    "from crisis_fca.config import load_case\n"
    "from crisis_fca.pipeline import ingest_case\n"
    "ingest_case(load_case(sys.argv[1], profile=sys.argv[2]), Path(sys.argv[3]))\n"
)


def _score_cache(inputs: dict[str, Any], state: str) -> None:
    """Point this worker at a fresh VADER score cache (:mod:`crisis_fca.score_cache`):
    ``empty`` -- a first run ever, every post scored in the timed passes; ``primed`` -- filled
    by an earlier run in another process (untimed), as on every later run of a case."""
    folder = tempfile.mkdtemp(prefix="crisis-fca-bench-scores-")
    os.environ["CRISIS_FCA_CACHE_DIR"] = folder
    if state == "primed":
        args = [inputs["case"], inputs.get("profile", "rigorous"), str(inputs["data_dir"])]
        subprocess.run([sys.executable, "-c", _PRIME, *args], check=True, env=dict(os.environ))


def _pipeline(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    pipeline = _Pipeline(inputs, params)
    return pipeline.run, pipeline.describe


class _Flow:
    """The Prefect flow ``crisis_pipeline`` on one case, pass after pass in one process."""

    def __init__(self, inputs: dict[str, Any], params: dict[str, Any]) -> None:
        _score_cache(inputs, "empty")  # as the library row: a first run
        from benchmarks import _prefect

        _prefect.isolate()  # before Prefect is imported: this worker's own PREFECT_HOME
        start = time.perf_counter()
        from flows.local import freeze_imports
        from flows.pipeline import crisis_pipeline

        freeze_imports()  # as `crisis-fca flow` does before its run (counted with the import)
        self.import_s = time.perf_counter() - start
        self.flow, self.server = crisis_pipeline, _prefect
        self.case, self.profile = inputs["case"], inputs.get("profile", "rigorous")
        self.data_dir = Path(inputs["data_dir"])
        self.started = False
        self.counts: dict[str, int] = {}

    def start_once(self, staged: Staged) -> None:
        """Start Prefect's temporary server on the first pass, timed as a stage of its own."""
        if not self.started:
            staged.stages["prefect start-up"] = self.server.start_server()
            self.started = True

    def run(self) -> Staged:
        """One flow run into a fresh store and pages folder (the first also starts Prefect)."""
        staged = Staged(None)
        self.start_once(staged)
        with tempfile.TemporaryDirectory(prefix="crisis-fca-bench-") as tmp:
            db = Path(tmp) / "flow.duckdb"
            lap = time.perf_counter()
            result = self.flow(
                case=self.case,
                profile=self.profile,
                data_dir=self.data_dir,
                db=db,
                out_dir=Path(tmp) / "pages",
                render=True,
                refresh=True,
            )
            staged.stages["flow"] = time.perf_counter() - lap
            self.counts = _flow_counts(result, db)  # outside the flow's lap, inside the pass
            staged.run = result
        return staged

    def describe(self, staged: Staged) -> dict[str, Any]:
        """Counts from the last flow run and its store; import time and server memory."""
        extra = {
            "import_s": self.import_s,
            "server_peak_mb": self.server.server_peak_mb(),
            "cached": list(staged.run.cached),
        }
        return {"counts": self.counts, "fingerprints": {}, "extra": extra}


def _flow_counts(result: Any, db: Path) -> dict[str, int]:
    """The library row's counts (but cover edges, which the store does not keep)."""
    import duckdb

    summary = result.summary
    con = duckdb.connect(str(db), read_only=True)
    try:
        states, concepts = (
            con.execute(
                f"SELECT count(*) FROM {table} WHERE run_id = ?", [result.run_id]
            ).fetchone()[0]  # type: ignore[index]
            for table in ("states", "concepts")
        )
    finally:
        con.close()
    return {
        "days": int(summary["days"]),
        "states": int(states),
        "concepts": int(concepts),
        "candidates": int(summary["candidates_same_day"] + summary["candidates_predictive"]),
        "rules": int(summary["same_day_kept"] + summary["predictive_kept"]),
    }


def _flow(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    flow = _Flow(inputs, params)
    return flow.run, flow.describe


PAIRED = ("library", "flow", "skeleton")
"""The ``flow-paired`` engine's three timings per pass (its stages), in the first pass's order."""


def skeleton_flow(sources: list[str]) -> Any:
    """A flow with ``crisis_pipeline``'s task runs, logs and artifacts, and no work.

    One task run per source (``ingest:<name>``), then align, states, lattice and rules --
    each with the stage tasks' options (:data:`flows.tasks.STAGE`: the stage cache policy,
    the stage serializer, persisted) and the cache refreshed, as ``refresh=True`` runs them --
    and ``store`` (no cache); the two log lines the flow writes; the four artifacts
    (:func:`flows.artifacts.publish_run_artifacts`: summary, rules table, brief and report
    links). Every task returns None, so what it costs is Prefect's own per-run work.
    """
    from prefect import get_run_logger, task
    from prefect.cache_policies import NO_CACHE

    from flows.artifacts import publish_run_artifacts
    from flows.local import local_flow
    from flows.pipeline import STAGES
    from flows.tasks import STAGE

    labels = [f"ingest:{name}" for name in sources] + list(STAGES[1:])

    @task(name="skeleton-stage", **STAGE)
    def stage(fingerprint: str) -> None:
        return None

    @task(name="skeleton-store", task_run_name="store", cache_policy=NO_CACHE)
    def store() -> None:
        return None

    @local_flow(name="crisis-pipeline-skeleton", log_prints=False)
    def skeleton() -> None:
        for label in labels:
            runnable = stage.with_options(task_run_name=label, refresh_cache=True)
            runnable(fingerprint=f"skeleton-{label}", return_state=True).result()
        get_run_logger().info("skeleton: computed every stage")
        store()
        pages = (Path("skeleton-brief.html"), Path("skeleton-report.html"))
        publish_run_artifacts("skeleton", "none", "# skeleton", [{"rule": "none"}], pages)
        get_run_logger().info("skeleton: stored")

    return skeleton


class _Paired(_Flow):
    """Library, flow and skeleton passes, interleaved in one process (see the module doc)."""

    def __init__(self, inputs: dict[str, Any], params: dict[str, Any]) -> None:
        super().__init__(inputs, params)
        from crisis_fca import pipeline
        from crisis_fca.config import load_case

        self.lib = pipeline
        self.config = load_case(self.case, profile=self.profile)
        self.skeleton = skeleton_flow([source.name for source in self.config.sources])
        self.passes = 0

    def run(self) -> Staged:
        """One pass: the three calls in this pass's rotation, each timed."""
        staged = Staged(None)
        self.start_once(staged)
        shift = self.passes % len(PAIRED)
        self.passes += 1
        for what in PAIRED[shift:] + PAIRED[:shift]:
            if what == "flow":  # timed by _Flow.run: the flow call alone, not its counts
                flow = super().run()
                staged.run, staged.stages[what] = flow.run, flow.stages[what]
            else:
                lap = time.perf_counter()
                (self.skeleton if what == "skeleton" else self._library)()
                staged.stages[what] = time.perf_counter() - lap
        return staged

    def _library(self) -> None:
        """The flow's work without Prefect: analyse, then one ``store_run`` with pages."""
        with tempfile.TemporaryDirectory(prefix="crisis-fca-bench-") as tmp:
            run = self.lib.analyse_case(self.config, self.data_dir)
            self.lib.store_run(run, Path(tmp) / "lib.duckdb", datetime.now(UTC),
                               out_dir=Path(tmp) / "pages")  # fmt: skip


def _paired(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    paired = _Paired(inputs, params)
    return paired.run, paired.describe


ENGINES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Prepared]] = {
    "pipeline": _pipeline,
    "pipeline-primed": lambda i, p: _pipeline(i, {**p, "score_cache": "primed"}),
    "states": lambda i, p: _pipeline(i, {"only_states": True}),
    "flow": _flow,
    "flow-paired": _paired,
}


def tasks(path: str, *, repeats: int, states_only: bool = False) -> list[Task]:
    """The library row (or just the ingest + states pass that feeds the other families),
    then the Prefect flow row (not with ``states_only``).

    Both rows share one context, so the flow's counts are checked against the library's
    (``agree``), and both make ``1 + repeats`` passes in one fresh process: the first is
    the cold pass, the median of the rest the warm time.
    """
    label = "uae-covid (rigorous profile, 671 days)"
    key = "states" if states_only else "pipeline"
    engine = "ingest + states (inputs for the other families)" if states_only else "library"
    common: dict[str, Any] = {
        "family": "end-to-end",
        "context": label,
        "module": __name__,
        "inputs": path,
        "cap": 600.0,
        "slow": 600.0,
    }
    task = Task(engine=engine, key=key, repeats=0 if states_only else repeats, reference=True,
                **common)  # fmt: skip
    if states_only:
        return [task]
    primed = Task(engine="library, VADER scores cached by an earlier run", key="pipeline-primed",
                  repeats=repeats, **common)  # fmt: skip
    flow = Task(engine="Prefect flow crisis_pipeline", key="flow", repeats=repeats, **common)
    # twice the passes: the target is a difference of two ~6 s times on a shared machine
    paired = Task(engine="library + flow + skeleton flow, interleaved", key="flow-paired",
                  repeats=2 * repeats, **common)  # fmt: skip
    return [task, primed, flow, paired]
