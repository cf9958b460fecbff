"""Configuration of the rules stage: mining, null model, filters and validation.

Two profiles share these models. ``rigorous`` (the defaults here) mines on the training
window only, tests every candidate against a circular-shift null with Benjamini-Hochberg
FDR, and validates out of sample. ``study`` restates the reference study's choices
(arXiv 2606.09532; see ``shared/REFERENCE_STUDY.md``) as data in the case files'
``[profiles.study.mining]`` and ``[profiles.study.validation]`` tables.

State selections are shell-style patterns (:mod:`fnmatch`) on state names, e.g.
``"social.*"`` or ``"mobility.transit:low"``.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from crisis_fca._model import FrozenModel

__all__ = [
    "ClassConfig",
    "FilterConfig",
    "MiningConfig",
    "NullConfig",
    "ValidationConfig",
]

Patterns = tuple[str, ...]


class FilterConfig(FrozenModel):
    """Post-mining filters, applied in a fixed order; each can be switched off.

    The order is: significance, cross-domain, conviction/leverage, backward, led premise,
    persistence, definitional links, stronger direction, shorter premise, minimal
    generator, top N per consequent (the study's "clean" pruning order, with the
    rigorous steps slotted in).
    """

    significance: bool = True
    """Keep rules whose circular-shift null q-value is at most ``alpha``."""
    alpha: float = Field(default=0.05, gt=0, lt=1)
    cross_domain_only: bool = False
    """Keep rules whose states span at least two (non-neutral) domains."""
    conviction_leverage: bool = True
    min_conviction: float = 1.1
    no_backward: bool = True
    """Drop a rule whose consequent precedes a premise state (cannot happen by construction)."""
    no_led_premise: bool = True
    """Drop a rule with a led (future) state in its premise (cannot happen by construction)."""
    no_persistence: bool = True
    """Drop a rule whose consequent's own signal appears in its premise."""
    no_definitional: bool = True
    """Drop a rule whose premise and consequent are linked by a state definition."""
    definitional_links: Literal["signals", "parts"] = "signals"
    """``parts``: a composite and one of its parts; ``signals``: the two states' definitions
    (the state and its parts) share an underlying signal (catches positive vs negative
    sentiment inside a composite that requires 'not negative')."""
    stronger_direction: bool = True
    """Of a same-day pair A->B and B->A keep the one with the higher conviction."""
    shorter_premise: bool = True
    shorter_premise_points: float = Field(default=0.05, ge=0, le=1)
    """Drop a longer premise whose confidence is within this of a kept sub-premise's."""
    shorter_premise_two_sided: bool = False
    """``False``: the longer premise goes unless it beats the shorter one by more than the
    points (a less confident longer premise always goes); ``True``: it goes only when the
    two confidences differ by at most the points either way (the paper's reading)."""
    minimal_generator: bool = True
    """Drop a premise that is not a minimal generator of its FCA closure."""
    top_n: int = Field(default=3, ge=0)
    """Keep at most this many rules per consequent (0 = all)."""
    rank_by: tuple[Literal["lift", "confidence", "conviction", "support_days", "q_value"], ...] = (
        "lift",
        "confidence",
    )
    """Ranking for ``top_n``: descending, except ``q_value`` (ascending)."""


class ClassConfig(FrozenModel):
    """Thresholds and filters of one rule class (same-day or predictive)."""

    support_basis: Literal["rule", "premise"] = "rule"
    """``rule``: days where premise and consequent both hold; ``premise``: the study's
    premise day count."""
    min_support: float = Field(default=0.05, ge=0, le=1)
    """Minimum count = max(``min_days``, ceil(min_support x rows of the mining window))."""
    min_days: int = Field(default=5, ge=1)
    min_confidence: float | None = Field(default=0.6, ge=0, le=1)
    min_lift: float | None = Field(default=1.2, ge=0)
    max_prevalence: float | None = Field(default=0.8, gt=0, le=1)
    """Skip consequents holding on more than this share of their evaluable days."""
    filters: FilterConfig = FilterConfig()


class NullConfig(FrozenModel):
    """Circular-shift null: the consequent's domain is rotated against the premise's."""

    enabled: bool = True
    shifts: int = Field(default=1000, ge=1)
    """Number of offsets; when at least the admissible count, every admissible offset is
    used once (an exact circular-shift test)."""
    min_offset: int = Field(default=30, ge=1)
    """Offsets closer than this to 0 (either way) are excluded; capped at rows // 4."""
    seed: int = 0
    tail: Literal["empirical", "normal"] = "empirical"
    """Beyond the largest shifted lift the empirical p-value sits at its floor
    1 / (1 + offsets), and with thousands of candidates Benjamini-Hochberg can then pass
    nothing or everything depending on how many rules share that floor. ``normal``
    estimates such a p-value from a normal fit to the rule's own shifted lifts (tail
    extrapolation, cf. Knijnenburg et al., Bioinformatics 2009), never above the floor;
    ``empirical`` keeps the floor."""


class MiningConfig(FrozenModel):
    """The lead-time context and the enumeration."""

    leads: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6, 7)
    """Consequent offsets k (state on day t+k); 0 = same day."""
    lags: tuple[int, ...] = ()
    """Extra premise copies observed on day t-l."""
    premise_states: Patterns = ("*",)
    consequent_states: Patterns = ("*",)
    """States allowed as same-day (lead 0) consequents."""
    led_states: Patterns = ("*",)
    """States that get led copies (lead >= 1) as consequents."""
    lagged_states: Patterns = ("*",)
    """States that get lagged copies (the ``lags``) as premises."""
    max_premise: int = Field(default=2, ge=1, le=4)
    row_policy: Literal["per_rule", "complete_offsets", "complete"] = "per_rule"
    """Which days a rule is counted on: ``per_rule`` = days where all its states are known;
    ``complete_offsets`` = the study's: rules using a lagged/led copy only on days where
    every lagged and led copy is known; ``complete`` = days where every column is known."""
    same_day: ClassConfig = ClassConfig()
    predictive: ClassConfig = ClassConfig()
    null: NullConfig = NullConfig()
    neutral_domains: tuple[str, ...] = ("calendar", "cross")
    """Domains that do not make a rule cross-domain."""
    tautology_groups: dict[str, tuple[tuple[str, ...], ...]] = Field(default_factory=dict)
    """The study's enumeration-time tautology filter: consequent state -> definition groups;
    a rule goes when its premise holds a state of every group (lag/lead ignored)."""

    @model_validator(mode="after")
    def _offsets(self) -> MiningConfig:
        if (
            not self.leads
            or any(k < 0 for k in self.leads)
            or len(set(self.leads)) != len(self.leads)
        ):
            msg = (
                f"leads must be distinct non-negative day offsets like [0, 1, 2]; got {self.leads}"
            )
            raise ValueError(msg)
        if any(lag < 1 for lag in self.lags) or len(set(self.lags)) != len(self.lags):
            msg = f"lags must be distinct positive day offsets like [1, 3, 7]; got {self.lags}"
            raise ValueError(msg)
        return self


class ValidationConfig(FrozenModel):
    """Chronological holdout, rolling-origin folds and trigger skill."""

    mine_on: Literal["train", "all"] = "train"
    """``train``: mine on the training window only; ``all``: the study's (holdout leaks)."""
    train_fraction: float = Field(default=0.7, gt=0, lt=1)
    split_date: str | None = None
    """First holdout day (ISO date); overrides ``train_fraction``."""
    max_confidence_drop: float = Field(default=0.10, ge=0, le=1)
    check_holdout_lift: bool = True
    """``False`` = the study's test (confidence drop only)."""
    min_holdout_lift: float = Field(default=1.0, ge=0)
    """Holdout lift must exceed this."""
    min_holdout_days: int = Field(default=5, ge=0)
    """The premise must fire on at least this many evaluable holdout days."""
    validate_predictive: bool = True
    """``False`` (the study): predictive rules are reported clean without a holdout test."""
    folds: int = Field(default=4, ge=0)
    """Expanding-window folds for stability (0 = none)."""
    fold_start: float = Field(default=0.5, gt=0, lt=1)
    """The first fold trains on this share of days."""
    skill_metric: Literal["peirce", "f1", "precision"] = "peirce"
    """How a predictive rule's trigger is compared with persistence."""
