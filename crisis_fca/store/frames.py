"""Checking the per-table frames a run hands to the store, before anything is written.

:func:`prepared_tables` is pure: it checks each frame against the declared columns of its
table (:mod:`crisis_fca.store.schema`) and returns new frames in declared column order, so
the writer never starts a transaction it already knows will fail. It also fills in the
rules' ``rule_id`` when the frame has none (:func:`rule_id`), checks given ids against it,
and checks that validations and briefs name rules of the same run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from crisis_fca.errors import StorageError
from crisis_fca.store.schema import DATA_TABLES, Table

__all__ = ["prepared_tables", "rule_id"]

_BY_NAME = {t.name: t for t in DATA_TABLES}


def rule_id(premise: Iterable[str], consequent: str, lead: int) -> str:
    """Stable 16-hex-digit id of a rule: the same premise set, consequent and lead, the same id.

    The premise is sorted first, and the parts are JSON-encoded, so no state name (with
    separators, quotes or anything else in it) can make two different rules collide.

    Example:
        >>> rule_id(["b", "a"], "c:high", 2) == rule_id(("a", "b"), "c:high", 2)
        True
        >>> rule_id(["a"], "c:high", 2) == rule_id(["a"], "c:high", 3)
        False
    """
    payload = json.dumps([sorted(premise), consequent, int(lead)], ensure_ascii=False)
    return hashlib.sha256(payload.encode()).hexdigest()[:16]


def prepared_tables(tables: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """The run's frames checked and in declared column order (inputs are not modified).

    Raises:
        StorageError: an unknown table, a missing or extra column, a list cell that is not a
            list of strings, a wrong ``rule_id``, or a validation/brief naming an unknown rule.
    """
    unknown = sorted(set(tables) - set(_BY_NAME))
    if unknown:
        msg = (
            f"unknown table(s) {unknown} in the run's tables; the store takes "
            f"{sorted(_BY_NAME)} (the runs row comes from the RunRecord)."
        )
        raise StorageError(msg)
    out = {
        name: _checked(_BY_NAME[name], frame)
        for name, frame in tables.items()
        if not _is_blank(frame)
    }
    _check_rule_refs(out)
    return out


def _is_blank(frame: object) -> bool:
    """``pd.DataFrame()``: no columns and no rows, taken as "no rows for this table"."""
    return isinstance(frame, pd.DataFrame) and frame.shape == (0, 0)


def _checked(table: Table, frame: object) -> pd.DataFrame:
    if not isinstance(frame, pd.DataFrame):
        msg = f"table {table.name!r} must be a pandas DataFrame, got {type(frame).__name__}"
        raise StorageError(msg)
    if table.name == "rules" and "rule_id" not in frame.columns:
        frame = _with_rule_ids(frame)
    _check_columns(table, frame)
    wanted = [c.name for c in table.data_columns]
    result = frame.loc[:, wanted].reset_index(drop=True)
    for column in table.data_columns:
        if column.type == "VARCHAR[]":
            _check_lists(table.name, column.name, result[column.name])
    if table.name == "rules":
        _check_rule_ids(result)
    return result


def _check_columns(table: Table, frame: pd.DataFrame) -> None:
    names = [str(c) for c in frame.columns]
    wanted = [c.name for c in table.data_columns]
    dupes = sorted({n for n in names if names.count(n) > 1})
    missing = [n for n in wanted if n not in names]
    extra = [n for n in names if n not in wanted]
    if dupes or missing or extra:
        msg = (
            f"table {table.name!r}: the frame's columns do not match the schema "
            f"(missing {missing}, unexpected {extra}, duplicated {dupes}); it must have "
            f"exactly {wanted} (run_id is added by the store). See docs/schema.md."
        )
        raise StorageError(msg)


def _check_lists(table: str, column: str, values: pd.Series) -> None:
    for row, cell in enumerate(values):
        if cell is None:
            continue
        items = list(cell) if isinstance(cell, list | tuple | np.ndarray) else None
        if items is None or not all(isinstance(i, str) for i in items):
            msg = (
                f"table {table!r}, column {column!r}, row {row}: expected a list of strings "
                f"(state names), got {cell!r}; pass a list or tuple of str."
            )
            raise StorageError(msg)


def _with_rule_ids(frame: pd.DataFrame) -> pd.DataFrame:
    needed = {"premise", "consequent", "lead"}
    if not needed <= set(frame.columns):
        return frame  # _check_columns reports what is missing
    ids = [_row_id(p, c, lead) for p, c, lead in _rule_parts(frame)]
    return frame.assign(rule_id=pd.Series(ids, index=frame.index, dtype=object))


def _rule_parts(frame: pd.DataFrame) -> Iterable[tuple[Any, Any, Any]]:
    return zip(frame["premise"], frame["consequent"], frame["lead"], strict=True)


def _row_id(premise: Any, consequent: Any, lead: Any) -> str | None:
    if premise is None or not isinstance(consequent, str) or pd.isna(lead):
        return None
    if float(lead) != int(lead):
        msg = f"table 'rules': lead {lead!r} of consequent {consequent!r} is not a whole number"
        raise StorageError(msg + " of days; leads are integers (0 = same day)")
    return rule_id(list(premise), consequent, int(lead))


def _check_rule_ids(rules: pd.DataFrame) -> None:
    for row, (given, parts) in enumerate(zip(rules["rule_id"], _rule_parts(rules), strict=True)):
        expected = _row_id(*parts)
        if given != expected:
            msg = (
                f"table 'rules', row {row}: rule_id {given!r} is not the id of premise "
                f"{list(parts[0]) if parts[0] is not None else None}, consequent {parts[1]!r}, "
                f"lead {parts[2]!r} (expected {expected!r}); compute it with "
                "crisis_fca.store.rule_id, or leave the column out and the store fills it in."
            )
            raise StorageError(msg)


def _check_rule_refs(frames: Mapping[str, pd.DataFrame]) -> None:
    known = set(frames["rules"]["rule_id"]) if "rules" in frames else set()
    for name in ("validations", "briefs"):
        if name not in frames:
            continue
        ids = frames[name]["rule_id"]
        for row, value in enumerate(ids):
            if not pd.isna(value) and value not in known:
                msg = (
                    f"table {name!r}, row {row}: rule_id {value!r} is not among this run's "
                    f"rules ({len(known)} given); store the rule in the 'rules' table of the "
                    "same run, or fix the id."
                )
                raise StorageError(msg)
