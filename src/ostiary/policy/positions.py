"""Where each statement sits in the original policy text.

`iam:SimulatePrincipalPolicy` reports every matched statement with its `StartPosition` and
`EndPosition` (`{Line, Column}`) in the document it came from (IAM API Reference, `Statement` and
`Position` data types: "The row and column of the beginning of the Statement in an IAM policy").
The standard `json` module gives no positions, so this is a tiny scanner over text that `json`
has already accepted: it tracks strings and nesting, finds the top-level ``"Statement"`` member,
and records the span of each statement object (or of the single object).

Lines and columns are 1-based; the start is the statement's ``{`` and the end its ``}``. AWS does
not document the base of either number (unverified).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Position:
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Span:
    start: Position
    end: Position


def statement_spans(text: str) -> tuple[Span, ...]:
    """The spans of the statements of a valid JSON policy document, in document order."""
    line_starts = [0] + [i + 1 for i, ch in enumerate(text) if ch == "\n"]

    def position(offset: int) -> Position:
        line = bisect_right(line_starts, offset)
        return Position(line, offset - line_starts[line - 1] + 1)

    spans: list[Span] = []
    depth = 0
    i, n = 0, len(text)
    last_string = ""
    statement_depth = -1  # depth at which the Statement value's objects open
    opened: list[int] = []
    while i < n:
        ch = text[i]
        if ch == '"':
            j = i + 1
            while text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            last_string = text[i + 1 : j]
            i = j + 1
            continue
        if ch == ":" and depth == 1:
            if last_string == "Statement" and statement_depth < 0:
                k = i + 1
                while text[k] in " \t\r\n":
                    k += 1
                statement_depth = 2 if text[k] == "{" else 3
        elif ch in "{[":
            depth += 1
            if ch == "{" and depth == statement_depth:
                opened.append(i)
        elif ch in "}]":
            if ch == "}" and depth == statement_depth and opened:
                spans.append(Span(position(opened.pop()), position(i)))
                if statement_depth == 2:
                    statement_depth = 0  # the single statement object is done
            if depth == 2 and statement_depth == 3 and ch == "]":
                statement_depth = 0
            depth -= 1
        i += 1
    return tuple(spans)
