"""crisis_fca.regions: a case re-targeted at one region, and the cross-region tally."""

from __future__ import annotations

import pandas as pd
import pytest

from crisis_fca.config import CaseConfig, config_hash, load_case
from crisis_fca.errors import ConfigError
from crisis_fca.regions import (
    COMPARISON_COLUMNS,
    case_regions,
    mobility_source,
    region_case,
    region_case_name,
    region_comparison,
)

EMIRATES = [
    "Abu Dhabi",
    "Ajman",
    "Dubai",
    "Fujairah",
    "Ras al Khaimah",
    "Sharjah",
    "Umm Al Quawain",
]


def _without_region(case: CaseConfig) -> dict[str, object]:
    raw = case.model_dump()
    raw["case"] = {k: v for k, v in raw["case"].items() if k not in {"name", "region"}}
    for source in raw["sources"]:
        source.pop("region", None)
    return raw


@pytest.mark.parametrize("profile", ["rigorous", "study"])
def test_region_case_changes_only_the_place(profile: str) -> None:
    case = load_case("uae-covid", profile=profile)
    before = case.model_dump()
    dubai = region_case(case, "Dubai")
    assert case.model_dump() == before  # not mutated
    assert dubai.name == "uae-covid--dubai"
    assert dubai.case.region == "Dubai, United Arab Emirates"
    assert dubai.profile == profile
    assert [getattr(s, "region", None) for s in dubai.sources] == ["Dubai", None, None, None]
    assert _without_region(dubai) == _without_region(case)
    assert config_hash(dubai) != config_hash(case)


def test_every_uae_region_gets_a_valid_distinct_case_name() -> None:
    case = load_case("uae-covid")
    names = [region_case(case, r).name for r in ["", *EMIRATES, "AE-DU"]]
    assert names[0] == "uae-covid--country"
    assert names[-1] == "uae-covid--ae-du"
    assert names[7] == "uae-covid--umm-al-quawain"
    assert len(set(names)) == len(names)
    assert region_case(case, "").case.region == "United Arab Emirates"
    assert region_case_name("x", "  Ras  al--Khaimah ") == "x--ras-al-khaimah"


def test_cases_without_one_mobility_source_are_refused() -> None:
    wildfire = load_case("la-wildfire")
    with pytest.raises(ConfigError, match=r"no google_mobility source.*pems \(pems\)"):
        region_case(wildfire, "Dubai")
    uae = load_case("uae-covid")
    raw = uae.model_dump()
    raw["sources"] = (*raw["sources"], {**raw["sources"][0], "name": "google2"})
    doubled = CaseConfig.model_validate(raw)
    with pytest.raises(
        ConfigError, match="several google_mobility sources \\('google', 'google2'\\)"
    ):
        mobility_source(doubled)
    assert mobility_source(doubled, "google2").name == "google2"
    assert [s.region for s in region_case(doubled, "Ajman", "google2").sources[::4]] == [
        "",
        "Ajman",
    ]
    with pytest.raises(ConfigError, match="google_mobility source named 'reddit'"):
        mobility_source(uae, "reddit")


def test_case_regions_says_where_to_name_them() -> None:
    case = load_case("uae-covid")
    assert case_regions(case)[:2] == ("", "Abu Dhabi")  # the shipped region set
    google = case.sources[0].model_copy(update={"regions": ()})
    bare = case.model_copy(update={"sources": (google, *case.sources[1:])})
    with pytest.raises(
        ConfigError, match=r"source 'google' names no region set; add `regions = \["
    ):
        case_regions(bare)


def _rules(*rows: tuple[str, tuple[str, ...], str, int, str, float, float]) -> pd.DataFrame:
    columns = ["rule_id", "premise", "consequent", "lead", "rule_class", "confidence", "lift"]
    return pd.DataFrame(list(rows), columns=columns)


def test_region_comparison_counts_where_each_rule_holds() -> None:
    rules = {
        "": _rules(
            ("r1", ("b:on", "a:on"), "c:on", 1, "stable_same_day", 0.9, 1.5),
            ("r2", ("a:on",), "d:on", 0, "failed", 0.7, 1.1),
        ),
        "Dubai": _rules(
            ("r1", ("a:on", "b:on"), "c:on", 1, "predictive", 0.8, 1.25),
            ("r3", ("d:on",), "c:on", 0, "predictive", 0.75, 2.0),
        ),
        "Ajman": _rules(("r2", ("a:on",), "d:on", 0, "failed", 0.6, 1.0)),
        "Sharjah": pd.DataFrame(),  # ran, found no rule
    }
    copies = {k: v.copy(deep=True) for k, v in rules.items()}
    table = region_comparison(rules)
    for key, frame in rules.items():
        pd.testing.assert_frame_equal(frame, copies[key])
    assert tuple(table.columns) == COMPARISON_COLUMNS
    assert table.to_dict("records") == [
        {
            "rule_id": "r1", "premise": ("a:on", "b:on"), "consequent": "c:on", "lead": 1,
            "n_regions": 2, "n_compared": 4, "regions": ("country", "Dubai"),
            "rule_classes": ("stable_same_day", "predictive"), "confidences": (0.9, 0.8),
            "lifts": (1.5, 1.25),
        },
        {
            "rule_id": "r3", "premise": ("d:on",), "consequent": "c:on", "lead": 0,
            "n_regions": 1, "n_compared": 4, "regions": ("Dubai",),
            "rule_classes": ("predictive",), "confidences": (0.75,), "lifts": (2.0,),
        },
    ]  # fmt: skip


def test_region_comparison_without_any_holding_rule_is_empty() -> None:
    only_failed = {"Dubai": _rules(("r2", ("a:on",), "d:on", 0, "failed", 0.6, 1.0))}
    for rules in ({}, only_failed):
        table = region_comparison(rules)
        assert table.empty
        assert tuple(table.columns) == COMPARISON_COLUMNS
