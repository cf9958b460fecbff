"""Rules on the real UAE Google mobility file, checked against plain-csv loops."""

from __future__ import annotations

import csv
from itertools import combinations
from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.rules import ClassConfig, MiningConfig, NullConfig, StateFrames, mine_rules

FILE = "google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
COLUMNS = {
    "retail": "retail_and_recreation_percent_change_from_baseline",
    "transit": "transit_stations_percent_change_from_baseline",
    "workplaces": "workplaces_percent_change_from_baseline",
    "residential": "residential_percent_change_from_baseline",
    "grocery": "grocery_and_pharmacy_percent_change_from_baseline",
}


@pytest.fixture(scope="module")
def flags(data_dir: Path) -> dict[str, list[bool]]:
    """The study's mobility states, day by day, straight from the csv (country rows)."""
    with (data_dir / FILE).open(newline="", encoding="utf-8") as fh:
        rows = [
            r
            for r in csv.DictReader(fh)
            if r["sub_region_1"] == "" and "2020-03-01" <= r["date"] <= "2021-12-31"
        ]
    value = {k: [int(r[c]) for r in rows] for k, c in COLUMNS.items()}
    out = {
        "mobility.retail:drop": [v < -25 for v in value["retail"]],
        "mobility.transit:drop": [v < -30 for v in value["transit"]],
        "mobility.workplaces:drop": [v < -25 for v in value["workplaces"]],
        "mobility.residential:increase": [v > 8 for v in value["residential"]],
        "mobility.grocery:spike": [v > 10 for v in value["grocery"]],
    }
    out["mobility.restrictions:severe"] = [
        a and b and c
        for a, b, c in zip(
            out["mobility.retail:drop"],
            out["mobility.workplaces:drop"],
            out["mobility.residential:increase"],
            strict=True,
        )
    ]
    return out


def _states(flags: dict[str, list[bool]]) -> StateFrames:
    index = pd.date_range("2020-03-01", "2021-12-31", name="date")
    values = pd.DataFrame(flags, index=index)
    parts = {
        "mobility.restrictions:severe": (
            "mobility.retail:drop",
            "mobility.workplaces:drop",
            "mobility.residential:increase",
        )
    }
    meta = pd.DataFrame(
        {
            "domain": "mobility",
            "signal": [c.split(":")[0] for c in values],
            "parts": [parts.get(c, ()) for c in values],
        },
        index=values.columns,
    )
    return StateFrames(values, values | True, meta)


def test_study_prevalences_over_671_days(flags: dict[str, list[bool]]) -> None:
    # REFERENCE_STUDY.md: retail 141, transit 363, workplaces 107, residential 289,
    # grocery 286, severe lockdown 87 days
    assert [sum(v) for v in flags.values()] == [141, 363, 107, 289, 286, 87]
    assert len(flags["mobility.retail:drop"]) == 671


def test_every_rule_count_on_the_real_file_matches_a_csv_loop(flags: dict[str, list[bool]]) -> None:
    loose = ClassConfig(
        min_support=0.05, min_days=1, min_confidence=None, min_lift=None, max_prevalence=None
    )
    mining = MiningConfig(
        leads=(0, 2, 7), same_day=loose, predictive=loose, null=NullConfig(enabled=False)
    )
    cand = mine_rules(_states(flags), mining).candidates
    got = {
        (p, c): (n, pp, cc, a)
        for p, c, n, pp, cc, a in cand[
            ["premise", "consequent", "n_days", "premise_days", "consequent_days", "support_days"]
        ].itertuples(index=False)
    }
    days = 671
    want = {}
    for size in (1, 2):
        for prem in combinations(sorted(flags), size):
            for lead in (0, 2, 7):
                for cons in flags:
                    if lead == 0 and cons in prem:
                        continue
                    ts = range(days - lead)
                    holds = [all(flags[s][t] for s in prem) for t in ts]
                    target = [flags[cons][t + lead] for t in ts]
                    a = sum(h and g for h, g in zip(holds, target, strict=True))
                    if a >= 34:  # ceil(0.05 x 671)
                        want[(prem, f"{cons}[t+{lead}]")] = (len(ts), sum(holds), sum(target), a)
    assert len(want) > 100
    assert got == want
    r = cand.set_index("rule_id").loc[
        "mobility.workplaces:drop => mobility.residential:increase[t+0]"
    ]
    assert (r.premise_days, r.support_days, r.confidence) == (107, 107, 1.0)


def test_definitional_filter_removes_the_lockdown_composite_and_its_parts(
    flags: dict[str, list[bool]],
) -> None:
    result = mine_rules(
        _states(flags), MiningConfig(leads=(0, 2), null=NullConfig(shifts=200, min_offset=30))
    )
    cand = result.candidates
    severe, parts = (
        "mobility.restrictions:severe",
        {"mobility.retail:drop", "mobility.workplaces:drop", "mobility.residential:increase"},
    )
    linked = cand[
        [
            (c == severe and bool(parts & set(p))) or (c in parts and severe in p)
            for p, c in zip(cand["premise_states"], cand["consequent_state"], strict=True)
        ]
    ]
    assert len(linked) >= 10
    assert linked["removed_by"].isin(["no_definitional", "no_persistence"]).all()
    # severe implies retail drop: {severe, retail} has the extent of {severe}, so it is no key
    both = cand[cand["premise"] == ("mobility.restrictions:severe", "mobility.retail:drop")]
    assert len(both) > 0
    assert not both["minimal_generator"].any()
    assert both["premise_closure"].map(lambda c: {severe, *parts} <= set(c)).all()
