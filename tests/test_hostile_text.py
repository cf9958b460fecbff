"""Hostile text from the data and the configuration: shown as text, never run or evaluated.

A synthetic case (``tests/bad_inputs/hostile-text.toml``) whose post titles and bodies, case
title, region and state descriptions hold HTML and JavaScript, a Markdown link to
``javascript:``, template syntax (``{{ 7*7 }}``, ``{% ... %}``), SQL, 400- and 3,000-letter
words, zero-width and bidi-override characters. Its data are built so that one rule is found and
briefed with example posts. It runs through ``crisis-fca run``; then:

- the brief and the report, opened in headless Chromium (the launch helper of
  ``test_render_browser``), raise no dialog, gain no element or script from the data, and
  show each string as the literal text it is (``{{ 7*7 }}`` is never 49);
- the pages carry the HTML-escaped strings, never the raw tags, and a long word does not
  widen the brief past the window;
- the DuckDB store holds the SQL strings verbatim and its tables are all still there.
"""

from __future__ import annotations

import json
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from test_bad_inputs import CORPUS
from test_render_browser import Opened, browser  # noqa: F401  (the module's browser fixture)

from crisis_fca.cli import main
from crisis_fca.config import load_case

SCRIPT = "<script>alert('title')</script>"
IMG = '<img src=x onerror="alert(1)">'
SVG = '"><svg onload=alert(2)>'
BREAKOUT = "</script><script>alert(3)</script>"
MARKDOWN = "[click me](javascript:alert(4))"
TEMPLATE = "{{ 7*7 }} {% for i in range(3) %}loop{% endfor %} ${7*7}"
SQL = "Robert'); DROP TABLE runs; --"
LONG = "A" * 3000
INVISIBLE = "zero\u200bwidth\u200cnon\u200djoiner\ufeffbom \u202eoverride\u202c end"
TITLES = (f"{SCRIPT} {IMG} {INVISIBLE}", f"{SVG} {BREAKOUT} {MARKDOWN}", f"{TEMPLATE} {SQL}")
BODY = f"{LONG} {INVISIBLE} {SCRIPT}"  # not shown in the pages, but scored and counted
CASE = load_case(CORPUS / "hostile-text.toml")


def _data(folder: Path) -> None:
    """100 days: x on at random (seed 8); 3 hostile posts on an 'on' day, 1 otherwise."""
    rng = np.random.default_rng(8)
    days = [CASE.window.start + timedelta(days=i) for i in range(100)]
    on = rng.random(100) < 0.4
    (folder / "hostile").mkdir(parents=True)
    rows = "".join(f"{d},{int(x)}\n" for d, x in zip(days, on, strict=True))
    (folder / "hostile" / "daily.csv").write_text("date,x\n" + rows, "utf-8")
    by_day = {
        d.isoformat(): [
            {
                "post_id": f"{d:%m%d}-{k}",
                "title": TITLES[k],
                "text": BODY,
                "subreddit": "<b>sub</b>",
                "created_utc": f"{d}T0{k + 1}:00:00+00:00",
                "score": k,
            }
            for k in range(3 if x else 1)
        ]
        for d, x in zip(days, on, strict=True)
    }
    (folder / "hostile" / "posts.json").write_text(
        json.dumps({"metadata": {}, "posts_by_day": by_day}, ensure_ascii=False), "utf-8"
    )


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    root = tmp_path_factory.mktemp("hostile")
    _data(root / "data")
    case = root / "hostile-text.toml"
    shutil.copy(CORPUS / "hostile-text.toml", case)
    db, out = root / "crisis.duckdb", root / "out"
    code = main(
        ["run", str(case), "--data-dir", str(root / "data"), "--db", str(db), "--out", str(out)]
    )
    assert code == 0
    return {
        "db": db,
        "brief": out / "hostile-text-rigorous-brief.html",
        "report": out / "hostile-text-rigorous-report.html",
    }


def test_the_run_briefs_a_rule_with_the_hostile_posts(hostile_run: dict[str, Any]) -> None:
    """The case is built so that the brief has a card quoting the posts (else nothing is shown)."""
    con = duckdb.connect(str(hostile_run["db"]), read_only=True)
    try:
        rules = con.execute("SELECT premise, consequent, lead, rule_class FROM rules").fetchall()
    finally:
        con.close()
    assert (["daily.x:on"], "social.posts:many", 0, "stable_same_day") in rules, rules
    html = hostile_run["brief"].read_text("utf-8")
    assert html.count('<ul class="posts">') >= 1


def test_pages_hold_escaped_text_and_no_raw_markup(hostile_run: dict[str, Any]) -> None:
    """No tag from the data reaches the HTML as a tag; the escaped form is what is there."""
    brief = hostile_run["brief"].read_text("utf-8")
    report = hostile_run["report"].read_text("utf-8")
    for html in (brief, report):
        for raw in ("<script>alert", "<img src=x", "<svg onload", "<b>sub</b>", "<b>case</b>"):
            assert raw not in html, raw
    assert "&lt;script&gt;alert(&#39;title&#39;)&lt;/script&gt;" in brief
    assert "{{ 7*7 }}" in brief  # template syntax from the data is not a template
    assert brief.count("<script") == 0  # the brief runs nothing at all (CSP: no script-src)


def test_browser_runs_nothing_and_shows_the_text(
    browser: Any,  # noqa: F811
    hostile_run: dict[str, Any],
) -> None:
    """Headless Chromium: no dialog, no injected element, every string shown as text."""
    brief = Opened(browser, hostile_run["brief"], wait_for_plots=False)
    report = Opened(browser, hostile_run["report"], wait_for_plots=True)
    for opened, own_scripts in ((brief, 0), (report, 3)):
        page = opened.page
        assert opened.dialogs == []
        assert opened.errors == []
        assert page.locator("script").count() == own_scripts
        injected = "img[src='x'], svg[onload], a[href^='javascript']"
        assert page.locator(injected).count() == 0
        text = page.evaluate("() => document.body.innerText")
        assert CASE.case.region in text  # region: raw tag and {{ 7*7 }}, as text
        assert "{{ 7*7 }}" in text
    text = brief.page.evaluate("() => document.body.innerText")
    for title in TITLES:
        assert " ".join(title.split()) in text, title
    assert SQL in text
    assert "W" * 400 in text.replace("\n", "")  # a 400-letter word from a state description
    for opened in (brief, report):
        width = opened.page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= 1280, width  # ... wraps instead of widening the page
    hover = _hover_posts(report.page)
    for title in TITLES:
        assert " ".join(title.split())[:90] in hover, title  # the figure's 90-character cut
    assert report.dialogs == []  # hovering ran nothing either


def _hover_posts(page: Any) -> str:
    """Hover the post count of a day with three posts; return the label's text."""
    page.evaluate(
        """() => {
            const gd = document.getElementById('fig-signals');
            const c = gd.data.findIndex(t => t.name === 'social.posts');
            const t = gd.data[c];
            const p = t.hovertext.findIndex(h => h.includes('alert(3)'));
            const subplot = (t.xaxis || 'x') + (t.yaxis || 'y');
            Plotly.Fx.hover(gd, [{curveNumber: c, pointNumber: p}], subplot);
        }"""
    )
    label = page.locator("#fig-signals .hoverlayer .hovertext")
    label.wait_for()
    return str(label.text_content())


def test_sql_is_stored_verbatim(hostile_run: dict[str, Any]) -> None:
    """Strings with quotes and SQL are values in the store, never statements."""
    con = duckdb.connect(str(hostile_run["db"]), read_only=True)
    try:
        descriptions = dict(con.execute("SELECT state, description FROM states").fetchall())
        summary = con.execute("SELECT rendered_text FROM briefs WHERE rule_id IS NULL").fetchone()
        tables = {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        runs = con.execute("SELECT count(*) FROM runs").fetchone()
    finally:
        con.close()
    defined = CASE.states.define
    assert descriptions["daily.x:on"] == defined["daily.x:on"].description
    assert "'); DELETE FROM states; --" in descriptions["daily.x:on"]
    assert summary is not None
    assert summary[0].startswith(CASE.case.title)
    assert {"runs", "states", "rules", "briefs", "signals"} <= tables
    assert runs == (1,)
