"""Composite-state expressions and their three-valued (Kleene) evaluation.

Grammar (keywords are lower-case words; state names always contain a dot)::

    expr     := and_expr ("or" and_expr)*
    and_expr := not_expr ("and" not_expr)*
    not_expr := "not" not_expr | atom
    atom     := NAME | "(" expr ")" | "at_least" "(" INT ("," expr)+ ")"

Truth is three-valued, after Kleene's strong logic of indeterminacy (S. C. Kleene,
*Introduction to Metamathematics*, 1952, sec. 64): a part is True, False or unknown, and
a composite is *known* exactly when its value is determined by the known parts:

* ``a and b``: False if any part is known False; True if all are known True; else unknown.
* ``a or b``: True if any part is known True; False if all are known False; else unknown.
* ``not a``: known exactly when ``a`` is.
* ``at_least(k, ...)``: True if at least k parts are known True; False if even counting
  every unknown part as True fewer than k could hold; else unknown.

Example:
    >>> parse_expr("s.a and not (s.b or s.c)")
    ('and', (('name', 's.a'), ('not', ('or', (('name', 's.b'), ('name', 's.c'))))))
    >>> sorted(names_in(parse_expr("at_least(2, s.a, s.b, s.c)")))
    ['s.a', 's.b', 's.c']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from crisis_fca.states.truth import Truth

__all__ = ["Node", "evaluate_expr", "names_in", "parse_expr"]

Node = tuple[Any, ...]
"""AST node: ``("name", str)``, ``("not", node)``, ``("and"|"or", nodes)`` or
``("at_least", k, nodes)``."""

_TOKEN = re.compile(r"\s*(?:(?P<punct>[(),])|(?P<int>\d+)(?![\w.:])|(?P<word>[A-Za-z_][\w.:]*))")
_KEYWORDS = {"and", "or", "not", "at_least"}


def _tokens(text: str) -> list[str]:
    out: list[str] = []
    pos = 0
    while pos < len(text.rstrip()):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            msg = f"cannot read composite expression {text!r} at position {pos}: {text[pos:]!r}"
            raise ValueError(msg)
        out.append(match.group(match.lastgroup or ""))
        pos = match.end()
    return out


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.toks = _tokens(text)
        self.i = 0

    def _peek(self) -> str | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def _take(self, expected: str | None = None) -> str:
        tok = self._peek()
        if tok is None or (expected is not None and tok != expected):
            want = f"{expected!r}" if expected else "more input"
            msg = f"composite expression {self.text!r}: expected {want}, found {tok!r}"
            raise ValueError(msg)
        self.i += 1
        return tok

    def _chain(self, word: str, sub: Callable[[], Node]) -> Node:
        parts = [sub()]
        while self._peek() == word:
            self._take()
            parts.append(sub())
        return parts[0] if len(parts) == 1 else (word, tuple(parts))

    def expr(self) -> Node:
        return self._chain("or", self.and_expr)

    def and_expr(self) -> Node:
        return self._chain("and", self.not_expr)

    def not_expr(self) -> Node:
        if self._peek() == "not":
            self._take()
            return ("not", self.not_expr())
        return self.atom()

    def atom(self) -> Node:
        tok = self._take()
        if tok == "(":
            node = self.expr()
            self._take(")")
            return node
        if tok == "at_least":
            return self._at_least()
        if tok in _KEYWORDS or "." not in tok:
            msg = (
                f"composite expression {self.text!r}: {tok!r} is not a state name "
                "(state names look like 'domain.signal:condition')"
            )
            raise ValueError(msg)
        return ("name", tok)

    def _at_least(self) -> Node:
        self._take("(")
        k_tok = self._take()
        if not k_tok.isdigit() or int(k_tok) < 1:
            msg = (
                f"composite expression {self.text!r}: at_least needs a count >= 1 first, "
                f"got {k_tok!r}"
            )
            raise ValueError(msg)
        parts = []
        while self._peek() == ",":
            self._take()
            parts.append(self.expr())
        self._take(")")
        if not parts:
            msg = f"composite expression {self.text!r}: at_least({k_tok}, ...) lists no states"
            raise ValueError(msg)
        return ("at_least", int(k_tok), tuple(parts))


def parse_expr(text: str) -> Node:
    """Parse a composite expression; ``ValueError`` says where it stops making sense."""
    parser = _Parser(text)
    node = parser.expr()
    if parser._peek() is not None:
        msg = (
            f"composite expression {text!r}: unexpected {parser._peek()!r} "
            "after a complete expression"
        )
        raise ValueError(msg)
    return node


def names_in(node: Node) -> Iterator[str]:
    """Every state name the expression refers to (with repeats)."""
    if node[0] == "name":
        yield node[1]
    elif node[0] == "not":
        yield from names_in(node[1])
    else:
        for part in node[-1]:
            yield from names_in(part)


def evaluate_expr(node: Node, truth_of: Callable[[str], Truth]) -> Truth:
    """Evaluate ``node`` with Kleene's three-valued logic (see module docstring)."""
    kind = node[0]
    if kind == "name":
        return truth_of(node[1])
    if kind == "not":
        inner = evaluate_expr(node[1], truth_of)
        return Truth(~inner.value & inner.known, inner.known.copy())
    parts = [evaluate_expr(p, truth_of) for p in node[-1]]
    true_n = np.sum([p.value for p in parts], axis=0)
    unknown_n = np.sum([~p.known for p in parts], axis=0)
    k = len(parts) if kind == "and" else 1 if kind == "or" else int(node[1])
    value = true_n >= k
    known = value | (true_n + unknown_n < k)
    return Truth(np.asarray(value, dtype=bool), np.asarray(known, dtype=bool))
