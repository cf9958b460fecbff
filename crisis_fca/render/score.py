"""The transparent score that orders a brief's cards, and each rule's warning time.

Every actionable rule gets::

    score = 0.35 E + 0.20 L + 0.20 H + 0.15 T + 0.10 X

=====  ======================================================================  ======
term   meaning                                                                 range
=====  ======================================================================  ======
E      lower end of the Wilson 95 % interval of the confidence (``ci_low``):    0..1
       a confident rule on many days beats a lucky one on few
L      lift above independence, ``clip((lift - 1) / 2, 0, 1)`` (lift 3 = 1)     0..1
H      share of out-of-sample checks (validation folds) passed; 0 if none      0..1
T      warning time, ``min(lead time, 7) / 7``: more notice is more useful      0..1
X      1 when the trigger and the outcome come from different domains           0/1
       (``calendar`` and ``cross`` composites excluded), else 0
=====  ======================================================================  ======

Cards are sorted by score (descending), then ``ci_low`` (descending), then ``rule_id``, so
the order is total and reproducible. The weights follow the study's ranking in spirit
(0.40 statistical strength + 0.35 temporal + 0.15 cross-domain - 0.10 obviousness, see
``shared/REFERENCE_STUDY.md``) but every term is a number printed on the card, and
out-of-sample evidence (H) counts as much as in-sample lift. "Obviousness" is not scored:
the persistence comparison on each card shows it instead.

The warning (lead) time is the number of days from the latest premise observation to the
outcome: ``lead - max(premise offsets)``. A premise ``x[t-1] and y`` with outcome on day
t has lead time 0 (``y`` and the outcome are seen the same day), which the study would
have counted as a one-day lead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from crisis_fca.render.text import split_item

__all__ = ["NEUTRAL_DOMAINS", "WEIGHTS", "ScorePart", "is_cross_domain", "lead_time", "rule_score"]

WEIGHTS: dict[str, float] = {"E": 0.35, "L": 0.20, "H": 0.20, "T": 0.15, "X": 0.10}
NEUTRAL_DOMAINS = frozenset({"calendar", "cross"})
_NAMES = {
    "E": "confidence, lower 95 % bound",
    "L": "lift above 1",
    "H": "out-of-sample checks passed",
    "T": "warning time",
    "X": "cross-domain",
}


@dataclass(frozen=True)
class ScorePart:
    """One term of the score: its letter, meaning, weight, value and weight x value."""

    key: str
    name: str
    weight: float
    value: float

    @property
    def contribution(self) -> float:
        """``weight * value``."""
        return self.weight * self.value


def lead_time(premise: Sequence[str], lead: int) -> int:
    """Days from the latest premise observation to the outcome.

    Example:
        >>> lead_time(["a[t-3]"], 0), lead_time(["a[t-1]", "b"], 0), lead_time(["a"], 2)
        (3, 0, 2)
    """
    offsets = [split_item(item)[1] for item in premise] or [0]
    return int(lead) - max(offsets)


def is_cross_domain(premise: Sequence[str], consequent: str) -> bool:
    """Trigger and outcome span two domains, ignoring calendar and cross composites.

    Example:
        >>> is_cross_domain(["mobility.transit:drop"], "social.fear:present")
        True
        >>> is_cross_domain(["calendar.weekend", "social.anger:present"], "social.fear:present")
        False
    """
    domains = {_domain(split_item(i)[0]) for i in premise} - NEUTRAL_DOMAINS
    outcome = _domain(split_item(consequent)[0])
    return bool(domains) and outcome not in NEUTRAL_DOMAINS and bool(domains - {outcome})


def rule_score(
    ci_low: float,
    lift: float,
    checks_passed: int,
    checks: int,
    lead_days: int,
    *,
    cross_domain: bool,
) -> tuple[float, tuple[ScorePart, ...]]:
    """The score and its five parts (missing numbers count as 0).

    Example:
        >>> score, parts = rule_score(0.7, 2.0, 3, 4, 7, cross_domain=True)
        >>> round(score, 4), [round(p.value, 3) for p in parts]
        (0.745, [0.7, 0.5, 0.75, 1.0, 1.0])
    """
    values = {
        "E": _unit(ci_low),
        "L": _unit((lift - 1) / 2 if math.isfinite(lift) else (1.0 if lift > 0 else 0.0)),
        "H": checks_passed / checks if checks else 0.0,
        "T": min(max(lead_days, 0), 7) / 7,
        "X": 1.0 if cross_domain else 0.0,
    }
    parts = tuple(ScorePart(k, _NAMES[k], WEIGHTS[k], values[k]) for k in WEIGHTS)
    return sum(p.contribution for p in parts), parts


def _unit(value: float) -> float:
    return 0.0 if value is None or math.isnan(value) else min(max(float(value), 0.0), 1.0)


def _domain(state: str) -> str:
    return state.split(".", 1)[0]
