"""Okta's ``filter`` and ``search`` expressions: parse once, test many objects.

    expr    := term ("or" term)*
    term    := factor ("and" factor)*
    factor  := "(" expr ")" | attr op value | attr "pr"
    op      := eq | sw | co | gt | ge | lt | le

``filter`` compares values exactly; ``search`` ignores case in values, as
Okta documents for both. Arrays match when any element does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from typing import Any

from agora_okta.sandbox.errors import bad_search

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<paren>[()])
      | "(?P<string>(?:[^"\\]|\\.)*)"
      | (?P<word>[A-Za-z0-9_.:\-]+)
    )""",
    re.VERBOSE,
)
_OPERATORS = {"eq", "sw", "co", "pr", "gt", "ge", "lt", "le"}
_MISSING = object()


@dataclass(frozen=True)
class Comparison:
    attr: str
    op: str
    value: Any


@dataclass(frozen=True)
class Junction:
    op: str  # "and" | "or"
    parts: tuple[Expression, ...]


Expression = Comparison | Junction


@dataclass(frozen=True)
class Query:
    """A parsed expression with the case rule it was parsed for."""

    expression: Expression
    ignore_case: bool

    def matches(self, obj: dict[str, Any]) -> bool:
        return _evaluate(self.expression, obj, self.ignore_case)

    def exact_values(self, attr: str) -> list[str] | None:
        """The values when the query is only ``attr eq "v"`` joined by ``or``.

        Lets a caller answer from an index instead of testing every object.
        """
        parts = _or_parts(self.expression)
        values = []
        for part in parts:
            if not (
                isinstance(part, Comparison)
                and part.attr == attr
                and part.op == "eq"
                and isinstance(part.value, str)
            ):
                return None
            values.append(part.value)
        return values


def parse(
    text: str,
    *,
    ignore_case: bool,
    attributes: Collection[str] | None = None,
    operators: Collection[str] = _OPERATORS,
) -> Query:
    """Parse text; raise 400 E0000031 for anything Okta would refuse.

    ``attributes`` limits the properties (``filter`` allows only a few);
    ``None`` allows any.
    """
    tokens = _tokenize(text)
    parser = _Parser(tokens, attributes, operators)
    expression = parser.expression()
    if parser.position != len(tokens):
        raise bad_search(f"Unexpected '{tokens[parser.position][1]}' in {text!r}")
    return Query(expression, ignore_case)


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None:
            raise bad_search(f"Cannot read {text[position:]!r}")
        kind = match.lastgroup or "word"
        value = match.group(kind)
        if kind == "string":
            value = re.sub(r"\\(.)", r"\1", value)
        tokens.append((kind, value))
        position = match.end()
    if not tokens:
        raise bad_search("The expression is empty.")
    return tokens


class _Parser:
    def __init__(
        self,
        tokens: list[tuple[str, str]],
        attributes: Collection[str] | None,
        operators: Collection[str],
    ) -> None:
        self.tokens = tokens
        self.position = 0
        self.attributes = attributes
        self.operators = operators

    def expression(self) -> Expression:
        return self._junction("or", self._term)

    def _term(self) -> Expression:
        return self._junction("and", self._factor)

    def _junction(self, word: str, operand: Callable[[], Expression]) -> Expression:
        parts = [operand()]
        while self._peek_word() == word:
            self.position += 1
            parts.append(operand())
        return parts[0] if len(parts) == 1 else Junction(word, tuple(parts))

    def _factor(self) -> Expression:
        kind, value = self._take("an attribute or '('")
        if kind == "paren" and value == "(":
            inner = self.expression()
            closing = self._take("')'")
            if closing != ("paren", ")"):
                raise bad_search(f"Expected ')' but found '{closing[1]}'")
            return inner
        if kind != "word":
            raise bad_search(f"Expected an attribute but found '{value}'")
        return self._comparison(value)

    def _comparison(self, attr: str) -> Comparison:
        if self.attributes is not None and attr not in self.attributes:
            raise bad_search(f"Filtering on '{attr}' is not supported.")
        _, op_word = self._take("an operator")
        op = op_word.lower()
        if op not in _OPERATORS or op not in self.operators:
            raise bad_search(f"Operator '{op_word}' is not supported here.")
        if op == "pr":
            return Comparison(attr, op, None)
        kind, raw = self._take("a value")
        return Comparison(attr, op, raw if kind == "string" else _literal(raw))

    def _take(self, expected: str) -> tuple[str, str]:
        if self.position >= len(self.tokens):
            raise bad_search(f"Expected {expected} at the end of the expression.")
        token = self.tokens[self.position]
        self.position += 1
        return token

    def _peek_word(self) -> str | None:
        if self.position >= len(self.tokens):
            return None
        kind, value = self.tokens[self.position]
        return value.lower() if kind == "word" else None


def _literal(raw: str) -> Any:
    lowered = raw.lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "null":
        return None
    try:
        return int(raw)
    except ValueError:
        pass
    try:
        return float(raw)
    except ValueError:
        raise bad_search(f"'{raw}' is not a quoted string or literal.") from None


def _or_parts(expression: Expression) -> tuple[Expression, ...]:
    if isinstance(expression, Junction) and expression.op == "or":
        return expression.parts
    return (expression,)


def _evaluate(expression: Expression, obj: dict[str, Any], ignore_case: bool) -> bool:
    if isinstance(expression, Junction):
        results = (_evaluate(p, obj, ignore_case) for p in expression.parts)
        return any(results) if expression.op == "or" else all(results)
    actual = _lookup(obj, expression.attr)
    if expression.op == "pr":
        return actual is not _MISSING and actual not in (None, "", [])
    if actual is _MISSING:
        return False
    candidates = actual if isinstance(actual, list) else [actual]
    return any(_compare(c, expression, ignore_case) for c in candidates)


def _lookup(obj: dict[str, Any], attr: str) -> Any:
    current: Any = obj
    for key in attr.split("."):
        if not isinstance(current, dict) or key not in current:
            return _MISSING
        current = current[key]
    return current


def _compare(actual: Any, comparison: Comparison, ignore_case: bool) -> bool:
    expected = comparison.value
    if isinstance(expected, str) and isinstance(actual, str):
        if ignore_case:
            actual, expected = actual.casefold(), expected.casefold()
    elif isinstance(expected, str) or isinstance(actual, str):
        # Okta compares booleans and numbers written as strings by their text.
        actual, expected = _text(actual), _text(expected)
    op = comparison.op
    try:
        if op == "eq":
            return bool(actual == expected)
        if op == "sw":
            return isinstance(actual, str) and actual.startswith(expected)
        if op == "co":
            return isinstance(actual, str) and expected in actual
        return _order(actual, expected, op)
    except TypeError:
        return False


def _order(actual: Any, expected: Any, op: str) -> bool:
    if op == "gt":
        return bool(actual > expected)
    if op == "ge":
        return bool(actual >= expected)
    if op == "lt":
        return bool(actual < expected)
    return bool(actual <= expected)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)
