"""Condition operator values from policies and requests: any text compiles or is refused, and any request value
matches, does not match or raises ValueError (which the evaluator records) — never another exception."""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ostiary.policy import operators as ops

HUGE = "9" * 4400

# (compile, test) per operator family; the test functions of numeric and date families take a comparison.
FAMILIES: list[tuple[str, Callable[[str], Any], Callable[[str, Any], bool]]] = [
    ("string", ops.compile_string, ops.test_string),
    ("ignore-case", ops.compile_string_ignore_case, ops.test_string_ignore_case),
    ("like", ops.compile_like, ops.test_like),
    ("numeric", ops.compile_number, ops.numeric_test(ops.LT)),
    ("date", ops.compile_date, ops.date_test(ops.LT)),
    ("bool", ops.compile_bool, ops.test_bool),
    ("binary", ops.compile_binary, ops.test_binary),
    ("ip", ops.compile_ip, ops.test_ip),
    ("arn", ops.compile_arn, ops.test_arn),
]
ODD = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            HUGE,
            "²",
            "٣",
            "1e9999999999999999999",
            "NaN",
            "-Infinity",
            "1_000",
            HUGE + "-01-01",
            "2026-01-01T" + "0" * 5000,
            "1.2.3.4/" + HUGE,
            "::1/" + HUGE,
            "fe80::1%eth0",
            "a" * 5000,
            "\x00",
            "\udcff",
        ]
    ),
)


@pytest.mark.parametrize(("name", "compile_", "test"), FAMILIES, ids=[f[0] for f in FAMILIES])
@given(policy_value=ODD, request_value=ODD)
def test_values_never_raise_anything_but_value_error(
    name: str, compile_: Callable[[str], Any], test: Callable[[str, Any], bool], policy_value: str, request_value: str
) -> None:
    operand = compile_(policy_value)
    if operand is None:
        return
    with contextlib.suppress(ValueError):
        assert isinstance(test(request_value, operand), bool)


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("10", Decimal(10)),
        (" 10 ", Decimal(10)),
        ("1.5", Decimal("1.5")),
        ("2e3", Decimal(2000)),
        ("²", None),
        ("٣", None),  # Decimal("٣") would be 3
        ("1_000", None),  # Decimal("1_000") would be 1000
        ("NaN", None),
        ("1e9999999999999999999", None),
        (HUGE, Decimal(HUGE)),
    ],
)
def test_numbers_are_ascii_decimals(text: str, number: Decimal | None) -> None:
    assert ops.compile_number(text) == number
