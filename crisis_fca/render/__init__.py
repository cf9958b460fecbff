"""Render stage: validated rules as HTML policy briefs and an interactive Plotly report.

Both pages are self-contained and work offline: the brief is static HTML with inlined CSS
and no scripts; the report inlines plotly.js once. Templates live in the project's
``templates/`` folder and are rendered with autoescaping on everywhere, so post titles,
state, signal and region names always appear as text.

Rendering is pure: build a :class:`RunView` (run metadata + the store's frames, optionally
the per-day states, aligned signals and posts; :func:`run_view` does it from a case and the
store's tables) and call :func:`render_brief` / :func:`render_report` for HTML strings, or
:func:`write_outputs` to write both, linked to each other, atomically. Modules:

- :mod:`~crisis_fca.render.view`: :class:`RunMeta`, :class:`RunView`, :class:`Phase`.
- :mod:`~crisis_fca.render.assemble`: :func:`run_view` (case + ``read_run`` tables -> view).
- :mod:`~crisis_fca.render.playbook`: the case file's ``[playbook]`` (owner, action, stand-down).
- :mod:`~crisis_fca.render.text`: deterministic plain-language phrasing, false-alarm bands.
- :mod:`~crisis_fca.render.score`: the documented score that orders the cards; lead times.
- :mod:`~crisis_fca.render.history`: past firing dates, hits and misses, persistence.
- :mod:`~crisis_fca.render.cards` (with ``evidence``, ``streams``, ``caveats``): card contents.
- :mod:`~crisis_fca.render.brief`, :mod:`~crisis_fca.render.report`: the two pages.
- :mod:`~crisis_fca.render.figures`, ``rule_figures``, ``hasse``: the report's figures, as
  plain Plotly JSON dicts (:mod:`~crisis_fca.render.figjson`: typed arrays, template,
  plotly.js read from the ``plotly`` package; no ``plotly.graph_objects``).
- :mod:`~crisis_fca.render.sample` (with ``sample_rules``): a realistic synthetic run for
  demos and the browser tests.
- :mod:`~crisis_fca.render.env`, ``outputs``: the Jinja environment, atomic writes.

The names below are imported on first use (PEP 562), so ``crisis_fca.config``, which needs
only :class:`PlaybookConfig`, does not pay for Jinja and the figures on every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from crisis_fca._lazy import lazy_exports
from crisis_fca.render.playbook import PlaybookConfig, PlaybookEntry

if TYPE_CHECKING:
    from crisis_fca.render.assemble import run_view
    from crisis_fca.render.brief import (
        brief_filename,
        brief_texts,
        card_text,
        render_brief,
        report_filename,
        write_brief,
    )
    from crisis_fca.render.cards import Card, FailedRule, brief_cards, failed_rules
    from crisis_fca.render.env import TEMPLATES_DIR, write_atomic
    from crisis_fca.render.hasse import cover_edges, hasse_layout
    from crisis_fca.render.history import Firing, Persistence, persistence, rule_firings
    from crisis_fca.render.outputs import RenderedRun, write_outputs
    from crisis_fca.render.report import render_report, report_figures, write_report
    from crisis_fca.render.sample import sample_run
    from crisis_fca.render.score import lead_time, rule_score
    from crisis_fca.render.text import risk_band, rule_label
    from crisis_fca.render.view import Phase, RunMeta, RunView, phases_from_states

_LAZY = {
    "brief": (
        "brief_filename",
        "brief_texts",
        "card_text",
        "render_brief",
        "report_filename",
        "write_brief",
    ),
    "cards": ("Card", "FailedRule", "brief_cards", "failed_rules"),
    "env": ("TEMPLATES_DIR", "write_atomic"),
    "hasse": ("cover_edges", "hasse_layout"),
    "history": ("Firing", "Persistence", "persistence", "rule_firings"),
    "outputs": ("RenderedRun", "write_outputs"),
    "report": ("render_report", "report_figures", "write_report"),
    "sample": ("sample_run",),
    "score": ("lead_time", "rule_score"),
    "text": ("risk_band", "rule_label"),
    "view": ("Phase", "RunMeta", "RunView", "phases_from_states"),
    "assemble": ("run_view",),
}

__all__ = [
    "TEMPLATES_DIR",
    "Card",
    "FailedRule",
    "Firing",
    "Persistence",
    "Phase",
    "PlaybookConfig",
    "PlaybookEntry",
    "RenderedRun",
    "RunMeta",
    "RunView",
    "brief_cards",
    "brief_filename",
    "brief_texts",
    "card_text",
    "cover_edges",
    "failed_rules",
    "hasse_layout",
    "lead_time",
    "persistence",
    "phases_from_states",
    "render_brief",
    "render_report",
    "report_figures",
    "report_filename",
    "risk_band",
    "rule_firings",
    "rule_label",
    "rule_score",
    "run_view",
    "sample_run",
    "write_atomic",
    "write_brief",
    "write_outputs",
    "write_report",
]


__getattr__, __dir__ = lazy_exports(__name__, _LAZY, globals())
