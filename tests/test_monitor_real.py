"""The monitor and the replay on the real uae-covid and la-wildfire data.

Acceptance of issue 10: as of 2021-03-01 the answer comes from a rule set that used no
later day (every later day poisoned: the same answer); as of 2020-03-10 it says there is too
little history; as of 2021-12-01 a trigger is active, checked against the raw Google file;
inputs missing on 2021-12-31 (no posts after 2021-12-29) are marked, not read as inactive;
la-wildfire's 34-day window is explained as too short. Expected values are read from the
raw files with csv/json here. The full-year replay is ``slow`` (about 2 minutes).
"""

from __future__ import annotations

import csv
import json
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crisis_fca.config import load_case
from crisis_fca.errors import ConfigError
from crisis_fca.monitor import monitor_day, monitor_lines, replay, replay_table
from crisis_fca.monitor.ruleset import rule_set_from_store
from crisis_fca.pipeline import ingest_case

GOOGLE = "google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
JHU = "jhu_csse_covid19_ae/time_series_covid19_confirmed_global_AE.csv"
POSTS = "uae-covid-2020-2021/reddit_covid_uae_posts_by_day.json"
START = date(2020, 3, 1)
WORKPLACES = "abe2c7e35aebf787"  # mobility.workplaces:drop => social.lockdown:present[t+6]


@pytest.fixture(scope="module")
def uae(data_dir: Path) -> tuple[object, object]:
    case = load_case("uae-covid")
    return case, ingest_case(case, data_dir).aligned


@pytest.fixture(scope="module")
def december(uae: tuple) -> object:
    case, aligned = uae
    return monitor_day(aligned, case, date(2021, 12, 1))


def _new_cases(data_dir: Path) -> dict[date, int]:
    with (data_dir / JHU).open(newline="", encoding="utf-8") as handle:
        header, row = list(csv.reader(handle))[:2]
    cum = {
        datetime.strptime(h, "%m/%d/%Y").date(): int(v)
        for h, v in zip(header[4:], row[4:], strict=True)
    }
    return {d: cum[d] - cum[d - timedelta(days=1)] for d in cum if d - timedelta(days=1) in cum}


def _surge(new: dict[date, int], day: date) -> bool:
    """New cases above the linear 0.9 quantile of the previous 28 days (the case's state)."""
    previous = [new[day - timedelta(days=k)] for k in range(28, 0, -1)]
    return new[day] > float(np.quantile(previous, 0.9))


def _poisoned(aligned: object, cut: date) -> object:
    """Every day after ``cut``: other values, every status observed, posts full of noise."""
    values, status = aligned.values.copy(), aligned.status.copy()  # type: ignore[attr-defined]
    later = values.index > pd.Timestamp(cut)
    values.loc[later] = np.random.default_rng(5).normal(0, 100, size=values.loc[later].shape)
    status.loc[later] = "observed"
    posts = aligned.posts.copy()  # type: ignore[attr-defined]
    posts.loc[posts["date"] > pd.Timestamp(cut), "title"] = "lockdown curfew panic vaccine"
    return replace(aligned, values=values, status=status, posts=posts)  # type: ignore[type-var]


def test_as_of_2021_03_01_uses_no_later_day(uae: tuple) -> None:
    """The rule set is mined on 2020-03-01..2020-11-11 (256 = int(0.7 x 366) days) and
    validated on the rest up to 2021-03-01; poisoning every later day changes nothing."""
    case, aligned = uae
    d = date(2021, 3, 1)
    base = monitor_day(aligned, case, d)
    rs = base.rule_set
    last_train = START + timedelta(days=int(0.7 * 366) - 1)
    assert last_train == date(2020, 11, 11)
    assert rs.source == f"mined on {START}..{last_train} and validated on 2020-11-12..{d}"
    assert rs.through == d
    assert rs.history.days == 366
    assert rs.history.train_days == 256
    # the rigorous profile finds nothing significant on 256 training days; it says so
    assert rs.rules.empty
    assert "significance 0" in rs.note
    assert "no validated trigger as of 2021-03-01 (256 training days)" in rs.note
    again = monitor_day(_poisoned(aligned, d), case, d)
    assert (again.rule_set.source, again.rule_set.note) == (rs.source, rs.note)
    pd.testing.assert_frame_equal(again.streams, base.streams)
    assert monitor_lines(again) == monitor_lines(base)
    assert base.streams["stale"].sum() == 0  # every signal observed on 2021-03-01


def test_as_of_2020_03_10_says_too_little_history(uae: tuple) -> None:
    """10 days: 7 training, 3 holdout. Enough from n = 49 days (int(0.7 x 49) = 34 >= 34,
    15 >= 12 holdout days), i.e. 2020-04-18."""
    case, aligned = uae
    result = monitor_day(aligned, case, date(2020, 3, 10))
    text = "\n".join(monitor_lines(result))
    assert "TOO LITTLE HISTORY: too little history to validate any rule as of 2020-03-10" in text
    assert "7 mining days, needs 34" in text
    assert "3 holdout days, needs 12" in text  # 5 firing days + the 7-day longest lead
    assert "the first as-of day on which validation can be attempted is 2020-04-18" in text
    assert START + timedelta(days=48) == date(2020, 4, 18)


def test_active_trigger_on_2021_12_01_checked_against_the_raw_files(
    december: object, data_dir: Path
) -> None:
    """Workplaces -52 % in Google's file (below -25): the workplace rule fires, pointing at
    2021-12-07. New cases 68, not above the 0.9 quantile (79) of the 28 days before: the
    case-surge rule is inactive, whatever the posts said."""
    with (data_dir / GOOGLE).open(newline="", encoding="utf-8") as handle:
        row = next(
            r
            for r in csv.DictReader(handle)
            if r["sub_region_1"] == "" and r["date"] == "2021-12-01"
        )
    assert float(row["workplaces_percent_change_from_baseline"]) == -52
    new = _new_cases(data_dir)
    assert (new[date(2021, 12, 1)], _surge(new, date(2021, 12, 1))) == (68, False)
    t = december.triggers.set_index("rule_id")  # type: ignore[attr-defined]
    assert december.rule_set.source.startswith("mined on 2020-03-01..2021-05-22")  # type: ignore[attr-defined]
    assert t.loc[WORKPLACES, "status"] == "active"
    assert t.loc[WORKPLACES, "target_date"] == date(2021, 12, 7)
    assert t.loc[WORKPLACES, "owner"].startswith("NCEMA")
    others = t.drop(index=WORKPLACES)
    assert (others["status"] == "inactive").all()
    assert all("health.new_cases:surge" in p for p in others["premise"])


def test_missing_posts_make_triggers_unevaluable_not_inactive(
    uae: tuple, december: object, data_dir: Path
) -> None:
    """The 2021-12-01 rule set on 2021-12-31: posts stop after 2021-12-29 (the JSON's last
    day with posts) and cases surge (2,426 > 1,815.9), so the case-surge rule's premise is
    unknown -- cannot evaluate -- and the reddit stream is 2 days stale."""
    case, aligned = uae
    with (data_dir / POSTS).open(encoding="utf-8") as handle:
        days = sorted(k for k, v in json.load(handle)["posts_by_day"].items() if v)
    assert days[-1] == "2021-12-29"
    new = _new_cases(data_dir)
    assert (new[date(2021, 12, 31)], _surge(new, date(2021, 12, 31))) == (2426, True)
    rs = december.rule_set  # type: ignore[attr-defined]
    stored = rule_set_from_store(rs.rules, "dec-01", rs.through, case, date(2021, 12, 31))
    result = monitor_day(aligned, case, date(2021, 12, 31), stored=stored)
    t = result.triggers.set_index("rule_id")
    surge_rules = t.drop(index=WORKPLACES)
    assert (surge_rules["status"] == "cannot_evaluate").all()
    assert all(any(i.startswith("social.") for i in u) for u in surge_rules["unknown_inputs"])
    reddit = result.streams[result.streams["source"] == "reddit"]
    assert set(reddit["status"]) == {"missing"}
    assert set(reddit["days_since"]) == {2}
    assert set(reddit["last_observed"]) == {date(2021, 12, 29)}
    assert "reddit: 26 signal(s) missing on 2021-12-31, last observed 2021-12-29" in "\n".join(
        monitor_lines(result)
    )


def test_active_trigger_survives_poisoned_later_days(uae: tuple, december: object) -> None:
    """The same stored rules on 2021-12-01 with every later day poisoned: the same triggers."""
    case, aligned = uae
    rs = december.rule_set  # type: ignore[attr-defined]
    stored = rule_set_from_store(rs.rules, "dec-01", rs.through, case, date(2021, 12, 1))
    clean = monitor_day(aligned, case, date(2021, 12, 1), stored=stored)
    dirty = monitor_day(
        _poisoned(aligned, date(2021, 12, 1)), case, date(2021, 12, 1), stored=stored
    )
    pd.testing.assert_frame_equal(dirty.triggers, clean.triggers)
    columns = ["rule_id", "status", "target_date", "persistence"]
    pd.testing.assert_frame_equal(clean.triggers[columns], december.triggers[columns])  # type: ignore[attr-defined]


def test_replay_outcomes_match_the_aligned_posts(uae: tuple) -> None:
    """Three days from 2021-12-01: each judged outcome is the consequent's posts on the target
    day (> 0: occurred; no posts that day: unknown)."""
    case, aligned = uae
    result = replay(aligned, case, date(2021, 12, 1), date(2021, 12, 3))
    assert list(result.rule_sets["as_of"]) == [date(2021, 12, 1)]
    assert len(result.alerts) == 3 * result.rule_sets["triggers"].iloc[0]
    assert set(result.alerts["status"]) <= {"active", "inactive", "cannot_evaluate"}
    for row in result.alerts.itertuples(index=False):
        signal = row.consequent.split(":")[0] + "_posts"
        value = aligned.values.at[row.target_date, signal]
        expected = "unknown" if np.isnan(value) else ("occurred" if value > 0 else "not_occurred")
        assert row.outcome == expected, (row.as_of, row.rule_id)
    assert "| **overall** |" in replay_table(result.record)


def test_la_wildfire_window_is_too_short_and_says_why(data_dir: Path) -> None:
    case = load_case("la-wildfire")
    aligned = ingest_case(case, data_dir).aligned
    with pytest.raises(ConfigError) as caught:
        replay(aligned, case, date(2025, 1, 3), date(2025, 2, 5))
    text = str(caught.value)
    assert "no day of 2025-01-03..2025-02-05 can have a validated rule set" in text
    assert "23 mining days, needs 28" in text  # int(0.7 x 34) = 23
    assert "(34 days) is too short" in text
    result = monitor_day(aligned, case, date(2025, 2, 5))
    assert "no day of the case window 2025-01-03..2025-02-05 has enough" in result.rule_set.note


@pytest.mark.slow
def test_full_year_replay_of_uae_covid(uae: tuple) -> None:
    """2021-01-01..2021-12-31 re-mined weekly: 53 rule sets, every empty one explained."""
    case, aligned = uae
    result = replay(aligned, case, date(2021, 1, 1), date(2021, 12, 31))
    sets = result.rule_sets
    assert len(sets) == 53
    assert sets["as_of"].iloc[-1] == date(2021, 12, 31)
    assert (sets.loc[sets["triggers"] == 0, "note"].str.len() > 0).all()
    assert sets.loc[sets["triggers"] > 0, "as_of"].min() > date(2021, 9, 1)
    assert result.record["rule_id"].iloc[-1] == "overall"
