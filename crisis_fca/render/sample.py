"""A realistic synthetic run to render: for demos, the browser tests and screenshots.

Six months of a made-up city with two lockdowns (2020-03-01..2020-08-31), each after a
surge of cases: transit falls and people stay home while it lasts, fear appears in posts
two days after transit drops, negative sentiment follows fear, and about one day in
twelve has no posts (its social states are unknown). Rules are counted on these states
by :mod:`crisis_fca.render.sample_rules` (confidence, Wilson interval, lift, a 70/30
chronological holdout and two rolling folds), so every number on the page is consistent;
the lattice is built by :func:`crisis_fca.lattice.build_lattice`. Nothing here reads files.

``hostile`` puts a string into the region, one post title, one state's name and its
description, to check that the pages show data as text.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from crisis_fca.render.playbook import PlaybookConfig, PlaybookEntry
from crisis_fca.render.sample_rules import sample_rules
from crisis_fca.render.view import RunMeta, RunView, phases_from_states

__all__ = ["SAMPLE_RULES", "sample_run"]

_START, _END = date(2020, 3, 1), date(2020, 8, 31)
_LOCKDOWNS = ((date(2020, 3, 20), date(2020, 5, 15)), (date(2020, 7, 15), date(2020, 8, 15)))
SAMPLE_RULES: tuple[tuple[tuple[str, ...], str, int], ...] = (
    (("mobility.transit:drop",), "social.fear:present", 2),
    (("social.fear:present", "social.sentiment:negative"), "mobility.residential:increase", 1),
    (("health.new_cases:surge[t-3]",), "mobility.transit:drop", 0),
    (("mobility.residential:increase", "mobility.transit:drop"), "cross.emotion_mobility:both", 0),
    (("social.sentiment:negative",), "health.new_cases:surge", 4),
    (("calendar.weekend",), "mobility.transit:drop", 0),
    (("social.sentiment:negative",), "social.fear:present", 3),
)
"""(premise, consequent, lead) of the sample's rules; classes come from their holdout."""


def sample_run(seed: int = 0, hostile: str | None = None) -> RunView:
    """The synthetic run as a :class:`RunView` (deterministic for a given seed)."""
    rng = np.random.default_rng(seed)
    days = pd.date_range(_START, _END, name="date")
    signals = _signals(days, rng)
    values, known = _states(signals)
    fear_name = f"social.{hostile}:present" if hostile else "social.fear:present"
    rename = {"social.fear:present": fear_name}
    values, known = values.rename(columns=rename), known.rename(columns=rename)
    states = _state_table(values, known, fear_name, hostile)
    rules, validations = sample_rules(values, known, [_renamed(r, rename) for r in SAMPLE_RULES])
    from crisis_fca.lattice import build_lattice

    lattice = build_lattice(values, known)
    concepts = lattice.to_frame(date_ranges=True)
    meta = RunMeta(
        run_id="20200901T000000Z-sample",
        case="sample-city",
        title="Sample City lockdown (synthetic)",
        window_start=_START,
        window_end=_END,
        profile="rigorous",
        config_hash="5a3p1e0c0n1f",
        code_version="0.1.0",
        generated=date(2020, 9, 1),
        region=f"Sample City {hostile}" if hostile else "Sample City",
        description="Synthetic mobility, posts and case counts for demonstrating briefs.",
    )
    return RunView(
        meta=meta,
        rules=rules,
        validations=validations,
        states=states,
        coverage=_coverage(signals),
        concepts=concepts,
        concept_edges=lattice.edges,
        state_values=values,
        state_known=known,
        signals=_long(signals),
        posts=_posts(signals, rng, hostile),
        phases=phases_from_states(values, known, states),
        playbook=_playbook(),
    )


def _signals(days: pd.DatetimeIndex, rng: np.random.Generator) -> pd.DataFrame:
    n = len(days)
    lock = _in_lockdown(days)
    transit = np.where(lock, -50, -8) + rng.normal(0, 12, n)
    drop = transit < -30
    drop2 = np.concatenate([[False, False], drop[:-2]])
    posts = rng.poisson(np.where(lock, 45, 20)).astype(float)
    posts[rng.random(n) < 1 / 12] = np.nan
    fear = rng.binomial(np.nan_to_num(posts).astype(int), np.where(drop2, 0.06, 0.008)).astype(
        float
    )
    fear[np.isnan(posts)] = np.nan
    sentiment = 0.12 - 0.45 * (fear > 0) + rng.normal(0, 0.12, n)
    sentiment[np.isnan(posts)] = np.nan
    stay = (
        np.where(lock, 14, 3)
        + 6 * np.concatenate([[0], (fear[:-1] > 0) & (sentiment[:-1] < -0.3)])
        + rng.normal(0, 3, n)
    )
    cases = 250 + 320 * _in_lockdown(days + pd.Timedelta(days=4)) + rng.normal(0, 60, n)
    return pd.DataFrame(
        {
            "health.new_cases": cases,
            "mobility.residential": stay,
            "mobility.transit": transit,
            "social.fear_posts": fear,
            "social.posts": posts,
            "social.sentiment": sentiment,
        },
        index=days,
    )


def _in_lockdown(days: pd.DatetimeIndex) -> np.ndarray:
    inside = np.zeros(len(days), dtype=bool)
    for start, end in _LOCKDOWNS:
        inside |= np.asarray((days >= pd.Timestamp(start)) & (days <= pd.Timestamp(end)))
    return inside


def _states(s: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    social_ok = s["social.posts"].notna()
    days = pd.DatetimeIndex(s.index)
    lock = _in_lockdown(days)
    v = pd.DataFrame(index=s.index)
    v["calendar.phase:lockdown"] = lock
    v["calendar.weekend"] = days.day_of_week >= 5
    v["health.new_cases:surge"] = s["health.new_cases"] > 450
    v["mobility.residential:increase"] = s["mobility.residential"] > 8
    v["mobility.transit:drop"] = s["mobility.transit"] < -30
    v["social.fear:present"] = s["social.fear_posts"].fillna(0) > 0
    v["social.sentiment:negative"] = s["social.sentiment"].fillna(0) < -0.3
    distress = v["social.fear:present"] | v["social.sentiment:negative"]
    v["cross.emotion_mobility:both"] = distress & v["mobility.transit:drop"]
    k = pd.DataFrame(True, index=s.index, columns=v.columns)
    for name in ("social.fear:present", "social.sentiment:negative", "cross.emotion_mobility:both"):
        k[name] = social_ok
    return v.astype(bool) & k, k.astype(bool)


def _state_table(
    values: pd.DataFrame, known: pd.DataFrame, fear: str, hostile: str | None
) -> pd.DataFrame:
    info = {
        "calendar.phase:lockdown": (
            "calendar.phase",
            "phase",
            "A lockdown was in force (2020-03-20..05-15, 2020-07-15..08-15)",
            (),
        ),
        "calendar.weekend": ("calendar.weekend", "weekend", "Saturday or Sunday", ()),
        "health.new_cases:surge": (
            "health.new_cases",
            "threshold",
            "More than 450 new cases were reported",
            (),
        ),
        "mobility.residential:increase": (
            "mobility.residential",
            "threshold",
            "Time at home was more than 8 % above normal",
            (),
        ),
        "mobility.transit:drop": (
            "mobility.transit",
            "threshold",
            "Transit station visits were more than 30 % below normal",
            (),
        ),
        fear: (
            "social.fear_posts",
            "threshold",
            f"At least one post expressed fear{' ' + hostile if hostile else ''}",
            (),
        ),
        "social.sentiment:negative": (
            "social.sentiment",
            "threshold",
            "The day's posts were strongly negative on average",
            (),
        ),
        "cross.emotion_mobility:both": (
            "cross.emotion_mobility",
            "composite",
            "Distress online on a day of disrupted transit",
            (fear, "mobility.transit:drop", "social.sentiment:negative"),
        ),
    }
    rows = []
    for state in values.columns:
        signal, kind, text, parts = info[state]
        rows.append(
            {
                "state": state,
                "domain": state.split(".", 1)[0],
                "signal": signal,
                "condition": state.partition(":")[2],
                "kind": kind,
                "description": text,
                "parts": parts,
                "true_days": int((values[state] & known[state]).sum()),
                "known_days": int(known[state].sum()),
                "unknown_days": int((~known[state]).sum()),
            }
        )
    return pd.DataFrame(rows)


def _renamed(
    rule: tuple[tuple[str, ...], str, int], rename: dict[str, str]
) -> tuple[tuple[str, ...], str, int]:
    premise, consequent, lead = rule
    return tuple(rename.get(p, p) for p in premise), rename.get(consequent, consequent), lead


def _coverage(s: pd.DataFrame) -> pd.DataFrame:
    sources = {"health": "cases_csv", "mobility": "mobility_csv", "social": "posts_json"}
    rows = []
    for name in s.columns:
        seen = s[name].dropna().index
        rows.append(
            {
                "signal": name,
                "source": sources[name.split(".")[0]],
                "domain": name.split(".")[0],
                "days": len(s),
                "observed": len(seen),
                "filled": 0,
                "low_coverage": 0,
                "missing": len(s) - len(seen),
                "first": seen.min(),
                "last": seen.max(),
            }
        )
    return pd.DataFrame(rows)


def _long(s: pd.DataFrame) -> pd.DataFrame:
    long = (
        s.rename_axis(index="date")
        .reset_index()
        .melt(id_vars="date", var_name="signal", value_name="value")
    )
    return long.assign(status=np.where(long["value"].isna(), "missing", "observed"))


def _posts(s: pd.DataFrame, rng: np.random.Generator, hostile: str | None) -> pd.DataFrame:
    topics = [
        "Buses nearly empty this morning",
        "Is the pharmacy on 5th open?",
        "Worried about my parents",
        "Stay safe everyone",
        "Scared to go out, any news on cases?",
        "Volunteers needed for food drive",
    ]
    rows = []
    for day, count in s["social.posts"].dropna().items():
        for k in range(min(int(count), 3)):
            rows.append(
                {
                    "date": day,
                    "post_id": f"{day:%Y%m%d}-{k}",
                    "title": topics[int(rng.integers(len(topics)))],
                }
            )
    posts = pd.DataFrame(rows)
    if hostile:
        last = posts["date"].max()
        posts.loc[(posts["date"] == last).idxmax(), "title"] = f"{hostile} is trending"
    return posts


def _playbook() -> PlaybookConfig:
    entry = PlaybookEntry
    return PlaybookConfig(
        review_cadence="Weekly on Mondays, and after any change to the lockdown rules.",
        valid_days=14,
        agencies={
            "OEM": "Office of Emergency Management",
            "PHD": "Public Health Department",
            "DOT": "Department of Transportation",
        },
        entries={
            "social.*": entry(
                description="Public worry is rising online.",
                owner="PHD",
                action="Publish a plain-language update on case numbers and where to get help.",
                stand_down="Three consecutive days without the outcome.",
            ),
            "mobility.*": entry(
                description="Movement is falling sharply.",
                owner="DOT",
                action="Check essential-worker transit capacity and adjust schedules.",
                stand_down="Transit visits back above 70 % of normal for a week.",
            ),
            "cross.*": entry(
                description="Distress online while movement is disrupted.",
                owner="OEM",
                action="Activate the joint information centre.",
                stand_down="Two calm days in a row.",
            ),
        },
    )
