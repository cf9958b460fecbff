"""Deterministic plain-language phrasing of states, rules and numbers for briefs.

The reference study asked a hosted language model to annotate its rules; crisis-fca runs
offline and phrases everything with these small pure functions instead, so the same run
always reads the same way and every sentence can be traced to a number. State names follow
the contracts: ``<domain>.<signal>:<condition>`` (``calendar.weekend`` has no condition), and
the rules stage may name a lagged premise copy ``<state>[t-k]``.

The false-alarm band is the study's (``shared/REFERENCE_STUDY.md``, "Policy briefs in the
study"): LOW when confidence >= 85 % and lift >= 2.5, MEDIUM when >= 75 % and >= 1.8, else
HIGH.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence

__all__ = [
    "PREDICTIVE",
    "SAME_DAY",
    "days_text",
    "describe_state",
    "fmt_num",
    "fmt_pct",
    "fmt_q",
    "lead_text",
    "normalized",
    "risk_band",
    "rule_label",
    "rule_sentence",
    "split_item",
    "state_label",
    "when_text",
]

PREDICTIVE = "PREDICTIVE"
SAME_DAY = "SAME-DAY CORRELATION"

_ITEM = re.compile(r"^(?P<state>.+?)\[t(?P<offset>[+-]\d+)\]$")


def split_item(item: str) -> tuple[str, int]:
    """A premise item as ``(state, day offset)``; ``x[t-2]`` is ``x`` two days earlier.

    Example:
        >>> split_item("mobility.transit:drop[t-2]")
        ('mobility.transit:drop', -2)
        >>> split_item("calendar.weekend")
        ('calendar.weekend', 0)
    """
    match = _ITEM.match(item)
    if match is None:
        return item, 0
    return match["state"], int(match["offset"])


def state_label(state: str) -> str:
    """A short human label: signal and condition in words, domain dropped.

    Example:
        >>> state_label("social.information_gap:present")
        'information gap: present'
        >>> state_label("calendar.weekend")
        'weekend'
    """
    base, offset = split_item(state)
    head, _, condition = base.partition(":")
    signal = head.split(".", 1)[-1].replace("_", " ")
    label = f"{signal}: {condition.replace('_', ' ')}" if condition else signal
    return label if offset == 0 else f"{label} ({when_text(offset)})"


def describe_state(state: str, descriptions: Mapping[str, str]) -> str:
    """The state's plain-language description, or a phrase built from its name.

    Example:
        >>> describe_state("social.fear:present", {"social.fear:present": "Posts expressed fear"})
        'Posts expressed fear'
        >>> describe_state("mobility.vmt:drop", {})
        'vmt: drop'
    """
    text = descriptions.get(state, "")
    return text.strip() if isinstance(text, str) and text.strip() else state_label(state)


def when_text(offset: int) -> str:
    """When a premise item is observed, relative to the trigger day.

    Example:
        >>> [when_text(k) for k in (0, -1, -3)]
        ['today', 'yesterday', '3 days earlier']
    """
    if offset == 0:
        return "today"
    if offset == -1:
        return "yesterday"
    return f"{-offset} days earlier" if offset < 0 else f"in {days_text(offset)}"


def lead_text(lead: int) -> str:
    """When the outcome is expected, relative to the trigger day.

    Example:
        >>> [lead_text(k) for k in (0, 1, 3)]
        ['on the same day', '1 day later', '3 days later']
    """
    return "on the same day" if lead == 0 else f"{days_text(lead)} later"


def days_text(n: int) -> str:
    """``"1 day"`` / ``"n days"``.

    Example:
        >>> days_text(1), days_text(12)
        ('1 day', '12 days')
    """
    return f"{n:,} day" if n == 1 else f"{n:,} days"


def rule_label(lead: int) -> str:
    """PREDICTIVE when the outcome comes at least a day later, else SAME-DAY CORRELATION.

    Example:
        >>> rule_label(2), rule_label(0)
        ('PREDICTIVE', 'SAME-DAY CORRELATION')
    """
    return PREDICTIVE if lead >= 1 else SAME_DAY


def risk_band(confidence: float, lift: float) -> str:
    """The study's false-alarm band: LOW, MEDIUM or HIGH (HIGH when a number is missing).

    Example:
        >>> risk_band(0.85, 2.5), risk_band(0.80, 2.0), risk_band(0.90, 1.5)
        ('LOW', 'MEDIUM', 'HIGH')
    """
    if not (math.isfinite(confidence) and math.isfinite(lift)):
        return "HIGH"
    if confidence >= 0.85 - 1e-12 and lift >= 2.5 - 1e-12:
        return "LOW"
    if confidence >= 0.75 - 1e-12 and lift >= 1.8 - 1e-12:
        return "MEDIUM"
    return "HIGH"


def normalized(premise: Sequence[str], lead: int) -> tuple[tuple[tuple[str, int], ...], int]:
    """Premise items and lead counted from the latest premise observation ("today").

    The rules stage anchors day t on the consequent side, so ``x[t-3] -> y`` (lead 0) reads
    "x, then y 3 days later".

    Example:
        >>> normalized(["a[t-3]"], 0)
        ((('a', 0),), 3)
        >>> normalized(["a[t-1]", "b"], 2)
        ((('a', -1), ('b', 0)), 2)
    """
    items = [split_item(item) for item in premise]
    latest = max([offset for _, offset in items] or [0])
    return tuple((state, offset - latest) for state, offset in items), lead - latest


def rule_sentence(
    premise: Sequence[str], consequent: str, lead: int, descriptions: Mapping[str, str]
) -> str:
    """One sentence: "When A and B (yesterday), expect C 3 days later."

    Example:
        >>> rule_sentence(["mobility.transit:drop"], "social.fear:present", 3, {})
        'When transit: drop, expect fear: present 3 days later.'
        >>> rule_sentence(["health.new_cases:surge[t-3]"], "mobility.transit:drop", 0, {})
        'When new cases: surge, expect transit: drop 3 days later.'
    """
    items, days = normalized(premise, lead)
    parts = [_item_label(state, offset, descriptions) for state, offset in items]
    when = " and ".join(parts) if parts else "any day"
    return f"When {when}, expect {state_label(consequent)} {lead_text(days)}."


def _item_label(state: str, offset: int, descriptions: Mapping[str, str]) -> str:
    label = describe_state(state, descriptions) if descriptions else state_label(state)
    return label if offset == 0 else f"{label} ({when_text(offset)})"


def fmt_pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage, ``n/a`` when missing.

    Example:
        >>> fmt_pct(0.8537), fmt_pct(float("nan")), fmt_pct(1.0, 0)
        ('85.4 %', 'n/a', '100 %')
    """
    if value is None or not math.isfinite(value):
        return "n/a"
    return f"{100 * value:.{digits}f} %"


def fmt_num(value: float | None, digits: int = 2) -> str:
    """A number with fixed decimals; ``inf`` as ``∞``, missing as ``n/a``.

    Example:
        >>> fmt_num(2.214), fmt_num(float("inf")), fmt_num(None)
        ('2.21', '∞', 'n/a')
    """
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return "∞" if value > 0 else "-∞"
    return f"{value:.{digits}f}"


def fmt_q(value: float | None) -> str:
    """A q- or p-value: three decimals, ``< 0.001`` below that, ``not tested`` if missing.

    Example:
        >>> fmt_q(0.01234), fmt_q(0.00002), fmt_q(float("nan"))
        ('0.012', '< 0.001', 'not tested')
    """
    if value is None or not math.isfinite(value):
        return "not tested"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"
