"""Policy variables: parsing, defaults, escapes, single-valued keys only."""

from __future__ import annotations

import pytest

from ostiary.policy.variables import Variable, parse_template, resolve, resource_part_start

KEYS = {"aws:username": ("alice",), "aws:principaltag/team": ("red",), "aws:tagkeys": ("a", "b")}


def lookup(key: str) -> tuple[str, ...] | None:
    return KEYS.get(key.lower())


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("home/${aws:username}/*", "home/alice/*"),
        ("${aws:PrincipalTag/team}-bucket", "red-bucket"),
        ("${aws:PrincipalTag/missing, 'company-wide'}", "company-wide"),
        ("${aws:PrincipalTag/missing,'x'}", "x"),
        ("a${*}b${?}c${$}d", "a*b?c$d"),
        ("${aws:username}${aws:username}", "alicealice"),
    ],
)
def test_resolve(text: str, expected: str) -> None:
    template = parse_template(text)
    assert template is not None
    chunks = resolve(template, lookup)
    assert chunks is not None
    assert "".join(t for t, _ in chunks) == expected


@pytest.mark.parametrize(
    "text",
    [
        "${aws:PrincipalTag/missing}",  # absent, no default
        "${aws:TagKeys}",  # "you cannot use a multivalued context key as a policy variable"
    ],
)
def test_unresolved(text: str) -> None:
    template = parse_template(text)
    assert template is not None
    assert resolve(template, lookup) is None


@pytest.mark.parametrize("text", ["plain", "$dollar", "${}", "${a b}", "${a, b}"])
def test_not_a_template(text: str) -> None:
    assert parse_template(text) is None


def test_wildcards_in_substituted_values_and_escapes_are_literal() -> None:
    template = parse_template("x/${*}/${aws:username}/*")
    assert template is not None
    chunks = resolve(template, lambda _: ("a*b",))
    assert chunks == (("x/", True), ("*", False), ("/", True), ("a*b", False), ("/*", True))


def test_keys_and_start_offset() -> None:
    text = "arn:aws:s3:::${x}/${aws:username}"
    template = parse_template(text, start=resource_part_start(text))
    assert template is not None
    assert template.parts[-1] == Variable("aws:username")
    assert template.keys == ("x", "aws:username")
    before = "arn:${x}:s3:::b"
    assert parse_template(before, start=resource_part_start(before)) is None  # variables only after the 5th colon
