"""Alignment on the daily calendar: statuses, gap policies, masking, errors."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crisis_fca.align import align_signals, calendar, gap_policy_for
from crisis_fca.config import GapPolicy, SignalsConfig, Window
from crisis_fca.errors import EmptyWindowError, SchemaError

WINDOW = Window(start=date(2025, 1, 1), end=date(2025, 1, 10))


def _tidy(rows: list[tuple[str, str, float, float]], source: str = "src") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "signal", "value", "coverage"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.assign(source=source)


def test_calendar_covers_every_day_of_the_window() -> None:
    """The calendar has one row per day, both ends included."""
    days = calendar(WINDOW)
    assert len(days) == 10
    assert days[0] == pd.Timestamp("2025-01-01")
    assert days[-1] == pd.Timestamp("2025-01-10")
    assert days.name == "date"


def test_statuses_and_masking_of_low_coverage_days() -> None:
    """Observed, missing and low-coverage days are told apart; low coverage is masked."""
    tidy = _tidy(
        [
            ("2025-01-01", "m.x", 10.0, 1.0),
            ("2025-01-02", "m.x", 11.0, 1.0),
            ("2025-01-04", "m.x", 5.0, 0.5),  # half day
            ("2025-01-05", "m.x", 12.0, 1.0),
        ]
    )
    aligned = align_signals(tidy, WINDOW, SignalsConfig(min_coverage=0.75))
    status = aligned.status["m.x"]
    assert status["2025-01-01"] == "observed"
    assert status["2025-01-03"] == "missing"
    assert status["2025-01-04"] == "low_coverage"
    assert np.isnan(aligned.values.loc["2025-01-04", "m.x"])
    assert np.isnan(aligned.values.loc["2025-01-03", "m.x"])
    row = aligned.coverage.set_index("signal").loc["m.x"]
    assert (row.observed, row.low_coverage, row.missing, row.filled) == (3, 1, 6, 0)
    assert row["first"] == date(2025, 1, 1)
    assert row["last"] == date(2025, 1, 5)


def test_forward_fill_respects_limit_and_never_fills_before_first_value() -> None:
    """ffill with limit 2 fills two days after a value, then leaves the rest missing."""
    tidy = _tidy([("2025-01-03", "h.a", 1.0, 1.0), ("2025-01-08", "h.a", 2.0, 1.0)])
    cfg = SignalsConfig(gaps={"h.*": GapPolicy(method="ffill", limit=2)})
    aligned = align_signals(tidy, WINDOW, cfg)
    status = aligned.status["h.a"].tolist()
    assert status == [
        "missing", "missing", "observed", "filled", "filled",
        "missing", "missing", "observed", "filled", "filled",
    ]  # fmt: skip
    assert aligned.values.loc["2025-01-05", "h.a"] == 1.0
    assert aligned.values.loc["2025-01-10", "h.a"] == 2.0


def test_interpolation_fills_only_inside_observed_values() -> None:
    """Linear interpolation fills interior gaps, never the edges."""
    tidy = _tidy([("2025-01-02", "m.y", 0.0, 1.0), ("2025-01-06", "m.y", 4.0, 1.0)])
    cfg = SignalsConfig(gaps={"m.y": GapPolicy(method="interpolate")})
    aligned = align_signals(tidy, WINDOW, cfg)
    assert aligned.values.loc["2025-01-04", "m.y"] == pytest.approx(2.0)
    assert np.isnan(aligned.values.loc["2025-01-01", "m.y"])
    assert np.isnan(aligned.values.loc["2025-01-08", "m.y"])


def test_exact_gap_key_beats_pattern() -> None:
    """A signal's own gap policy wins over a domain pattern."""
    cfg = SignalsConfig(
        gaps={"h.*": GapPolicy(method="ffill"), "h.b": GapPolicy(method="interpolate")}
    )
    assert gap_policy_for("h.b", cfg).method == "interpolate"
    assert gap_policy_for("h.c", cfg).method == "ffill"
    assert gap_policy_for("m.c", cfg).method == "none"


def test_rows_outside_the_window_are_ignored() -> None:
    """Days before or after the window do not enter the calendar."""
    tidy = _tidy([("2024-12-31", "m.x", 1.0, 1.0), ("2025-01-05", "m.x", 2.0, 1.0)])
    aligned = align_signals(tidy, WINDOW, SignalsConfig())
    assert aligned.values["m.x"].notna().sum() == 1


def test_duplicate_dates_are_an_error_naming_source_and_signal() -> None:
    """Two values for one day of one signal are refused."""
    tidy = _tidy([("2025-01-05", "m.x", 1.0, 1.0), ("2025-01-05", "m.x", 2.0, 1.0)], source="pems")
    with pytest.raises(SchemaError, match=r"'pems'.*'m\.x'.*2025-01-05"):
        align_signals(tidy, WINDOW, SignalsConfig())


def test_source_without_data_in_window_is_an_error_naming_its_span() -> None:
    """A source whose rows all fall outside the window is reported with its span."""
    tidy = pd.concat(
        [
            _tidy([("2025-01-05", "m.x", 1.0, 1.0)], source="ok"),
            _tidy([("2019-05-01", "h.z", 1.0, 1.0)], source="jhu"),
        ]
    )
    with pytest.raises(EmptyWindowError, match=r"'jhu'.*2019-05-01\.\.2019-05-01"):
        align_signals(tidy, WINDOW, SignalsConfig())


def test_input_is_not_mutated() -> None:
    """Alignment leaves its input frame untouched."""
    tidy = _tidy([("2025-01-05", "m.x", 1.0, 0.2), ("2025-01-06", "m.x", 2.0, 1.0)])
    before = tidy.copy()
    align_signals(tidy, WINDOW, SignalsConfig(default_gap=GapPolicy(method="ffill")))
    pd.testing.assert_frame_equal(tidy, before)


@settings(max_examples=60, deadline=None)
@given(
    st.dictionaries(
        st.integers(min_value=-5, max_value=14),
        st.floats(allow_nan=False, allow_infinity=False, width=32),
        max_size=20,
    )
)
def test_every_observed_value_appears_exactly_once(observations: dict[int, float]) -> None:
    """Alignment keeps each in-window observed value, on its own day, exactly once."""
    start = pd.Timestamp("2025-01-01")
    rows = [
        ((start + pd.Timedelta(days=k)).date().isoformat(), "m.x", v, 1.0)
        for k, v in observations.items()
    ]
    if not any(0 <= k < 10 for k in observations):
        return
    aligned = align_signals(_tidy(rows), WINDOW, SignalsConfig())
    inside = {k: v for k, v in observations.items() if 0 <= k < 10}
    observed = aligned.values["m.x"].dropna()
    assert len(observed) == len(inside)
    for k, v in inside.items():
        assert observed[start + pd.Timedelta(days=k)] == pytest.approx(v)
