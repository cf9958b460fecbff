"""Writing a run's brief and report side by side, linked to each other.

Both files go into one folder under fixed names (``<case>-<profile>-brief.html`` and
``<case>-<profile>-report.html``), each linking to the other by its bare file name, so the
pair can be moved or mailed together. Each file is written atomically
(:func:`crisis_fca.render.env.write_atomic`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from crisis_fca.render.brief import brief_filename, report_filename, write_brief
from crisis_fca.render.env import TEMPLATES_DIR
from crisis_fca.render.hasse import MAX_NODES
from crisis_fca.render.report import write_report
from crisis_fca.render.view import RunView

__all__ = ["RenderedRun", "brief_filename", "report_filename", "write_outputs"]


@dataclass(frozen=True)
class RenderedRun:
    """Where a run's pages were written."""

    brief: Path
    report: Path


def write_outputs(
    view: RunView,
    reports_dir: str | Path,
    *,
    templates_dir: Path = TEMPLATES_DIR,
    max_nodes: int = MAX_NODES,
) -> RenderedRun:
    """Write the brief and the report of ``view`` into ``reports_dir``; return their paths."""
    folder = Path(reports_dir)
    brief_name, report_name = brief_filename(view.meta), report_filename(view.meta)
    brief = write_brief(
        view, folder / brief_name, report_href=report_name, templates_dir=templates_dir
    )
    report = write_report(
        view,
        folder / report_name,
        brief_href=brief_name,
        templates_dir=templates_dir,
        max_nodes=max_nodes,
    )
    return RenderedRun(brief=brief, report=report)
