"""Briefs and reports in a real headless browser: Debian's chromium driven by Playwright.

The pages are opened from disk (file://) with networking disabled in the browser, and
checked for console errors, rendered Plotly figures, a working lattice hover, the brief's
cards, and that a hostile post title / state / region name (``<script>alert(1)</script>``
and ``{{ 7*7 }}``) shows as text and runs nothing. One browser per module; screenshots go
to ``reports/browser/`` (git-ignored) for people to look at. Chromium comes from the
Makefile's ``browser`` target (``apt-get install chromium``); never ``playwright install``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_render_brief import HOSTILE
from test_render_real import la_view

from crisis_fca.config import REPORTS_DIR
from crisis_fca.render import RunView, hasse_layout, sample_run, write_outputs

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
OUT = REPORTS_DIR / "browser"
INJECTED = f"{HOSTILE} {{{{ 7*7 }}}}"
RENDERED = "window.crisisFcaRendered === document.querySelectorAll('.plot').length"


@pytest.fixture(scope="module")
def sample() -> RunView:
    return sample_run(hostile=INJECTED)


@pytest.fixture(scope="module")
def files(sample: RunView):
    return write_outputs(sample, OUT)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: run `make browser` (installs Debian's chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=ARGS)
        yield chromium
        chromium.close()


class Opened:
    """A page loaded from disk, with what it logged, asked and requested."""

    def __init__(self, browser: Any, path: Path, wait_for_plots: bool) -> None:
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.goto(path.as_uri())
        if wait_for_plots:
            self.page.wait_for_function(RENDERED, timeout=60_000)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    @property
    def problems(self) -> list[str]:
        logged = [f"{kind}: {text}" for kind, text in self.console if kind in ("error", "warning")]
        return logged + self.errors + self.dialogs


@pytest.fixture(scope="module")
def report(browser, files) -> Opened:
    return Opened(browser, files.report, wait_for_plots=True)


@pytest.fixture(scope="module")
def brief(browser, files) -> Opened:
    return Opened(browser, files.brief, wait_for_plots=False)


def test_report_renders_every_figure_offline(report: Opened):
    page = report.page
    assert report.problems == []
    assert page.locator(".plot").count() == 6
    assert page.locator('.plot[data-rendered="1"]').count() == 6
    for fig_id in (
        "fig-signals",
        "fig-states",
        "fig-lattice",
        "fig-rules",
        "fig-leads",
        "fig-holdout",
    ):
        assert page.locator(f"#{fig_id} .main-svg").count() >= 1, fig_id
    assert all(url.startswith("file://") for url in report.requests)
    page.screenshot(path=str(OUT / "report.png"), full_page=True)


def test_lattice_hover_shows_a_concept_as_text(report: Opened, sample: RunView):
    layout = hasse_layout(sample.concepts, sample.concept_edges)
    intents = dict(zip(sample.concepts["concept_id"], sample.concepts["intent"], strict=True))
    hostile = next(k for k, cid in enumerate(layout.ids) if any(HOSTILE in s for s in intents[cid]))
    page = report.page
    page.evaluate(
        "k => Plotly.Fx.hover('fig-lattice', [{curveNumber: 1, pointNumber: k}])", hostile
    )
    label = page.locator("#fig-lattice .hoverlayer .hovertext")
    label.wait_for()
    text = label.text_content()
    cid = layout.ids[hostile]
    for part in (f"Concept {cid}", "Intent:", "Extent:", "Stability:", "Days:", HOSTILE):
        assert part in text, part
    assert report.dialogs == []
    page.locator("#section-fig-lattice").screenshot(path=str(OUT / "lattice-hover.png"))


def test_post_titles_in_hovers_are_text(report: Opened, sample: RunView):
    last = sample.posts["date"].max()
    point = list(sample.state_values.index).index(last)
    page = report.page
    curve = page.evaluate(
        "() => document.getElementById('fig-signals').data"
        ".findIndex(t => t.name === 'social.posts')"
    )
    page.evaluate(
        """([c, p]) => {
            const gd = document.getElementById('fig-signals');
            const t = gd.data[c];
            const subplot = (t.xaxis || 'x') + (t.yaxis || 'y');
            Plotly.Fx.hover(gd, [{curveNumber: c, pointNumber: p}], subplot);
        }""",
        [curve, point],
    )
    label = page.locator("#fig-signals .hoverlayer .hovertext")
    label.wait_for()
    assert f"{INJECTED} is trending" in label.text_content()
    assert report.dialogs == []


def test_brief_shows_its_cards_and_links_to_the_report(brief: Opened, sample: RunView, files):
    page = brief.page
    assert brief.problems == []
    actionable = sample.rules["rule_class"].isin(["predictive", "stable_same_day"]).sum()
    cards = page.locator("article.card")
    assert cards.count() == actionable == 5
    assert cards.first.get_attribute("data-rank") == "1"
    assert cards.first.locator(".label").text_content() in ("PREDICTIVE", "SAME-DAY CORRELATION")
    assert page.locator("#failed tbody tr").count() == 2
    href = page.locator("#link-report").get_attribute("href")
    assert (files.brief.parent / href).resolve() == files.report.resolve()
    assert page.locator("#link-brief").count() == 0
    page.screenshot(path=str(OUT / "brief.png"), full_page=True)
    page.screenshot(path=str(OUT / "brief-top.png"))


def test_injected_text_is_shown_and_never_run(brief: Opened, report: Opened):
    for opened, scripts in ((brief, 0), (report, 3)):
        page = opened.page
        assert opened.dialogs == []
        assert page.locator("#case-region").text_content() == f"Sample City {INJECTED}"
        assert page.locator("script").count() == scripts  # only the page's own
        assert page.evaluate("() => document.body.innerText.includes('{{ 7*7 }}')")
    card_text = brief.page.locator("article.card").nth(1).text_content()
    assert HOSTILE in card_text or HOSTILE in brief.page.locator("#rules").text_content()


def test_real_la_report_renders(browser, data_dir: Path):
    files = write_outputs(la_view(data_dir), OUT)
    opened = Opened(browser, files.report, wait_for_plots=True)
    assert opened.problems == []
    assert opened.page.locator('.plot[data-rendered="1"]').count() == 6
    opened.page.screenshot(path=str(OUT / "la-wildfire-report.png"), full_page=True)
    brief = Opened(browser, files.brief, wait_for_plots=False)
    assert brief.problems == []
    assert brief.page.locator("article.card").count() == 1
    brief.page.screenshot(path=str(OUT / "la-wildfire-brief.png"), full_page=True)
