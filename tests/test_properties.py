"""Properties of the pure stages, checked on inputs hypothesis generates.

Not repeated here (already properties elsewhere): alignment of one signal without gap
policy (``test_align``), states keep index and bool dtype and never look ahead
(``test_states``), lattice laws and stability (``test_lattice``), store round trip
(``test_store``). Added:

- the CSV and posts readers lose nothing: every cell / post written comes back, once;
- alignment keeps every observed value exactly once under any gap policy and coverage;
- rule counts equal a brute-force loop over calendar days, for any states, unknowns,
  leads and lags (the loop is ``test_rules_mining._brute``);
- the holdout never reaches mining: any change to the holdout days leaves the mined
  candidates identical;
- no ``<`` from data reaches the pages as markup: the brief's tag structure does not
  depend on the text in it, Plotly hover lines hold no tag, and the report's figure JSON
  cannot close its ``<script>`` element.
"""

from __future__ import annotations

import csv
import io
import json
import math
from dataclasses import replace
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rules_mining import _brute

from crisis_fca.align import align_signals
from crisis_fca.config import GapPolicy, PostsSource, SignalsConfig, Window
from crisis_fca.ingest._common import read_table
from crisis_fca.ingest.posts import read_posts_by_day
from crisis_fca.render import render_brief, sample_run
from crisis_fca.render.figjson import script_safe
from crisis_fca.render.figures import _titles_by_day
from crisis_fca.rules import (
    ClassConfig,
    MiningConfig,
    NullConfig,
    StateFrames,
    ValidationConfig,
    build_context,
    holdout_start,
    validate_rules,
)
from crisis_fca.rules.mining import enumerate_candidates

FAST = settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30
)
HOSTILE = st.one_of(
    TEXT,
    st.sampled_from(
        ["<script>alert(1)</script>", "</script>", '"><img src=x onerror=alert(1)>',
         "{{ 7*7 }}", "{% if 1 %}x{% endif %}", "&lt;b&gt;", "<!--", "]]>", "'); DROP TABLE x;--",
         "\u202eevil\u202c", "a\u200bb"]
    ),
)  # fmt: skip


# --- the readers lose nothing --------------------------------------------------------------


@settings(FAST, max_examples=40)
@given(
    rows=st.lists(st.lists(TEXT, min_size=3, max_size=3), min_size=1, max_size=8),
    bom=st.booleans(),
    crlf=st.booleans(),
)
def test_read_table_returns_every_cell_once(
    tmp_path: Path, rows: list[list[str]], bom: bool, crlf: bool
) -> None:
    """Any cells, quoted by csv, with or without BOM and CRLF, come back stripped, in order."""
    rows = [r for r in rows if any(c.strip() for c in r)]  # all-empty records are dropped
    if not rows:
        return
    buffer = io.StringIO(newline="")
    bare_cr = any("\r" in c for r in rows for c in r)  # csv quotes it only if in the terminator
    quoting = csv.QUOTE_ALL if bare_cr else csv.QUOTE_MINIMAL
    writer = csv.writer(buffer, lineterminator="\r\n" if crlf else "\n", quoting=quoting)
    writer.writerows([["a", "b", "c"], *rows])
    path = tmp_path / "t.csv"
    path.write_text(("\ufeff" if bom else "") + buffer.getvalue(), "utf-8", newline="")
    table = read_table(path, "prop")
    assert table.to_numpy().tolist() == [[c.strip() for c in r] for r in rows]


@settings(FAST, max_examples=40)
@given(
    days=st.dictionaries(
        st.dates(date(2020, 1, 1), date(2020, 12, 31)).map(date.isoformat),
        st.lists(st.tuples(st.one_of(st.none(), TEXT), st.one_of(st.none(), TEXT)), max_size=4),
        max_size=6,
    )
)
def test_posts_reader_keeps_every_post_once(
    tmp_path: Path, days: dict[str, list[tuple[str | None, str | None]]]
) -> None:
    """Every post comes back once on its day, its text intact (null read as empty)."""
    by_day = {
        day: [{"post_id": f"{day}-{i}", "title": t, "text": b} for i, (t, b) in enumerate(posts)]
        for day, posts in days.items()
    }
    path = tmp_path / "p.json"
    path.write_text(json.dumps({"posts_by_day": by_day}), "utf-8")
    source = PostsSource(name="reddit", kind="posts_by_day", domain="social", path="p.json")
    data = read_posts_by_day(source, path)
    expected = sorted(
        (p["post_id"], p["title"] or "", p["text"] or "") for ps in by_day.values() for p in ps
    )
    assert data.posts is not None
    got = sorted(zip(data.posts["post_id"], data.posts["title"], data.posts["text"], strict=True))
    assert got == expected
    counts = data.signals.set_index("date")["value"]
    for day, posts in days.items():
        assert counts.get(pd.Timestamp(day), 0) == len(posts)


# --- alignment ---------------------------------------------------------------------------------

WINDOW = Window(start=date(2025, 1, 1), end=date(2025, 1, 14))
POLICY = st.builds(
    GapPolicy, method=st.sampled_from(["none", "ffill", "interpolate"]), limit=st.integers(0, 3)
)


@settings(FAST, max_examples=80)
@given(
    observations=st.dictionaries(
        st.tuples(st.sampled_from(["m.a", "s.b", "h.c"]), st.integers(-3, 17)),
        st.tuples(
            st.floats(-1e6, 1e6, allow_nan=False),
            st.sampled_from([1.0, 0.9, 0.5, 0.1]),
        ),
        min_size=1,
        max_size=30,
    ),
    policy=POLICY,
    min_coverage=st.sampled_from([0.25, 0.75, 1.0]),
)
def test_alignment_keeps_every_observation_under_any_gap_policy(
    observations: dict[tuple[str, int], tuple[float, float]],
    policy: GapPolicy,
    min_coverage: float,
) -> None:
    """Observed days keep their value exactly; masked days are NaN; fills only fill gaps."""
    start = pd.Timestamp(WINDOW.start)
    rows = [
        (start + pd.Timedelta(days=k), signal, value, cover)
        for (signal, k), (value, cover) in observations.items()
    ]
    tidy = pd.DataFrame(rows, columns=["date", "signal", "value", "coverage"]).assign(source="s")
    inside = {key: v for key, v in observations.items() if 0 <= key[1] < 14}
    if not inside:
        return
    cfg = SignalsConfig(min_coverage=min_coverage, default_gap=policy)
    aligned = align_signals(tidy, WINDOW, cfg)
    for (signal, k), (value, cover) in inside.items():
        day = start + pd.Timedelta(days=k)
        status, got = aligned.status.at[day, signal], aligned.values.at[day, signal]
        if cover >= min_coverage:
            assert (status, got) == ("observed", value)
        else:
            assert status == "low_coverage"
            assert math.isnan(got)
    for signal in aligned.values.columns:
        status, values = aligned.status[signal], aligned.values[signal]
        seen = {k for (s, k) in inside if s == signal}
        for k, day in enumerate(aligned.values.index):
            if k not in seen:
                assert status[day] in ("filled", "missing")
                assert (status[day] == "filled") == (not math.isnan(values[day]))
        assert policy.method != "none" or not (status == "filled").any()
        row = aligned.coverage.set_index("signal").loc[signal]
        assert row.observed + row.filled + row.low_coverage + row.missing == 14


# --- rules: counts and the holdout ----------------------------------------------------------

LOOSE = ClassConfig(min_support=0.0, min_days=1, max_prevalence=None)


@st.composite
def state_frames(draw: st.DrawFn) -> StateFrames:
    """2-4 states over 6-25 days, any values, any unknown days."""
    days = draw(st.integers(6, 25))
    names = draw(
        st.lists(
            st.sampled_from(["m.a:on", "m.b:on", "s.c:on", "s.d:on", "h.e:on"]),
            min_size=2,
            max_size=4,
            unique=True,
        )
    )
    index = pd.date_range("2021-01-01", periods=days, name="date")
    bits = draw(st.lists(st.booleans(), min_size=days * len(names), max_size=days * len(names)))
    gaps = draw(st.lists(st.booleans(), min_size=days * len(names), max_size=days * len(names)))
    values = pd.DataFrame(np.array(bits).reshape(days, -1), index=index, columns=names)
    known = ~pd.DataFrame(np.array(gaps).reshape(days, -1), index=index, columns=names)
    meta = pd.DataFrame(
        {
            "domain": [n.split(".")[0] for n in names],
            "signal": [n.split(":")[0] for n in names],
            "parts": [() for _ in names],
        },
        index=names,
    )
    return StateFrames(values & known, known, meta)


@settings(FAST, max_examples=30)
@given(
    states=state_frames(),
    leads=st.sets(st.integers(0, 3), min_size=1).map(lambda s: tuple(sorted(s))),
    lags=st.sets(st.integers(1, 2)).map(lambda s: tuple(sorted(s))),
    size=st.integers(1, 2),
)
def test_rule_counts_equal_brute_force(
    states: StateFrames, leads: tuple[int, ...], lags: tuple[int, ...], size: int
) -> None:
    """n / premise / consequent / support days of every rule = a loop over calendar days."""
    mining = MiningConfig(same_day=LOOSE, predictive=LOOSE, leads=leads, lags=lags,
                          max_premise=size)  # fmt: skip
    rules = enumerate_candidates(build_context(states, mining), mining).rules
    got = {
        (p, c): (n, pd_, cd, a)
        for p, c, n, pd_, cd, a in rules[
            ["premise", "consequent", "n_days", "premise_days", "consequent_days", "support_days"]
        ].itertuples(index=False)
    }
    assert got == _brute(states, mining)


@settings(FAST, max_examples=10)
@given(
    states=state_frames(),
    fraction=st.sampled_from([0.5, 0.6, 0.7, 0.8]),
    noise=st.integers(0, 2**32 - 1),
)
def test_the_holdout_never_reaches_mining(states: StateFrames, fraction: float, noise: int) -> None:
    """Replacing every holdout day by noise leaves the mined candidates unchanged."""
    mining = MiningConfig(leads=(0, 1), lags=(1,), same_day=LOOSE, predictive=LOOSE,
                          null=NullConfig(shifts=20, min_offset=1))  # fmt: skip
    validation = ValidationConfig(train_fraction=fraction, folds=0, min_holdout_days=0)
    split = holdout_start(pd.DatetimeIndex(states.values.index), validation)
    if len(states.values) - split <= 1:
        return  # a lead of 1 needs two holdout days (the run refuses it; see _check_leads)
    rng = np.random.default_rng(noise)
    values, known = states.values.copy(), states.known.copy()
    values.iloc[split:] = rng.random(values.iloc[split:].shape) < 0.5
    known.iloc[split:] = rng.random(known.iloc[split:].shape) < 0.7
    changed = StateFrames(values & known, known, states.meta)
    base = validate_rules(states, mining, validation).mining
    other = validate_rules(changed, mining, validation).mining
    pd.testing.assert_frame_equal(base.candidates, other.candidates)


# --- rendering: no markup from data -------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, tuple[str, ...]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, tuple(name for name, _ in attrs)))

    def handle_endtag(self, tag: str) -> None:
        self.tags.append(("/" + tag, ()))


def _structure(html: str) -> list[tuple[str, tuple[str, ...]]]:
    parser = _Tags()
    parser.feed(html)
    parser.close()
    return parser.tags


@pytest.fixture(scope="module")
def sample() -> object:
    return sample_run()


@pytest.fixture(scope="module")
def plain_structure(sample: object) -> list[tuple[str, tuple[str, ...]]]:
    return _structure(render_brief(_with_text(sample, "plain")))  # type: ignore[arg-type]


def _with_text(view: object, text: str) -> object:
    """The sample run with ``text`` in the region, title, descriptions and post titles."""
    meta = replace(view.meta, region=f"City {text}", title=f"Case {text}")  # type: ignore[attr-defined]
    states = view.states.assign(description=lambda f: f["description"] + " " + text)  # type: ignore[attr-defined]
    posts = view.posts.assign(  # type: ignore[attr-defined]
        title=[f"#{i} {text}" for i in range(len(view.posts))]  # type: ignore[attr-defined]
    )
    return replace(view, meta=meta, states=states, posts=posts)  # type: ignore[type-var]


@settings(FAST, max_examples=15)
@given(text=HOSTILE)
def test_the_briefs_markup_never_depends_on_the_text_in_it(
    sample: object, plain_structure: list[tuple[str, tuple[str, ...]]], text: str
) -> None:
    """Tags and attribute names of the brief are the same whatever text the data holds."""
    html = render_brief(_with_text(sample, text))  # type: ignore[arg-type]
    assert _structure(html) == plain_structure


@settings(max_examples=100, deadline=None)
@given(titles=st.lists(HOSTILE, min_size=1, max_size=5))
def test_plotly_hover_lines_hold_no_tag_but_their_own(titles: list[str]) -> None:
    """Plotly reads tags in hover text (<a href>, <span style>): post titles bring none."""
    posts = pd.DataFrame(
        {"date": "2020-03-01", "post_id": [f"p{i}" for i in range(len(titles))], "title": titles}
    )
    for line in _titles_by_day(posts).values():
        assert "<" not in line.replace("<br>", "")
        assert ">" not in line.replace("<br>", "")


@settings(max_examples=100, deadline=None)
@given(
    value=st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), HOSTILE),
        lambda inner: st.one_of(
            st.lists(inner, max_size=4), st.dictionaries(HOSTILE, inner, max_size=4)
        ),
        max_leaves=12,
    )
)
def test_figure_json_cannot_close_its_script_element(value: object) -> None:
    """The report's embedded JSON holds no < > & at all, and still reads back the same."""
    text = script_safe(json.dumps(value))
    assert not set(text) & set("<>&")
    assert json.loads(text) == value


# --- fuzzing the adapters (slow: --run-slow) -----------------------------------------------

TOKENS = [
    b",", b";", b'"', b"\n", b"\r\n", b"\r", b"\x00", b"\xff", b"\xef\xbb\xbf", b"\xed\xa0\x80",
    b"{", b"}", b"[", b"]", b":", b"null", b"NaN", b"-inf", b"1e999", b"9" * 400, b"%", b"0:00",
    b"2099-01-01", b"13/45/2020", b"\\ud83d", b"\xe9", "😷".encode(), b" ",
]  # fmt: skip
MUTATION = st.tuples(
    st.floats(0, 1), st.sampled_from(["insert", "replace", "delete", "cut"]),
    st.one_of(st.sampled_from(TOKENS), st.binary(max_size=6)),
)  # fmt: skip


def _seeds(shared: Path) -> dict[str, tuple[object, bytes]]:
    """One small real file per adapter, and the source record that reads it."""
    from crisis_fca.config import (
        CalfireSource,
        DailyCsvSource,
        GoogleMobilitySource,
        JhuSource,
        PemsSource,
    )  # fmt: skip

    google = shared / "google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv"
    google_lines = google.read_bytes().splitlines(keepends=True)[:25]
    jhu = (shared / "jhu_csse_covid19_ae/time_series_covid19_confirmed_global_AE.csv").read_bytes()
    jhu_small = b"\n".join(b",".join(line.split(b",")[:40]) for line in jhu.splitlines()) + b"\n"
    posts = json.loads((shared / "la-wildfire-2025/reddit_wildfire_posts_by_day.json").read_bytes())
    posts["posts_by_day"] = dict(list(posts["posts_by_day"].items())[:3])
    calfire = (shared / "calfire_palisades_fire_2025/calfire_updates_cleaned.csv").read_bytes()
    base = {"name": "src", "domain": "d", "path": "f"}
    return {
        "pems": (PemsSource(kind="pems", **base),
                 (shared / "la-wildfire-2025/LA_mobility.csv").read_bytes()),
        "google": (GoogleMobilitySource(kind="google_mobility", **base), b"".join(google_lines)),
        "posts": (PostsSource(kind="posts_by_day", **base), json.dumps(posts).encode()),
        "daily": (DailyCsvSource(kind="daily_csv", **base),
                  b"date,x,y\n2020-01-01,1,2.5\n2020-01-02,,3\n2020-01-03,4,-1\n"),
        "jhu": (JhuSource(kind="jhu_csse", country="United Arab Emirates", measure="m", **base),
                jhu_small),
        "calfire": (CalfireSource(kind="calfire", **base),
                    b"".join(calfire.splitlines(keepends=True)[:30])),
    }  # fmt: skip


def _mutate(data: bytes, mutations: list[tuple[float, str, bytes]]) -> bytes:
    for where, kind, payload in mutations:
        at = int(where * len(data))
        if kind == "insert":
            data = data[:at] + payload + data[at:]
        elif kind == "replace":
            data = data[:at] + payload + data[at + len(payload) :]
        elif kind == "delete":
            data = data[:at] + data[at + max(len(payload), 1) :]
        else:
            data = data[:at]
    return data


@pytest.mark.slow
@pytest.mark.parametrize("adapter", ["pems", "google", "posts", "daily", "jhu", "calfire"])
def test_fuzz_adapters_fail_only_with_a_message(
    adapter: str, data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Mutated real files: an adapter returns tidy signals or raises CrisisFCAError, nothing else.

    Bounded: 400 mutated files per adapter (about 10-40 s each). A crash found here becomes a
    case in tests/bad_inputs/cases.toml once fixed.
    """
    from crisis_fca.errors import CrisisFCAError
    from crisis_fca.ingest import SIGNAL_COLUMNS, read_source

    source, seed = _seeds(data_dir)[adapter]
    folder = tmp_path_factory.mktemp(f"fuzz-{adapter}")

    @settings(max_examples=400, deadline=None, database=None)
    @given(mutations=st.lists(MUTATION, min_size=1, max_size=4))
    def fuzz(mutations: list[tuple[float, str, bytes]]) -> None:
        (folder / "f").write_bytes(_mutate(seed, mutations))
        try:
            data = read_source(source, folder)  # type: ignore[arg-type]
        except CrisisFCAError as exc:
            message = str(exc)
        else:
            message = None
        if message is not None:
            assert "src" in message, message  # names the source
            return
        assert tuple(data.signals.columns) == SIGNAL_COLUMNS
        assert data.signals["value"].map(math.isfinite).all()
        assert data.signals["coverage"].between(0, 1).all()

    fuzz()


JSON_VALUE = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10)),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=6,
)


@pytest.mark.slow
def test_fuzz_posts_structure_fails_only_with_a_message(
    data_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Any JSON value put anywhere in a real posts file: posts back, or a CrisisFCAError."""
    from crisis_fca.errors import CrisisFCAError
    from crisis_fca.ingest import read_source

    source, seed = _seeds(data_dir)["posts"]
    folder = tmp_path_factory.mktemp("fuzz-posts-structure")

    @settings(max_examples=1000, deadline=None, database=None)
    @given(
        steps=st.lists(st.integers(0, 50), max_size=4),
        field=st.sampled_from([None, "title", "text", "created_utc", "score", "post_id"]),
        value=JSON_VALUE,
    )
    def fuzz(steps: list[int], field: str | None, value: object) -> None:
        document = json.loads(seed)
        parent, key, node = None, None, document
        for step in steps:  # walk to a random place in the document
            if not isinstance(node, dict | list) or not node:
                break
            key = list(node)[step % len(node)] if isinstance(node, dict) else step % len(node)
            parent, node = node, node[key]
        if field and isinstance(node, dict):
            node[field] = value
        elif parent is not None:
            parent[key] = value  # type: ignore[index]
        else:
            document = value
        (folder / "f").write_text(json.dumps(document), "utf-8")
        try:
            read_source(source, folder)  # type: ignore[arg-type]
        except CrisisFCAError as exc:
            assert "src" in str(exc)  # noqa: PT017 (any adapter error is fine; it must name the source)

    fuzz()
