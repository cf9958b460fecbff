"""Circular-shift null model and Benjamini-Hochberg q-values.

Crisis states are persistent (lockdown regimes last months), so days are not
independent and Fisher's test certifies regimes rather than associations. The null
used here keeps every series' autocorrelation: the consequent's domain is rotated
circularly against the premise's other domains by offsets far from 0, which breaks
only the alignment between domains (the "toroidal shift" / circular block null of
cross-correlation testing; see Ebisuzaki, J. Climate 1997, and the cyclic-shift test of
Harris & Kearney / Fuentes for spatial data). For a rule whose premise lies entirely in
the consequent's domain, the consequent alone is rotated against the premise. The
empirical p-value of a rule's lift is ``(1 + #{shifts: lift_s >= lift}) / (1 + #shifts)``
(Davison & Hinkley 1997, eq. 4.11), and q-values are Benjamini-Hochberg (1995) over
every candidate tested (:func:`bh_qvalues`, NumPy; equal to statsmodels' ``fdr_bh``).

All shifts of all rules are computed at once: a count under offset s is a circular
cross-correlation ``sum_t f[t] g[t+s]`` of a fixed-side series ``f`` and a shifted-side
series ``g``, obtained for every s by FFT. Unknown days rotate with their series, so
counts stay on each shift's evaluable days.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from crisis_fca.rules.context import LeadTimeContext, StateFrames, StatesLike
from crisis_fca.rules.params import NullConfig

__all__ = ["admissible_offsets", "bh_qvalues", "circular_null_pvalues", "shift_domain"]


def admissible_offsets(rows: int, null: NullConfig) -> np.ndarray:
    """Offsets in [m, rows - m] (m = min(min_offset, rows // 4)), sampled if there are more
    than ``null.shifts``; all of them otherwise (an exact circular-shift test).

    >>> admissible_offsets(12, NullConfig(shifts=100, min_offset=3)).tolist()
    [3, 4, 5, 6, 7, 8, 9]
    >>> len(admissible_offsets(671, NullConfig(shifts=1000, min_offset=30)))
    612
    """
    m = max(1, min(null.min_offset, rows // 4))
    offsets = np.arange(m, rows - m + 1)
    if len(offsets) > null.shifts:
        rng = np.random.default_rng(null.seed)
        offsets = np.sort(rng.choice(offsets, size=null.shifts, replace=False))
    return offsets


def bh_qvalues(pvalues: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values over all finite p-values (NaN stays NaN).

    The step-up rule as statsmodels' ``multipletests(method="fdr_bh")`` computes it
    (sorted p over its ECDF factor, running minimum from the largest, capped at 1; tested
    equal), in NumPy: importing ``statsmodels.stats.multitest`` costs ~1 s on a cold run.

    >>> bh_qvalues(np.array([0.01, 0.04, np.nan, 0.03])).round(3).tolist()
    [0.03, 0.04, nan, 0.04]
    """
    p = np.asarray(pvalues, dtype=float)
    q = np.full(p.shape, np.nan)
    ok = np.isfinite(p)
    m = int(ok.sum())
    if m:
        finite = p[ok]
        order = np.argsort(finite, kind="mergesort")
        raw = finite[order] / (np.arange(1, m + 1) / float(m))
        adjusted = np.empty(m)
        adjusted[order] = np.minimum(np.minimum.accumulate(raw[::-1])[::-1], 1.0)
        q[ok] = adjusted
    return q


def circular_null_pvalues(
    ctx: LeadTimeContext, rules: pd.DataFrame, null: NullConfig, chunk: int = 1024
) -> tuple[np.ndarray, int]:
    """Empirical p-values of each rule's lift under the circular-shift null.

    ``rules`` needs ``premise_cols``, ``consequent_col`` (context columns) and the counts
    ``n_days``, ``premise_days``, ``consequent_days``, ``support_days``. Returns the
    p-values (NaN when no offset is admissible) and the number of offsets used.
    """
    offsets = admissible_offsets(ctx.rows, null)
    out = np.full(len(rules), np.nan)
    if len(rules) == 0 or len(offsets) == 0:
        return out, len(offsets)
    plan = _Plan.build(ctx, rules)
    observed = {k: rules[c].to_numpy(np.float64) for k, c in _COUNTS.items()}
    for lo in range(0, len(rules), chunk):
        sl = slice(lo, lo + chunk)
        out[sl] = _exceedance(
            plan.shifted_counts(sl, offsets),
            {k: v[sl] for k, v in observed.items()},
            tail=null.tail,
        )
    return out, len(offsets)


_COUNTS = {"n": "n_days", "p": "premise_days", "c": "consequent_days", "a": "support_days"}
_PAIRS = {"a": ("fv", "gvv"), "p": ("fv", "gvk"), "c": ("fk", "gkv"), "n": ("fk", "gkk")}


@dataclass(frozen=True)
class _Plan:
    """Every series a rule needs, as a set of columns of one base matrix to AND together.

    Base columns: premise values, consequent values, the distinct known-masks, and an
    all-true pad. Series are identified by their (sorted) column sets, so series shared
    by many rules -- known masks above all -- are transformed once.
    """

    base: np.ndarray  # (rows, columns) bool
    sets: dict[str, np.ndarray]  # kind -> (rules, width) base-column sets
    f_hat: np.ndarray  # rfft of every distinct fixed-side series
    f_uid: dict[str, np.ndarray]  # "fv"/"fk" -> rule -> row of f_hat

    @staticmethod
    def build(ctx: LeadTimeContext, rules: pd.DataFrame) -> _Plan:
        base, kid_p, kid_c = _base(ctx)
        pad = base.shape[1] - 1
        fixed, moved = _split_sides(ctx, rules, pad)
        j = rules["consequent_col"].to_numpy(dtype=np.int64)[:, None]
        c_v, c_k = ctx.premise_values.shape[1] + j, kid_c[j]
        f_k, s_k = kid_p[fixed], kid_p[moved]
        sets = {
            "fv": fixed,
            "fk": f_k,
            "gvv": np.hstack([moved, c_v]),
            "gvk": np.hstack([moved, c_k]),
            "gkv": np.hstack([s_k, c_v]),
            "gkk": np.hstack([s_k, c_k]),
        }
        sets = {k: _normalise(v, pad) for k, v in sets.items()}
        both = np.vstack([sets["fv"], sets["fk"]])
        uniq, inverse = np.unique(both, axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
        f_hat = _rfft(_series(base, uniq))
        half = len(rules)
        return _Plan(base, sets, f_hat, {"fv": inverse[:half], "fk": inverse[half:]})

    def shifted_counts(self, sl: slice, offsets: np.ndarray) -> dict[str, np.ndarray]:
        """n, p, c, a of the rules in ``sl`` at every offset: arrays (rules, offsets)."""
        g_all = np.vstack([self.sets[g][sl] for _, g in _PAIRS.values()])
        _, first, g_uid = np.unique(
            _encode(g_all, self.base.shape[1]), return_index=True, return_inverse=True
        )
        g_sets = g_all[first]
        g_hat = _rfft(_series(self.base, g_sets))
        f_uid = np.concatenate([self.f_uid[f][sl] for f, _ in _PAIRS.values()])
        pair = f_uid * len(g_sets) + g_uid.reshape(-1)
        uniq, inverse = np.unique(pair, return_inverse=True)
        spectra = np.conj(self.f_hat[uniq // len(g_sets)]) * g_hat[uniq % len(g_sets)]
        corr = _irfft(spectra, self.base.shape[0])
        contiguous = len(offsets) == offsets[-1] - offsets[0] + 1
        counts = np.rint(corr[:, offsets[0] : offsets[-1] + 1] if contiguous else corr[:, offsets])
        which = inverse.reshape(len(_PAIRS), -1)
        return {k: counts[which[i]] for i, k in enumerate(_PAIRS)}


def _base(ctx: LeadTimeContext) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Base matrix [premise values | consequent values | distinct known masks | ones],
    the known-mask column of each premise column (pad -> pad) and of each consequent."""
    known = np.hstack([ctx.premise_known, ctx.consequent_known])
    packed = np.packbits(known, axis=0).T
    masks, first, kid = np.unique(packed, axis=0, return_index=True, return_inverse=True)
    del masks
    start = ctx.premise_values.shape[1] + ctx.consequent_values.shape[1]
    kid = start + kid.reshape(-1)
    ones = np.ones((ctx.rows, 1), dtype=bool)
    base = np.hstack([ctx.premise_values, ctx.consequent_values, known[:, first], ones])
    np_, pad = ctx.premise_values.shape[1], base.shape[1] - 1
    kid_p = np.full(base.shape[1], pad, dtype=np.int64)  # base column -> its known mask
    kid_p[:np_] = kid[:np_]
    return base, kid_p, kid[np_:]


def _split_sides(
    ctx: LeadTimeContext, rules: pd.DataFrame, pad: int
) -> tuple[np.ndarray, np.ndarray]:
    """Premise columns on the fixed and on the rotated side of each rule (padded).

    Rotated: premise states in the consequent's domain; fixed: the others. A premise
    wholly in the consequent's domain stays fixed and the consequent rotates alone.
    """
    cols = rules["premise_cols"].tolist()
    width = max(1, max((len(p) for p in cols), default=1))
    idx = np.full((len(cols), width), -1, dtype=np.int64)
    for r, p in enumerate(cols):
        idx[r, : len(p)] = p
    _, codes = np.unique(
        np.concatenate([ctx.premise_items["domain"], ctx.consequent_items["domain"]]).astype(str),
        return_inverse=True,
    )
    pdom = np.append(codes[: len(ctx.premise_items)], -1)  # -1: padding
    cdom = codes[len(ctx.premise_items) :][rules["consequent_col"].to_numpy(dtype=np.int64)]
    same = (pdom[idx] == cdom[:, None]) & (idx >= 0)
    other = (idx >= 0) & ~same
    alone = ~other.any(axis=1, keepdims=True)  # premise wholly in the consequent's domain
    fixed = np.where((other | (alone & same)), idx, pad)
    moved = np.where(same & ~alone, idx, pad)
    return fixed, moved


def _encode(sets: np.ndarray, radix: int) -> np.ndarray:
    """One int64 key per row of small non-negative ints (mixed radix)."""
    key = np.zeros(len(sets), dtype=np.int64)
    for j in range(sets.shape[1]):
        key = key * radix + sets[:, j]
    return key


def _normalise(sets: np.ndarray, pad: int) -> np.ndarray:
    """Sort each column set and blank repeats, so equal sets get equal rows."""
    out = np.sort(sets, axis=1)
    out[:, 1:][out[:, 1:] == out[:, :-1]] = pad
    return np.sort(out, axis=1)


def _series(base: np.ndarray, sets: np.ndarray) -> np.ndarray:
    """(series, rows) float32: the AND of each set's base columns."""
    out = np.logical_and.reduce([base[:, sets[:, j]] for j in range(sets.shape[1])])
    return np.ascontiguousarray(out.T, dtype=np.float32)


def _rfft(x: np.ndarray) -> np.ndarray:
    from scipy import fft  # lazy: ~0.6 s to import

    return np.asarray(fft.rfft(x, axis=1, workers=-1))


def _irfft(x: np.ndarray, n: int) -> np.ndarray:
    from scipy import fft

    return np.asarray(fft.irfft(x, n=n, axis=1, workers=-1))


def _exceedance(
    shifted: dict[str, np.ndarray], observed: dict[str, np.ndarray], tail: str = "empirical"
) -> np.ndarray:
    """(1 + #{offsets: null lift >= observed lift}) / (1 + #offsets with a defined lift).

    Compared exactly by cross-multiplying integer counts (a_s n_s p c >= a n p_s c_s),
    all below 2**53 in float64. With ``tail="normal"``, a rule whose lift exceeds every
    shifted lift gets the normal upper-tail probability of its lift under a normal fit to
    the shifted lifts instead of the floor, when that is smaller (see ``NullConfig.tail``).
    """
    n, p, c, a = (shifted[k] for k in ("n", "p", "c", "a"))
    valid = (n > 0) & (p > 0) & (c > 0)
    lhs = (a.astype(np.float64) * n) * (observed["p"] * observed["c"])[:, None]
    rhs = (p.astype(np.float64) * c) * (observed["a"] * observed["n"])[:, None]
    hits = (valid & (lhs >= rhs)).sum(axis=1)
    used = valid.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = (1 + hits) / (1 + used)
        if tail == "normal":
            out = np.where(hits == 0, np.minimum(out, _normal_tail(shifted, observed, valid)), out)
    return np.where(used > 0, out, np.nan)


def _normal_tail(
    shifted: dict[str, np.ndarray], observed: dict[str, np.ndarray], valid: np.ndarray
) -> np.ndarray:
    """P(Z >= z) for the observed lift's z-score among the rule's shifted lifts."""
    from scipy.special import ndtr

    n, p, c, a = (shifted[k].astype(np.float64) for k in ("n", "p", "c", "a"))
    lifts = np.where(valid, a * n / np.where(valid, p * c, 1.0), np.nan)
    mean = np.nanmean(lifts, axis=1)
    sd = np.nanstd(lifts, axis=1, ddof=1)
    lift = observed["a"] * observed["n"] / (observed["p"] * observed["c"])
    z = (lift - mean) / sd
    return np.where(np.isfinite(z) & (sd > 0), ndtr(-z), 1.0)


def shift_domain(states: StatesLike, domains: tuple[str, ...], offset: int) -> StateFrames:
    """A placebo: the states of ``domains`` rotated circularly by ``offset`` days.

    Day t of a rotated state takes the value of day t - offset (mod days). Every link
    between the rotated domains and the others is broken; each series keeps its own
    autocorrelation. ``states`` is not modified.
    """
    cols = [c for c in states.values.columns if str(states.meta.at[c, "domain"]) in domains]
    values, known = states.values.copy(), states.known.copy()
    for frame, src in ((values, states.values), (known, states.known)):
        frame[cols] = np.roll(src[cols].to_numpy(), offset, axis=0)
    return StateFrames(values, known, states.meta.copy())
