"""The library's stages composed in order, without any orchestrator.

The CLI calls these functions directly; the Prefect flows in ``flows/`` wrap the same
stage functions as tasks. Nothing here reads or writes files itself: reading happens in
:mod:`crisis_fca.ingest`, writing in the store and render stages.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from crisis_fca.align import AlignedSignals, align_signals
from crisis_fca.config import CaseConfig, LatticeConfig
from crisis_fca.ingest import SourceData, read_source

if TYPE_CHECKING:
    from crisis_fca.lattice import Lattice
    from crisis_fca.rules import RulesResult
    from crisis_fca.states import StateSet
    from crisis_fca.store import RunRecord

__all__ = [
    "CaseLattice",
    "CaseRun",
    "IngestResult",
    "StoredRun",
    "analyse_case",
    "case_lattice",
    "code_version",
    "ingest_case",
    "require_known_states",
    "run_record",
    "source_signals",
    "store_run",
]

Progress = Callable[[str], None]


@dataclass(frozen=True)
class IngestResult:
    """What the ingest + align stages produced for one case."""

    case: CaseConfig
    data_dir: Path
    sources: tuple[SourceData, ...]
    aligned: AlignedSignals

    @property
    def notes(self) -> tuple[str, ...]:
        """Every adapter's remarks (partial days, revisions), prefixed by source."""
        return tuple(f"{s.name}: {note}" for s in self.sources for note in s.notes)


def source_signals(source: SourceData, case: CaseConfig) -> pd.DataFrame:
    """One source's tidy signals, text-derived ones included, tagged with its name."""
    frames = [source.signals]
    if source.posts is not None:
        from crisis_fca.score_cache import load_scores, save_scores
        from crisis_fca.text import text_signals

        domain = next(s.domain for s in case.sources if s.name == source.name)
        known = load_scores()  # VADER scores of earlier runs (see crisis_fca.score_cache)
        frames.append(text_signals(source.posts, case.text, domain=domain))
        save_scores(known=known)
    tidy = pd.concat(frames, ignore_index=True)
    return tidy.assign(source=source.name)


def ingest_case(case: CaseConfig, data_dir: Path, progress: Progress | None = None) -> IngestResult:
    """Read every source of ``case`` from ``data_dir`` and align them on its calendar."""
    report = progress or (lambda _msg: None)
    read: list[SourceData] = []
    tidy: list[pd.DataFrame] = []
    for source in case.sources:
        report(f"reading {source.name} ({source.kind})")
        data = read_source(source, data_dir)
        read.append(data)
        if data.posts is not None:
            report(f"scoring {len(data.posts):,} posts from {source.name}")
        tidy.append(source_signals(data, case))
    report("aligning on the daily calendar")
    posts = [d.posts for d in read if d.posts is not None]
    aligned = align_signals(
        pd.concat(tidy, ignore_index=True),
        case.window,
        case.signals,
        posts=pd.concat(posts, ignore_index=True) if posts else None,
    )
    return IngestResult(case=case, data_dir=data_dir, sources=tuple(read), aligned=aligned)


@dataclass(frozen=True)
class CaseLattice:
    """The formal context a lattice was built on, and the lattice."""

    context: pd.DataFrame
    known: pd.DataFrame
    lattice: Lattice
    resolution: str
    """``daily`` or ``weekly`` (ISO weeks by majority vote, labelled by their Monday)."""


def case_lattice(states: StateSet, cfg: LatticeConfig) -> CaseLattice:
    """Build the concept lattice of a case's states at the configured resolution."""
    from crisis_fca.lattice import build_lattice, weekly_majority

    context, known = states.values, states.known
    weekly = cfg.resolution == "weekly" or (
        cfg.resolution == "auto" and len(context) > cfg.weekly_above_days
    )
    if weekly:
        context, known = weekly_majority(context, known)
    support = int(cfg.min_support) if cfg.min_support >= 1 else cfg.min_support
    lattice = build_lattice(context, known, min_support=support)
    return CaseLattice(context, known, lattice, "weekly" if weekly else "daily")


@dataclass(frozen=True)
class CaseRun:
    """Everything one analysis of a case produced, in memory (nothing written yet)."""

    ingest: IngestResult
    states: StateSet
    lattice: CaseLattice
    rules: RulesResult
    timings: dict[str, float]
    """Seconds spent per stage."""

    @property
    def case(self) -> CaseConfig:
        """The case configuration the run used."""
        return self.ingest.case


def analyse_case(case: CaseConfig, data_dir: Path, progress: Progress | None = None) -> CaseRun:
    """Ingest, states, lattice and validated rules for one case (no I/O beyond reading)."""
    from time import perf_counter

    from crisis_fca.rules import validate_rules
    from crisis_fca.states import states_for_case

    report = progress or (lambda _msg: None)
    timings: dict[str, float] = {}
    start = perf_counter()
    ingest = ingest_case(case, data_dir, progress=report)
    timings["ingest"] = perf_counter() - start
    report("building behavioural states")
    start = perf_counter()
    states = states_for_case(ingest.aligned, case)
    require_known_states(states, case)
    timings["states"] = perf_counter() - start
    report("building the concept lattice")
    start = perf_counter()
    lattice = case_lattice(states, case.lattice)
    timings["lattice"] = perf_counter() - start
    report("mining and validating rules")
    start = perf_counter()
    rules = validate_rules(states, case.mining, case.validation)
    timings["rules"] = perf_counter() - start
    return CaseRun(ingest, states, lattice, rules, timings)


def require_known_states(states: StateSet, case: CaseConfig) -> None:
    """Refuse a run in which no data state is known on any day (only the calendar is).

    Without this, such a run "succeeds" with no rules, and its brief reads as if the data
    held no pattern, when in fact nothing could be evaluated.

    Raises:
        EmptyContextError: listing the states and why each may be unknown.
    """
    from crisis_fca.errors import EmptyContextError

    data = [s for s in states.names if states.meta.at[s, "domain"] != "calendar"]
    if any(states.known[s].any() for s in data):
        return
    listed = ", ".join(data[:8]) + (f" and {len(data) - 8} more" if len(data) > 8 else "")
    msg = (
        f"case {case.name!r}: every data state ({listed or 'none defined'}) is unknown on every "
        f"day of {case.window.start}..{case.window.end}, so there is nothing to analyse. "
        "Check the coverage table (`crisis-fca ingest CASE`: are the signals observed in the "
        "window?) and the states' windows (a z-score or quantile state needs `window` / "
        "`min_periods` observed days before a day, a baseline its baseline days)."
    )
    raise EmptyContextError(msg)


def code_version() -> str:
    """The installed crisis-fca version, plus the git revision when run from a checkout."""
    import subprocess

    from crisis_fca import __version__

    root = Path(__file__).resolve().parent.parent
    try:
        rev = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return __version__
    return f"{__version__}+g{rev}" if rev else __version__


@dataclass(frozen=True)
class StoredRun:
    """Where one run's results landed."""

    run_id: str
    db: Path
    files: tuple[Path, ...] = ()


def run_record(
    run: CaseRun,
    started: datetime,
    status: str = "succeeded",
    params: Mapping[str, Any] | None = None,
) -> RunRecord:
    """The store's record of a run: what was run, on which data, by which code.

    ``params`` adds context to ``runs.params`` (the flows record the orchestrator, the flow
    run id, the inputs' fingerprint and which stages came from the cache).
    """
    from crisis_fca.config import config_hash
    from crisis_fca.fetch import data_checksums
    from crisis_fca.store import RunRecord

    return RunRecord(
        case=run.case.name,
        profile=run.case.profile,
        config_hash=config_hash(run.case),
        data_checksums=data_checksums(run.case, run.ingest.data_dir),
        code_version=code_version(),
        started=started,
        finished=datetime.now(UTC),
        status=status,
        params={
            "summary": _jsonable(run.rules.summary),
            "timings": run.timings,
            **(params or {}),
        },
    )


def store_run(
    run: CaseRun,
    db: Path,
    started: datetime,
    out_dir: Path | None = None,
    *,
    params: Mapping[str, Any] | None = None,
) -> StoredRun:
    """Record one run in DuckDB (one transaction) and, with ``out_dir``, write its brief and report.

    The pages are rendered in memory first and carry the run id; they are then written in
    full to temporary files beside their targets (so a full disk or a read-only folder stops
    the run before the database is touched); the database is written next, all or nothing;
    the temporary files replace the pages only after the database committed, and are
    removed if it did not. A failed run leaves neither a half-written page, nor a page
    without its run, nor a run whose pages could not be written.
    """
    from crisis_fca._atomic import commit_all, discard_all, stage_all
    from crisis_fca.records import run_tables
    from crisis_fca.store import new_run_id, write_run

    record = run_record(run, started, params=params)
    run_id = new_run_id(started)
    tables = run_tables(run.ingest.aligned, run.states, run.lattice.lattice, run.rules)
    pages: dict[Path, str] = {}
    if out_dir is not None:
        pages, briefs = _render(run, tables, record, run_id, out_dir)
        tables["briefs"] = briefs
    staged = stage_all(pages)  # a full disk or read-only folder fails here, before the database
    try:
        write_run(db, record, tables, run_id=run_id)
    except BaseException:
        discard_all(staged)
        raise
    return StoredRun(run_id=run_id, db=db, files=commit_all(staged))


def _render(
    run: CaseRun, tables: dict[str, pd.DataFrame], record: RunRecord, run_id: str, out_dir: Path
) -> tuple[dict[Path, str], pd.DataFrame]:
    from crisis_fca.render import brief_texts, render_brief, render_report, run_view
    from crisis_fca.render.outputs import brief_filename, report_filename

    runs = pd.DataFrame(
        [
            {
                "run_id": run_id,
                "case_name": record.case,
                "profile": record.profile,
                "config_hash": record.config_hash,
                "code_version": record.code_version,
                "started": record.started,
            }
        ]
    )
    view = run_view(
        {**tables, "runs": runs},
        run.case,
        state_values=run.states.values,
        state_known=run.states.known,
        state_meta=run.states.meta,
        posts=run.ingest.aligned.posts,
        concept_edges=run.lattice.lattice.edges,
    )
    brief, report = out_dir / brief_filename(view.meta), out_dir / report_filename(view.meta)
    pages = {
        brief: render_brief(view, report_href=report.name),
        report: render_report(view, brief_href=brief.name),
    }
    return pages, brief_texts(view, output_path=brief)


def _jsonable(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if hasattr(value, "item"):
        return value.item()  # numpy scalars
    return value
