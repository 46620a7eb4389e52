"""Query-protocol input members: their shapes, constraints and validation.

Each operation declares its input as a tuple of `Param` records taken from
the botocore service model (min/max/pattern/enum/required). `decode_params`
turns the flat form (``Tags.member.1.Key=…``) into Python values and checks
every constraint at once, reporting them as AWS does:

    1 validation error detected: Value 'Session1:2' at 'roleSessionName' failed to
    satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*

The text is as observed in AWS STS responses; several violations are joined by
"; " after "N validation errors detected: ". The code is ValidationError (STS API
Reference, "Common Errors", https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any

from ostiary import wire
from ostiary.errors import ValidationError

# A list may not have more members than this on the wire, whatever the model says.
MAX_LIST_MEMBERS = 1_000


class Kind(Enum):
    STRING = "string"
    INTEGER = "integer"
    BOOLEAN = "boolean"
    STRING_LIST = "string-list"  # Name.member.N
    STRUCT_LIST = "struct-list"  # Name.member.N.Field


@dataclass(frozen=True, slots=True)
class Param:
    """One input member. For strings min/max bound the length, for integers the value, for lists the count."""

    name: str
    kind: Kind = Kind.STRING
    required: bool = False
    min: int | None = None
    max: int | None = None
    pattern: str | None = None
    enum: tuple[str, ...] = ()
    members: tuple[Param, ...] = ()  # the fields of a STRUCT_LIST member, or the constraints of a STRING_LIST item
    # Whether to show the value in validation messages (AWS redacts some secrets).
    sensitive: bool = False

    @property
    def wire_path(self) -> str:
        """The member as AWS names it in messages: lower camel case (``roleSessionName``)."""
        return self.name[:1].lower() + self.name[1:]

    def compiled(self) -> re.Pattern[str] | _UnicodeClass | None:
        return _compile(self.pattern) if self.pattern is not None else None


class _UnicodeClass:
    """A model pattern made of one bracket expression with Unicode categories, which `re` lacks.

    The IAM and STS models write tag keys and values as ``[\\p{L}\\p{Z}\\p{N}_.:/=+\\-@]+``: letters,
    separators, numbers and a few symbols. This matcher implements exactly that shape.
    """

    _SHAPE = re.compile(r"\[((?:\\p\{[A-Z]\}|\\.|[^\]\\])*)\]([*+])")

    def __init__(self, pattern: str) -> None:
        shape = self._SHAPE.fullmatch(pattern)
        if shape is None:
            raise ValueError(f"unsupported model pattern: {pattern}")
        body, self._quantifier = shape.group(1), shape.group(2)
        self._categories = tuple(re.findall(r"\\p\{([A-Z])\}", body))
        rest = re.sub(r"\\p\{[A-Z]\}", "", body)
        self._literals = frozenset(re.sub(r"\\(.)", r"\1", rest))

    def fullmatch(self, value: str) -> bool | None:
        if self._quantifier == "+" and not value:
            return None
        for char in value:
            if char not in self._literals and not unicodedata.category(char).startswith(self._categories):
                return None
        return True


_PATTERNS: dict[str, re.Pattern[str] | _UnicodeClass] = {}


def _compile(pattern: str) -> re.Pattern[str] | _UnicodeClass:
    found = _PATTERNS.get(pattern)
    if found is None:
        if "\\p{" in pattern:
            found = _UnicodeClass(pattern)
        else:
            # The models write astral ranges the Java way (\u10000-\u10FFFF); Python needs \U.
            # The models' regexes are Java's, where \w means [a-zA-Z0-9_]: compile them ASCII-only.
            found = re.compile(pattern.replace("\\u10000-\\u10FFFF", "\\U00010000-\\U0010FFFF"), re.DOTALL | re.ASCII)
        _PATTERNS[pattern] = found
    return found


def string(
    name: str,
    *,
    required: bool = False,
    min: int | None = None,
    max: int | None = None,
    pattern: str | None = None,
    enum: tuple[str, ...] = (),
) -> Param:
    return Param(name, Kind.STRING, required, min, max, pattern, enum)


def integer(name: str, *, required: bool = False, min: int | None = None, max: int | None = None) -> Param:
    return Param(name, Kind.INTEGER, required, min, max)


def boolean(name: str, *, required: bool = False) -> Param:
    return Param(name, Kind.BOOLEAN, required)


def string_list(
    name: str, item: Param | None = None, *, required: bool = False, min: int | None = None, max: int | None = None
) -> Param:
    return Param(name, Kind.STRING_LIST, required, min, max, members=(item,) if item else ())


def struct_list(
    name: str, *fields: Param, required: bool = False, min: int | None = None, max: int | None = None
) -> Param:
    return Param(name, Kind.STRUCT_LIST, required, min, max, members=fields)


def decode_params(spec: tuple[Param, ...], form: Mapping[str, str]) -> dict[str, Any]:
    """Decode and validate the members of `spec` from a flat Query form; raise ValidationError."""
    problems: list[str] = []
    values: dict[str, Any] = {}
    for param in spec:
        value = _decode(param, form, param.name, param.wire_path, problems)
        if value is not None:
            values[param.name] = value
    if problems:
        count = len(problems)
        noun = "error" if count == 1 else "errors"
        raise ValidationError(f"{count} validation {noun} detected: " + "; ".join(problems))
    return values


def _decode(param: Param, form: Mapping[str, str], key: str, path: str, problems: list[str]) -> Any:
    if param.kind is Kind.STRING_LIST:
        return _decode_list(param, form, key, path, problems, struct=False)
    if param.kind is Kind.STRUCT_LIST:
        return _decode_list(param, form, key, path, problems, struct=True)
    raw = form.get(key)
    if raw is None:
        if param.required:
            problems.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")
        return None
    if param.kind is Kind.INTEGER:
        return _check_integer(param, raw, path, problems)
    if param.kind is Kind.BOOLEAN:
        if raw.lower() not in ("true", "false"):
            problems.append(f"Value '{raw}' at '{path}' failed to satisfy constraint: Member must be a boolean")
            return None
        return raw.lower() == "true"
    _check_string(param, raw, path, problems)
    return raw


_ANY_STRING = Param("member")  # a list item the model does not constrain


def _shown(param: Param, raw: str) -> str:
    return "*" * len(raw) if param.sensitive else raw


def _check_string(param: Param, raw: str, path: str, problems: list[str]) -> None:
    shown = _shown(param, raw)
    if "\x00" in raw:
        # No AWS pattern admits U+0000 and no stored name, ARN or document holds one (PostgreSQL text cannot):
        # refused here for the members whose model has no pattern (ARNs, descriptions), before any lookup.
        problems.append(f"Value '{shown}' at '{path}' failed to satisfy constraint: Member must not contain U+0000")
        return
    if param.min is not None and len(raw) < param.min:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {param.min}"
        )
    if param.max is not None and len(raw) > param.max:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {param.max}"
        )
    pattern = param.compiled()
    if pattern is not None and pattern.fullmatch(raw) is None:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must satisfy regular expression pattern: {param.pattern}"
        )
    if param.enum and raw not in param.enum:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must satisfy enum value set: [{', '.join(param.enum)}]"
        )


def _check_integer(param: Param, raw: str, path: str, problems: list[str]) -> int | None:
    # Up to 18 ASCII digits: anything longer overflows the model's 64-bit integer, and `int` would refuse
    # "²" (isdigit) or 4,300 digits with ValueError.
    value = wire.parse_int(raw.strip(), signed=True, max_digits=18)
    if value is None:
        problems.append(f"Value '{raw}' at '{path}' failed to satisfy constraint: Member must be a number")
        return None
    if param.min is not None and value < param.min:
        problems.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have value greater than or equal to {param.min}"
        )
    if param.max is not None and value > param.max:
        problems.append(
            f"Value '{value}' at '{path}' failed to satisfy constraint: "
            f"Member must have value less than or equal to {param.max}"
        )
    return value


def _decode_list(
    param: Param, form: Mapping[str, str], key: str, path: str, problems: list[str], *, struct: bool
) -> list[Any] | None:
    prefix = f"{key}.member."
    indexes = sorted({_index(k, prefix) for k in form if k.startswith(prefix)} - {None})  # type: ignore[type-var]
    if not indexes:
        # "Name=" with an empty value is how botocore serializes an empty list.
        if key in form:
            return []
        if param.required:
            problems.append(f"Value null at '{path}' failed to satisfy constraint: Member must not be null")
        return None
    if len(indexes) > MAX_LIST_MEMBERS:
        problems.append(
            f"Value at '{path}' failed to satisfy constraint: Member must have length less than "
            f"or equal to {param.max if param.max is not None else MAX_LIST_MEMBERS}"
        )
        return None
    items: list[Any] = []
    for position, index in enumerate(indexes, start=1):
        member_key = f"{prefix}{index}"
        member_path = f"{path}.{position}.member"
        if struct:
            item: dict[str, Any] = {}
            for field_param in param.members:
                value = _decode(
                    field_param,
                    form,
                    f"{member_key}.{field_param.name}",
                    f"{member_path}.{field_param.wire_path}",
                    problems,
                )
                if value is not None:
                    item[field_param.name] = value
            items.append(item)
        else:
            raw = form.get(member_key, "")
            _check_string(param.members[0] if param.members else _ANY_STRING, raw, member_path, problems)
            items.append(raw)
    shown = "[" + ", ".join(str(i) for i in items) + "]" if not struct else "[...]"
    if param.min is not None and len(items) < param.min:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have length greater than or equal to {param.min}"
        )
    if param.max is not None and len(items) > param.max:
        problems.append(
            f"Value '{shown}' at '{path}' failed to satisfy constraint: "
            f"Member must have length less than or equal to {param.max}"
        )
    return items


def _index(key: str, prefix: str) -> int | None:
    # ``Tags.member.².Key`` or a 5,000-digit index is no member: it is ignored like any unknown form field.
    return wire.parse_int(key[len(prefix) :].split(".", 1)[0], max_digits=6)
