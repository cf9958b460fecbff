"""The Jinja environment shared by briefs and reports, and the atomic file writer.

Autoescaping is on for every template whatever its file name (``autoescape=True``, not
chosen by extension): post titles, state, signal and region names are data, and a post
titled ``<script>alert(1)</script>`` must appear as text. Data is only ever passed *into*
templates, never compiled as one, so ``{{ 7*7 }}`` in a post title stays literal text.
``StrictUndefined`` turns a misspelt variable into an error instead of an empty string.
"""

from __future__ import annotations

import functools
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from crisis_fca.errors import ConfigError

__all__ = ["TEMPLATES_DIR", "inline_file", "jinja_env", "write_atomic"]

TEMPLATES_DIR = Path(__file__).resolve().parents[2] / "templates"
"""The project's ``templates/`` folder (beside ``crisis_fca/``)."""


@functools.lru_cache(maxsize=4)
def jinja_env(templates_dir: Path = TEMPLATES_DIR) -> Environment:
    """The environment loading ``templates_dir``, autoescaping everything."""
    if not templates_dir.is_dir():
        msg = (
            f"templates folder {templates_dir} does not exist; run from a crisis-fca checkout "
            "or pass templates_dir= pointing at a copy of its templates/ folder"
        )
        raise ConfigError(msg)
    return Environment(
        loader=FileSystemLoader(str(templates_dir)),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def inline_file(name: str, templates_dir: Path = TEMPLATES_DIR) -> Markup:
    """A trusted project file (CSS) from ``templates_dir``, to inline into a page."""
    path = templates_dir / name
    try:
        return Markup(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"template asset {path} is missing; restore it from the crisis-fca checkout"
        raise ConfigError(msg) from None


def write_atomic(path: str | Path, text: str) -> Path:
    """Write ``text`` to ``path`` all at once (see :func:`crisis_fca._atomic.atomic_write_text`):
    readers never see a half-written page. Creates the folder; returns the path.

    Raises:
        StorageError: the page cannot be written; ``path`` is left as it was.
    """
    from crisis_fca._atomic import atomic_write_text

    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    return atomic_write_text(target, text)
