"""`*` / `?` matching: actions, resource ARNs (segment rules), plain strings, and the safe paths."""

from __future__ import annotations

import pytest

from ostiary.policy.glob import compile_chunks, compile_glob

# (pattern, subject, arn mode, expected)
CASES = [
    ("*", "", False, True),
    ("*", "anything:at/all", False, True),
    ("s3:get*", "s3:getobject", False, True),
    ("s3:get*", "s3:putobject", False, False),
    ("s3:?etobject", "s3:getobject", False, True),
    ("s3:?etobject", "s3:etobject", False, False),
    ("*object", "s3:getobject", False, True),
    ("s3:*object*", "s3:getobjectacl", False, True),
    ("[a]?c", "[a]bc", False, True),  # brackets are literal in IAM
    ("a.c", "abc", False, False),  # so are regex metacharacters
    ("exact", "exact", False, True),
    ("exact", "Exact", False, False),
    # reference_policies_elements_resource: the documented example and its non-matches
    ("arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket/1/test/object.jpg", True, True),
    ("arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket/1/2/test/3/object.jpg", True, True),
    ("arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket/1///test///object.jpg", True, True),
    ("arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket//test/object.jpg", True, True),
    ("arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket/1/test/", True, True),
    ("arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket/1-test/object.jpg", True, False),
    ("arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket/test/object.jpg", True, False),
    ("arn:aws:s3:::amzn-s3-demo-bucket/*/test/*", "arn:aws:s3:::amzn-s3-demo-bucket/1/2/test.jpg", True, False),
    # "If the * wildcard is the last character of a resource ARN segment, it can expand to match
    # beyond the colon boundaries."
    ("arn:aws:dynamodb:*:table/prod-*", "arn:aws:dynamodb:us-east-1:111122223333:table/prod-x", True, True),
    ("arn:aws:dynamodb:*:table/prod-*", "arn:aws:dynamodb:us-east-1:111122223333:table/dev-x", True, False),
    ("arn:aws:s3:*", "arn:aws:s3:::bucket/key", True, True),
    ("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:instance/i-1", True, True),
    ("arn:aws:ec2:*:*:instance/*", "arn:aws:ec2:us-east-1:111122223333:volume/v-1", True, False),
    # a * or ? that does not end its segment stays inside it
    ("arn:aws:iam::1*3:user/x", "arn:aws:iam::1:2:3:user/x", True, False),
    ("arn:aws:iam::1*3:user/x", "arn:aws:iam::123:user/x", True, True),
    ("arn:aws:iam::12?:user/x", "arn:aws:iam::12::user/x", True, False),
    ("arn:aws:iam::12?:user/x", "arn:aws:iam::123:user/x", True, True),
    # after the fifth colon wildcards match colons too
    ("arn:aws:s3:::b/a?c", "arn:aws:s3:::b/a:c", True, True),
    ("arn:aws:s3:::b/a*c", "arn:aws:s3:::b/a:x:c", True, True),
    # a request resource of "*" is matched only by a pattern that matches the text "*"
    ("*", "*", True, True),
    ("arn:aws:s3:::*", "*", True, False),
    ("arn:aws:s3:::bucket/*", "arn:aws:s3:::bucket", True, False),
    ("arn:aws:s3:::bucket*", "arn:aws:s3:::bucket", True, True),
]


@pytest.mark.parametrize(("pattern", "subject", "arn", "expected"), CASES)
def test_match(pattern: str, subject: str, arn: bool, expected: bool) -> None:
    assert compile_glob(pattern, arn=arn).match(subject) is expected


@pytest.mark.parametrize(("pattern", "subject", "arn", "expected"), CASES)
def test_the_nfa_agrees_with_the_regex(pattern: str, subject: str, arn: bool, expected: bool) -> None:
    glob = compile_glob(pattern, arn=arn)
    if glob._nfa is not None:
        assert glob._nfa.match(subject) is expected


def test_ignore_case() -> None:
    assert compile_glob("S3:Get*", ignore_case=True).match("s3:GETOBJECT")


def test_escaped_wildcards_are_literal() -> None:
    glob = compile_chunks((("arn:aws:s3:::b/", True), ("*", False), ("/", True), ("x", False), ("*", True)), arn=True)
    assert glob.match("arn:aws:s3:::b/*/xyz")
    assert not glob.match("arn:aws:s3:::b/a/xyz")


@pytest.mark.parametrize("size", [300, 3000])
def test_pathological_patterns_stay_linear(size: int) -> None:
    # Many stars and a subject full of their follow characters: the NFA takes over from `re`.
    glob = compile_glob("arn:aws:s3:::b/" + "*a" * 30 + "*b*c", arn=True)
    subject = "arn:aws:s3:::b/" + "a" * size + "c"
    assert glob.match(subject) is False
    assert compile_glob("*a" * 30, arn=False).match("a" * size) is True
