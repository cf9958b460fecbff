"""Case configuration: one TOML file per case under ``data/cases/``.

A case names its window, its sources (each read by one adapter), how text is scored,
and how gaps in each signal are treated. Adding a third case needs a new TOML file and
its data, no code. Files are validated on load with pydantic (``extra="forbid"``), so an
unknown key, a wrong type, an inverted window or an unknown adapter is reported with the
file, the key path and a fix, instead of surfacing later as a wrong result.

Why pydantic and not dataclasses: the nested, discriminated source records and the
key-path error locations come for free and are well tested upstream; the models are
frozen, so configuration is as immutable as a frozen dataclass.
"""

from __future__ import annotations

import difflib
import hashlib
import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from crisis_fca._model import FrozenModel
from crisis_fca.errors import ConfigError
from crisis_fca.monitor.config import MonitorConfig
from crisis_fca.render.playbook import PlaybookConfig
from crisis_fca.rules.params import MiningConfig, ValidationConfig
from crisis_fca.states.spec import StatesConfig

__all__ = [
    "CASES_DIR",
    "DATA_DIR_ENV",
    "DEFAULT_DATA_DIR",
    "PROJECT_ROOT",
    "REPORTS_DIR",
    "CalfireSource",
    "CaseConfig",
    "CaseMeta",
    "DailyCsvSource",
    "GapPolicy",
    "GoogleMobilitySource",
    "JhuSource",
    "LatticeConfig",
    "PemsSource",
    "PostsSource",
    "SignalsConfig",
    "Source",
    "TextConfig",
    "Window",
    "available_cases",
    "case_path",
    "config_hash",
    "load_case",
    "parse_case",
    "resolve_data_dir",
]

PROJECT_ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = PROJECT_ROOT / "data" / "cases"
DEFAULT_DATA_DIR = PROJECT_ROOT / "data" / "raw"
REPORTS_DIR = PROJECT_ROOT / "reports"
DATA_DIR_ENV = "CRISIS_FCA_DATA_DIR"


_Model = FrozenModel


class CaseMeta(_Model):
    """Who and what the case is about; shown in briefs."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    description: str = ""
    region: str = ""
    event_start: date | None = None
    """First day of the crisis event (e.g. ignition); baselines must end before it."""
    study_results: str = ""
    """What the reference study reported for this case, printed beside the study profile."""


class Window(_Model):
    """The case's daily calendar, both ends included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.end < self.start:
            msg = f"window end {self.end} is before start {self.start}; swap them"
            raise ValueError(msg)
        return self

    @property
    def days(self) -> int:
        """Number of calendar days in the window."""
        return (self.end - self.start).days + 1


class _SourceBase(_Model):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    path: str
    """File path relative to the data folder."""
    domain: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    url: str | None = None
    """Public download address used by ``crisis-fca data fetch``."""
    sha256: str | None = Field(default=None, pattern=r"^[0-9a-f]{64}$")


class GoogleMobilitySource(_SourceBase):
    """Google COVID-19 Community Mobility Report CSV."""

    kind: Literal["google_mobility"]
    region: str = ""
    """'' = country rows; else a ``sub_region_1`` name or an ``iso_3166_2_code``."""
    regions: tuple[str, ...] = ()
    """Region set of ``crisis-fca regions`` (``flows.regional``): ``""`` = the country rows,
    else ``sub_region_1`` names or ISO 3166-2 codes, as for ``region``."""
    categories: tuple[str, ...] = (
        "retail",
        "grocery",
        "parks",
        "transit",
        "workplaces",
        "residential",
    )


class PemsSource(_SourceBase):
    """Caltrans PeMS daily totals export."""

    kind: Literal["pems"]


class PostsSource(_SourceBase):
    """Social-media posts grouped by day (``{"posts_by_day": {date: [post, ...]}}``)."""

    kind: Literal["posts_by_day"]


class DailyCsvSource(_SourceBase):
    """A CSV that already has one row per date and numeric columns."""

    kind: Literal["daily_csv"]
    date_column: str = "date"
    date_format: str | None = None
    columns: tuple[str, ...] | None = None
    """Columns to read as signals; default all but the date column."""


class JhuSource(_SourceBase):
    """JHU CSSE wide cumulative time series (one file per measure)."""

    kind: Literal["jhu_csse"]
    country: str
    measure: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    """Signal name for the daily new counts, e.g. ``new_cases``."""


class CalfireSource(_SourceBase):
    """CAL FIRE incident update bulletins (scraped CSV)."""

    kind: Literal["calfire"]
    incident: str | None = None


Source = Annotated[
    GoogleMobilitySource | PemsSource | PostsSource | DailyCsvSource | JhuSource | CalfireSource,
    Field(discriminator="kind"),
]


class TextConfig(_Model):
    """How post text becomes daily signals."""

    sentiment: str = "vader"
    """Sentiment scorer: ``vader`` or an import path ``package.module:function``."""
    topics: str = "lexicon"
    """Topic/emotion scorer: ``lexicon`` or an import path ``package.module:function``."""
    matching: Literal["word", "substring"] = "word"
    """``word``: keywords match whole words only; ``substring``: the study's plain matching."""
    negative_below: float = -0.05
    positive_above: float = 0.05
    """A post counts as negative / positive past these VADER compound cut-offs."""
    lexicons: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("lexicons")
    @classmethod
    def _lexicon_names(cls, value: dict[str, tuple[str, ...]]) -> dict[str, tuple[str, ...]]:
        for topic, words in value.items():
            if not topic.replace("_", "").isalnum() or not topic[:1].isalpha():
                msg = (
                    f"lexicon name {topic!r} must be a lowercase identifier like 'information_gap'"
                )
                raise ValueError(msg)
            if not words or any(not w.strip() for w in words):
                msg = f"lexicon {topic!r} must list at least one non-empty keyword"
                raise ValueError(msg)
        return value


class GapPolicy(_Model):
    """What to do with days a signal was not observed."""

    method: Literal["none", "ffill", "interpolate"] = "none"
    limit: int = Field(default=0, ge=0)
    """Longest run of days that may be filled (0 = unlimited for ffill/interpolate)."""


class SignalsConfig(_Model):
    """Alignment of every signal on the daily calendar."""

    min_coverage: float = Field(default=0.75, gt=0, le=1)
    """A day whose coverage fraction is below this is *low-coverage*: kept, flagged, masked."""
    default_gap: GapPolicy = GapPolicy()
    gaps: dict[str, GapPolicy] = Field(default_factory=dict)
    """Per-signal gap policy, keyed by signal name or ``domain.*``."""


class LatticeConfig(_Model):
    """How the days x states formal context becomes a concept lattice."""

    resolution: Literal["daily", "weekly", "auto"] = "daily"
    """``daily``: every day an object; ``weekly``: ISO weeks by majority vote; ``auto``:
    weekly only when the context has more than ``weekly_above_days`` days (the study's rule)."""
    weekly_above_days: int = Field(default=150, ge=1)
    min_support: float = Field(default=0.0, ge=0)
    """Iceberg cut: keep concepts with at least this many days (>= 1) or share of days (< 1)."""


class CaseConfig(_Model):
    """A whole case file."""

    case: CaseMeta
    window: Window
    sources: tuple[Source, ...] = Field(min_length=1)
    text: TextConfig = TextConfig()
    signals: SignalsConfig = SignalsConfig()
    states: StatesConfig = StatesConfig()
    """Behavioural states built from the aligned signals (see :mod:`crisis_fca.states`)."""
    lattice: LatticeConfig = LatticeConfig()
    """The concept lattice over days x states (see :mod:`crisis_fca.lattice`)."""
    mining: MiningConfig = MiningConfig()
    """Lead-time rule mining (see :mod:`crisis_fca.rules`)."""
    validation: ValidationConfig = ValidationConfig()
    """Out-of-sample validation of the mined rules (see :mod:`crisis_fca.rules.validation`)."""
    playbook: PlaybookConfig = PlaybookConfig()
    """Who acts on each expected outcome, and how long briefs stay valid (render.playbook)."""
    monitor: MonitorConfig = MonitorConfig()
    """Which validated rules are monitored as triggers, and how they are replayed (monitor)."""
    profile: str = "rigorous"
    """The profile this configuration was resolved for (see :func:`load_case`)."""
    profiles: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Named overrides, deep-merged over the base file when that profile is chosen."""

    @model_validator(mode="after")
    def _unique_sources(self) -> CaseConfig:
        names = [s.name for s in self.sources]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            msg = f"source names must be unique; {dupes} appear more than once"
            raise ValueError(msg)
        return self

    @property
    def name(self) -> str:
        """The case's name, e.g. ``uae-covid``."""
        return self.case.name


def case_path(name_or_path: str | Path, cases_dir: Path = CASES_DIR) -> Path:
    """Resolve a case name (``uae-covid``) or a path to a ``.toml`` file."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml":
        return candidate
    path = cases_dir / f"{name_or_path}.toml"
    if not path.is_file():
        known = ", ".join(available_cases(cases_dir)) or "none"
        msg = (
            f"unknown case {str(name_or_path)!r}: no file {path}. "
            f"Known cases: {known}. Add a TOML file under {cases_dir} or pass a path to one."
        )
        raise ConfigError(msg)
    return path


def available_cases(cases_dir: Path = CASES_DIR) -> list[str]:
    """Names of the case files shipped in ``cases_dir``."""
    return sorted(p.stem for p in cases_dir.glob("*.toml"))


def load_case(
    name_or_path: str | Path, profile: str = "rigorous", cases_dir: Path = CASES_DIR
) -> CaseConfig:
    """Read and validate a case file, resolved for one profile.

    The base file is the ``rigorous`` profile (crisis-fca's default). Any other profile
    named in its ``[profiles.NAME]`` table is deep-merged over the base before
    validation, so ``study`` can restate the reference study's choices as data.

    Raises:
        ConfigError: the file is missing, not TOML, or breaks the schema; the message
            names the file and the key and says what is allowed.
    """
    path = case_path(name_or_path, cases_dir)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        msg = f"case file {path} does not exist; check the path or run `crisis-fca cases`"
        raise ConfigError(msg) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        msg = f"{path}: not valid TOML ({exc}); fix the syntax at the position shown"
        raise ConfigError(msg) from None
    return parse_case(raw, profile=profile, source=str(path))


def parse_case(
    raw: dict[str, Any], profile: str = "rigorous", source: str = "<config>"
) -> CaseConfig:
    """Validate an already-parsed case mapping for ``profile`` (see :func:`load_case`)."""
    overrides = raw.get("profiles", {})
    if profile != "rigorous":
        if not isinstance(overrides, dict) or profile not in overrides:
            known = (
                ["rigorous", *sorted(overrides)] if isinstance(overrides, dict) else ["rigorous"]
            )
            msg = f"{source}: unknown profile {profile!r}; this case defines {known}"
            raise ConfigError(msg)
        raw = _deep_merge(raw, overrides[profile])
    raw = {**raw, "profile": profile}
    try:
        return CaseConfig.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(_explain(exc, raw, source)) from None


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _explain(exc: ValidationError, raw: dict[str, Any], source: str) -> str:
    lines = [f"{source}: invalid case configuration ({exc.error_count()} problem(s)):"]
    for err in exc.errors():
        loc = _loc(err["loc"], raw)
        if err["type"] == "extra_forbidden":
            key = str(err["loc"][-1])
            allowed = _allowed_keys(err["loc"][:-1], raw)
            hint = difflib.get_close_matches(key, allowed, n=1)
            fix = f"did you mean {hint[0]!r}?" if hint else f"allowed keys: {', '.join(allowed)}"
            lines.append(f"  - unknown key {loc!r}: {fix}")
        elif err["type"] == "missing":
            lines.append(f"  - missing key {loc!r}: add it")
        else:
            lines.append(f"  - {loc!r}: {err['msg']} (got {err.get('input')!r})")
    return "\n".join(lines)


def _loc(loc: tuple[int | str, ...], raw: dict[str, Any]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in {
            "google_mobility",
            "pems",
            "posts_by_day",
            "daily_csv",
            "jhu_csse",
            "calfire",
        }:
            continue  # the discriminator tag pydantic inserts into the location
        else:
            out += f".{part}" if out else str(part)
    return out


def _allowed_keys(loc: tuple[int | str, ...], raw: dict[str, Any]) -> list[str]:
    model: Any = CaseConfig
    node: Any = raw
    for part in loc:
        if isinstance(part, int):
            node = node[part]
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:  # discriminator tag: pick the source model by kind
            model = _SOURCE_KINDS.get(str(part), model)
            continue
        node = node.get(part, {}) if isinstance(node, dict) else {}
        model = _model_of(field.annotation, node)
    return sorted(getattr(model, "model_fields", {}))


def _model_of(annotation: Any, node: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = getattr(annotation, "__args__", ())
    for arg in args:
        found = _model_of(arg, node)
        if found is not None:
            return found
    return None


_SOURCE_KINDS: dict[str, type[_SourceBase]] = {
    "google_mobility": GoogleMobilitySource,
    "pems": PemsSource,
    "posts_by_day": PostsSource,
    "daily_csv": DailyCsvSource,
    "jhu_csse": JhuSource,
    "calfire": CalfireSource,
}


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The raw-data folder: the argument, else ``$CRISIS_FCA_DATA_DIR``, else ``data/raw``."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR
    return Path(chosen).expanduser().resolve()


def config_hash(case: CaseConfig) -> str:
    """A stable 12-hex-digit fingerprint of the validated configuration."""
    payload = case.model_dump_json(exclude_none=False).encode()
    return hashlib.sha256(payload).hexdigest()[:12]
