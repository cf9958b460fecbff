"""Download a case's public sources: resumable, checksum-verified, atomic.

Each source in a case file names a ``path`` inside the data folder and, optionally, the
public ``url`` it comes from and its ``sha256``. :func:`fetch_case` makes the data folder
match that manifest:

* a file already present whose SHA-256 matches is left alone (``present``), so a second
  run downloads nothing; a present file with the wrong digest is downloaded again;
* bytes go to ``<path>.part`` first; if a ``.part`` is left over from an interrupted run,
  an HTTP ``Range`` request asks for the rest (``resumed``); a server that ignores
  ``Range`` (answers 200) is read from the start instead;
* the finished ``.part`` is checked against the manifest's digest and only then moved into
  place with :func:`os.replace`, which is atomic on one file system -- the final path never
  holds a half-written or unverified file;
* with ``base_url`` (the CLI's ``--mirror``) every source is read from
  ``base_url + "/" + path`` instead of its own ``url``, which is how tests serve the shared
  data folder and how an offline site can use a local copy.

Every failure (no network, DNS, refused connection, HTTP error, short transfer, wrong
digest) is a :class:`~crisis_fca.errors.FetchError` naming the source, the URL and the way
out. Methods: HTTP range requests and ``206 Partial Content`` / ``416`` as in RFC 9110
sections 14.2 and 15.3.7; SHA-256 as in FIPS 180-4 (via :mod:`hashlib`). Standard library
only (:mod:`urllib.request`), so fetching needs no extra dependency.
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO, Literal

from crisis_fca.errors import FetchError

if TYPE_CHECKING:
    from crisis_fca.config import CaseConfig, Source

__all__ = [
    "FetchResult",
    "FetchStatus",
    "ProgressCallback",
    "data_checksums",
    "fetch_case",
    "fetch_source",
    "sha256_file",
    "source_url",
]

FetchStatus = Literal["downloaded", "present", "resumed", "skipped"]
ProgressCallback = Callable[[str, int, "int | None"], None]
"""``progress(source_name, bytes_done, bytes_total_or_None)``, called as chunks arrive."""

_CHUNK = 1 << 16
_SCHEMES = ("http", "https", "file")
_USER_AGENT = "crisis-fca-fetch/0.1 (python urllib)"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


@dataclass(frozen=True)
class FetchResult:
    """What :func:`fetch_source` did for one source."""

    source: str
    """The source's name in the case file."""
    path: Path
    """Where the file is (or would be) in the data folder."""
    status: FetchStatus
    """``downloaded``, ``present`` (verified, untouched), ``resumed`` or ``skipped``."""
    bytes: int
    """Bytes received over the network in this run (0 when present or skipped)."""
    size: int
    """Size of the file at ``path`` afterwards (0 when skipped and absent)."""
    sha256: str | None
    """Digest of the file at ``path`` afterwards; ``None`` when there is none."""
    url: str | None = None
    """The address read from (``None`` when the source has no URL and no mirror is set)."""
    note: str = ""
    """A plain-language remark: why it was skipped, re-downloaded or restarted."""


@dataclass(frozen=True)
class _Transfer:
    status: FetchStatus
    received: int
    note: str = ""


def source_url(source: Source, base_url: str | None = None) -> str | None:
    """The address to download ``source`` from: the mirror if given, else its ``url``.

    Example:
        >>> from crisis_fca.config import PemsSource
        >>> src = PemsSource(name="pems", kind="pems", domain="mobility", path="la/LA mobility.csv")
        >>> source_url(src) is None
        True
        >>> source_url(src, "http://127.0.0.1:8000/data/")
        'http://127.0.0.1:8000/data/la/LA%20mobility.csv'
    """
    if base_url:
        return base_url.rstrip("/") + "/" + urllib.parse.quote(source.path.lstrip("/"))
    return source.url


def sha256_file(path: Path) -> str:
    """Hex SHA-256 of a file, read in 64 KiB chunks so large files stay out of memory.

    Example:
        >>> import pathlib, tempfile
        >>> with tempfile.TemporaryDirectory() as tmp:
        ...     file = pathlib.Path(tmp, "abc.txt")
        ...     _ = file.write_bytes(b"abc")
        ...     sha256_file(file)[:16]
        'ba7816bf8f01cfea'
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def data_checksums(case: CaseConfig, data_dir: Path) -> dict[str, str]:
    """SHA-256 of every source file of ``case`` present in ``data_dir``, by source name.

    Later stages record these in run metadata so a result can be traced to the exact
    bytes it was computed from. Sources whose file is absent are left out.
    """
    sums: dict[str, str] = {}
    for source in case.sources:
        path = Path(data_dir) / source.path
        if path.is_file():
            sums[source.name] = sha256_file(path)
    return sums


def fetch_case(
    case: CaseConfig,
    data_dir: Path,
    *,
    base_url: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: float = 30,
) -> list[FetchResult]:
    """Download every source of ``case`` into ``data_dir`` (see the module docstring).

    Args:
        case: the validated case; its sources give path, URL and digest.
        data_dir: the raw-data folder (created if needed).
        base_url: a mirror; each source is read from ``base_url/<path>`` instead of its URL.
        progress: called as ``progress(source_name, bytes_done, bytes_total_or_None)``.
        timeout: seconds to wait for a connection or for each read.

    Returns:
        One :class:`FetchResult` per source, in the case file's order.

    Raises:
        FetchError: a download failed or a file does not match its manifest digest; the
            message names the source and URL and says what to do. Sources before it are
            already in place; running again skips them and resumes the one that failed.
    """
    return [
        fetch_source(s, data_dir, base_url=base_url, progress=progress, timeout=timeout)
        for s in case.sources
    ]


def fetch_source(
    source: Source,
    data_dir: Path,
    *,
    base_url: str | None = None,
    progress: ProgressCallback | None = None,
    timeout: float = 30,
) -> FetchResult:
    """Download one source into ``data_dir`` unless a verified copy is already there."""
    dest = _destination(source, Path(data_dir))
    url = source_url(source, base_url)
    stale = ""
    if dest.is_file():
        digest = sha256_file(dest)
        if source.sha256 is None or digest == source.sha256:
            note = "" if source.sha256 else "no sha256 in the case file; not verified"
            return _result(source, dest, digest, status="present", url=url, note=note)
        if url is None:
            raise FetchError(_mismatch_msg(source, None, dest, digest))
        stale = f"the file there had sha256 {digest}, not {source.sha256}; downloaded again"
    if url is None:
        note = (
            "skipped: no url in the case file and no mirror given; "
            f"pass --mirror URL or copy the file to {dest} by hand"
        )
        return _result(source, dest, None, status="skipped", url=None, note=note)
    job = _Job(source.name, url, dest, progress, timeout)
    transfer = _download(job)
    digest = _install(source, job)
    note = "; ".join(n for n in (stale, transfer.note) if n)
    return _result(
        source, dest, digest, status=transfer.status, url=url, note=note, received=transfer.received
    )


@dataclass(frozen=True)
class _Job:
    """One download: which source, from where, to where, and how to report."""

    name: str
    url: str
    dest: Path
    progress: ProgressCallback | None
    timeout: float

    @property
    def part(self) -> Path:
        return self.dest.with_name(self.dest.name + ".part")


def _result(
    source: Source,
    dest: Path,
    digest: str | None,
    *,
    status: FetchStatus,
    url: str | None,
    note: str,
    received: int = 0,
) -> FetchResult:
    size = dest.stat().st_size if digest is not None else 0
    return FetchResult(source.name, dest, status, received, size, digest, url, note)


def _destination(source: Source, data_dir: Path) -> Path:
    """``data_dir / source.path``, refusing paths that climb out of the data folder."""
    relative = Path(source.path)
    if relative.is_absolute() or ".." in relative.parts or not relative.name:
        msg = (
            f"source {source.name!r}: path {source.path!r} points outside the data folder "
            f"{data_dir}; make sources.path relative to the data folder, without '..'"
        )
        raise FetchError(msg)
    return data_dir / relative


def _download(job: _Job) -> _Transfer:
    """Fill ``<dest>.part`` with the whole body, resuming a left-over ``.part`` if any."""
    offset = job.part.stat().st_size if job.part.is_file() else 0
    try:
        response = _open(job.url, offset, job.timeout)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code != 416 or not offset:
            raise _network_error(job, f"HTTP {exc.code} {exc.reason}") from None
        job.part.unlink()  # the .part is not a prefix of what the server has: start over
        return _download(job)
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as exc:
        raise _network_error(job, _reason(exc)) from None
    with response:
        start, total = _resume_point(response, offset)
        job.dest.parent.mkdir(parents=True, exist_ok=True)
        with job.part.open("ab" if start else "wb") as fh:  # append to the .part, or restart
            received = _copy(job, response, fh, start, total)
    if start:
        return _Transfer("resumed", received, f"resumed at byte {start:,}")
    note = "the server ignored the Range request; downloaded from the start" if offset else ""
    return _Transfer("downloaded", received, note)


def _open(url: str, offset: int, timeout: float) -> http.client.HTTPResponse:
    scheme = urllib.parse.urlsplit(url).scheme
    if scheme not in _SCHEMES:
        msg = f"unsupported URL scheme {scheme!r} (use http, https or file)"
        raise ValueError(msg)
    request = urllib.request.Request(url, headers={"User-Agent": _USER_AGENT})
    if offset:
        request.add_header("Range", f"bytes={offset}-")
    response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=timeout)
    return response


def _resume_point(response: http.client.HTTPResponse, offset: int) -> tuple[int, int | None]:
    """Where the body starts in the file, and the file's total size if the server says."""
    length = response.headers.get("Content-Length")
    if getattr(response, "status", None) != 206:
        return 0, int(length) if length and length.isdigit() else None
    content_range = response.headers.get("Content-Range", "")
    match = _CONTENT_RANGE.fullmatch(content_range.strip())
    if not match or int(match.group(1)) != offset:
        # a range we did not ask for cannot be spliced onto the .part safely
        msg = f"the server answered a different range ({content_range!r}) than bytes={offset}-"
        raise http.client.HTTPException(msg)
    total = match.group(3)
    return offset, int(total) if total.isdigit() else None


def _copy(
    job: _Job, response: http.client.HTTPResponse, fh: BinaryIO, done: int, total: int | None
) -> int:
    """Stream the body into ``fh``; a short or broken transfer keeps the ``.part``."""
    start = done
    if job.progress:
        job.progress(job.name, done, total)
    try:
        while chunk := response.read(_CHUNK):
            fh.write(chunk)
            done += len(chunk)
            if job.progress:
                job.progress(job.name, done, total)
    except (http.client.HTTPException, OSError, ValueError) as exc:  # reset, timeout, cut
        raise _interrupted(job, done, total, _reason(exc)) from None
    if total is not None and done != total:
        raise _interrupted(job, done, total, "the connection closed early")
    fh.flush()
    os.fsync(fh.fileno())
    return done - start


def _install(source: Source, job: _Job) -> str:
    """Verify ``<dest>.part`` against the manifest, then move it into place atomically."""
    digest = sha256_file(job.part)
    if source.sha256 is not None and digest != source.sha256:
        job.part.unlink()  # corrupt bytes must not be resumed from either
        raise FetchError(_mismatch_msg(source, job.url, job.dest, digest))
    os.replace(job.part, job.dest)
    return digest


def _reason(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None) or exc
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return f"timed out ({reason})"
    return str(reason) or type(reason).__name__


def _network_error(job: _Job, reason: str) -> FetchError:
    if reason.startswith("HTTP 404"):
        hint = (
            "the server has no file at that address; check the source's url, or, with a "
            "mirror, that it holds the file at <mirror>/<path>"
        )
    else:
        hint = "check the network connection (offline? proxy? firewall?)"
    msg = (
        f"source {job.name!r}: cannot download {job.url}: {reason}. What to do: {hint}; "
        f"or pass --mirror URL to read the data from a mirror; "
        f"or copy the file by hand to {job.dest}."
    )
    return FetchError(msg)


def _interrupted(job: _Job, done: int, total: int | None, reason: str) -> FetchError:
    of_total = f" of {total:,}" if total is not None else ""
    msg = (
        f"source {job.name!r}: download of {job.url} stopped after {done:,}{of_total} bytes: "
        f"{reason}. The partial file is kept at {job.part}; run the same command again to "
        f"resume (check the network connection first), or pass --mirror URL, "
        f"or copy the file by hand to {job.dest}."
    )
    return FetchError(msg)


def _mismatch_msg(source: Source, url: str | None, dest: Path, actual: str) -> str:
    if url is None:
        return (
            f"source {source.name!r}: the file at {dest} has sha256 {actual}, but the case "
            f"file expects {source.sha256}, and the source has no url to download it again. "
            f"Replace the file by hand with the published one (or pass --mirror URL), or, if "
            f"the new file is intended, update sources.sha256 in the case file."
        )
    return (
        f"source {source.name!r}: the file downloaded from {url} has sha256 {actual}, but the "
        f"case file expects {source.sha256}; it was deleted, not installed at {dest}. The "
        f"server may serve a different version or the transfer was corrupted: run again, try "
        f"another --mirror URL, or copy the right file to {dest} by hand; if the new version "
        f"is intended, update sources.sha256 in the case file."
    )
