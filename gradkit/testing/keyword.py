"""``-k`` expressions over case ids, with pytest's grammar.

An expression combines words with ``and``, ``or``, ``not`` and parentheses; a word matches a
case id that contains it (case-insensitively). So ``gradkit check -k EXPR`` selects the cases
that ``pytest -k EXPR`` would.

>>> from gradkit.testing.keyword import KeywordExpression
>>> expr = KeywordExpression.compile("tanh and not float16")
>>> expr.matches("tanh-float32-3x4-cpu-backward"), expr.matches("tanh-float16-3x4-cpu-backward")
(True, False)
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["KeywordExpression"]

# Same word characters as pytest's -k: letters, digits, _ : + - . [ ] \ /
_TOKEN_RE = re.compile(r"\s*(\(|\)|[\w:+\-.\[\]\\/]+)")

_Matcher = Callable[[str], bool]


def _tokenize(text: str) -> list[str]:
    tokens = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN_RE.match(text, pos)
        if match is None:
            raise ValueError(
                f"invalid -k expression {text!r}: unexpected character {text[pos:].strip()[0]!r} "
                f"at column {pos + 1}"
            )
        tokens.append(match.group(1))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent: expr := and ('or' and)*; and := not ('and' not)*;
    not := 'not' not | '(' expr ')' | word."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0

    def _error(self, what: str) -> ValueError:
        return ValueError(f"invalid -k expression {self.text!r}: {what}")

    def _peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def parse(self) -> _Matcher:
        if not self.tokens:
            return lambda _id: True
        matcher = self._expr()
        if self._peek() is not None:
            raise self._error(f"unexpected {self._peek()!r}")
        return matcher

    def _expr(self) -> _Matcher:
        terms = [self._and()]
        while self._peek() == "or":
            self.pos += 1
            terms.append(self._and())
        return terms[0] if len(terms) == 1 else lambda s: any(t(s) for t in terms)

    def _and(self) -> _Matcher:
        terms = [self._not()]
        while self._peek() == "and":
            self.pos += 1
            terms.append(self._not())
        return terms[0] if len(terms) == 1 else lambda s: all(t(s) for t in terms)

    def _not(self) -> _Matcher:
        token = self._peek()
        if token is None:
            raise self._error("expected a word, 'not' or '(' at the end")
        self.pos += 1
        if token == "not":
            inner = self._not()
            return lambda s: not inner(s)
        if token == "(":
            inner = self._expr()
            if self._peek() != ")":
                raise self._error("missing ')'")
            self.pos += 1
            return inner
        if token in (")", "and", "or"):
            raise self._error(f"unexpected {token!r}")
        word = token.lower()
        return lambda s: word in s.lower()


@dataclass(frozen=True)
class KeywordExpression:
    """A compiled ``-k`` expression; :meth:`matches` tests a case id."""

    text: str
    _matcher: _Matcher

    @classmethod
    def compile(cls, text: str) -> KeywordExpression:
        """Parse ``text``; raises ``ValueError`` naming the problem for a malformed one."""
        return cls(text, _Parser(text).parse())

    def matches(self, case_id: str) -> bool:
        """Whether ``case_id`` is selected by the expression."""
        return self._matcher(case_id)
