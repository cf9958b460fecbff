"""The daily alert brief: order of sections, escaping, the track record as of the day, the
timeline in a real headless browser (Debian's chromium, as in ``test_render_browser``)."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from monitor_helpers import day, toy_aligned, toy_case, x_series

from crisis_fca.monitor import alert_rows, changes_since, monitor_day, replay, track_record
from crisis_fca.render.alert import ReplayEvidence, alert_filename, render_alert, write_alert

HOSTILE = "<script>alert(1)</script> {{ 7*7 }}"
X = x_series()
ACTIVE = next(t for t in range(70, 90) if X[t] and not X[t - 1])
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def case() -> object:
    hostile = {
        "mobility.x:high": {
            "kind": "threshold",
            "signal": "mobility.x",
            "above": 0.5,
            "description": f"x was high {HOSTILE}",
        }
    }
    return toy_case(states=hostile)


@pytest.fixture(scope="module")
def pages(case: object, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    aligned = toy_aligned()
    now = monitor_day(aligned, case, day(ACTIVE))  # type: ignore[arg-type]
    before = monitor_day(aligned, case, day(ACTIVE - 1))  # type: ignore[arg-type]
    history = replay(aligned, case, day(55), day(ACTIVE + 5))  # type: ignore[arg-type]
    evidence = ReplayEvidence(history.alerts, "replay-1", history.start, history.end)
    bare = render_alert(now, case, run_id="m2")  # type: ignore[arg-type]
    full = render_alert(
        now,
        case,  # type: ignore[arg-type]
        run_id="m2",
        changes=changes_since(alert_rows(now), alert_rows(before)),
        previous_run="m1",
        replay=evidence,
    )
    folder = tmp_path_factory.mktemp("alert")
    path = write_alert(folder / alert_filename("toy", "rigorous"), full)
    return {"now": now, "bare": bare, "full": full, "path": path, "history": history}


def test_sections_come_in_the_operators_order(pages: dict[str, object]) -> None:
    page = str(pages["full"])
    marks = ['id="active"', 'id="cannot"', 'id="streams"', 'id="changes"', 'id="record"']
    assert [page.index(m) for m in marks] == sorted(page.index(m) for m in marks)
    assert 'id="active-5a04b4181659b368"' in page
    assert f"on {day(ACTIVE + 2)} (2 days ahead)" in page
    assert "OES" in page
    assert "Post updates" in page
    assert 'data-change="changed"' in page  # inactive the day before, active today
    assert "Compared with monitor run <code>m1</code>" in page


def test_data_is_escaped_and_nothing_is_templated(pages: dict[str, object]) -> None:
    for key in ("bare", "full"):
        page = str(pages[key])
        assert "<script>alert(1)</script>" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt; {{ 7*7 }}" in page
        assert "Toy case &lt;b&gt;bold&lt;/b&gt;" in page


def test_without_a_replay_there_is_no_plotly_and_a_plain_note(pages: dict[str, object]) -> None:
    page = str(pages["bare"])
    assert 'id="no-record"' in page
    assert "crisis-fca replay toy --start DATE --end DATE" in page
    assert "Plotly" not in page
    assert len(page) < 100_000
    assert "This is the first monitor run of this case and profile" in page


def test_track_record_only_counts_alerts_judged_by_the_as_of_day(pages: dict[str, object]) -> None:
    """The replay runs 5 days past the as-of day; the brief keeps targets up to that day."""
    history = pages["history"]
    alerts = history.alerts  # type: ignore[attr-defined]
    known = alerts[alerts["target_date"] <= pd.Timestamp(day(ACTIVE))]
    assert len(known) < len(alerts)
    overall = track_record(known).set_index("rule_id").loc["overall"]
    row = re.search(r'<tr id="record-overall">(.*?)</tr>', str(pages["full"]), re.S)
    assert row is not None
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row.group(1))
    assert cells[:6] == [
        "Overall (all triggers)",
        str(overall["scored"]),
        str(overall["alerts"]),
        str(overall["hits"]),
        str(overall["false_alarms"]),
        str(overall["misses"]),
    ]
    assert f"whose target day had come by {day(ACTIVE)}" in str(pages["full"])


def test_timeline_json_cannot_close_its_script_element(pages: dict[str, object]) -> None:
    page = str(pages["full"])
    data = re.search(r'<script type="application/json" id="figure-data">(.*?)</script>', page, re.S)
    assert data is not None
    assert '"fig-timeline"' in data.group(1)
    assert "<" not in data.group(1)


def test_timeline_renders_offline_in_a_headless_browser(pages: dict[str, object]) -> None:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-sync"]
    errors: list[str] = []
    dialogs: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=args)
        page = browser.new_page()
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(Path(str(pages["path"])).as_uri())
        page.wait_for_function("window.crisisFcaRendered === 1", timeout=20_000)
        assert page.get_attribute("#fig-timeline", "data-rendered") == "1"
        legend = page.locator("#fig-timeline .legendtext").all_text_contents()
        title = page.locator("h3").first.text_content()
        browser.close()
    assert errors == []
    assert dialogs == []
    assert "hit" in legend
    assert title is not None
    assert "<script>alert(1)</script>" in title


def test_a_stream_never_observed_reads_never_not_nan(
    pages: dict[str, object], case: object
) -> None:
    now = pages["now"]
    streams = now.streams  # type: ignore[attr-defined]
    never = streams.iloc[:1].assign(
        signal="social.z", status="missing", last_observed=None, days_since=None, stale=True
    )
    both = pd.concat([streams, never], ignore_index=True)
    page = render_alert(replace(now, streams=both), case)  # type: ignore[type-var, arg-type]
    row = re.search(r"<td>social.z</td>(.*?)</tr>", page, re.S)
    assert row is not None
    assert "<td>never</td>" in row.group(1)
    assert ">n/a</td>" in row.group(1)
    assert "nan" not in page.lower().replace("nanosecond", "")
