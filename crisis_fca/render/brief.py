"""The policy brief: one self-contained HTML page per case run (``templates/brief.html.j2``).

The page has no scripts at all (its Content-Security-Policy forbids them) and inlines its
CSS, so it opens offline, prints, and cannot run anything smuggled in through the data.
:func:`render_brief` is pure (frames in, HTML string out); :func:`write_brief` writes it
atomically; :func:`brief_texts` gives the plain text of each card for the store's
``briefs`` table.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.cards import Card, brief_cards, failed_rules
from crisis_fca.render.env import TEMPLATES_DIR, inline_file, jinja_env, write_atomic
from crisis_fca.render.header import header
from crisis_fca.render.score import ScorePart, rule_score
from crisis_fca.render.view import RunMeta, RunView

__all__ = [
    "brief_filename",
    "brief_texts",
    "card_text",
    "render_brief",
    "report_filename",
    "write_brief",
]


def brief_filename(meta: RunMeta) -> str:
    """``<case>-<profile>-brief.html``: the brief's file name inside the reports folder."""
    return f"{meta.case}-{meta.profile}-brief.html"


def report_filename(meta: RunMeta) -> str:
    """``<case>-<profile>-report.html``: the report's file name inside the reports folder."""
    return f"{meta.case}-{meta.profile}-report.html"


def render_brief(
    view: RunView, *, report_href: str | None = None, templates_dir: Path = TEMPLATES_DIR
) -> str:
    """The brief of ``view`` as one HTML page (inputs are not modified).

    Args:
        view: The run to brief.
        report_href: Link to the interactive report (default: its file name, same folder).
        templates_dir: Folder holding ``brief.html.j2`` and ``crisis.css``.
    """
    cards = brief_cards(view)
    failed = failed_rules(view)
    template = jinja_env(templates_dir).get_template("brief.html.j2")
    return template.render(
        h=header(view),
        cards=cards,
        failed=failed,
        counts=_counts(cards, len(failed)),
        score_parts=_legend(),
        has_history=view.state_values is not None,
        report_href=report_href or report_filename(view.meta),
        css=inline_file("crisis.css", templates_dir),
    )


def write_brief(
    view: RunView,
    path: str | Path,
    *,
    report_href: str | None = None,
    templates_dir: Path = TEMPLATES_DIR,
) -> Path:
    """Render the brief and write it to ``path`` atomically; return the path."""
    html = render_brief(view, report_href=report_href, templates_dir=templates_dir)
    return write_atomic(path, html)


def brief_texts(view: RunView, output_path: str | Path | None = None) -> pd.DataFrame:
    """The store's ``briefs`` rows: one per card (plain text) and a case-level summary row.

    Columns ``rule_id`` (None for the case row), ``rendered_text``, ``output_path``.
    """
    cards = brief_cards(view)
    counts = _counts(cards, int((view.rules["rule_class"] == "failed").sum()))
    summary = (
        f"{view.meta.title}: {counts['actionable']} actionable rule(s) "
        f"({counts['predictive']} predictive, {counts['same_day']} same-day), "
        f"{counts['failed']} failed validation. Run {view.meta.run_id}."
    )
    rows = [(None, summary)] + [(c.rule_id, card_text(c)) for c in cards]
    where = None if output_path is None else str(output_path)
    return pd.DataFrame(
        {
            "rule_id": pd.Series([r for r, _ in rows], dtype=object),
            "rendered_text": [t for _, t in rows],
            "output_path": pd.Series([where] * len(rows), dtype=object),
        }
    )


def card_text(card: Card) -> str:
    """A card as plain text, one fact per line (deterministic)."""
    ev = card.evidence
    lines = [
        f"#{card.rank} {card.label} | false-alarm risk {card.band} | score {card.score:.3f}",
        card.sentence,
        *(f"- {c.text} ({c.when}; data: {', '.join(c.streams)})" for c in card.conditions),
        f"Expect: {card.outcome} ({card.lead_phrase}).",
        f"Evidence: confidence {ev.confidence} (95 % CI {ev.ci}), lift {ev.lift}, "
        f"q {ev.q_value}; {ev.checks_passed} of {ev.checks} out-of-sample checks passed.",
    ]
    if card.playbook is None:
        lines.append("Playbook: NO PLAYBOOK for this outcome.")
    else:
        lines.append(
            f"Playbook: {card.owner}: {card.playbook.action} Stand down: {card.playbook.stand_down}"
        )
    lines.extend(f"Caveat: {c}" for c in card.caveats)
    return "\n".join(lines)


def _counts(cards: tuple[Card, ...], failed: int) -> dict[str, int]:
    predictive = sum(c.label == tx.PREDICTIVE for c in cards)
    return {
        "actionable": len(cards),
        "predictive": predictive,
        "same_day": len(cards) - predictive,
        "failed": failed,
    }


def _legend() -> tuple[ScorePart, ...]:
    """The score's terms (weights and meanings) for the method section."""
    _, parts = rule_score(0.0, 1.0, 0, 0, 0, cross_domain=False)
    return parts
