"""crisis_fca.fetch against real HTTP servers on 127.0.0.1 serving the shared data folder.

Every server here is a real ``http.server`` in a thread on an ephemeral port; the shared
data folder is only read, downloads land in ``tmp_path``. Sizes and digests of the four
files listed in issue 2 were taken by hand with ``ls -l`` and ``sha256sum``.
"""

from __future__ import annotations

import filecmp
import hashlib
import re
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from crisis_fca.config import CaseConfig, load_case, parse_case
from crisis_fca.errors import FetchError
from crisis_fca.fetch import data_checksums, fetch_case, fetch_source, sha256_file, source_url

LA_CSV = "la-wildfire-2025/LA_mobility.csv"
UAE_POSTS = "uae-covid-2020-2021/reddit_covid_uae_posts_by_day.json"
# issue 2, section 6, and `ls -l` of ../shared/data
BY_HAND = {
    "google_mobility_ae/AE_Region_Mobility_Report_2020-02-15_2022-10-15.csv": (
        763_009,
        "b8d67fe39c41d1c13db51c5fd3afb806b7e9fc30c2f201a565b22043ff3f885d",
    ),
    LA_CSV: (2_558, "c2c876b9bc4c1d97af373543b1b2e70c7077f692609329be942b57280c91c39c"),
    "la-wildfire-2025/reddit_wildfire_posts_by_day.json": (
        86_824,
        "b1a9383a9071d57037eeb0803add5cb38cc3a1b401aa5b16fd45469341a28c65",
    ),
    UAE_POSTS: (2_362_689, "bc68902c7ff95958ad5b9a714424f50ae2381b6c7a7aa7ef25fb98901ec77be6"),
}
LA_SHA = BY_HAND[LA_CSV][1]


def _handler(root: Path, log: list[str | None], mode: str) -> type[SimpleHTTPRequestHandler]:
    """A file server over ``root``; ``mode``: plain (ignores Range), range, or truncate."""

    class Handler(SimpleHTTPRequestHandler):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, directory=str(root), **kwargs)

        def log_message(self, format: str, *args: Any) -> None:
            """Keep test output quiet."""

        def do_GET(self) -> None:
            log.append(self.headers.get("Range"))
            target = Path(self.translate_path(self.path))
            if mode == "range" and self.headers.get("Range") and target.is_file():
                self._send_range(target.read_bytes(), self.headers["Range"])
            elif mode == "truncate" and target.is_file():
                data = target.read_bytes()
                self._send(200, data[: len(data) // 2], {"Content-Length": str(len(data))})
            else:
                super().do_GET()

        def _send_range(self, data: bytes, header: str) -> None:
            match = re.fullmatch(r"bytes=(\d+)-", header)
            assert match, header
            start = int(match.group(1))
            if start >= len(data):
                self._send(416, b"", {"Content-Range": f"bytes */{len(data)}"})
                return
            content_range = f"bytes {start}-{len(data) - 1}/{len(data)}"
            self._send(206, data[start:], {"Content-Range": content_range})

        def _send(self, code: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(code)
            headers = {"Content-Length": str(len(body)), **headers}
            for key, value in headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(body)

    return Handler


@contextmanager
def _serve(root: Path, mode: str = "plain") -> Iterator[tuple[str, list[str | None]]]:
    """Serve ``root`` on 127.0.0.1; yields the base URL and the Range header of each GET."""
    log: list[str | None] = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(root, log, mode))
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", log
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@pytest.fixture
def mirror(data_dir: Path) -> Iterator[tuple[str, list[str | None]]]:
    with _serve(data_dir, "plain") as served:
        yield served


@pytest.fixture
def range_mirror(data_dir: Path) -> Iterator[tuple[str, list[str | None]]]:
    with _serve(data_dir, "range") as served:
        yield served


def _case(**source: Any) -> CaseConfig:
    """A one-source case over the real PeMS file; ``source`` overrides its keys."""
    entry = {"name": "pems", "kind": "pems", "domain": "mobility", "path": LA_CSV, **source}
    raw = {
        "case": {"name": "t", "title": "t"},
        "window": {"start": date(2025, 1, 3), "end": date(2025, 2, 5)},
        "sources": [{k: v for k, v in entry.items() if v is not None}],
    }
    return parse_case(raw)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def test_manifests_carry_the_checksums_measured_by_hand() -> None:
    manifests = {
        s.path: s.sha256 for n in ("uae-covid", "la-wildfire") for s in load_case(n).sources
    }
    for path, (_, sha) in BY_HAND.items():
        assert manifests[path] == sha


@pytest.mark.parametrize(("name", "n_sources"), [("uae-covid", 4), ("la-wildfire", 3)])
def test_fetch_real_case_from_mirror(
    name: str, n_sources: int, mirror: tuple[str, list[str | None]], data_dir: Path, tmp_path: Path
) -> None:
    base_url, log = mirror
    case = load_case(name)
    before = case.model_dump()
    results = fetch_case(case, tmp_path, base_url=base_url)
    assert case.model_dump() == before
    assert [r.source for r in results] == [s.name for s in case.sources]
    assert len(log) == n_sources
    for source, result in zip(case.sources, results, strict=True):
        dest = tmp_path / source.path
        assert result.status == "downloaded"
        assert result.path == dest
        assert _digest(dest) == source.sha256 == result.sha256
        assert filecmp.cmp(dest, data_dir / source.path, shallow=False)
        assert result.bytes == result.size == (data_dir / source.path).stat().st_size
        assert result.url == f"{base_url}/{source.path}"
        if source.path in BY_HAND:
            assert (result.size, result.sha256) == BY_HAND[source.path]
    assert not list(tmp_path.rglob("*.part"))


def test_second_run_is_present_and_downloads_nothing(
    mirror: tuple[str, list[str | None]], tmp_path: Path
) -> None:
    base_url, log = mirror
    case = load_case("la-wildfire")
    fetch_case(case, tmp_path, base_url=base_url)
    assert len(log) == 3
    again = fetch_case(case, tmp_path, base_url=base_url)
    assert len(log) == 3  # no request at all
    assert [r.status for r in again] == ["present"] * 3
    assert [r.bytes for r in again] == [0, 0, 0]
    assert [r.sha256 for r in again] == [s.sha256 for s in case.sources]


def test_resume_with_range_appends_the_rest(
    range_mirror: tuple[str, list[str | None]], data_dir: Path, tmp_path: Path
) -> None:
    base_url, log = range_mirror
    case = load_case("uae-covid")
    source = next(s for s in case.sources if s.path == UAE_POSTS)
    dest = tmp_path / UAE_POSTS
    dest.parent.mkdir(parents=True)
    Path(f"{dest}.part").write_bytes((data_dir / UAE_POSTS).read_bytes()[:1_000_000])
    calls: list[tuple[str, int, int | None]] = []
    result = fetch_source(source, tmp_path, base_url=base_url, progress=lambda *a: calls.append(a))
    assert log == ["bytes=1000000-"]
    assert result.status == "resumed"
    assert result.bytes == 2_362_689 - 1_000_000
    assert _digest(dest) == BY_HAND[UAE_POSTS][1]
    assert not Path(f"{dest}.part").exists()
    assert calls[0] == ("reddit", 1_000_000, 2_362_689)
    assert calls[-1] == ("reddit", 2_362_689, 2_362_689)
    assert [c[1] for c in calls] == sorted(c[1] for c in calls)


def test_server_ignoring_range_restarts_from_zero(
    mirror: tuple[str, list[str | None]], data_dir: Path, tmp_path: Path
) -> None:
    base_url, log = mirror  # SimpleHTTPRequestHandler ignores Range and answers 200
    dest = tmp_path / LA_CSV
    dest.parent.mkdir(parents=True)
    Path(f"{dest}.part").write_bytes(b"stale bytes from another version")
    [result] = fetch_case(_case(sha256=LA_SHA), tmp_path, base_url=base_url)
    assert log == ["bytes=32-"]
    assert (result.status, result.bytes) == ("downloaded", 2_558)
    assert "ignored the Range request" in result.note
    assert filecmp.cmp(dest, data_dir / LA_CSV, shallow=False)


def test_part_as_long_as_the_file_gets_416_and_restarts(
    range_mirror: tuple[str, list[str | None]], tmp_path: Path
) -> None:
    base_url, log = range_mirror
    dest = tmp_path / LA_CSV
    dest.parent.mkdir(parents=True)
    Path(f"{dest}.part").write_bytes(b"x" * 3_000)
    [result] = fetch_case(_case(sha256=LA_SHA), tmp_path, base_url=base_url)
    assert log == ["bytes=3000-", None]
    assert (result.status, result.bytes, result.sha256) == ("downloaded", 2_558, LA_SHA)


def test_interrupted_transfer_keeps_part_and_next_run_resumes(
    data_dir: Path, tmp_path: Path
) -> None:
    dest = tmp_path / LA_CSV
    with _serve(data_dir, "truncate") as (cut_url, _), pytest.raises(FetchError) as info:
        fetch_case(_case(sha256=LA_SHA), tmp_path, base_url=cut_url)
    assert "stopped after 1,279 of 2,558 bytes: the connection closed early" in str(info.value)
    assert "run the same command again to resume" in str(info.value)
    assert not dest.exists()
    assert Path(f"{dest}.part").stat().st_size == 1_279
    with _serve(data_dir, "range") as (base_url, log):
        [result] = fetch_case(_case(sha256=LA_SHA), tmp_path, base_url=base_url)
    assert log == ["bytes=1279-"]
    assert (result.status, result.bytes, result.sha256) == ("resumed", 1_279, LA_SHA)


def test_corrupt_part_fails_checksum_and_leaves_nothing(
    range_mirror: tuple[str, list[str | None]], tmp_path: Path
) -> None:
    base_url, _ = range_mirror
    dest = tmp_path / LA_CSV
    dest.parent.mkdir(parents=True)
    Path(f"{dest}.part").write_bytes(b"#" * 100)  # not the file's first 100 bytes
    with pytest.raises(FetchError) as info:
        fetch_case(_case(sha256=LA_SHA), tmp_path, base_url=base_url)
    message = str(info.value)
    assert "'pems'" in message
    assert f"{base_url}/{LA_CSV}" in message
    assert f"expects {LA_SHA}" in message
    assert re.search(r"has sha256 [0-9a-f]{64}", message)
    assert "update sources.sha256" in message
    assert not dest.exists()
    assert not Path(f"{dest}.part").exists()


def test_wrong_manifest_checksum_names_both_digests(
    mirror: tuple[str, list[str | None]], tmp_path: Path
) -> None:
    base_url, _ = mirror
    with pytest.raises(FetchError, match=f"has sha256 {LA_SHA}, but the case file expects 0{{64}}"):
        fetch_case(_case(sha256="0" * 64), tmp_path, base_url=base_url)
    assert not (tmp_path / LA_CSV).exists()
    assert not Path(f"{tmp_path / LA_CSV}.part").exists()


def test_present_file_with_wrong_checksum_is_downloaded_again(
    mirror: tuple[str, list[str | None]], data_dir: Path, tmp_path: Path
) -> None:
    base_url, log = mirror
    dest = tmp_path / LA_CSV
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"abc")
    [result] = fetch_case(_case(sha256=LA_SHA), tmp_path, base_url=base_url)
    assert len(log) == 1
    assert result.status == "downloaded"
    sha_abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert f"had sha256 {sha_abc}, not {LA_SHA}; downloaded again" in result.note
    assert filecmp.cmp(dest, data_dir / LA_CSV, shallow=False)


def test_present_file_without_url_or_manifest_digest(tmp_path: Path) -> None:
    dest = tmp_path / LA_CSV
    dest.parent.mkdir(parents=True)
    dest.write_bytes(b"abc")
    [unverified] = fetch_case(_case(), tmp_path)
    assert (unverified.status, unverified.size) == ("present", 3)
    assert "not verified" in unverified.note
    with pytest.raises(FetchError, match=r"has sha256 ba7816bf.*no url to download it again"):
        fetch_case(_case(sha256=LA_SHA), tmp_path)
    assert dest.read_bytes() == b"abc"


def test_source_without_url_or_mirror_is_skipped(tmp_path: Path) -> None:
    [result] = fetch_case(_case(sha256=LA_SHA), tmp_path)
    assert (result.status, result.bytes, result.sha256, result.url) == ("skipped", 0, None, None)
    assert "no url" in result.note
    assert str(tmp_path / LA_CSV) in result.note
    assert not (tmp_path / "la-wildfire-2025").exists()


def test_connection_refused_is_a_clear_fetch_error(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(FetchError) as info:
        fetch_case(_case(sha256=LA_SHA), tmp_path, base_url=url)
    message = str(info.value)
    assert f"source 'pems': cannot download {url}/{LA_CSV}" in message
    assert "Connection refused" in message
    assert "check the network connection" in message
    assert "--mirror" in message
    assert f"copy the file by hand to {tmp_path / LA_CSV}" in message
    assert not list(tmp_path.iterdir())


def test_unknown_host_is_a_clear_fetch_error(tmp_path: Path) -> None:
    url = "http://crisis-fca-fetch-test.invalid"  # RFC 2606: never resolves
    with pytest.raises(FetchError, match=r"cannot download http://crisis-fca-fetch-test\.invalid/"):
        fetch_case(_case(), tmp_path, base_url=url, timeout=5)


def test_silent_server_times_out(tmp_path: Path) -> None:
    with socket.socket() as sock:  # accepts connections (backlog) but never answers
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        url = f"http://127.0.0.1:{sock.getsockname()[1]}"
        with pytest.raises(FetchError, match=r"timed out.*check the network connection"):
            fetch_case(_case(), tmp_path, base_url=url, timeout=0.3)


def test_http_404_names_source_url_and_mirror_layout(
    mirror: tuple[str, list[str | None]], tmp_path: Path
) -> None:
    base_url, log = mirror
    with pytest.raises(FetchError) as info:
        fetch_case(_case(), tmp_path, base_url=f"{base_url}/no-such-folder")
    message = str(info.value)
    assert f"cannot download {base_url}/no-such-folder/{LA_CSV}: HTTP 404" in message
    assert "<mirror>/<path>" in message
    assert len(log) == 1
    assert not list(tmp_path.iterdir())


def test_file_url_mirror(data_dir: Path, tmp_path: Path) -> None:
    [result] = fetch_case(_case(sha256=LA_SHA), tmp_path, base_url=data_dir.as_uri())
    assert (result.status, result.sha256) == ("downloaded", LA_SHA)


def test_path_outside_data_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(FetchError, match=r"path '\.\./escape\.csv' points outside the data folder"):
        fetch_case(_case(path="../escape.csv", url="http://127.0.0.1:9/x"), tmp_path)


def test_source_url_prefers_mirror() -> None:
    google, reddit, jhu, _ = load_case("uae-covid").sources
    assert reddit.url is not None
    assert source_url(reddit) == reddit.url
    assert source_url(reddit, "http://m/") == f"http://m/{reddit.path}"
    assert source_url(google, "http://m/") == f"http://m/{google.path}"
    assert source_url(google) is None  # no public byte-identical copy: fetched by mirror or by hand
    assert source_url(jhu) is None


def test_sha256_file_known_digests(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.write_bytes(b"")
    assert sha256_file(empty) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    big = tmp_path / "big"
    big.write_bytes(b"a" * 1_000_000)  # FIPS 180-2 test vector, spans many chunks
    assert sha256_file(big) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"


def test_data_checksums_on_real_folder(data_dir: Path, tmp_path: Path) -> None:
    for name in ("uae-covid", "la-wildfire"):
        case = load_case(name)
        assert data_checksums(case, data_dir) == {s.name: s.sha256 for s in case.sources}
    assert data_checksums(load_case("uae-covid"), tmp_path) == {}
