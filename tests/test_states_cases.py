"""States of the two shipped cases on the real data, through ingest, text scoring and alignment.

The `study` profile must reproduce the reference study's binary matrices: for the UAE, the
29 feature prevalences its pipeline printed (HamzaArshad2004/css-project-covid,
results/summary_report.txt at 2f39b1c7); for Los Angeles, its 33 x 19 matrix cell for cell
(HamzaArshad2004/css-project-wildfire, data/processed/fca_binary_matrix.csv at 2d81f817).
"""

from __future__ import annotations

import csv
import warnings
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from crisis_fca.align import AlignedSignals
from crisis_fca.config import load_case
from crisis_fca.pipeline import ingest_case
from crisis_fca.states import BaselineOverlapWarning, build_states, states_for_case

# Percent of 671 days in the study's summary report, as day counts (each rounds to it).
UAE_STUDY_DAYS = {
    "mobility.retail:drop": 141,  # 21.0 %
    "mobility.transit:drop": 363,  # 54.1
    "mobility.workplaces:drop": 107,  # 15.9
    "mobility.residential:increase": 289,  # 43.1
    "mobility.grocery:spike": 286,  # 42.6
    "mobility.restrictions:severe": 87,  # 13.0
    "mobility.restrictions:partial": 279,  # 41.6
    "social.sentiment:negative": 41,  # 6.1
    "social.sentiment:positive": 258,  # 38.5
    "social.sentiment:shift": 392,  # 58.4
    "social.sentiment:improved": 202,  # 30.1
    "social.sentiment:worsened": 190,  # 28.3
    "social.fear:present": 53,  # 7.9
    "social.anger:present": 15,  # 2.2
    "social.sadness:present": 31,  # 4.6
    "social.anxiety:present": 28,  # 4.2
    "social.emotion:fear_dominant": 570,  # 84.9
    "social.emotion:mixed": 21,  # 3.1
    "social.covid:present": 570,  # 84.9
    "social.lockdown:present": 214,  # 31.9
    "social.vaccine:present": 302,  # 45.0
    "social.health:present": 391,  # 58.3
    "social.compliance:present": 223,  # 33.2
    "social.governance:present": 182,  # 27.1
    "social.solidarity:present": 295,  # 44.0
    "calendar.weekend": 191,  # 28.5
    "cross.emotion_mobility:both": 60,  # 8.9  emotion_with_mobility_signal
    "cross.emotion_mobility:emotion_only": 39,  # 5.8  emotion_mobility_mismatch
    "cross.emotion_mobility:calm": 266,  # 39.6  calm_mobile_baseline
}

# The study's LA matrix: the days (2025-MM-DD) on which each of its 19 columns is 1.
LA_STUDY_DAYS = {
    "mobility.traffic:congested": "01-07 01-08 01-15 01-16 01-17 01-21 01-22 01-23 01-24 01-28 "
    "01-29 01-30 01-31 02-04",
    "social.sentiment:negative": "01-03 01-07 01-11 01-20 01-24 01-25 01-26 01-28 01-29 02-01 "
    "02-03",
    "social.sentiment:positive": "01-12 02-04",
    "social.sentiment:shift": "01-08 01-11 01-12 01-13 01-20 01-21 01-22 01-24 01-26 01-30 01-31 "
    "02-03 02-04",
    "social.sentiment:improved": "01-08 01-12 01-21 01-26 01-30 02-04",
    "social.sentiment:worsened": "01-11 01-13 01-20 01-22 01-24 01-31 02-03",
    "social.fear:present": "01-07 01-08 01-09 01-15 01-17 01-18 01-20 01-22 01-23 01-24 01-25 "
    "01-28 02-03",
    "social.anger:present": "01-07 01-09 01-13 01-15 01-17 01-22 01-24",
    "social.sadness:present": "01-08 01-09 01-10 01-13 01-16 01-17 01-22 01-23 01-25 01-30 02-01",
    "social.anxiety:present": "01-08 01-13",
    "social.emotion:fear_dominant": "01-08 01-20 01-23 01-25 02-03",
    "social.emotion:mixed": "01-08 01-09 01-13 01-17 01-22",
    "social.evacuation:present": "01-10 01-17 01-22",
    "social.governance:present": "01-13 01-14 01-15 01-16 01-17 01-18 01-19 01-21 01-22 01-23 "
    "01-24 01-25 01-26 01-27 01-30 02-01",
    "social.solidarity:present": "01-09 01-10 01-12 01-13 01-14 01-15 01-16 01-17 01-18 01-19 "
    "01-20 01-21 01-22 01-27 01-28 01-30 01-31 02-02",
    "calendar.weekend": "01-05 01-11 01-12 01-18 01-19 01-25 01-26 02-01 02-02",
    "cross.emotion_mobility:emotion_only": "01-03 01-09 01-11 01-18 01-20 01-25 01-26 02-01 02-03",
    "cross.emotion_mobility:calm": "01-05 01-06 01-10 01-12 01-13 01-14 01-19 01-27 02-02",
    "cross.emotion_mobility:both": "01-07 01-08 01-15 01-17 01-22 01-23 01-24 01-28 01-29",
}


@pytest.fixture(scope="module")
def uae_study(data_dir: Path) -> AlignedSignals:
    """UAE aligned signals scored the study's way (substring keywords); ~6 s of VADER."""
    return ingest_case(load_case("uae-covid", profile="study"), data_dir).aligned


@pytest.fixture(scope="module")
def la_rigorous(data_dir: Path) -> AlignedSignals:
    """LA aligned signals, rigorous profile (whole-word keywords)."""
    return ingest_case(load_case("la-wildfire"), data_dir).aligned


def test_uae_study_profile_reproduces_the_29_state_matrix(uae_study: AlignedSignals) -> None:
    """Same 29 states, all known on all 671 days, with the study's day counts."""
    case = load_case("uae-covid", profile="study")
    states = states_for_case(uae_study, case)
    assert states.values.shape == (671, 29)
    assert states.known.all().all()
    assert states.values.sum().to_dict() == UAE_STUDY_DAYS
    # the 85 % "dominant fear" is the tie rule: fear was named in posts on only 53 days
    fear_named = states.values["social.fear:present"]
    assert int((states.values["social.emotion:fear_dominant"] & ~fear_named).sum()) == 570 - 52


def test_uae_rigorous_states_leave_no_post_days_unknown(uae_study: AlignedSignals) -> None:
    """51 days have no posts: every social state is unknown there, not False; the weekend is
    Friday-Saturday; the dominant emotion needs a strict winner."""
    case = load_case("uae-covid")
    states = states_for_case(uae_study, case)
    no_posts = uae_study.values["social.sentiment"].isna()
    assert int(no_posts.sum()) == 51
    social = [c for c in states.values.columns if c.startswith("social.")]
    assert not states.known.loc[no_posts, social].any().any()
    assert states.known.loc[~no_posts, "social.fear:present"].all()
    weekend = states.values.index[states.values["calendar.weekend"]]
    assert set(weekend.day_name()) == {"Friday", "Saturday"}
    assert len(weekend) == 191
    assert int(states.values["social.emotion:fear_dominant"].sum()) < 60
    mobility = list(UAE_STUDY_DAYS)[:7]
    assert states.values[mobility].sum().to_dict() == {k: UAE_STUDY_DAYS[k] for k in mobility}
    described = states.meta["description"].str.len() > 20
    assert described.all()


def test_la_study_profile_reproduces_the_33_day_matrix_cell_for_cell(data_dir: Path) -> None:
    """The study's 33 rows (2025-01-04 had no source), 19 states after its feature filter;
    fear on 13 days, congestion on 14; its ignition-including baseline warns loudly."""
    case = load_case("la-wildfire", profile="study")
    aligned = ingest_case(case, data_dir).aligned
    with pytest.warns(BaselineOverlapWarning, match="runs to 2025-01-09.*event start 2025-01-07"):
        states = states_for_case(aligned, case)
    days = states.values.index.strftime("%m-%d")
    assert len(days) == 33
    assert "01-04" not in days
    assert (days[0], days[-1]) == ("01-03", "02-05")
    assert states.known.all().all()
    got = {name: " ".join(days[states.values[name]]) for name in states.values.columns}
    assert got == LA_STUDY_DAYS
    assert states.pruned == (
        "mobility.vmt:drop",
        "mobility.traffic:evacuation_pattern",
        "social.fire:present",
        "social.misinformation:present",
        "social.information_gap:present",
    )


def _pems(data_dir: Path) -> dict[str, tuple[float, float, float]]:
    """PeMS rows read with csv: day -> (TTI, Delay, lane points)."""
    out = {}
    with (data_dir / "la-wildfire-2025/LA_mobility.csv").open(newline="") as f:
        for row in csv.DictReader(f):
            m, d, y = row["Day"].split()[0].split("/")
            day = f"{y}-{int(m):02d}-{int(d):02d}"
            delay = float(row["Delay (V_t=35) (Veh-Hours)"].replace(",", ""))
            out[day] = (float(row["TTI"]), delay, float(row["# Lane Points"]))
    return out


def test_la_rigorous_profile_uses_a_pre_ignition_baseline_by_day_type(
    data_dir: Path, la_rigorous: AlignedSignals
) -> None:
    """Baseline = 2025-01-05 (Sun) for weekends, 2025-01-06 (Mon) for weekdays; the half-day
    2025-02-05 and the two days before the PeMS file starts are unknown, not collapses."""
    pems = _pems(data_dir)
    full = max(p[2] for p in pems.values())
    base = {True: pems["2025-01-05"][1], False: pems["2025-01-06"][1]}
    expected = sorted(
        day
        for day, (tti, delay, lanes) in pems.items()
        if lanes == full
        and (tti > 1.15 or delay > 1.3 * base[date.fromisoformat(day).weekday() >= 5])
    )
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no baseline warning in the rigorous profile
        states = states_for_case(la_rigorous, load_case("la-wildfire"))
    assert len(states.values) == 34
    congested = states.values["mobility.traffic:congested"]
    assert [d.strftime("%Y-%m-%d") for d in congested.index[congested]] == expected
    unknown = states.known.index[~states.known["mobility.traffic:congested"]]
    assert [d.strftime("%m-%d") for d in unknown] == ["01-03", "01-04", "02-05"]
    assert not states.known.loc["2025-02-05", "mobility.vmt:drop"]
    assert states.values["calendar.phase:pre_ignition"].sum() == 4


def test_build_states_takes_the_aligned_values_frame_directly(la_rigorous: AlignedSignals) -> None:
    """states_for_case is build_states on (values, case.states, event_start, status)."""
    case, aligned = load_case("la-wildfire"), la_rigorous
    direct = build_states(
        aligned.values, case.states, event_start=case.case.event_start, status=aligned.status
    )
    pd.testing.assert_frame_equal(direct.values, states_for_case(aligned, case).values)
