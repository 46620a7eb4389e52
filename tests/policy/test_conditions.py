"""The operator table, one row per behaviour: (operator, key values in the policy, request values, result).

`None` as request values means the key is absent from the request context.
Sources: reference_policies_elements_condition_operators and
reference_policies_condition-single-vs-multi-valued-context-keys.
"""

from __future__ import annotations

from typing import Any

import pytest

from ostiary.policy.conditions import OPERATORS, Outcome, compile_clause, evaluate_clause, parse_operator_name

Row = tuple[str, list[str], tuple[str, ...] | None, bool]

STRING: list[Row] = [
    ("StringEquals", ["a"], ("a",), True),
    ("StringEquals", ["a"], ("A",), False),
    ("StringEquals", ["a", "b"], ("b",), True),  # values ORed
    ("StringEquals", ["a*"], ("abc",), False),  # no wildcards
    ("StringEquals", ["a*"], ("a*",), True),
    ("StringEquals", ["a"], None, False),  # missing key: positive operator false
    ("StringNotEquals", ["a"], ("b",), True),
    ("StringNotEquals", ["a", "b"], ("b",), False),  # must differ from all values
    ("StringNotEquals", ["a"], None, True),  # missing key: negated operator true
    ("StringEqualsIgnoreCase", ["Admin"], ("aDMIN",), True),
    ("StringNotEqualsIgnoreCase", ["Admin"], ("aDMIN",), False),
    ("StringLike", ["home/*"], ("home/alice/x",), True),
    ("StringLike", ["home/?"], ("home/ab",), False),
    ("StringLike", ["*"], ("",), True),
    ("StringLike", ["Home/*"], ("home/x",), False),  # case-sensitive
    ("StringNotLike", ["home/*"], ("work/x",), True),
    ("StringNotLike", ["home/*"], None, True),
    ("StringEqualsIfExists", ["a"], None, True),
    ("StringEqualsIfExists", ["a"], ("b",), False),
    ("StringNotEqualsIfExists", ["a"], ("a",), False),
]
NUMERIC: list[Row] = [
    ("NumericEquals", ["10"], ("10",), True),
    ("NumericEquals", ["10"], ("10.0",), True),
    ("NumericNotEquals", ["10"], ("11",), True),
    ("NumericLessThan", ["10"], ("9",), True),
    ("NumericLessThan", ["10"], ("10",), False),
    ("NumericLessThanEquals", ["10"], ("10",), True),
    ("NumericGreaterThan", ["1.5"], ("2",), True),
    ("NumericGreaterThanEquals", ["10"], ("9.99",), False),
    ("NumericLessThan", ["10"], ("abc",), False),  # unreadable request value: no match
    ("NumericNotEquals", ["10"], ("abc",), False),  # ... and no more so when negated (fail closed)
    ("NumericEquals", ["abc"], ("1",), False),  # unreadable policy value never matches
    ("NumericLessThan", ["10"], None, False),
    ("NumericLessThanIfExists", ["10"], None, True),
]
DATE: list[Row] = [
    ("DateLessThan", ["2020-01-01T00:00:00Z"], ("2019-12-31T23:59:59Z",), True),
    ("DateLessThan", ["2020-01-01T00:00:00Z"], ("2020-01-01T00:00:00Z",), False),
    ("DateLessThanEquals", ["2020-01-01T00:00:00Z"], ("2020-01-01T00:00:00Z",), True),
    ("DateEquals", ["2020-01-01T00:00:00Z"], ("1577836800",), True),  # epoch vs ISO
    ("DateEquals", ["1577836800"], ("2020-01-01T01:00:00+01:00",), True),
    ("DateNotEquals", ["2020-01-01T00:00:00Z"], ("2021-01-01T00:00:00Z",), True),
    ("DateGreaterThan", ["2020-01-01"], ("2020-01-02T00:00:00Z",), True),
    ("DateGreaterThanEquals", ["2020-01-01T00:00:00Z"], ("2019-01-01T00:00:00Z",), False),
    ("DateGreaterThan", ["2020-01-01"], ("yesterday",), False),
    # revocation: IAM User Guide, "Revoke IAM role temporary security credentials",
    # https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_revoke-sessions.html
    ("DateLessThan", ["2020-01-01T00:00:00Z"], None, False),
]
OTHER: list[Row] = [
    ("Bool", ["true"], ("true",), True),
    ("Bool", ["true"], ("TRUE",), True),
    ("Bool", ["false"], ("true",), False),
    ("Bool", ["false"], None, False),
    ("BoolIfExists", ["false"], None, True),  # the MFA deny pattern
    ("Bool", ["yes"], ("true",), False),
    ("BinaryEquals", ["QmluYXJ5VmFsdWU="], ("QmluYXJ5VmFsdWU=",), True),
    ("BinaryEquals", ["QmluYXJ5VmFsdWU="], ("T3RoZXI=",), False),
    ("IpAddress", ["203.0.113.0/24"], ("203.0.113.9",), True),
    ("IpAddress", ["203.0.113.0/24"], ("198.51.100.1",), False),
    ("IpAddress", ["203.0.113.5"], ("203.0.113.5",), True),  # a bare address is a /32
    ("IpAddress", ["203.0.113.5/24"], ("203.0.113.77",), True),  # host bits ignored
    ("IpAddress", ["2001:DB8:1234:5678::/64"], ("2001:db8:1234:5678::1",), True),
    ("IpAddress", ["2001:db8::1"], ("2001:db8::1",), True),  # a bare IPv6 address is a /128
    ("IpAddress", ["203.0.113.0/24"], ("2001:db8::1",), False),
    ("NotIpAddress", ["203.0.113.0/24", "192.0.2.0/24"], ("198.51.100.1",), True),
    ("NotIpAddress", ["203.0.113.0/24", "192.0.2.0/24"], ("192.0.2.1",), False),
    ("NotIpAddress", ["203.0.113.0/24"], None, True),
    ("IpAddress", ["not-a-cidr"], ("203.0.113.1",), False),
    ("ArnEquals", ["arn:aws:sns:us-east-1:111122223333:topic"], ("arn:aws:sns:us-east-1:111122223333:topic",), True),
    ("ArnLike", ["arn:aws:sns:*:111122223333:*"], ("arn:aws:sns:us-east-1:111122223333:topic",), True),
    ("ArnEquals", ["arn:aws:sns:*:111122223333:*"], ("arn:aws:sns:us-east-1:111122223333:topic",), True),
    ("ArnLike", ["arn:aws:sns:*:111122223333:*"], ("arn:aws:sqs:us-east-1:111122223333:q",), False),
    ("ArnLike", ["arn:aws:s3:::b/*"], ("arn:aws:s3:::b/a:b:c",), True),  # the resource part takes colons
    ("ArnLike", ["arn:aws:dynamodb:*:table/x"], ("arn:aws:dynamodb:us-east-1:111122223333:table/x",), False),
    ("ArnLike", ["arn:aws:iam::*:role/Admin"], ("arn:aws:iam::111122223333:role/admin",), False),  # case
    ("ArnLike", ["arn:aws:s3:::b"], ("not-an-arn",), False),
    ("ArnNotLike", ["arn:aws:iam::*:role/x"], ("arn:aws:iam::1:role/y",), True),
    ("ArnNotEquals", ["arn:aws:iam::1:role/x"], None, True),
    ("Null", ["true"], None, True),
    ("Null", ["true"], ("v",), False),
    ("Null", ["false"], ("v",), True),
    ("Null", ["false"], None, False),
    ("Null", ["true"], (), True),  # an empty value list counts as absent
]
SETS: list[Row] = [
    ("ForAllValues:StringEquals", ["a", "b"], ("a", "b"), True),
    ("ForAllValues:StringEquals", ["a", "b"], ("a", "c"), False),
    ("ForAllValues:StringEquals", ["a"], None, True),  # vacuously true when the key is missing
    ("ForAllValues:StringEquals", ["a"], (), True),  # ... or empty
    ("ForAnyValue:StringEquals", ["a"], ("c", "a"), True),
    ("ForAnyValue:StringEquals", ["a"], ("c",), False),
    ("ForAnyValue:StringEquals", ["a"], None, False),
    ("ForAnyValue:StringEquals", ["a"], (), False),
    ("ForAllValues:StringNotEquals", ["x"], ("a", "b"), True),  # every value matches none
    ("ForAllValues:StringNotEquals", ["x"], ("a", "x"), False),
    ("ForAnyValue:StringNotEquals", ["x"], ("a", "x"), True),  # some value matches none
    ("ForAnyValue:StringNotEquals", ["x"], ("x",), False),
    ("ForAllValues:StringLike", ["a*"], ("ab", "ac"), True),
    ("ForAnyValue:StringEqualsIfExists", ["a"], None, True),
    ("ForAllValues:StringEqualsIfExists", ["a"], ("b",), False),
    ("StringEquals", ["a"], ("b", "a"), True),  # a multivalued key without a qualifier: some value
    ("StringNotEquals", ["a"], ("b", "a"), False),  # ... negated: no value
]


def run(
    operator: str, values: list[str], request: tuple[str, ...] | None, *, keys: dict[str, Any] | None = None
) -> bool:
    name = parse_operator_name(operator)
    assert name is not None
    clause = compile_clause(operator, name, "K", tuple(values), variables=True)
    table = {"k": request, **(keys or {})}
    return evaluate_clause(clause, lambda key: table.get(key.lower()), Outcome())


@pytest.mark.parametrize(("operator", "values", "request_values", "expected"), STRING + NUMERIC + DATE + OTHER + SETS)
def test_operator(operator: str, values: list[str], request_values: tuple[str, ...] | None, expected: bool) -> None:
    assert run(operator, values, request_values) is expected


def test_every_operator_has_a_row() -> None:
    covered = {parse_operator_name(op).operator.name for op, *_ in STRING + NUMERIC + DATE + OTHER + SETS}  # type: ignore[union-attr]
    assert covered == set(OPERATORS)


@pytest.mark.parametrize(
    ("text", "qualifier", "base", "if_exists"),
    [
        ("StringEquals", "", "StringEquals", False),
        ("ForAllValues:StringLikeIfExists", "ForAllValues:", "StringLike", True),
        ("ForAnyValue:ArnNotLike", "ForAnyValue:", "ArnNotLike", False),
    ],
)
def test_operator_names(text: str, qualifier: str, base: str, if_exists: bool) -> None:
    name = parse_operator_name(text)
    assert name is not None
    assert (name.qualifier.value, name.operator.name, name.if_exists) == (qualifier, base, if_exists)


@pytest.mark.parametrize(
    "text", ["stringequals", "StringEqual", "ForAnyValue::StringEquals", "ForSomeValues:Bool", "NullIfExists", ""]
)
def test_unknown_operator_names(text: str) -> None:
    assert parse_operator_name(text) is None


@pytest.mark.parametrize(
    ("operator", "value", "keys", "expected"),
    [
        ("StringEquals", "${aws:username}", {"aws:username": ("v",)}, True),
        ("StringEquals", "${aws:username}", {}, False),  # "StringEquals ... do not match"
        ("StringNotEquals", "${aws:username}", {}, True),  # "StringNotEquals ... do match against a null value"
        ("StringLike", "${aws:username}*", {"aws:username": ("v",)}, True),
        ("StringLike", "x${*}", {}, False),  # escaped star is literal
        ("StringEquals", "${aws:username, 'v'}", {}, True),
        ("ArnLike", "arn:aws:iam::111122223333:user/${aws:username}", {"aws:username": ("v",)}, False),
        ("NumericEquals", "${aws:n}", {"aws:n": ("v",)}, False),  # no variables in numeric values
    ],
)
def test_variables_in_values(operator: str, value: str, keys: dict[str, Any], expected: bool) -> None:
    assert run(operator, [value], ("v",), keys=keys) is expected


def test_arn_variables_compare_the_resource_part() -> None:
    keys = {"aws:username": ("alice",)}
    assert run("ArnLike", ["arn:aws:iam::*:user/${aws:username}"], ("arn:aws:iam::1:user/alice",), keys=keys)
    assert not run("ArnLike", ["arn:aws:iam::*:user/${aws:username}"], ("arn:aws:iam::1:user/bob",), keys=keys)


def test_missing_keys_and_errors_are_reported() -> None:
    name = parse_operator_name("NumericLessThan")
    assert name is not None
    outcome = Outcome()
    clause = compile_clause("NumericLessThan", name, "s3:max-keys", ("10",), variables=True)
    assert not evaluate_clause(clause, lambda key: None, outcome)
    assert outcome.missing == ["s3:max-keys"]
    assert not evaluate_clause(clause, lambda key: ("many",), outcome)
    assert outcome.error


# Request values the operator cannot read: (operator, policy values, request values, in an Allow, in a Deny).
# AWS documents no result for them, so the answer fails closed: an unreadable value never helps an Allow
# statement match and never keeps a Deny statement from matching (reference_policies_evaluation-logic:
# requests are denied by default and an explicit deny overrides any allow). Readable values that settle
# the answer still do (Kleene's logic: "unknown or true" is true, "unknown and false" is false).
UNREADABLE: list[tuple[str, list[str], tuple[str, ...], bool, bool]] = [
    ("NumericNotEquals", ["10"], ("abc",), False, True),
    ("NumericEquals", ["10"], ("abc",), False, True),
    ("NumericNotEqualsIfExists", ["10"], ("abc",), False, True),
    ("NumericLessThan", ["10"], ("NaN",), False, True),
    ("NumericGreaterThanEquals", ["10"], ("Infinity",), False, True),
    ("DateNotEquals", ["2020-01-01T00:00:00Z"], ("yesterday",), False, True),
    ("DateNotEqualsIfExists", ["2020-01-01T00:00:00Z"], ("yesterday",), False, True),
    ("DateLessThan", ["2020-01-01T00:00:00Z"], ("",), False, True),
    ("NotIpAddress", ["203.0.113.0/24"], ("not-an-ip",), False, True),
    ("NotIpAddressIfExists", ["203.0.113.0/24"], ("999.1.1.1",), False, True),
    ("IpAddress", ["203.0.113.0/24"], ("203.0.113",), False, True),
    ("ArnNotEquals", ["arn:aws:iam::1:role/x"], ("role/x",), False, True),
    ("ArnNotLike", ["arn:aws:iam::*:role/x"], ("not-an-arn",), False, True),
    ("ArnLike", ["arn:aws:iam::*:role/x"], ("arn:aws:iam::1",), False, True),
    ("ArnEqualsIfExists", ["arn:aws:iam::1:role/x"], ("x",), False, True),
    ("Bool", ["true"], ("yes",), False, True),
    ("BoolIfExists", ["false"], ("1",), False, True),
    ("BinaryEquals", ["QmluYXJ5VmFsdWU="], ("%%%",), False, True),
    # Without a qualifier several request values are ORed before the negation.
    ("NumericNotEquals", ["10"], ("abc", "10"), False, False),  # a readable value matches: settled
    ("NumericEquals", ["10"], ("abc", "10"), True, True),
    ("NotIpAddress", ["203.0.113.0/24"], ("bad", "198.51.100.1"), False, True),  # unknown or false: unknown
    # Set qualifiers.
    ("ForAllValues:NumericNotEquals", ["10"], ("1", "abc"), False, True),
    ("ForAllValues:NumericNotEquals", ["10"], ("10", "abc"), False, False),  # "10" settles it: false
    ("ForAnyValue:NumericNotEquals", ["10"], ("1", "abc"), True, True),  # "1" settles it: true
    ("ForAnyValue:NumericNotEquals", ["10"], ("10", "abc"), False, True),
    ("ForAnyValue:NotIpAddress", ["203.0.113.0/24"], ("bad",), False, True),
    ("ForAllValues:ArnNotLike", ["arn:aws:iam::*:role/x"], ("nope",), False, True),
    ("ForAllValues:DateNotEqualsIfExists", ["2020-01-01T00:00:00Z"], ("later",), False, True),
]


@pytest.mark.parametrize(("operator", "values", "request_values", "in_allow", "in_deny"), UNREADABLE)
def test_unreadable_request_values_fail_closed(
    operator: str, values: list[str], request_values: tuple[str, ...], in_allow: bool, in_deny: bool
) -> None:
    name = parse_operator_name(operator)
    assert name is not None
    clause = compile_clause(operator, name, "K", tuple(values), variables=True)
    for deny, expected in ((False, in_allow), (True, in_deny)):
        outcome = Outcome(deny=deny)
        assert evaluate_clause(clause, lambda key: request_values, outcome) is expected, "deny" if deny else "allow"
        if in_allow != in_deny:  # the unreadable value left the answer open
            assert outcome.error  # the statement is reported as an evaluation error


@pytest.mark.parametrize(
    ("operator", "values", "request_values", "expected"),
    [
        ("NumericNotEquals", ["10"], ("11",), True),
        ("NotIpAddress", ["203.0.113.0/24"], ("198.51.100.1",), True),
        ("ArnNotLike", ["arn:aws:iam::*:role/x"], ("arn:aws:iam::1:role/y",), True),
        ("DateNotEquals", ["2020-01-01T00:00:00Z"], ("2021-01-01T00:00:00Z",), True),
        ("NumericNotEquals", ["abc"], ("1",), True),  # an unreadable policy value never matches: the author's choice
    ],
)
def test_readable_values_answer_alike_in_allow_and_deny(
    operator: str, values: list[str], request_values: tuple[str, ...], expected: bool
) -> None:
    name = parse_operator_name(operator)
    assert name is not None
    clause = compile_clause(operator, name, "K", tuple(values), variables=True)
    for deny in (False, True):
        outcome = Outcome(deny=deny)
        assert evaluate_clause(clause, lambda key: request_values, outcome) is expected
        assert not outcome.error
