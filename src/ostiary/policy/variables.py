"""Policy variables: ``${aws:username}``, ``${key, 'default'}`` and the ``${*}``, ``${?}``, ``${$}`` escapes.

`reference_policies_variables`:

- Variables work only in policies with ``"Version": "2012-10-17"``; under 2008-10-17 they are
  literal text (`reference_policies_elements_version`).
- "You can use a policy variable in the `Resource` element, but only in the resource portion of
  the ARN. This portion of the ARN appears after the fifth colon (:)." The parser passes the
  offset of that portion as `start`; ``${`` before it stays literal.
- In conditions, "in any condition that involves the string operators or the ARN operators".
- "To add a default value to a variable, surround the default value with single quotes (' '),
  and separate the variable text and the default value with a comma and space".
- "${*} - use where you need an * (asterisk) character. ${?} ... ${$} ..." The escaped characters
  are literal: an escaped `*` is never a wildcard. Substituted values are literal too.
- "You can use any available single-valued context key as a policy variable, but you cannot use a
  multivalued context key" (`reference_policies_condition-single-vs-multi-valued-context-keys`):
  a key with several values resolves like a missing one.
- "If a variable that has no value ... is used as part of the Resource or NotResource element ...
  the resource that includes a policy variable with no value will not match any resource", and
  in a condition "StringEquals or StringLike do not match" while "StringNotEquals or StringNotLike
  do match against a null value". `resolve` returns None for such a value; callers treat it as
  a value that equals nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

_VARIABLE = re.compile(r"\$\{([^}]*)\}")
_KEY_AND_DEFAULT = re.compile(r"^\s*([^\s,']+)\s*(?:,\s*'([^']*)'\s*)?$")
_ESCAPES: Final = {"*": "*", "?": "?", "$": "$"}

Chunks = tuple[tuple[str, bool], ...]
"""Resolved text as (text, wildcards_active) pieces, ready for `glob.compile_chunks`."""


@dataclass(frozen=True, slots=True)
class Variable:
    key: str
    default: str | None = None


@dataclass(frozen=True, slots=True)
class Template:
    """A value that holds variables or escapes: literal pieces and `Variable`s, in order."""

    text: str
    parts: tuple[tuple[str, bool] | Variable, ...]

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(part.key for part in self.parts if isinstance(part, Variable))

    @property
    def literal_prefix(self) -> str:
        """The text every resolution starts with: up to the first variable or wildcard."""
        out = []
        for part in self.parts:
            if isinstance(part, Variable):
                break
            text, active = part
            if active and ("*" in text or "?" in text):
                out.append(text[: min(i for i in (text.find("*"), text.find("?")) if i >= 0)])
                break
            out.append(text)
        return "".join(out)


def parse_template(text: str, *, start: int = 0) -> Template | None:
    """Split `text` into literal pieces and variables; None when it holds neither variables nor escapes."""
    parts: list[tuple[str, bool] | Variable] = []
    pos = start
    found = False
    for m in _VARIABLE.finditer(text, start):
        inner = m.group(1)
        if inner in _ESCAPES:
            piece: tuple[str, bool] | Variable = (_ESCAPES[inner], False)
        else:
            kd = _KEY_AND_DEFAULT.match(inner)
            if kd is None:
                continue  # not a variable: stays literal text
            piece = Variable(kd.group(1), kd.group(2))
        found = True
        if m.start() > pos:
            parts.append((text[pos : m.start()], True))
        parts.append(piece)
        pos = m.end()
    if not found:
        return None
    if start:
        parts.insert(0, (text[:start], True))
    if pos < len(text):
        parts.append((text[pos:], True))
    return Template(text, tuple(parts))


def resolve(template: Template, lookup: Callable[[str], tuple[str, ...] | None]) -> Chunks | None:
    """Substitute the request's values; None when a variable has no single value and no default."""
    out: list[tuple[str, bool]] = []
    for part in template.parts:
        if isinstance(part, Variable):
            values = lookup(part.key)
            if values is not None and len(values) == 1:
                out.append((values[0], False))
            elif part.default is not None:
                out.append((part.default, False))
            else:
                return None
        else:
            out.append(part)
    return tuple(out)


def resource_part_start(arn: str) -> int:
    """Offset just after an ARN's fifth colon (the end when it has fewer): where its resource part starts."""
    pos = -1
    for _ in range(5):
        pos = arn.find(":", pos + 1)
        if pos < 0:
            return len(arn)
    return pos + 1
