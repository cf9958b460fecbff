"""One brief card per actionable rule, and one row per failed rule, from a :class:`RunView`.

A card carries everything the template prints, already phrased and formatted (the
template only lays it out): label, trigger conditions naming their data streams, outcome
and lead time, evidence (training and holdout days, confidence with its Wilson interval,
lift, q-value, the persistence comparison, folds passed), the study's false-alarm band,
the past firing dates with hit/miss, the playbook entry and the caveats. Actionable rules
are those of class ``predictive`` or ``stable_same_day``; ``failed`` rules become
:class:`FailedRule` rows so nobody acts on them by mistake. Cards are ordered by
:func:`crisis_fca.render.score.rule_score`.

A run's pages ask for its cards three times (the brief, the report's key states, the
store's ``briefs`` rows), so :func:`brief_cards` derives them once per view and hands the
same (immutable) tuple out again; a :class:`RunView` is read as immutable (see its
docstring), and a changed run is a new view.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from crisis_fca.render import text as tx
from crisis_fca.render.caveats import rule_caveats
from crisis_fca.render.evidence import Evidence, FoldRow, folds_by_rule, rule_evidence
from crisis_fca.render.history import Firing, Persistence
from crisis_fca.render.playbook import PlaybookEntry
from crisis_fca.render.score import ScorePart, is_cross_domain, lead_time, rule_score
from crisis_fca.render.streams import Condition, conditions
from crisis_fca.render.view import RunView, records

__all__ = ["ACTIONABLE", "Card", "FailedRule", "brief_cards", "failed_rules"]

ACTIONABLE = ("predictive", "stable_same_day")
_RECENT = 12


@dataclass(frozen=True)
class Card:
    """Everything one rule's card shows (see the module docstring)."""

    rule_id: str
    rank: int
    label: str
    band: str
    score: float
    score_parts: tuple[ScorePart, ...]
    sentence: str
    conditions: tuple[Condition, ...]
    outcome: str
    outcome_state: str
    lead_days: int
    lead_phrase: str
    evidence: Evidence
    persistence: Persistence | None
    firings: tuple[Firing, ...]
    recent: tuple[Firing, ...]
    playbook: PlaybookEntry | None
    owner: str
    caveats: tuple[str, ...]
    example_posts: tuple[str, ...]
    example_day: str

    @property
    def outcome_counts(self) -> dict[str, int]:
        """Firings by outcome (hit, miss, unknown, pending), every key present."""
        keys = ("hit", "miss", "unknown", "pending")
        return {k: sum(f.outcome == k for f in self.firings) for k in keys}


@dataclass(frozen=True)
class FailedRule:
    """A rule that failed validation: what it said and why it must not be used."""

    rule_id: str
    sentence: str
    label: str
    confidence: str
    lift: str
    reasons: str
    folds: tuple[FoldRow, ...]


_CARDS: weakref.WeakKeyDictionary[RunView, tuple[Card, ...]] = weakref.WeakKeyDictionary()
"""Cards already derived, by view (a view is hashed by identity; entries go with it)."""


def brief_cards(view: RunView) -> tuple[Card, ...]:
    """The actionable rules as cards, best first (see :mod:`crisis_fca.render.score`)."""
    cards = _CARDS.get(view)
    if cards is None:
        cards = _CARDS[view] = _brief_cards(view)
    return cards


def _brief_cards(view: RunView) -> tuple[Card, ...]:
    rules = view.rules[view.rules["rule_class"].isin(ACTIONABLE)]
    drafts = [_card(view, row) for row in records(rules)]
    drafts.sort(key=lambda c: (-round(c.score, 12), -_ci_low(c), c.rule_id))
    return tuple(replace(card, rank=rank) for rank, card in enumerate(drafts, start=1))


def failed_rules(view: RunView) -> tuple[FailedRule, ...]:
    """Rules of class ``failed``, ordered by rule id, with their reasons and folds."""
    rules = view.rules[view.rules["rule_class"] == "failed"].sort_values("rule_id")
    folds = folds_by_rule(view.validations[view.validations["rule_id"].isin(rules["rule_id"])])
    out = []
    for row in records(rules):
        premise, consequent, lead = _parts(row)
        out.append(
            FailedRule(
                rule_id=str(row["rule_id"]),
                sentence=tx.rule_sentence(premise, consequent, lead, {}),
                label=tx.rule_label(lead_time(premise, lead)),
                confidence=tx.fmt_pct(_num(row["confidence"])),
                lift=tx.fmt_num(_num(row["lift"])),
                reasons=_text(row["reasons"]) or "no reason recorded",
                folds=folds.get(str(row["rule_id"]), ()),
            )
        )
    return tuple(out)


def _card(view: RunView, row: dict[str, Any]) -> Card:
    premise, consequent, lead = _parts(row)
    days = lead_time(premise, lead)
    ev = rule_evidence(view, row)
    score, parts = rule_score(
        _num(row["ci_low"]),
        _num(row["lift"]),
        ev.checks_passed,
        ev.checks,
        days,
        cross_domain=is_cross_domain(premise, consequent),
    )
    entry = view.playbook.entry_for(consequent)
    descriptions = view.descriptions
    return Card(
        rule_id=str(row["rule_id"]),
        rank=0,
        label=tx.rule_label(days),
        band=tx.risk_band(_num(row["confidence"]), _num(row["lift"])),
        score=score,
        score_parts=parts,
        sentence=tx.rule_sentence(premise, consequent, lead, {}),
        conditions=conditions(view, premise),
        outcome=tx.describe_state(consequent, descriptions),
        outcome_state=consequent,
        lead_days=days,
        lead_phrase=tx.lead_text(days),
        evidence=ev,
        persistence=ev.persistence,
        firings=ev.firings,
        recent=ev.firings[-_RECENT:][::-1],
        playbook=entry,
        owner=view.playbook.agency_name(entry.owner) if entry else "",
        caveats=rule_caveats(view, row, ev, premise, consequent),
        example_posts=ev.example_posts,
        example_day=ev.example_day,
    )


def _ci_low(card: Card) -> float:
    return next(p.value for p in card.score_parts if p.key == "E")


def _parts(row: dict[str, Any]) -> tuple[tuple[str, ...], str, int]:
    premise = tuple(str(p) for p in row["premise"])
    consequent, offset = tx.split_item(str(row["consequent"]))
    lead = int(row["lead"]) if not pd.isna(row["lead"]) else offset
    return premise, consequent, lead


def _num(value: Any) -> float:
    try:
        return float("nan") if value is None or pd.isna(value) else float(value)
    except (TypeError, ValueError):
        return float("nan")


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)
