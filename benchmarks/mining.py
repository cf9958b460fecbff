"""Mining family: lead-time rules, crisis-fca vs mlxtend vs pyfim, on one identical task.

The task (:func:`benchmarks.data.mining_task`): premises of up to ``max_premise`` day-t
states, one led consequent (leads 0..7), rule support >= 5 % of the complete days,
confidence >= 0.6, same-day consequents already in the premise excluded. Engines:

- ``crisis-fca-enum``: ``build_context`` + ``enumerate_candidates`` + ``add_metrics`` +
  ``bh_qvalues`` -- the enumeration, every metric (Wilson interval, lift, leverage,
  conviction, Fisher p) and the Benjamini-Hochberg FDR over the Fisher p-values: the
  "mining + metrics + FDR" of issue 9, timed from the state frames. The reference for
  counts.
- ``crisis-fca-mine``: :func:`crisis_fca.rules.mine_rules` with the null off --
  enumeration, metrics, Benjamini-Hochberg FDR over the Fisher p-values, premise
  closures (FCA), and every filter.
- ``crisis-fca-mine-null``: ``mine_rules`` with the 1,000-shift circular null and its FDR.
- ``mlxtend-apriori`` / ``mlxtend-fpgrowth``: frequent itemsets up to ``max_premise + 1``
  items + ``association_rules`` on the bool frame of complete days (mlxtend cannot keep
  premise and consequent columns apart while mining, so it enumerates every itemset);
  the baselines. Selecting the task's rules from its output is not timed.
- ``pyfim``: ``fim.arules`` with ``appear`` constraints (premise columns body-only,
  consequent columns head-only) and ``mode="o"`` (support = body and head), from the same
  frame; list conversion timed, selection not.

Every engine's confident rules are fingerprinted with their exact day counts
``(premise, consequent, a, p, c)``; confidence is compared exactly as ``5 a >= 3 p``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import numpy as np
import pandas as pd

from benchmarks.harness import Task
from benchmarks.lattice import fingerprint

__all__ = ["ENGINES", "ENGINE_LABELS", "rule_key", "tasks"]

Prepared = tuple[Callable[[], Any], Callable[[Any], dict[str, Any]]]

ENGINE_LABELS = {
    "crisis-fca-enum": "crisis-fca enumerate + metrics + FDR",
    "crisis-fca-mine": "crisis-fca mine_rules, null off (+ FDR, closures, filters)",
    "crisis-fca-mine-null": "crisis-fca mine_rules, 1,000-shift null",
    "mlxtend-apriori": "mlxtend apriori + association_rules",
    "mlxtend-fpgrowth": "mlxtend fpgrowth + association_rules",
    "pyfim": "pyfim arules (appear constraints)",
}


def rule_key(premise: Iterable[str], consequent: str, a: int, p: int, c: int) -> str:
    """The fingerprinted identity of a rule: sorted premise, consequent and day counts.

    >>> rule_key(("b", "a"), "x[t+1]", 5, 8, 9)
    'a|b>x[t+1]:5:8:9'
    """
    return f"{'|'.join(sorted(premise))}>{consequent}:{a}:{p}:{c}"


def _confident(a: np.ndarray, p: np.ndarray, confidence: tuple[int, int]) -> np.ndarray:
    num, den = confidence
    return np.asarray(den * np.asarray(a, dtype=np.int64) >= num * np.asarray(p, dtype=np.int64))


def _describe_frame(frame: pd.DataFrame, confidence: tuple[int, int]) -> dict[str, Any]:
    """Counts and fingerprint of crisis-fca's candidate frame."""
    counts = {c: frame[c].to_numpy(dtype=np.int64) for c in ("support_days", "premise_days")}
    keep = _confident(counts["support_days"], counts["premise_days"], confidence)
    picked = frame[keep]
    keys = [
        rule_key(*row)
        for row in picked[
            ["premise", "consequent", "support_days", "premise_days", "consequent_days"]
        ].itertuples(index=False)
    ]
    return {
        "counts": {"rules": len(keys), "candidates": len(frame)},
        "fingerprints": {"rules": fingerprint(keys)},
    }


def _crisis_fca_enum(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    from crisis_fca.rules import bh_qvalues, build_context, enumerate_candidates
    from crisis_fca.rules.metrics import add_metrics

    states, task = inputs["states"], inputs["task"]

    def run() -> pd.DataFrame:
        ctx = build_context(states, task)
        rules = add_metrics(enumerate_candidates(ctx, task).rules)
        return rules.assign(fisher_q=bh_qvalues(rules["fisher_p"].to_numpy()))

    return run, lambda frame: _describe_frame(frame, inputs["confidence"])


def _crisis_fca_mine(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    from crisis_fca.rules import mine_rules

    states = inputs["states"]
    task = inputs["task"]
    task = task.model_copy(
        update={"null": task.null.model_copy(update={"enabled": params["null"]})}
    )

    def describe(result: Any) -> dict[str, Any]:
        out = _describe_frame(result.candidates, inputs["confidence"])
        out["counts"]["kept"] = len(result.rules)
        if params["null"]:
            out["counts"]["tested"] = int(result.candidates["null_p"].notna().sum())
        return out

    return (lambda: mine_rules(states, task)), describe


def _mlxtend(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    from mlxtend.frequent_patterns import apriori, association_rules, fpgrowth

    algo = {"apriori": apriori, "fpgrowth": fpgrowth}[params["algorithm"]]
    frame: pd.DataFrame = inputs["frame"]
    rows, need, (num, den) = len(frame), inputs["need"], inputs["confidence"]

    def run() -> tuple[pd.DataFrame, pd.DataFrame]:
        freq = algo(
            frame, min_support=(need - 0.5) / rows, use_colnames=True, max_len=inputs["max_len"]
        )
        rules = association_rules(
            freq, num_itemsets=rows, metric="confidence", min_threshold=num / den - 1e-9
        )
        return freq, rules

    def describe(out: tuple[pd.DataFrame, pd.DataFrame]) -> dict[str, Any]:
        freq, rules = out
        cols = ["antecedents", "consequents", "support", "antecedent support", "consequent support"]
        found = [
            (tuple(ante), next(iter(cons)), *(round(x * rows) for x in sups))
            for ante, cons, *sups in rules[cols].itertuples(index=False)
            if len(cons) == 1
        ]
        keys = _selected(found, inputs)
        return {
            "counts": {"rules": len(keys), "itemsets": len(freq), "mined": len(rules)},
            "fingerprints": {"rules": fingerprint(keys)},
        }

    return run, describe


def _pyfim(inputs: dict[str, Any], params: dict[str, Any]) -> Prepared:
    import fim

    frame: pd.DataFrame = inputs["frame"]
    columns = np.array(frame.columns, dtype=object)
    values = frame.to_numpy(dtype=bool)
    appear: dict[str | None, str] = {None: "-"}
    appear.update(dict.fromkeys(inputs["premise"], "a"))
    appear.update(dict.fromkeys(inputs["consequent"], "c"))
    num, den = inputs["confidence"]

    def run() -> list[tuple[Any, ...]]:
        tracts = [columns[row].tolist() for row in values]
        return fim.arules(  # type: ignore[no-any-return]
            tracts,
            supp=-inputs["need"],
            conf=100 * num / den - 1e-6,
            zmin=2,
            zmax=inputs["max_len"],
            report="abh",
            mode="o",
            appear=appear,
        )

    def describe(out: list[tuple[Any, ...]]) -> dict[str, Any]:
        keys = _selected([(body, head, a, b, h) for head, body, a, b, h in out], inputs)
        return {
            "counts": {"rules": len(keys), "mined": len(out)},
            "fingerprints": {"rules": fingerprint(keys)},
        }

    return run, describe


def _selected(found: list[tuple[Any, ...]], inputs: dict[str, Any]) -> list[str]:
    """Keys of the task's rules among (premise, consequent, a, p, c) tuples from a baseline."""
    premise_side, consequent_state = set(inputs["premise"]), inputs["consequent"]
    keys = []
    for premise, consequent, a, p, c in found:
        state = consequent_state.get(consequent)
        if state is None or not set(premise) <= premise_side or a < inputs["need"]:
            continue
        if consequent.endswith("[t+0]") and state in premise:
            continue  # trivial: the consequent's own day-t state is in the premise
        if _confident(np.array([a]), np.array([p]), inputs["confidence"])[0]:
            keys.append(rule_key(premise, consequent, a, p, c))
    return keys


ENGINES: dict[str, Callable[[dict[str, Any], dict[str, Any]], Prepared]] = {
    "crisis-fca-enum": _crisis_fca_enum,
    "crisis-fca-mine": lambda i, p: _crisis_fca_mine(i, {"null": False}),
    "crisis-fca-mine-null": lambda i, p: _crisis_fca_mine(i, {"null": True}),
    "mlxtend-apriori": lambda i, p: _mlxtend(i, {"algorithm": "apriori"}),
    "mlxtend-fpgrowth": lambda i, p: _mlxtend(i, {"algorithm": "fpgrowth"}),
    "pyfim": _pyfim,
}


def tasks(
    contexts: dict[str, tuple[str, str]],
    *,
    repeats: int,
    slow: float,
    trace_below: float = 3.0,
    cap: float = 120.0,
) -> list[Task]:
    """One task per engine and context (label -> (crisis-fca input, baseline input) paths).

    mlxtend's paths are the baselines (ratios use the faster), capped at ``cap`` s.
    """
    out = []
    for label, (ours, theirs) in contexts.items():
        for key, engine in ENGINE_LABELS.items():
            mine = key.startswith("crisis-fca")
            out.append(
                Task(
                    family="mining",
                    context=label,
                    engine=engine,
                    module=__name__,
                    key=key,
                    inputs=ours if mine else theirs,
                    cap=cap if key.startswith("mlxtend") else 300.0,
                    repeats=repeats,
                    slow=slow,
                    baseline=key.startswith("mlxtend"),
                    reference=key == "crisis-fca-enum",
                    requires="fim" if key == "pyfim" else "",
                    trace_below=trace_below,
                )
            )
    return out
