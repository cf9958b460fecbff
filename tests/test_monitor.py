"""The monitor on a hand-made case whose every answer follows from x by hand.

The toy case (``monitor_helpers``): social.y copies mobility.x two days later and has no
posts every eleventh day, so the only rule is ``x:high -> y:high[t+2]``; the expected
triggers, outcomes and track record are recomputed here from the x series with plain
Python. Covers: history requirements, as-of truncation (and that it matters), three-valued
evaluation, stream staleness, hindsight refusals, the replay's record vs persistence, and
the store's ``alerts`` table and ``alert_outcomes`` view.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import duckdb
import numpy as np
import pandas as pd
import pytest
from monitor_helpers import DAYS, START, day, toy_aligned, toy_case, x_series, y_missing
from store_helpers import run_record

from crisis_fca.config import load_case
from crisis_fca.errors import ConfigError, LeakageError, StorageError
from crisis_fca.monitor import (
    alert_rows,
    changes_since,
    first_feasible_day,
    history,
    monitor_day,
    monitor_lines,
    replay,
    score_alerts,
    states_as_of,
    track_record,
    truncate_aligned,
)
from crisis_fca.monitor.asof import null_min_rows
from crisis_fca.monitor.ruleset import RuleSet, rule_set_from_store, select_triggers
from crisis_fca.monitor.triggers import evaluate_triggers, stream_status
from crisis_fca.rules import NullConfig
from crisis_fca.rules.null import admissible_offsets
from crisis_fca.states import StateSet, build_states
from crisis_fca.store import (
    latest_alert_run,
    migrate,
    query,
    read_alerts,
    stored_rules,
    write_alerts,
    write_run,
)

X = x_series()
RULE_ID = "5a04b4181659b368"  # store.rule_id(["mobility.x:high"], "social.y:high", 2)


@pytest.fixture(scope="module")
def toy() -> tuple[object, object]:
    return toy_case(), toy_aligned()


# --- history --------------------------------------------------------------------------------


def test_history_splits_like_validation_and_names_what_is_missing() -> None:
    """10 days: 7 training (int(0.7 x 10)), 3 holdout; both below what validation needs."""
    case = toy_case()
    short = history(pd.date_range(START, periods=10), case)
    assert (short.train_days, short.holdout_days, short.enough) == (7, 3, False)
    assert "7 mining days, needs 28" in short.problems[0]
    assert "3 holdout days, needs 7" in short.problems[1]  # 5 firing days + the 2-day lead
    # 40 days: 28 training days (0.7 x 40), 12 holdout: enough; 39 days give 27 < 28
    assert history(pd.date_range(START, periods=40), case).enough
    assert not history(pd.date_range(START, periods=39), case).enough
    assert first_feasible_day(pd.date_range(START, periods=DAYS), case) == day(39)
    # [monitor] holdout_days: the last N days are the holdout, the rest trains
    fixed = history(pd.date_range(START, periods=50), toy_case(monitor={"holdout_days": 10}))
    assert (fixed.train_days, fixed.holdout_days, fixed.holdout_start) == (40, 10, day(40))


def test_null_minimum_matches_the_null_models_own_offsets() -> None:
    """The fewest rows whose p-value floor 1/(1+K) reaches 0.05 (K >= 19), checked against
    ``admissible_offsets``: toy (min offset 5) 28 rows, uae-covid (min offset 30) 34 rows."""
    for case, rows in ((toy_case(), 28), (load_case("uae-covid"), 34)):
        null = NullConfig(min_offset=case.mining.null.min_offset)
        assert null_min_rows(case) == rows
        assert len(admissible_offsets(rows, null)) == 19
        assert len(admissible_offsets(rows - 1, null)) == 18
    off = toy_case(mining={"null": {"enabled": False}, "leads": [2]})
    assert null_min_rows(off) == 0


def test_too_little_history_is_said_plainly(toy: tuple) -> None:
    case, aligned = toy
    result = monitor_day(aligned, case, day(9))
    assert result.rule_set.rules.empty
    assert result.triggers.empty
    assert "too little history to validate any rule as of 2021-01-10" in result.rule_set.note
    assert "the first as-of day on which validation can be attempted is 2021-02-09" in (
        result.rule_set.note
    )
    assert monitor_lines(result)[1].startswith("TOO LITTLE HISTORY: too little history")


# --- monitor --------------------------------------------------------------------------------


def test_monitor_mines_on_the_past_and_evaluates_by_hand(toy: tuple) -> None:
    """As of day 80: 81 days, 56 training (0.7 x 81), the one rule, evaluated on x[80]."""
    case, aligned = toy
    result = monitor_day(aligned, case, day(80))
    rs = result.rule_set
    assert rs.through == day(80)
    assert rs.source == "mined on 2021-01-01..2021-02-25 and validated on 2021-02-26..2021-03-22"
    rule = rs.rules.iloc[0]
    assert (len(rs.rules), rule["rule_id"], rule["consequent"], rule["lead"]) == (
        1,
        RULE_ID,
        "social.y:high",
        2,
    )
    # training: days t in 0..53 (t + 2 inside the 56 training days) with y on t + 2 known
    known = [t for t in range(54) if not y_missing(t + 2)]
    premise = sum(X[t] for t in known)
    assert rule["premise_days"] == premise
    assert rule["confidence"] == 1.0
    assert rule["lift"] == pytest.approx(len(known) / premise)
    row = result.triggers.iloc[0]
    assert row["status"] == ("active" if X[80] else "inactive")
    assert (row["target_date"], row["warning_days"]) == (day(82), 2)
    assert bool(row["persistence"]) == bool(X[78])  # y on day 80 is x on day 78
    assert row["owner"] == "OES"
    assert row["action"] == "Post updates"
    assert "training: confidence 100.0 %" in row["evidence"]


def _poisoned(aligned: object, cut: date) -> object:
    """Every day after ``cut`` replaced: other values, other statuses, data where none was."""
    values, status = aligned.values.copy(), aligned.status.copy()  # type: ignore[attr-defined]
    later = values.index > pd.Timestamp(cut)
    rng = np.random.default_rng(99)
    values.loc[later] = rng.normal(0, 50, size=values.loc[later].shape)
    status.loc[later] = "observed"
    return replace(aligned, values=values, status=status)  # type: ignore[type-var]


def test_no_day_after_the_as_of_day_is_read(toy: tuple) -> None:
    """Poisoned later days, or no later days at all: the same answer."""
    case, aligned = toy
    d = day(80)
    base = monitor_day(aligned, case, d)
    for other in (_poisoned(aligned, d), truncate_aligned(aligned, d, case)):
        again = monitor_day(other, case, d)
        pd.testing.assert_frame_equal(again.triggers, base.triggers)
        pd.testing.assert_frame_equal(again.streams, base.streams)
        pd.testing.assert_frame_equal(again.rule_set.rules, base.rule_set.rules)
        assert (again.rule_set.source, again.rule_set.note) == (base.rule_set.source, "")


def test_unknown_inputs_cannot_be_evaluated_and_streams_say_why(toy: tuple) -> None:
    """x missing on day 80: the trigger cannot be evaluated (not inactive); sensors stale."""
    case, aligned = toy
    values, status = aligned.values.copy(), aligned.status.copy()
    values.loc[pd.Timestamp(day(80)), "mobility.x"] = np.nan
    status.loc[pd.Timestamp(day(80)), "mobility.x"] = "missing"
    gap = replace(aligned, values=values, status=status)
    stored = monitor_day(aligned, case, day(80)).rule_set
    result = monitor_day(gap, case, day(80), stored=stored)
    row = result.triggers.iloc[0]
    assert row["status"] == "cannot_evaluate"
    assert row["unknown_inputs"] == ("mobility.x:high",)
    assert row["missing"] == "mobility.x:high unknown on 2021-03-22 (mobility.x missing)"
    sensors = result.streams.set_index("signal").loc["mobility.x"]
    assert (sensors["status"], sensors["last_observed"], sensors["days_since"]) == (
        "missing",
        day(79),
        1,
    )
    assert sensors["stale"]
    assert sensors["used_by"] == (RULE_ID,)
    text = "\n".join(monitor_lines(result))
    assert "CANNOT EVALUATE (inputs unknown; not the same as inactive): 1" in text
    assert (
        "  - sensors: 1 signal(s) missing on 2021-03-22, last observed 2021-03-21, 1 day before; "
        "trigger inputs among them: mobility.x"
    ) in text


def test_stream_status_on_a_day_without_posts(toy: tuple) -> None:
    """Day 16 has no posts (16 % 11 == 5): social.y last observed the day before."""
    case, aligned = toy
    streams = stream_status(truncate_aligned(aligned, day(16), case), day(16))
    y = streams.set_index("signal").loc["social.y"]
    assert (y["status"], y["last_observed"], y["days_since"], y["stale"]) == (
        "missing",
        day(15),
        1,
        True,
    )
    x = streams.set_index("signal").loc["mobility.x"]
    assert (x["days_since"], x["stale"]) == (0, False)
    lenient = stream_status(truncate_aligned(aligned, day(16), case), day(16), stale_after_days=1)
    assert not lenient["stale"].any()  # one day late is within [monitor] stale_after_days = 1


def test_stored_rules_that_saw_later_days_are_refused(toy: tuple) -> None:
    case, aligned = toy
    rules = monitor_day(aligned, case, day(80)).rule_set.rules
    with pytest.raises(LeakageError, match=r"stored run r1 used data up to 2021-03-31, after"):
        rule_set_from_store(rules, "r1", day(89), case, day(80))
    with pytest.raises(LeakageError, match="data of unknown days"):
        rule_set_from_store(rules, "r1", None, case, day(80))
    later = RuleSet(day(90), rules, "stored run r2", run_id="r2")
    with pytest.raises(LeakageError, match="after the as-of day 2021-03-22"):
        monitor_day(aligned, case, day(80), stored=later)
    ok = rule_set_from_store(rules, "r1", day(70), case, day(80))
    assert ok.through == day(70)
    assert len(ok.rules) == 1


def test_as_of_cut_refuses_interpolation_and_days_outside_the_window(toy: tuple) -> None:
    case, aligned = toy
    interpolating = toy_case(signals={"gaps": {"social.*": {"method": "interpolate"}}})
    with pytest.raises(LeakageError, match=r"\['social.y'\] are gap-filled by linear interp"):
        truncate_aligned(aligned, day(50), interpolating)
    with pytest.raises(ConfigError, match="as-of day 2020-12-31 is outside the case window"):
        monitor_day(aligned, case, START - timedelta(days=1))


def test_states_are_built_from_the_cut_data_and_the_cut_matters(toy: tuple) -> None:
    """A centred STL state reads later days; built as of day 50 it equals a build on days
    0..50 alone and differs from the whole-window build on some day up to 50. A subset
    build gives the same values as the full build for the states it keeps."""
    stl = {
        "mobility.x:odd": {
            "kind": "stl",
            "signal": "mobility.x",
            "window": 21,
            "mode": "centered",
            "above": 0.5,
            "description": "x above its weekly pattern",
        }
    }
    case, aligned = toy_case(states=stl), toy[1]
    cut = pd.Timestamp(day(50))
    as_of = states_as_of(aligned, case, day(50))
    alone = build_states(aligned.values.loc[:cut], case.states, status=aligned.status.loc[:cut])
    whole = build_states(aligned.values, case.states, status=aligned.status)
    pd.testing.assert_frame_equal(as_of.values, alone.values)
    assert (as_of.values["mobility.x:odd"] != whole.values.loc[:cut, "mobility.x:odd"]).any()
    subset = states_as_of(aligned, case, day(50), states={"social.y:high"})
    assert list(subset.values.columns) == ["social.y:high"]
    pd.testing.assert_frame_equal(subset.values, as_of.values[["social.y:high"]])


# --- three-valued triggers ------------------------------------------------------------------


def _hand_states() -> StateSet:
    """3 days; a true; b unknown on the last day; d false; c unknown on the last day."""
    index = pd.date_range("2021-05-01", periods=3, name="date")
    values = pd.DataFrame(
        {
            "m.a:on": [True, True, True],
            "s.b:on": [True, False, False],
            "s.c:on": [False, True, False],
            "s.d:on": [False] * 3,
        },
        index=index,
    )
    known = values | True
    known.loc[index[2], ["s.b:on", "s.c:on"]] = False
    meta = pd.DataFrame(
        {"domain": ["m", "s", "s", "s"]}, index=pd.Index(values.columns, name="state")
    )
    return StateSet(values & known, known, meta)


def test_triggers_follow_kleene_logic() -> None:
    rules = pd.DataFrame(
        {
            "rule_id": ["ab", "ad_b", "lag", "gone"],
            "premise": [("m.a:on", "s.b:on"), ("s.b:on", "s.d:on"), ("m.a:on[t-2]",), ("x.z:on",)],
            "consequent": ["s.c:on", "s.c:on", "s.d:on", "s.c:on"],
            "lead": [1, 1, 0, 3],
        }
    )
    out = evaluate_triggers(rules, _hand_states(), date(2021, 5, 3)).set_index("rule_id")
    assert out.loc["ab", "status"] == "cannot_evaluate"  # a true, b unknown
    assert out.loc["ab", "unknown_inputs"] == ("s.b:on",)
    assert out.loc["ad_b", "status"] == "inactive"  # d known false: false whatever b is
    assert out.loc["lag", "status"] == "active"  # a held two days earlier (2021-05-01)
    assert (out.loc["lag", "warning_days"], out.loc["lag", "target_date"]) == (2, date(2021, 5, 5))
    assert out.loc["gone", "status"] == "cannot_evaluate"  # a state that was not built
    assert pd.isna(out.loc["ab", "persistence"])  # c unknown on the as-of day
    assert pd.notna(out.loc["lag", "persistence"])  # d known false that day
    assert not out.loc["lag", "persistence"]


def test_select_triggers_by_class_warning_and_persistence() -> None:
    rules = pd.DataFrame(
        {
            "rule_id": ["p", "same", "lagged0", "weak"],
            "premise": [("a",), ("a",), ("a", "b[t-2]"), ("a",)],
            "consequent": ["c", "c", "c", "c"],
            "lead": [2, 0, 0, 1],
            "rule_class": ["predictive", "stable_same_day", "predictive", "predictive"],
            "beats_persistence": [True, None, True, False],
        }
    )
    assert list(select_triggers(rules, toy_case())["rule_id"]) == ["p", "weak"]
    strict = toy_case(monitor={"require_beats_persistence": True})
    assert list(select_triggers(rules, strict)["rule_id"]) == ["p"]
    both = toy_case(monitor={"classes": ["predictive", "stable_same_day"], "min_warning_days": 0})
    assert list(select_triggers(rules, both)["rule_id"]) == ["lagged0", "p", "same", "weak"]


# --- replay ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy_replay(toy: tuple) -> object:
    case, aligned = toy
    return replay(aligned, case, day(60), day(79))


def test_replay_alerts_and_outcomes_by_hand(toy_replay: object) -> None:
    """Re-mined on days 60, 67, 74; each day active iff x held; outcome = y two days later."""
    r = toy_replay
    assert list(r.rule_sets["as_of"]) == [day(60), day(67), day(74)]  # type: ignore[attr-defined]
    assert list(r.rule_sets["triggers"]) == [1, 1, 1]  # type: ignore[attr-defined]
    a = r.alerts.set_index("as_of")  # type: ignore[attr-defined]
    for t in range(60, 80):
        row = a.loc[pd.Timestamp(day(t))]
        assert row["status"] == ("active" if X[t] else "inactive")
        outcome = "unknown" if y_missing(t + 2) else ("occurred" if X[t] else "not_occurred")
        assert row["outcome"] == outcome
        assert pd.isna(row["persistence"]) if y_missing(t) else row["persistence"] == bool(X[t - 2])
        assert row["rules_through"] == pd.Timestamp(day(60 + 7 * ((t - 60) // 7)))
        if X[t] and outcome == "occurred":
            assert row["outcome_offset"] == 0


def test_track_record_against_persistence_by_hand(toy_replay: object) -> None:
    days = [t for t in range(60, 80) if not y_missing(t + 2) and not y_missing(t)]
    fired = [t for t in days if X[t]]
    base = {
        "alerts": sum(X[t - 2] for t in days),
        "hits": sum(X[t - 2] and X[t] for t in days),
        "false_alarms": sum(X[t - 2] and not X[t] for t in days),
        "misses": sum(not X[t - 2] and X[t] for t in days),
    }
    quiet = len(days) - len(fired)
    peirce = base["hits"] / len(fired) - base["false_alarms"] / quiet
    overall = toy_replay.record.set_index("rule_id").loc["overall"]  # type: ignore[attr-defined]
    assert overall["scored"] == len(days)
    assert (overall["alerts"], overall["hits"], overall["false_alarms"], overall["misses"]) == (
        len(fired),
        len(fired),
        0,
        0,
    )
    assert (overall["peirce"], overall["lead_error"]) == (1.0, 0.0)
    assert {k: overall[f"persistence_{k}"] for k in base} == base
    assert overall["persistence_peirce"] == pytest.approx(peirce)
    assert bool(overall["beats_persistence"])


def test_replay_range_must_fit_and_a_short_window_is_explained(toy: tuple) -> None:
    case, aligned = toy
    with pytest.raises(ConfigError, match="must lie inside the case window"):
        replay(aligned, case, START - timedelta(days=1), day(10))
    short = toy_case(window={"start": START, "end": day(29)})
    with pytest.raises(
        ConfigError,
        match=r"(?s)no day of 2021-01-01..2021-01-30 can have a "
        r"validated rule set.*\(30 days\) is too short",
    ):
        replay(toy_aligned(30), short, START, day(29))


def test_monitor_and_replay_do_not_modify_their_inputs(toy: tuple) -> None:
    case, aligned = toy
    before = (aligned.values.copy(), aligned.status.copy(), aligned.coverage.copy())
    monitor_day(aligned, case, day(45))
    replay(aligned, case, day(45), day(47))
    for kept, now in zip(before, (aligned.values, aligned.status, aligned.coverage), strict=True):
        pd.testing.assert_frame_equal(kept, now)


# --- changes and the store ------------------------------------------------------------------


def test_changes_since_the_previous_run(toy: tuple) -> None:
    """A day with x low then a day with x high: the trigger changed inactive -> active."""
    case, aligned = toy
    low = next(t for t in range(60, 80) if not X[t] and X[t + 1])
    before = alert_rows(monitor_day(aligned, case, day(low)))
    now = alert_rows(monitor_day(aligned, case, day(low + 1)))
    change = changes_since(now, before).iloc[0]
    assert (change["change"], change["before"], change["after"]) == (
        "changed",
        "inactive",
        "active",
    )
    assert change["rule"] == "When x: high, expect y: high 2 days later."
    assert change["previous_as_of"] == day(low)
    assert changes_since(now, None).empty


def test_alerts_round_trip_and_the_view_scores_like_python(toy_replay: object) -> None:
    """The store's alert_outcomes verdicts equal score_alerts; SQL counts equal the record."""
    con = duckdb.connect(":memory:")
    alerts = toy_replay.alerts  # type: ignore[attr-defined]
    run_id = write_alerts(con, alerts)
    back = read_alerts(con, run_id)
    mine = score_alerts(alerts).sort_values(["as_of", "rule_id"]).reset_index(drop=True)
    for column in ("verdict", "persistence_verdict", "scored"):
        assert back[column].tolist() == mine[column].tolist(), column
    assert (
        back["lead_time_error"].fillna(-99).tolist() == mine["lead_time_error"].fillna(-99).tolist()
    )
    sql = query(
        con,
        "SELECT count(*) FILTER (verdict = 'hit') AS hits, "
        "count(*) FILTER (persistence_verdict = 'false_alarm') AS fa "
        "FROM alert_outcomes WHERE run_id = ? AND scored",
        [run_id],
    )
    overall = track_record(alerts).set_index("rule_id").loc["overall"]
    assert (sql["hits"].iloc[0], sql["fa"].iloc[0]) == (
        overall["hits"],
        overall["persistence_false_alarms"],
    )
    con.close()


def test_alert_writes_are_checked_and_all_or_nothing(toy_replay: object) -> None:
    con = duckdb.connect(":memory:")
    migrate(con)
    alerts = toy_replay.alerts  # type: ignore[attr-defined]
    with pytest.raises(StorageError, match=r"table 'alerts'.*missing \['outcome'\]"):
        write_alerts(con, alerts.drop(columns="outcome"))
    doubled = pd.concat([alerts, alerts.iloc[:1]], ignore_index=True)
    with pytest.raises(StorageError, match=r"writing table .alerts. of run .*duplicate key"):
        write_alerts(con, doubled)
    assert query(con, "SELECT count(*) AS n FROM alerts")["n"].iloc[0] == 0
    first = write_alerts(con, alerts.assign(mode="monitor"))
    second = write_alerts(con, alerts.assign(mode="monitor"))
    assert latest_alert_run(con, "toy", "rigorous", "monitor") == second
    assert latest_alert_run(con, "toy", "rigorous", "monitor", exclude=second) == first
    assert latest_alert_run(con, "toy", "rigorous", "replay") is None
    # a run for an earlier day is never compared with one for a later day
    assert latest_alert_run(con, "toy", "rigorous", "monitor", through=day(78)) is None
    early = write_alerts(
        con, alerts[alerts["as_of"] <= pd.Timestamp(day(70))].assign(mode="monitor")
    )
    assert latest_alert_run(con, "toy", "rigorous", "monitor", through=day(78)) == early
    assert latest_alert_run(con, "toy", "rigorous", "monitor") == second
    con.close()


def test_stored_rules_come_with_the_days_their_run_read(toy: tuple) -> None:
    """A stored run's rules, and max(signals.date) as the last day it read."""
    case, aligned = toy
    rules = monitor_day(aligned, case, day(80)).rule_set.rules
    signals = pd.DataFrame(
        {
            "date": pd.to_datetime([day(0), day(70)]),
            "signal": "mobility.x",
            "value": 1.0,
            "status": "observed",
        }
    )
    con = duckdb.connect(":memory:")
    run_id = write_run(con, run_record(case="toy"), {"rules": rules, "signals": signals})
    found = stored_rules(con, "toy", "rigorous")
    assert found is not None
    assert (found.run_id, found.first_day, found.through) == (
        run_id,
        day(0),
        day(70),
    )
    assert found.rules["rule_id"].tolist() == [RULE_ID]
    assert stored_rules(con, "toy", "study") is None
    with pytest.raises(StorageError, match="not a successful run of other/rigorous"):
        stored_rules(con, "other", "rigorous", run_id)
    con.close()
