"""One case across the regions of its mobility source, and which rules hold in how many.

Google's Community Mobility Reports publish the same six categories for a country and for
each first-level region (``sub_region_1`` with its ISO 3166-2 code; Google LLC, "COVID-19
Community Mobility Reports", https://www.google.com/covid19/mobility/). Running one case
configuration against each region -- same window, states, mining and validation, only the
mobility rows changed -- turns the regions into independent replications of the analysis:
a rule that validates in six of eight emirates is better evidence than one that holds at
the country level alone (the multi-site replication argument; see REFERENCE_STUDY.md on
the study's single-site results).

Caveat when reading the tally: only the mobility source changes between regions. A rule
built solely from states of the shared sources (national case counts, national posts) holds
in every region by construction, so ``n_regions`` is evidence of replication only for rules
that involve at least one state of the regional source.

Pure functions only: :func:`region_case` re-targets a validated case at one region,
:func:`region_comparison` tallies the rules of finished region runs. Reading the files and
writing the store happen in the flows.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import pandas as pd

from crisis_fca.config import CaseConfig, GoogleMobilitySource
from crisis_fca.errors import ConfigError

__all__ = [
    "COMPARISON_COLUMNS",
    "COUNTRY",
    "HOLDING_CLASSES",
    "case_regions",
    "mobility_source",
    "region_case",
    "region_case_name",
    "region_comparison",
    "region_label",
    "region_slug",
]

COUNTRY = ""
"""The country-level rows of a Google file (``sub_region_1`` empty)."""

HOLDING_CLASSES = ("stable_same_day", "predictive")
"""Store ``rule_class`` values that count as "the rule holds in this region"."""

COMPARISON_COLUMNS = (
    "rule_id",
    "premise",
    "consequent",
    "lead",
    "n_regions",
    "n_compared",
    "regions",
    "rule_classes",
    "confidences",
    "lifts",
)
"""Columns of :func:`region_comparison`, in order."""


def region_slug(region: str) -> str:
    """A region as a case-name suffix: lowercase words joined by dashes.

    Example:
        >>> region_slug("Umm Al Quawain"), region_slug("AE-DU"), region_slug("")
        ('umm-al-quawain', 'ae-du', 'country')
    """
    slug = re.sub(r"[^a-z0-9]+", "-", region.casefold()).strip("-")
    return slug or "country"


def region_case_name(case_name: str, region: str) -> str:
    """The name a region's runs are stored under, e.g. ``uae-covid--dubai``.

    Each region is a case of its own in the store, so ``latest_runs`` keeps one latest run
    per region and the regions never overwrite each other.

    Example:
        >>> region_case_name("uae-covid", "Ras al Khaimah")
        'uae-covid--ras-al-khaimah'
    """
    return f"{case_name}--{region_slug(region)}"


def region_label(region: str) -> str:
    """How a region is shown in tables: its name, or ``country`` for the country rows.

    Example:
        >>> region_label(""), region_label("Dubai")
        ('country', 'Dubai')
    """
    return region.strip() or "country"


def mobility_source(case: CaseConfig, source: str | None = None) -> GoogleMobilitySource:
    """The case's Google mobility source (the one named ``source``, if given).

    Raises:
        ConfigError: the case has no such source, or several and ``source`` is not given.
    """
    google = [s for s in case.sources if isinstance(s, GoogleMobilitySource)]
    if source is not None:
        google = [s for s in google if s.name == source]
    if len(google) == 1:
        return google[0]
    kinds = ", ".join(f"{s.name} ({s.kind})" for s in case.sources)
    if not google:
        wanted = f"google_mobility source named {source!r}" if source else "google_mobility source"
        msg = (
            f"case {case.name!r} has no {wanted} (its sources: {kinds}); regions are the "
            "places of a Google Community Mobility file: add such a source or pick another case"
        )
    else:
        names = ", ".join(repr(s.name) for s in google)
        msg = (
            f"case {case.name!r} has several google_mobility sources ({names}); say which one "
            "the regions belong to (source=... / --source)"
        )
    raise ConfigError(msg)


def case_regions(case: CaseConfig, source: str | None = None) -> tuple[str, ...]:
    """The region set the case file names on its mobility source (``regions = [...]``).

    Raises:
        ConfigError: the source names no regions; the message says where to add them.
    """
    google = mobility_source(case, source)
    regions = google.regions
    if not regions:
        msg = (
            f"case {case.name!r}: source {google.name!r} names no region set; add "
            f'`regions = ["", "Dubai", ...]` to its [[sources]] entry ("" = the country rows, '
            "else sub_region_1 names or ISO 3166-2 codes), or pass the regions explicitly"
        )
        raise ConfigError(msg)
    return regions


def region_case(case: CaseConfig, region: str, source: str | None = None) -> CaseConfig:
    """``case`` re-targeted at one region of its Google mobility source.

    Only the mobility source's ``region``, the case name (:func:`region_case_name`) and the
    displayed region change; window, states, mining and validation stay as configured, so
    region runs are comparable. The result is validated again. Never mutates ``case``.

    Raises:
        ConfigError: see :func:`mobility_source`; an unknown region is only found when the
            file is read (the adapter lists the regions the file holds).
    """
    google = mobility_source(case, source)
    raw = case.model_dump(mode="python")
    raw["case"]["name"] = region_case_name(case.name, region)
    where = case.case.region or "the country"
    raw["case"]["region"] = f"{region}, {where}" if region.strip() else where
    for entry in raw["sources"]:
        if entry["name"] == google.name:
            entry["region"] = region
    return CaseConfig.model_validate(raw)


def region_comparison(rules: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Which rules hold in how many regions, from each finished region's stored rules.

    Args:
        rules: region -> that region run's ``rules`` frame as the store takes it (columns
            ``rule_id``, ``premise``, ``consequent``, ``lead``, ``rule_class``,
            ``confidence``, ``lift``); only regions whose run succeeded. An empty frame is
            a region with no rules (it still counts in ``n_compared``).

    Returns:
        One row per rule holding (``rule_class`` in :data:`HOLDING_CLASSES`) in at least one
        region, columns :data:`COMPARISON_COLUMNS`: ``n_regions`` regions where it holds out
        of ``n_compared`` compared; ``regions``, ``rule_classes``, ``confidences`` and
        ``lifts`` list those regions in the order of ``rules``. Sorted by ``n_regions``
        (most first), then ``lead``, ``consequent`` and ``rule_id``.
    """
    frames = [
        frame.loc[frame["rule_class"].isin(HOLDING_CLASSES)].assign(_region=region_label(region))
        for region, frame in rules.items()
        if len(frame)
    ]
    frames = [f for f in frames if len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in COMPARISON_COLUMNS})
    held = pd.concat(frames, ignore_index=True)
    out = held.groupby("rule_id", sort=False).agg(
        premise=("premise", lambda s: tuple(sorted(s.iloc[0]))),
        consequent=("consequent", "first"),
        lead=("lead", "first"),
        n_regions=("_region", "nunique"),
        regions=("_region", tuple),
        rule_classes=("rule_class", tuple),
        confidences=("confidence", lambda s: tuple(float(v) for v in s)),
        lifts=("lift", lambda s: tuple(float(v) for v in s)),
    )
    out = out.reset_index().assign(n_compared=len(rules), lead=lambda f: f["lead"].astype(int))
    out = out.sort_values(
        ["n_regions", "lead", "consequent", "rule_id"], ascending=[False, True, True, True]
    )
    return out.loc[:, list(COMPARISON_COLUMNS)].reset_index(drop=True)
