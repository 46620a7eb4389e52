"""One small pure function per condition-operator family.

Each family has a `compile` step (the policy value → an operand, once per policy; None when the
value can never match) and a `test` step (one request value against one operand). A request value
that cannot be read as the family's type raises `ValueError`; the caller counts that as "no match"
and records the statement as an evaluation error. Sources: `reference_policies_elements_condition_operators`.

- String: exact and case-sensitive; "StringEqualsIgnoreCase: Exact matching, ignoring case".
- Like: "multi-character match wildcards (*) and single-character match wildcards (?) anywhere
  in the string", case-sensitive.
- Numeric: integers and decimals. Date: instants (`dates.parse_date`). Bool: ``true`` /
  ``false``, case-insensitive.
- Binary: "the value in the policy is a base-64 encoded binary value"; so is the request value.
- Ip: IPv4 or IPv6 CIDR (RFC 4632); a bare address is a /32 or /128.
- Arn: "Case-sensitive matching of the ARN. Each of the six colon-delimited components of the
  ARN is checked separately and each can include multi-character match wildcards (*) or
  single-character match wildcards (?)". ArnEquals and ArnLike behave alike.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import operator
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction
from typing import Any

from ostiary import wire
from ostiary.policy.dates import parse_date
from ostiary.policy.glob import Glob, compile_glob

Compare = Callable[[Any, Any], bool]


# --- string ------------------------------------------------------------------------------------


def compile_string(value: str) -> str:
    return value


def test_string(request: str, operand: str) -> bool:
    return request == operand


def compile_string_ignore_case(value: str) -> str:
    return value.lower()


def test_string_ignore_case(request: str, operand: str) -> bool:
    return request.lower() == operand


def compile_like(value: str) -> Glob:
    return compile_glob(value)


def test_like(request: str, operand: Glob) -> bool:
    return operand.match(request)


# --- numeric and date ---------------------------------------------------------------------------


def parse_number(text: str) -> Decimal:
    number = wire.parse_decimal(text, strip=True)
    if number is None:
        raise ValueError(f"not a number: `{text}`")
    return number


def compile_number(value: str) -> Decimal | None:
    try:
        return parse_number(value)
    except ValueError:
        return None


def numeric_test(compare: Compare) -> Callable[[str, Decimal], bool]:
    def test(request: str, operand: Decimal) -> bool:
        return compare(parse_number(request), operand)

    return test


def compile_date(value: str) -> Fraction | None:
    return parse_date(value)


def date_test(compare: Compare) -> Callable[[str, Fraction], bool]:
    def test(request: str, operand: Fraction) -> bool:
        instant = parse_date(request)
        if instant is None:
            raise ValueError(f"not a date: `{request}`")
        return compare(instant, operand)

    return test


EQ, NE, LT, LE, GT, GE = operator.eq, operator.ne, operator.lt, operator.le, operator.gt, operator.ge


# --- bool, binary, ip ----------------------------------------------------------------------------


def compile_bool(value: str) -> str | None:
    lowered = value.lower()
    return lowered if lowered in ("true", "false") else None


def test_bool(request: str, operand: str) -> bool:
    lowered = request.lower()
    if lowered not in ("true", "false"):
        raise ValueError(f"not a boolean: `{request}`")
    return lowered == operand


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError(f"not base-64: `{text}`") from None


def compile_binary(value: str) -> bytes | None:
    try:
        return _b64(value)
    except ValueError:
        return None


def test_binary(request: str, operand: bytes) -> bool:
    return _b64(request) == operand


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def compile_ip(value: str) -> Network | None:
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def test_ip(request: str, operand: Network) -> bool:
    address = ipaddress.ip_address(request.strip())
    return address.version == operand.version and address in operand


# --- arn -------------------------------------------------------------------------------------------


def compile_arn(value: str) -> tuple[Glob, ...] | None:
    parts = value.split(":", 5)
    if len(parts) != 6:
        return None
    return tuple(compile_glob(part) for part in parts)


def test_arn(request: str, operand: tuple[Glob, ...]) -> bool:
    parts = request.split(":", 5)
    if len(parts) != 6:
        return False
    return all(glob.match(part) for glob, part in zip(operand, parts, strict=True))
