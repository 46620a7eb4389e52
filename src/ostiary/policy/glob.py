"""`*` and `?` matching for actions, resource ARNs and `StringLike` / `ArnLike` values.

Only `*` (any sequence) and `?` (one character) are special in IAM; every other character,
brackets included, is literal, which is why this does not use `fnmatch`. A pattern is compiled
once into a `Glob` that picks the cheapest safe strategy:

- no wildcard: string equality;
- one trailing `*`: `startswith` (``s3:Get*``, ``arn:aws:s3:::bucket/*``);
- otherwise a regular expression, unless the subject could make a backtracking engine blow
  up (many candidate split points for several stars), in which case a bit-parallel NFA runs
  in time linear in the subject. Policies are written by account users and request values
  (S3 keys) by anyone, so the worst case must stay bounded.

Colons in resource ARNs. `reference_policies_elements_resource` ("Using wildcards in resource
ARNs"): "You can use wildcard characters (`*` and `?`) within the individual segments of an ARN
(the parts separated by colons) ... If the `*` wildcard is the last character of a resource ARN
segment, it can expand to match beyond the colon boundaries." So, in ARN mode and before the
pattern's fifth colon, `?` and a `*` followed by more of its segment never match `:`, while a
`*` that ends its segment (followed by `:` or by the end of the pattern) matches anything. After
the fifth colon (the resource part, which may itself hold colons) wildcards match anything.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Final

# Above this estimated number of backtracking steps the NFA is used instead of `re`.
_REGEX_BUDGET: Final = 4_096
_LITERAL, _ONE, _STAR = 0, 1, 2


class Glob:
    """A compiled wildcard pattern; `match` tests a whole subject string."""

    __slots__ = ("_follow", "_lits", "_mode", "_nfa", "_prefix", "_regex", "_suffix", "ignore_case", "pattern")

    def __init__(self, pattern: str, tokens: Sequence[tuple[int, str, bool]], *, ignore_case: bool) -> None:
        self.pattern = pattern
        self.ignore_case = ignore_case
        literal = "".join(text for kind, text, _ in tokens if kind == _LITERAL)
        kinds = [kind for kind, _, _ in tokens]
        self._prefix = "".join(text for _, text, _ in _leading_literals(tokens))
        self._suffix = "".join(text for _, text, _ in reversed(_leading_literals(list(reversed(tokens)))))
        self._lits = literal
        self._regex: re.Pattern[str] | None = None
        self._nfa: _Nfa | None = None
        self._follow: tuple[str | None, ...] = ()
        if _STAR not in kinds and _ONE not in kinds:
            self._mode = "exact"
        elif kinds == [_STAR] and tokens[0][2]:
            self._mode = "any"
        elif kinds.count(_STAR) == 1 and kinds[-1] == _STAR and tokens[-1][2] and _ONE not in kinds:
            self._mode = "prefix"
        else:
            self._mode = "general"
            self._regex = re.compile("".join(_regex_piece(t) for t in tokens), re.DOTALL)
            self._nfa = _Nfa(tokens)
            follow: list[str | None] = []
            for i, (kind, _, _) in enumerate(tokens):
                if kind == _STAR and i + 1 < len(tokens):
                    nxt = tokens[i + 1]
                    follow.append(nxt[1] if nxt[0] == _LITERAL else None)
            self._follow = tuple(follow)

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"

    def match(self, subject: str) -> bool:
        """True when the pattern matches all of `subject`."""
        if self.ignore_case:
            subject = subject.lower()
        mode = self._mode
        if mode == "exact":
            return subject == self._prefix
        if mode == "any":
            return True
        if mode == "prefix":
            return subject.startswith(self._prefix)
        if not subject.startswith(self._prefix) or not subject.endswith(self._suffix):
            return False
        regex, nfa = self._regex, self._nfa
        if regex is None or nfa is None:  # "general" mode compiles both
            raise TypeError(f"glob {self.pattern!r} has no matcher")
        if self._cost(subject) <= _REGEX_BUDGET:
            return regex.fullmatch(subject) is not None
        return nfa.match(subject)

    def _cost(self, subject: str) -> int:
        """An upper bound on how many ways the stars can split `subject` (backtracking work)."""
        cost = 1
        for follower in self._follow:
            cost *= len(subject) + 1 if follower is None else subject.count(follower) + 1
            if cost > _REGEX_BUDGET:
                break
        return cost


def _leading_literals(tokens: Sequence[tuple[int, str, bool]]) -> list[tuple[int, str, bool]]:
    out = []
    for token in tokens:
        if token[0] != _LITERAL:
            break
        out.append(token)
    return out


def _regex_piece(token: tuple[int, str, bool]) -> str:
    kind, text, colon_ok = token
    if kind == _LITERAL:
        return re.escape(text)
    body = "." if colon_ok else "[^:]"
    return body if kind == _ONE else body + "*"


class _Nfa:
    """Bit-parallel simulation: bit i set = "the next token to match is token i"."""

    __slots__ = ("_any", "_any_colon", "_final", "_lit", "_star", "_star_colon")

    def __init__(self, tokens: Sequence[tuple[int, str, bool]]) -> None:
        self._lit: dict[str, int] = {}
        self._any = self._any_colon = self._star = self._star_colon = 0
        for i, (kind, text, colon_ok) in enumerate(tokens):
            bit = 1 << i
            if kind == _LITERAL:
                self._lit[text] = self._lit.get(text, 0) | bit
            elif kind == _ONE:
                self._any |= bit
                self._any_colon |= bit if colon_ok else 0
            else:
                self._star |= bit
                self._star_colon |= bit if colon_ok else 0
        self._final = 1 << len(tokens)

    def match(self, subject: str) -> bool:
        star, lit_of, any_one = self._star, self._lit, self._any
        state = 1
        state |= (state & star) << 1
        for ch in subject:
            if ch == ":":
                step = lit_of.get(ch, 0) | self._any_colon
                stay = self._star_colon
            else:
                step = lit_of.get(ch, 0) | any_one
                stay = star
            state = ((state & step) << 1) | (state & stay)
            if not state:
                return False
            state |= (state & star) << 1
        return bool(state & self._final)


def _tokens(chars: Iterable[tuple[str, bool]], *, arn: bool) -> list[tuple[int, str, bool]]:
    """Turn (character, is_wildcard_capable) pairs into tokens; consecutive stars merge."""
    items = list(chars)
    out: list[tuple[int, str, bool]] = []
    colons = 0
    for i, (ch, special) in enumerate(items):
        in_segments = arn and colons < 5
        if ch == ":":
            colons += 1
        if special and ch == "*":
            ends_segment = i + 1 == len(items) or items[i + 1][0] == ":"
            colon_ok = not in_segments or ends_segment
            if out and out[-1][0] == _STAR:
                out[-1] = (_STAR, "*", out[-1][2] or colon_ok)
            else:
                out.append((_STAR, "*", colon_ok))
        elif special and ch == "?":
            out.append((_ONE, "?", not in_segments))
        else:
            out.append((_LITERAL, ch, False))
    return out


@lru_cache(maxsize=8192)
def compile_glob(pattern: str, *, arn: bool = False, ignore_case: bool = False) -> Glob:
    """Compile a plain pattern (every `*` and `?` is a wildcard)."""
    text = pattern.lower() if ignore_case else pattern
    return Glob(pattern, _tokens(((ch, True) for ch in text), arn=arn), ignore_case=ignore_case)


@lru_cache(maxsize=8192)
def compile_chunks(chunks: tuple[tuple[str, bool], ...], *, arn: bool = False) -> Glob:
    """Compile a pattern made of (text, wildcards_active) chunks, as produced by policy variables:
    substituted values and the `${*}` / `${?}` escapes are literal text."""
    chars = [(ch, active) for text, active in chunks for ch in text]
    return Glob("".join(text for text, _ in chunks), _tokens(chars, arn=arn), ignore_case=False)
