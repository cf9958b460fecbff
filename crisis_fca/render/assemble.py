"""Building a :class:`RunView` from a case and the store's tables of one run.

The CLI and the flows have the case configuration and either the fresh stage outputs or
:func:`crisis_fca.store.read_run`'s ``{"runs": ..., "rules": ..., ...}``; :func:`run_view`
turns those into what the renderers read. The per-day states, posts and lattice cover
edges are not in the store: pass them when the pipeline has them (after a run), leave them
out when rendering an old run from DuckDB (the pages then say what is missing).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

import pandas as pd

from crisis_fca.errors import SchemaError
from crisis_fca.render.view import RunMeta, RunView, phases_from_states

if TYPE_CHECKING:
    from crisis_fca.config import CaseConfig

__all__ = ["run_view"]

_TABLES = ("rules", "validations", "states", "coverage")


def run_view(
    tables: Mapping[str, pd.DataFrame],
    case: CaseConfig,
    *,
    state_values: pd.DataFrame | None = None,
    state_known: pd.DataFrame | None = None,
    posts: pd.DataFrame | None = None,
    concept_edges: tuple[tuple[int, int], ...] | None = None,
    state_meta: pd.DataFrame | None = None,
    generated: date | None = None,
) -> RunView:
    """The view of one run: ``tables`` as ``read_run`` returns them (``runs`` row included).

    Args:
        tables: ``runs`` (one row) and the data tables ``rules``, ``validations``,
            ``states``, ``coverage``; ``concepts`` and ``signals`` are optional.
        case: The case configuration the run used (title, window, region, playbook).
        state_values: ``StateSet.values`` (firing dates, heatmap); optional.
        state_known: ``StateSet.known``; required with ``state_values``.
        posts: ``AlignedSignals.posts``; optional (example posts, hover titles).
        concept_edges: ``Lattice.edges``; None = derived from the concepts' intents.
        state_meta: ``StateSet.meta``; its ``inputs`` column names each state's data
            streams exactly (the store does not keep it).
        generated: Day the pages are generated (default: today, UTC).

    Raises:
        SchemaError: a required table is missing or ``runs`` is not one row.
    """
    missing = [name for name in ("runs", *_TABLES) if name not in tables]
    if missing:
        msg = (
            f"run_view needs the tables {missing} (have {sorted(tables)}); pass the dict "
            "crisis_fca.store.read_run returns, or build the same frames from the stage outputs"
        )
        raise SchemaError(msg)
    run = _one_row(tables["runs"])
    meta = RunMeta(
        run_id=str(run["run_id"]),
        case=case.name,
        title=case.case.title,
        window_start=case.window.start,
        window_end=case.window.end,
        profile=str(run.get("profile") or case.profile),
        config_hash=str(run.get("config_hash") or ""),
        code_version=str(run.get("code_version") or ""),
        generated=generated or datetime.now(UTC).date(),
        region=case.case.region,
        description=case.case.description,
    )
    phases = (
        phases_from_states(state_values, state_known, tables["states"])
        if state_values is not None and state_known is not None
        else ()
    )
    return RunView(
        meta=meta,
        rules=tables["rules"],
        validations=tables["validations"],
        states=_with_inputs(tables["states"], state_meta),
        coverage=tables["coverage"],
        concepts=tables.get("concepts"),
        concept_edges=concept_edges,
        state_values=state_values,
        state_known=state_known,
        signals=tables.get("signals"),
        posts=posts,
        phases=phases,
        playbook=case.playbook,
    )


def _with_inputs(states: pd.DataFrame, meta: pd.DataFrame | None) -> pd.DataFrame:
    """``states`` plus an ``inputs`` column from ``StateSet.meta`` when it has one."""
    if meta is None or "inputs" not in meta.columns or states.empty:
        return states
    inputs = meta["inputs"].to_dict()
    column = pd.Series([tuple(inputs.get(s, ())) for s in states["state"]], index=states.index)
    return states.assign(inputs=column)


def _one_row(runs: pd.DataFrame) -> dict[str, Any]:
    if len(runs) != 1:
        msg = f"the 'runs' table must hold exactly the rendered run's row, got {len(runs)} rows"
        raise SchemaError(msg)
    return dict(runs.iloc[0])
