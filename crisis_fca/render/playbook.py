"""Action playbooks: who does what when a rule's outcome is expected, per case.

A case file's ``[playbook]`` table names the agencies that own actions and, for each
consequent state or state family, a plain-language description, the owner agency, the
action and the stand-down condition. Entries are keyed by a state name
(``"social.fear:present"``) or a shell-style pattern (``"social.emotion:*"``,
``"hazard.*"``); :meth:`PlaybookConfig.entry_for` picks the exact name first, else the most
specific matching pattern (most literal characters, then alphabetical), so a family entry
can be refined by a state entry without ambiguity. A rule whose consequent matches no
entry is still briefed, flagged "no playbook" (issue 7).

The models subclass :class:`crisis_fca._model.FrozenModel` (frozen, unknown keys are
errors), so a typo in a case file's playbook is reported with its key path on load. This
module imports nothing from :mod:`crisis_fca.config`, which imports it.

Example:
    >>> book = PlaybookConfig(
    ...     agencies={"OES": "Office of Emergency Services"},
    ...     entries={"social.*": PlaybookEntry(owner="OES", action="Post updates",
    ...                                        stand_down="Two calm days")},
    ... )
    >>> book.entry_for("social.fear:present").owner
    'OES'
    >>> book.entry_for("mobility.transit:drop") is None
    True
"""

from __future__ import annotations

import fnmatch

from pydantic import Field, model_validator

from crisis_fca._model import FrozenModel

__all__ = ["PlaybookConfig", "PlaybookEntry"]


class PlaybookEntry(FrozenModel):
    """What to do when a rule expects one consequent state (or a family of them)."""

    description: str = ""
    """Plain-language meaning of the outcome for the people acting on it."""
    owner: str = Field(min_length=1)
    """The agency that owns the action (a key of :attr:`PlaybookConfig.agencies`)."""
    action: str = Field(min_length=1)
    """The action to take once the trigger fires, before the expected outcome."""
    stand_down: str = Field(min_length=1)
    """When to stop the action."""


class PlaybookConfig(FrozenModel):
    """The case's playbook and how long a brief stays valid."""

    review_cadence: str = "Review weekly, and after any change in policy or data sources."
    """How often the brief must be re-run and reviewed (shown in its header)."""
    valid_days: int = Field(default=14, ge=1)
    """A brief is valid for this many days after it was generated."""
    agencies: dict[str, str] = Field(default_factory=dict)
    """Agency short name -> full name; when given, every entry's owner must be one of them."""
    entries: dict[str, PlaybookEntry] = Field(default_factory=dict)
    """State name or shell-style pattern -> entry."""

    @model_validator(mode="after")
    def _owners_known(self) -> PlaybookConfig:
        if not self.agencies:
            return self
        unknown = {key: e.owner for key, e in self.entries.items() if e.owner not in self.agencies}
        if unknown:
            key, owner = sorted(unknown.items())[0]
            msg = (
                f"playbook entry {key!r} names owner {owner!r}, which is not among the "
                f"agencies {sorted(self.agencies)}; add it to [playbook.agencies] or fix the name"
            )
            raise ValueError(msg)
        return self

    def entry_for(self, state: str) -> PlaybookEntry | None:
        """The entry for ``state``: exact key, else the most specific matching pattern."""
        if state in self.entries:
            return self.entries[state]
        matches = [key for key in self.entries if fnmatch.fnmatchcase(state, key)]
        if not matches:
            return None
        return self.entries[min(matches, key=lambda k: (-_literal_chars(k), k))]

    def agency_name(self, owner: str) -> str:
        """``"NCEMA (National Emergency ...)"`` when the full name is known, else ``owner``."""
        full = self.agencies.get(owner)
        return f"{owner} ({full})" if full and full != owner else owner


def _literal_chars(pattern: str) -> int:
    """How specific a pattern is: its characters other than wildcards."""
    return sum(ch not in "*?[]" for ch in pattern)
