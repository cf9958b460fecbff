"""Atomic file writes: a reader sees the old file or the new one, never half of one.

A write is two steps, so a caller can do other work between them (the pipeline commits its
database transaction there): :func:`stage_text` writes the whole text to a hidden
temporary file in the target's folder and flushes it to disk -- this is where a full disk
or a read-only folder shows up, before anything is replaced -- and :meth:`Staged.commit`
renames it over the target with :func:`os.replace`, which is atomic on POSIX and Windows.
:meth:`Staged.discard` removes a staged file that will not be used.

A process killed between the two steps leaves its temporary file behind. Temporary files
carry their writer's process id (``.<name>.<pid>.<random>.tmp``); the next write to the
same target removes those whose process is gone, so debris never accumulates.

Every :class:`OSError` (no space, no permission, a path through a regular file) becomes a
:class:`~crisis_fca.errors.StorageError` naming the file and the fix.
"""

from __future__ import annotations

import contextlib
import errno
import os
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from crisis_fca.errors import StorageError

__all__ = ["Staged", "atomic_write_text", "commit_all", "discard_all", "stage_all", "stage_text"]


@dataclass(frozen=True)
class Staged:
    """A complete temporary copy of ``path``'s new text, not yet in place."""

    path: Path
    tmp: Path
    created: tuple[Path, ...] = ()
    """Folders that staging created (deepest first); :meth:`discard` removes them again."""

    def commit(self) -> Path:
        """Replace ``path`` by the staged text (atomically); return ``path``."""
        try:
            os.replace(self.tmp, self.path)
        except OSError as exc:
            self.discard()
            raise StorageError(_message(self.path, exc)) from exc
        _sync_folder(self.path.parent)
        return self.path

    def discard(self) -> None:
        """Remove the staged file (and the folders staging created); ``path`` is as it was."""
        self.tmp.unlink(missing_ok=True)
        _remove_folders(self.created)


def stage_text(path: Path, text: str) -> Staged:
    """Write ``text`` in full to a temporary file beside ``path`` (flushed to disk).

    Raises:
        StorageError: the folder cannot be created or written (full disk, read-only folder,
            no permission); no temporary file is left behind.
    """
    created = tuple(f for f in (path.parent, *path.parent.parents) if not f.exists())
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        _sweep(path)
        fd, name = tempfile.mkstemp(
            prefix=f".{path.name}.{os.getpid()}.", suffix=".tmp", dir=path.parent
        )
    except OSError as exc:
        _remove_folders(created)
        raise StorageError(_message(path, exc)) from exc
    tmp = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, 0o644)  # mkstemp creates 0600; outputs are meant to be shared
    except OSError as exc:
        Staged(path, tmp, created).discard()
        raise StorageError(_message(path, exc)) from exc
    except BaseException:
        Staged(path, tmp, created).discard()
        raise
    return Staged(path, tmp, created)


def atomic_write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` via a temporary file in the same folder and ``os.replace``.

    Raises:
        StorageError: the file cannot be written; ``path`` is left as it was.
    """
    return stage_text(path, text).commit()


def stage_all(pages: Mapping[Path, str]) -> tuple[Staged, ...]:
    """Stage every page, or none: a failure discards those already staged, then raises."""
    staged: list[Staged] = []
    try:
        for path, text in pages.items():
            staged.append(stage_text(path, text))
    except BaseException:
        discard_all(staged)
        raise
    return tuple(staged)


def commit_all(staged: Iterable[Staged]) -> tuple[Path, ...]:
    """Put every staged page in place, in order."""
    return tuple(s.commit() for s in staged)


def discard_all(staged: Iterable[Staged]) -> None:
    """Remove every staged temporary file (last first, so created folders empty out)."""
    for item in reversed(list(staged)):
        item.discard()


def _remove_folders(created: tuple[Path, ...]) -> None:
    for folder in created:  # deepest first
        with contextlib.suppress(OSError):  # not empty: someone else wrote there meanwhile
            folder.rmdir()


def _sweep(path: Path) -> None:
    """Remove temporary files of ``path`` left by writers that no longer run."""
    for tmp in path.parent.glob(f".{path.name}.*.tmp"):
        parts = tmp.name[len(path.name) + 2 :].split(".")
        if len(parts) == 3 and parts[0].isdigit() and not _alive(int(parts[0])):
            with contextlib.suppress(OSError):
                tmp.unlink()


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. EPERM: it exists but belongs to someone else
        return True
    return True


def _sync_folder(folder: Path) -> None:
    """Flush the folder entry of a rename to disk (best effort; not every OS allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _message(path: Path, exc: OSError) -> str:
    reason = exc.strerror or str(exc)
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        fix = "free some space on that disk or choose another folder (--out)"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        fix = "make the folder writable or choose another folder (--out)"
    else:
        fix = "check the path, or choose another folder (--out)"
    return (
        f"cannot write {path}: {reason} (errno {errno.errorcode.get(exc.errno or 0, exc.errno)}). "
        f"Nothing was replaced: the folder {path.parent} holds what it held before. To fix: "
        f"{fix}."
    )
