"""The tiny tokenizer shared by threshold and abort-rule expressions.

Tokens: NAME (``p``, ``avg``, ``avg-rt``, ``ms``, ``for``), NUMBER (``300``, ``0.01``,
``1e3``), OP (``<``, ``<=``, ``>``, ``>=``, and the rejected ``==``, ``!=``, ``=``),
``(``, ``)``, ``%``, and END. Every token carries its 0-based position so that errors can
point at it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from omninode_bridge.errors import UsageError


class ThresholdSyntaxError(UsageError):
    """A malformed threshold or abort rule; the message is one line with the position."""

    def __init__(self, where: str, expr: str, message: str, pos: int, hint: str = "") -> None:
        self.where, self.expr, self.pos = where, expr, pos
        text = f"{where}: {expr!r}: {message} at position {pos}"
        super().__init__(f"{text} ({hint})" if hint else text)


@dataclass(frozen=True)
class Token:
    kind: str  # NAME NUMBER OP LPAREN RPAREN PERCENT END
    text: str
    pos: int


_TOKEN = re.compile(
    r"(?P<NUMBER>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
    r"|(?P<NAME>[A-Za-z_][A-Za-z0-9_]*(?:-[A-Za-z][A-Za-z0-9_]*)*)"
    r"|(?P<OP><=|>=|==|!=|<|>|=)"
    r"|(?P<LPAREN>\()|(?P<RPAREN>\))|(?P<PERCENT>%)"
)


def tokenize(expr: str, where: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    while pos < len(expr):
        if expr[pos].isspace():
            pos += 1
            continue
        match = _TOKEN.match(expr, pos)
        if match is None or match.lastgroup is None:
            raise ThresholdSyntaxError(where, expr, f"unexpected {expr[pos]!r}", pos)
        tokens.append(Token(match.lastgroup, match.group(), pos))
        pos = match.end()
    tokens.append(Token("END", "", len(expr)))
    return tokens


class Cursor:
    """A position in a token list, with errors that name the expression and position."""

    def __init__(self, expr: str, where: str) -> None:
        self.expr, self.where = expr, where
        self.tokens = tokenize(expr, where)
        self.i = 0

    @property
    def peek(self) -> Token:
        return self.tokens[self.i]

    def take(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def error(
        self, message: str, token: Token | None = None, hint: str = ""
    ) -> ThresholdSyntaxError:
        token = token or self.peek
        return ThresholdSyntaxError(self.where, self.expr, message, token.pos, hint)

    def unexpected(self, expected: str) -> ThresholdSyntaxError:
        token = self.peek
        if token.kind == "END":
            return self.error("unexpected end of expression", hint=f"expected {expected}")
        return self.error(f"unexpected {token.text!r}", hint=f"expected {expected}")

    def expect(self, kind: str, expected: str) -> Token:
        if self.peek.kind != kind:
            raise self.unexpected(expected)
        return self.take()

    def operator(self) -> Token:
        token = self.expect("OP", "a comparison operator <, <=, > or >=")
        if token.text not in ("<", "<=", ">", ">="):
            raise self.error(f"unsupported operator {token.text!r}", token, "use <, <=, > or >=")
        return token

    def number(self) -> float:
        return float(self.expect("NUMBER", "a number").text)

    def end(self) -> None:
        if self.peek.kind != "END":
            raise self.unexpected("end of expression")
