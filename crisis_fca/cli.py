"""The ``crisis-fca`` command line.

Every command takes the case by name (``uae-covid``) or as a path to a TOML file. Errors a
user can cause are printed as one paragraph naming the culprit, with exit status 1 and no
traceback (``--debug`` shows it); usage errors exit with 2.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.markup import escape
from rich.status import Status
from rich.table import Table

from crisis_fca.config import REPORTS_DIR, available_cases, load_case, resolve_data_dir
from crisis_fca.errors import CrisisFCAError

if TYPE_CHECKING:
    from crisis_fca.config import CaseConfig
    from crisis_fca.pipeline import CaseRun, IngestResult
    from crisis_fca.states import StateSet

__all__ = ["app", "main"]

app = typer.Typer(
    name="crisis-fca",
    help="Interpretable crisis analytics: mobility x social states, FCA lattices, lead-time rules.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(
    help="Raw data: download and verify a case's public sources.", no_args_is_help=True
)
app.add_typer(data_app, name="data")

# Piped output (files, CI logs, tests) gets a wide fixed width so tables are never truncated.
out = Console(highlight=False, soft_wrap=True, width=None if sys.stdout.isatty() else 160)
err = Console(
    stderr=True, highlight=False, soft_wrap=True, width=None if sys.stderr.isatty() else 160
)

CaseArg = Annotated[
    str, typer.Argument(help="Case name (see `crisis-fca cases`) or path to a case TOML.")
]
DataDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Raw data folder (default: $CRISIS_FCA_DATA_DIR, else data/raw).",
        file_okay=False,
    ),
]
ProfileOpt = Annotated[
    str,
    typer.Option("--profile", help="rigorous (default) or study (the reference study's choices)."),
]


@app.callback()
def _root(
    debug: Annotated[bool, typer.Option("--debug", help="Show tracebacks on errors.")] = False,
) -> None:
    """crisis-fca command line."""


@contextmanager
def _progress(label: str) -> Iterator[Status]:
    with err.status(label) as status:
        yield status


@app.command()
def cases() -> None:
    """List the shipped cases."""
    table = Table("case", "title", "window", "sources")
    for name in available_cases():
        case = load_case(name)
        table.add_row(
            name,
            case.case.title,
            f"{case.window.start}..{case.window.end} ({case.window.days} days)",
            ", ".join(f"{s.name} ({s.kind})" for s in case.sources),
        )
    out.print(table)


@app.command()
def ingest(case: CaseArg, data_dir: DataDirOpt = None, profile: ProfileOpt = "rigorous") -> None:
    """Read and align a case's sources, then print the coverage table."""
    _print_coverage(_ingest(case, data_dir, profile))


def _print_coverage(result: IngestResult) -> None:
    case, aligned = result.case, result.aligned
    out.print(
        f"[bold]{case.name}[/] ({case.profile} profile): {case.window.start}..{case.window.end}, "
        f"{case.window.days} days; data folder {result.data_dir}"
    )
    table = Table(
        "signal", "source", "observed", "filled", "low-coverage", "missing", "first", "last"
    )
    for row in _records(aligned.coverage):
        table.add_row(
            escape(str(row["signal"])),
            escape(str(row["source"])),
            str(row["observed"]),
            str(row["filled"]),
            str(row["low_coverage"]),
            str(row["missing"]),
            str(row["first"] or "-"),
            str(row["last"] or "-"),
        )
    out.print(table)
    for note in result.notes:
        out.print(f"note: {escape(note)}")


def _ingest(case: str, data_dir: Path | None, profile: str) -> IngestResult:
    return _ingest_config(load_case(case, profile=profile), data_dir)


def _ingest_config(config: CaseConfig, data_dir: Path | None) -> IngestResult:
    from crisis_fca.pipeline import ingest_case

    folder = resolve_data_dir(data_dir)
    with _progress(f"ingesting {config.name}") as status:
        return ingest_case(config, folder, progress=status.update)


@app.command()
def states(case: CaseArg, data_dir: DataDirOpt = None, profile: ProfileOpt = "rigorous") -> None:
    """Build the case's behavioural states; print prevalence, unknown days and descriptions."""
    result, state_set = _states(case, data_dir, profile)
    summary = state_set.summary()
    days = len(state_set.values)
    out.print(
        f"[bold]{escape(result.case.name)}[/] ({profile} profile): {len(summary)} states over {days} days"
    )
    table = Table("state", "true", "known", "unknown", "prevalence", "description")
    for name, row in summary.iterrows():
        table.add_row(
            escape(str(name)),
            str(int(row["true_days"])),
            str(int(row["known_days"])),
            str(int(row["unknown_days"])),
            f"{row['prevalence']:.1%}" if row["known_days"] else "-",
            escape(str(row["description"])),
        )
    out.print(table)
    if state_set.pruned:
        pruned = ", ".join(state_set.pruned)
        out.print(f"pruned (too rare or too common): {escape(pruned)}")


def _states(case: str, data_dir: Path | None, profile: str) -> tuple[IngestResult, StateSet]:
    from crisis_fca.states import states_for_case

    result = _ingest(case, data_dir, profile)
    with _progress("building states"):
        return result, states_for_case(result.aligned, result.case)


def _records(frame: Any) -> list[dict[str, Any]]:
    """Rows as plain dicts (typed access for the tables below)."""
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict("records")]


def _stability(stability: float, instability: float) -> str:
    """Stability near 1 as ``1 - 3.1e-12`` (rounding would show a useless 1.0000)."""
    return f"1 - {instability:.1e}" if 0 < instability < 1e-4 else f"{stability:.4f}"


OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out",
        help="Output folder (default: reports/, or reports/CASE-PROFILE/ for lattice files).",
        file_okay=False,
    ),
]


@app.command()
def lattice(
    case: CaseArg,
    data_dir: DataDirOpt = None,
    profile: ProfileOpt = "rigorous",
    out_dir: OutOpt = None,
    top: Annotated[int, typer.Option(help="How many concepts to list per ranking.")] = 10,
) -> None:
    """Build the concept lattice of days x states; print its top concepts; write the .cxt and CSV."""
    from crisis_fca._atomic import atomic_write_text
    from crisis_fca.lattice import to_csv, to_cxt
    from crisis_fca.pipeline import case_lattice

    result, state_set = _states(case, data_dir, profile)
    with _progress("building the concept lattice"):
        built = case_lattice(state_set, result.case.lattice)
    lat = built.lattice
    out.print(
        f"[bold]{escape(result.case.name)}[/] ({profile} profile, {built.resolution} context "
        f"{len(built.context)} x {len(built.context.columns)}): {len(lat.concepts):,} concepts, "
        f"{len(lat.edges):,} cover edges"
    )
    frame = lat.to_frame(date_ranges=True)
    inner = frame[(frame["intent"].map(len) > 0) & (frame["extent_size"] > 1)]
    for title, ranked in (
        ("most stable", inner.sort_values(["instability", "extent_size"], ascending=[True, False])),
        (
            "largest support",
            inner.sort_values(["extent_size", "instability"], ascending=[False, True]),
        ),
    ):
        table = Table(
            "concept",
            "intent",
            "days",
            "stability",
            "date ranges",
            title=f"top {top} concepts: {title}",
        )
        for row in _records(ranked.head(top)):
            runs = [str(r) for r in row["date_ranges"]]
            shown = ", ".join(runs[:4]) + (f", ... ({len(runs)} runs)" if len(runs) > 4 else "")
            table.add_row(
                str(row["concept_id"]),
                escape(" & ".join(str(s) for s in row["intent"])),
                str(row["extent_size"]),
                _stability(float(row["stability"]), float(row["instability"])),
                escape(shown),
            )
        out.print(table)
    folder = out_dir or REPORTS_DIR / f"{result.case.name}-{profile}"
    cxt = atomic_write_text(folder / "context.cxt", to_cxt(built.context, built.known))
    csv = atomic_write_text(folder / "context.csv", to_csv(built.context, built.known))
    out.print(f"wrote {cxt} and {csv}")


def _analyse(case: str, data_dir: Path | None, profile: str) -> CaseRun:
    from crisis_fca.pipeline import analyse_case

    config = load_case(case, profile=profile)
    folder = resolve_data_dir(data_dir)
    with _progress(f"analysing {config.name}") as status:
        return analyse_case(config, folder, progress=status.update)


def _missing(value: object) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value))


def _pct(value: float) -> str:
    return "-" if _missing(value) else f"{value:.0%}"


def _num(value: float, digits: int = 2) -> str:
    return "-" if _missing(value) else f"{value:.{digits}f}"


@app.command()
def rules(
    case: CaseArg,
    data_dir: DataDirOpt = None,
    profile: ProfileOpt = "rigorous",
    show_failed: Annotated[
        bool, typer.Option("--all", help="Also list rules that failed.")
    ] = False,
) -> None:
    """Mine lead-time rules on the past and validate them on the later holdout."""
    run = _analyse(case, data_dir, profile)
    result = run.rules
    shown = result.rules if show_failed else result.rules[result.rules["status"] != "failed"]
    table = Table(
        "premise (day t)", "consequent", "lead", "days", "confidence [95% CI]", "lift", "q",
        "holdout", "result",
    )  # fmt: skip
    for row in _records(shown):
        holdout = (
            f"{_pct(row['holdout_confidence'])} on {row['holdout_premise_days']} d, "
            f"lift {_num(row['holdout_lift'])}"
        )
        table.add_row(
            escape(" & ".join(row["premise"])),
            escape(str(row["consequent_state"])),
            str(row["lead_time"]),
            f"{row['support_days']}/{row['premise_days']}",
            f"{_pct(row['confidence'])} [{_pct(row['confidence_low'])}-{_pct(row['confidence_high'])}]",
            _num(row["lift"]),
            _num(row["q_value"], 3),
            holdout,
            escape(str(row["status"])),
        )
    out.print(table)
    out.print(_rules_summary(run))


def _rules_summary(run: CaseRun) -> str:
    summary, steps = run.rules.summary, run.rules.mining.steps
    raw = steps[(steps["rule_class"] == "same_day") & (steps["step"] == "min_lift")]
    raw_count = int(raw["remaining"].iloc[0]) if len(raw) else 0
    rate = summary["same_day_pass_rate"]
    leads = summary["lead_time_range"]
    lines = [
        f"{run.case.name} ({run.case.profile} profile, mined on {summary['mined_on']} days, "
        f"holdout from {summary['first_holdout_day']}): "
        f"{raw_count} raw same-day rules -> {summary['same_day_kept']} kept -> "
        f"{summary['same_day_stable']} stable"
        + (f" ({rate:.0%})" if rate is not None else "")
        + f"; {summary['predictive_clean']} clean predictive rules"
        + (f" with {leads[0]}-{leads[1]}-day leads" if leads else "")
        + f" (of {summary['predictive_kept']} kept)."
    ]
    if run.case.profile == "study" and run.case.case.study_results:
        lines.append(f"reference study: {run.case.case.study_results}")
    return "\n".join(escape(line) for line in lines)


DbOpt = Annotated[
    Path | None,
    typer.Option(
        "--db",
        help="DuckDB file (default: $CRISIS_FCA_DB, else reports/crisis.duckdb).",
        dir_okay=False,
    ),
]


@app.command()
def run(
    case: CaseArg,
    data_dir: DataDirOpt = None,
    profile: ProfileOpt = "rigorous",
    db: DbOpt = None,
    out_dir: OutOpt = None,
) -> None:
    """Run the whole pipeline for a case and record it in the DuckDB store."""
    from datetime import UTC, datetime

    from crisis_fca.pipeline import store_run

    started = datetime.now(UTC)
    analysis = _analyse(case, data_dir, profile)
    _print_coverage(analysis.ingest)
    out.print(_rules_summary(analysis))
    with _progress("writing the run to the database and rendering its brief"):
        stored = store_run(analysis, _db(db), started, out_dir=out_dir or REPORTS_DIR)
    out.print(f"run {escape(stored.run_id)} stored in {stored.db}")
    for path in stored.files:
        out.print(f"wrote {path}")
    out.print(f'query it: crisis-fca sql "select * from latest_rules" --db {stored.db}')


@app.command()
def brief(
    case: CaseArg,
    data_dir: DataDirOpt = None,
    profile: ProfileOpt = "rigorous",
    db: DbOpt = None,
    out_dir: OutOpt = None,
) -> None:
    """Write a case's policy brief and interactive report (runs and records the pipeline)."""
    run(case, data_dir=data_dir, profile=profile, db=db, out_dir=out_dir)


def _db(db: Path | None) -> Path:
    import os

    from crisis_fca.store import DEFAULT_DB

    return Path(db or os.environ.get("CRISIS_FCA_DB") or DEFAULT_DB)


@app.command()
def sql(
    statement: Annotated[
        str, typer.Argument(help="A read-only SQL query, e.g. 'select * from stable_rules'.")
    ],
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="table, csv or json.")] = "table",
) -> None:
    """Query the run database on a read-only connection."""
    from crisis_fca.store import query

    if fmt not in {"table", "csv", "json"}:
        raise typer.BadParameter(f"--format must be table, csv or json, not {fmt!r}")
    frame = query(_db(db), statement)
    if fmt == "csv":
        sys.stdout.write(frame.to_csv(index=False))
    elif fmt == "json":
        sys.stdout.write(
            frame.to_json(orient="records", date_format="iso", default_handler=str) + "\n"
        )
    else:
        _print_frame(frame)


def _print_frame(frame: Any) -> None:
    table = Table(*[escape(str(c)) for c in frame.columns])
    for row in frame.itertuples(index=False):
        table.add_row(*[escape(str(v)) for v in row])
    out.print(table)
    out.print(f"{len(frame)} row(s)")


@app.command()
def runs(db: DbOpt = None) -> None:
    """List the runs recorded in the database, newest first."""
    from crisis_fca.store import list_runs

    listed = list_runs(_db(db))
    shown = [c for c in ("run_id", "case_name", "profile", "status", "started", "latest", "rules",
                         "stable", "predictive", "error") if c in listed.columns]  # fmt: skip
    _print_frame(listed[shown])


@app.command()
def export(
    run_id: Annotated[str | None, typer.Argument(help="Run id (default: the newest run).")] = None,
    db: DbOpt = None,
    fmt: Annotated[str, typer.Option("--format", help="parquet or csv.")] = "parquet",
    out_dir: OutOpt = None,
) -> None:
    """Export one run's tables as Parquet or CSV files."""
    from crisis_fca.store import export_run, list_runs

    path = _db(db)
    if run_id is None:
        listed = list_runs(path)
        if listed.empty:
            raise CrisisFCAError(f"{path} holds no run yet; run `crisis-fca run CASE` first")
        run_id = str(listed["run_id"].iloc[0])
    folder = export_run(path, run_id, out_dir or REPORTS_DIR / "exports", fmt=fmt)  # type: ignore[arg-type]
    out.print(f"exported run {escape(run_id)} to {folder}")


@app.command()
def flow(
    case: CaseArg,
    *,
    data_dir: DataDirOpt = None,
    profile: ProfileOpt = "rigorous",
    db: DbOpt = None,
    out_dir: OutOpt = None,
    render: Annotated[
        bool, typer.Option("--render/--no-render", help="Write the brief and the report.")
    ] = True,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Recompute every stage, ignoring cached results.")
    ] = False,
) -> None:
    """Run a case as a Prefect flow (no server needed): cached stages, artifacts, DuckDB."""
    from flows.local import freeze_imports
    from flows.pipeline import crisis_pipeline

    freeze_imports()  # this process runs one flow: Prefect's objects out of the GC's way
    result = crisis_pipeline(
        case=case,
        profile=profile,
        data_dir=data_dir,
        db=_db(db),
        out_dir=out_dir or REPORTS_DIR,
        render=render,
        refresh=refresh,
    )
    out.print(f"stages from the cache: {escape(', '.join(result.cached) or 'none')}")
    out.print(f"run {escape(result.run_id)} stored in {result.db}")
    for label, path in (("brief", result.brief), ("report", result.report)):
        if path is not None:
            out.print(f"{label}: {path}")
    out.print(f'query it: crisis-fca sql "select * from latest_rules" --db {result.db}')


@app.command()
def regions(
    case: CaseArg,
    *,
    region: Annotated[
        list[str] | None,
        typer.Option(
            "--region",
            help="A region to run (repeat the option); default: the `regions` the case file "
            "names on its mobility source. '' is the country level.",
        ),
    ] = None,
    data_dir: DataDirOpt = None,
    profile: ProfileOpt = "rigorous",
    db: DbOpt = None,
    workers: Annotated[int, typer.Option("--workers", min=1, help="Local Dask workers.")] = 2,
    processes: Annotated[
        bool,
        typer.Option(
            "--processes",
            help="Process workers instead of threads (worth it with a Prefect server only: "
            "without one, each worker process starts its own temporary server).",
        ),
    ] = False,
    dask_address: Annotated[
        str | None,
        typer.Option(
            "--dask-address", help="Use an existing Dask scheduler, e.g. tcp://host:8786."
        ),
    ] = None,
    render: Annotated[
        bool, typer.Option("--render/--no-render", help="Write a brief and report per region.")
    ] = False,
    refresh: Annotated[
        bool, typer.Option("--refresh", help="Recompute every stage, ignoring cached results.")
    ] = False,
) -> None:
    """Run a case for every region of its mobility source on Dask; compare rules across regions."""
    if not region:  # fail fast, before Prefect starts its server: does the case name regions?
        from crisis_fca.regions import case_regions

        case_regions(load_case(case, profile=profile))
    try:
        from flows.local import freeze_imports
        from flows.regional import regional_flow

        pipeline = regional_flow(workers, processes=processes, address=dask_address)
    except ImportError as exc:
        if (exc.name or "").split(".")[0] not in {"dask", "distributed", "prefect_dask"}:
            raise
        msg = (
            f"`crisis-fca regions` runs on Dask, which is not installed ({exc}); install the "
            "extra: pip install -e '.[dask]' (make setup does)"
        )
        raise CrisisFCAError(msg) from None
    freeze_imports()  # this process runs one flow: Prefect's objects out of the GC's way
    result = pipeline(
        case=case,
        profile=profile,
        regions=region,
        data_dir=data_dir,
        db=_db(db),
        render=render,
        refresh=refresh,
    )
    table = Table("region", "outcome")
    for name, run_id in result.stored.items():
        table.add_row(escape(name), f"stored as run {escape(run_id)}")
    for name, reason in result.failed.items():
        table.add_row(escape(name), f"[red]failed[/]: {escape(reason)}")
    out.print(table)
    out.print(
        f"{result.shared_rules} rule(s) hold in more than one region. Comparison: crisis-fca sql "
        f"\"select * from region_comparison where batch_id = '{result.batch_id}' "
        f'order by n_regions desc" --db {result.db}'
    )
    if not result.stored:
        raise CrisisFCAError(f"every region of {result.case} failed; see the reasons above")


@app.command()
def serve(
    schedules: Annotated[
        list[str],
        typer.Argument(
            help="CASE, CASE=CRON or CASE:PROFILE=CRON, one deployment each "
            "(default cron '0 6 * * *': every day at 06:00)."
        ),
    ],
    *,
    data_dir: DataDirOpt = None,
    db: DbOpt = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Time zone of the cron schedules.")
    ] = "UTC",
    monitor: Annotated[
        bool,
        typer.Option(
            "--monitor/--no-monitor",
            help="Also serve each case's daily monitor (ingest -> triggers -> alert brief).",
        ),
    ] = True,
    monitor_cron: Annotated[
        str,
        typer.Option("--monitor-cron", help="Cron of the monitor deployments."),
    ] = "0 7 * * *",
) -> None:
    """Serve cron-scheduled runs of the pipeline (and the monitor), one deployment per case.

    Needs a Prefect server: start one first (`make prefect-server`, i.e. `prefect server start
    --host 127.0.0.1 --port 4200`) and export PREFECT_API_URL=http://127.0.0.1:4200/api.
    Ctrl-C stops serving and pauses the schedules.
    """
    from flows.serve import CaseSchedule, parse_schedule, serve_cases

    wanted = [parse_schedule(text) for text in schedules]
    monitors = [CaseSchedule(s.case, monitor_cron, s.profile) for s in wanted] if monitor else []
    serve_cases(wanted, monitors=monitors, data_dir=data_dir, db=db, timezone=timezone)


AsOfOpt = Annotated[
    str | None,
    typer.Option("--as-of", help="Day to evaluate, YYYY-MM-DD (default: last day with data)."),
]
RunIdOpt = Annotated[
    str | None,
    typer.Option(
        "--run",
        help="Stored pipeline run whose rules to use (refused if its data reached past the "
        "as-of day). Default: the latest run if its data ended by then, else a rule set "
        "mined and validated on the data up to the as-of day.",
    ),
]
StoreOpt = Annotated[
    bool, typer.Option("--store/--no-store", help="Record the run's alerts in the database.")
]


def _iso_day(value: str | None, option: str) -> Any:
    from datetime import date

    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        msg = f"{option} must be a date like 2021-03-01, not {value!r}"
        raise typer.BadParameter(msg) from None


@app.command()
def monitor(
    case: CaseArg,
    *,
    as_of: AsOfOpt = None,
    run_id: RunIdOpt = None,
    data_dir: DataDirOpt = None,
    profile: ProfileOpt = "rigorous",
    db: DbOpt = None,
    out_dir: OutOpt = None,
    store: StoreOpt = True,
) -> None:
    """Which validated triggers fire on a day, from the data known that day; alert brief."""
    from crisis_fca.monitor import last_data_day, monitor_day, monitor_lines
    from crisis_fca.monitor.run import (
        latest_replay,
        record_monitor,
        stored_rule_set,
        write_alert_brief,
    )
    from crisis_fca.pipeline import code_version

    config = load_case(case, profile=profile)
    day = _iso_day(as_of, "--as-of")
    aligned = _ingest_config(config, data_dir).aligned
    day = day or last_data_day(aligned)
    path = _db(db)
    stored, choice = stored_rule_set(path, config, day, run_id)
    with _progress(f"evaluating the triggers as of {day}"):
        result = monitor_day(aligned, config, day, stored=stored)
    for line in monitor_lines(result):
        out.print(escape(line))
    out.print(escape(f"({choice})"))
    recorded = record_monitor(path, result) if store else None
    if recorded is not None and recorded.rows:
        stored_in = f"{recorded.rows} trigger(s) stored in {path}"
        out.print(f"monitor run {escape(recorded.run_id)}: {stored_in}")
    elif recorded is not None:
        out.print("no trigger was evaluated, so nothing was stored")
    page = write_alert_brief(
        out_dir or REPORTS_DIR,
        result,
        config,
        recorded=recorded,
        replay=latest_replay(path, config),
        code_version=code_version(),
    )
    out.print(f"wrote {page}")


@app.command()
def replay(
    case: CaseArg,
    *,
    start: Annotated[str, typer.Option("--start", help="First day to replay, YYYY-MM-DD.")],
    end: Annotated[str, typer.Option("--end", help="Last day to replay, YYYY-MM-DD.")],
    cadence: Annotated[
        int | None,
        typer.Option(
            "--cadence", min=1, help="Re-mine every N days (default: [monitor] cadence_days, 7)."
        ),
    ] = None,
    data_dir: DataDirOpt = None,
    profile: ProfileOpt = "rigorous",
    db: DbOpt = None,
    out_dir: OutOpt = None,
    store: StoreOpt = True,
) -> None:
    """Replay the monitor day by day without hindsight; print the track record vs persistence."""
    from crisis_fca._atomic import atomic_write_text
    from crisis_fca.monitor import replay as run_replay
    from crisis_fca.monitor import replay_table
    from crisis_fca.monitor.run import record_replay

    config = load_case(case, profile=profile)
    if cadence is not None:
        config = config.model_copy(
            update={"monitor": config.monitor.model_copy(update={"cadence_days": cadence})}
        )
    first, last = _iso_day(start, "--start"), _iso_day(end, "--end")
    aligned = _ingest_config(config, data_dir).aligned
    with _progress(f"replaying {config.name} {first}..{last}") as status:
        update = status.update
        result = run_replay(aligned, config, first, last, progress=update)
    mined = result.rule_sets
    live = int((mined["triggers"] > 0).sum())
    out.print(
        f"[bold]{escape(config.name)}[/] ({profile} profile) replayed {first}..{last}: "
        f"{len(mined)} rule sets (every {config.monitor.cadence_days} days), {live} with at "
        f"least one trigger; {len(result.alerts):,} trigger-days evaluated; "
        f"{result.seconds['total']:.0f} s (states {result.seconds['states']:.0f} s, "
        f"mining {result.seconds['mining']:.0f} s)"
    )
    empty = mined[mined["triggers"] == 0]
    if len(empty):
        example = empty["note"].iloc[0]
        out.print(escape(f"no trigger on {len(empty)} re-mining days, e.g. {example}"))
    table_md = replay_table(result.record)
    if result.record.empty:
        out.print("no alert was raised in the range, so there is no track record to score.")
    else:
        out.print(escape(table_md))
    if store:
        out.print(f"replay run {escape(record_replay(_db(db), result))} stored in {_db(db)}")
    folder = out_dir or REPORTS_DIR
    written = atomic_write_text(folder / f"{config.name}-{profile}-replay.md", table_md)
    out.print(f"wrote {written}")


@data_app.command("fetch")
def data_fetch(
    case: CaseArg,
    data_dir: DataDirOpt = None,
    mirror: Annotated[
        str | None,
        typer.Option(
            "--mirror",
            help="Base URL serving the data folder's layout (overrides each source's url).",
        ),
    ] = None,
) -> None:
    """Download a case's public sources into the data folder and verify their checksums."""
    from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn

    from crisis_fca.fetch import fetch_case

    config = load_case(case)
    folder = resolve_data_dir(data_dir)
    with Progress(
        TextColumn("{task.description}"), BarColumn(), DownloadColumn(), console=err
    ) as bar:
        tasks: dict[str, object] = {}

        def update(name: str, done: int, total: int | None) -> None:
            if name not in tasks:
                tasks[name] = bar.add_task(name, total=total)
            bar.update(tasks[name], completed=done, total=total)  # type: ignore[arg-type]

        results = fetch_case(config, folder, base_url=mirror, progress=update)
    for result in results:
        out.print(f"{result.status:>10}  {escape(result.source)}  {result.path}")
        if result.note:
            out.print(f"            {escape(result.note)}")


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run the CLI and turn errors into messages and exit codes."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        app(args=args, prog_name="crisis-fca", standalone_mode=False)
    except CrisisFCAError as exc:
        if debug:
            raise
        err.print(f"[bold red]error:[/] {escape(str(exc))}")
        return 1
    except typer.Exit as exc:
        return int(exc.exit_code)
    except typer.Abort:
        err.print("aborted")
        return 130
    except typer.TyperException as exc:  # usage errors: the vendored click's ClickException family
        exc.show()  # type: ignore[attr-defined]
        return int(getattr(exc, "exit_code", 2))
    except RuntimeError as exc:
        if debug:
            raise
        if "ephemeral Prefect API server" not in str(exc):
            return _internal_error(exc)
        err.print(
            f"[bold red]error:[/] {escape(str(exc))} Prefect's temporary server did not start "
            "in time (the machine may be busy): allow it longer with "
            "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS=300, or start a server once "
            "(`make prefect-server`) and export PREFECT_API_URL=http://127.0.0.1:4200/api."
        )
        return 1
    except Exception as exc:
        if debug:
            raise
        return _internal_error(exc)
    return 0


def _internal_error(exc: BaseException) -> int:
    err.print(
        f"[bold red]internal error:[/] {type(exc).__name__}: {escape(str(exc))}\n"
        "This is a bug in crisis-fca, not in your input; rerun with --debug for the traceback "
        "and report it."
    )
    return 3


if __name__ == "__main__":
    sys.exit(main())
