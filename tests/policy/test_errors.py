"""One row per MalformedPolicyDocument message the parser raises, with IAM's exact text.

Documents and texts follow what IAM answered in the cases recorded by getmoto/moto's policy
validation suite and in public AWS CLI output (see `ostiary.policy.validation`).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from ostiary.errors import MalformedPolicyDocument
from ostiary.policy import PolicyKind, check_policy, parse_policy

IDN, RES, TRU = PolicyKind.IDENTITY, PolicyKind.RESOURCE, PolicyKind.TRUST
V = "2012-10-17"
OK = {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::example_bucket"}
TRUSTED = {"Effect": "Allow", "Principal": {"AWS": "111122223333"}, "Action": "sts:AssumeRole"}


def d(*statements: dict[str, Any], **top: Any) -> dict[str, Any]:
    return {"Version": V, **top, "Statement": list(statements)}


def with_(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


# (name, kind, document, message)
ERRORS: list[tuple[str, PolicyKind, Any, str]] = [
    ("not json (identity)", IDN, "This is not a json document", "Syntax errors in policy."),
    ("not json (trust)", TRU, '{"Version": "2012-10-17",}', "This policy contains invalid Json"),
    ("not json (bucket)", RES, "{", "This policy contains invalid Json"),
    ("not an object", IDN, "[]", "Syntax errors in policy."),
    ("unknown top element", IDN, d(OK, Extra="x"), "Syntax errors in policy."),
    (
        "duplicate top element",
        IDN,
        '{"Version": "2012-10-17", "Version": "2012-10-17", "Statement": []}',
        "Syntax errors in policy.",
    ),
    ("unknown version", IDN, {"Version": "2013-10-17", "Statement": OK}, "Syntax errors in policy."),
    ("no statement", IDN, {"Version": V}, "Syntax errors in policy."),
    ("empty statement list", IDN, d(), "Syntax errors in policy."),
    ("statement not an object", IDN, {"Version": V, "Statement": ["afd"]}, "Syntax errors in policy."),
    ("id not a string", IDN, d(OK, Id=["x"]), "Syntax errors in policy."),
    ("unknown statement element", IDN, d(with_(OK, Extra="x")), "Syntax errors in policy."),
    (
        "duplicate statement element",
        IDN,
        '{"Version": "2012-10-17", "Statement": '
        '{"Effect": "Allow", "Effect": "Deny", "Action": "s3:*", "Resource": "*"}}',
        "Syntax errors in policy.",
    ),
    ("bad effect", IDN, d(with_(OK, Effect="invalid")), "Syntax errors in policy."),
    ("no effect", IDN, d(with_(OK, Effect=None)), "Syntax errors in policy."),
    ("action and notaction", IDN, d(with_(OK, NotAction="s3:x")), "Syntax errors in policy."),
    ("resource and notresource", IDN, d(with_(OK, NotResource="*")), "Syntax errors in policy."),
    ("resource an object", IDN, d(with_(OK, Resource={"a": "b"})), "Syntax errors in policy."),
    ("action a nested list", IDN, d(with_(OK, Action=[[]])), "Syntax errors in policy."),
    ("sid not a string", IDN, d(with_(OK, Sid=[])), "Syntax errors in policy."),
    ("condition a list", IDN, d(with_(OK, Condition=[])), "Syntax errors in policy."),
    (
        "condition operator not an object",
        IDN,
        d(with_(OK, Condition={"DateGreaterThan": "b"})),
        "Syntax errors in policy.",
    ),
    ("condition value an object", IDN, d(with_(OK, Condition={"StringEquals": {"a": {}}})), "Syntax errors in policy."),
    ("unknown condition operator", IDN, d(with_(OK, Condition={"x": {"a": "1"}})), "Syntax errors in policy."),
    (
        "double colon qualifier",
        IDN,
        d(with_(OK, Condition={"ForAnyValue::StringEquals": {"a": "b"}})),
        "Syntax errors in policy.",
    ),
    ("principal and notprincipal", RES, d(with_(OK, Principal="*", NotPrincipal="*")), "Syntax errors in policy."),
    (
        "managed policy without version",
        IDN,
        {"Statement": OK},
        "Policy document must be version 2012-10-17 or greater.",
    ),
    (
        "managed policy 2008",
        IDN,
        {"Version": "2008-10-17", "Statement": OK},
        "Policy document must be version 2012-10-17 or greater.",
    ),
    ("effect in the wrong case", IDN, d(with_(OK, Effect="denY")), "The policy failed legacy parsing"),
    (
        "unreadable date",
        IDN,
        d(with_(OK, Condition={"DateGreaterThan": {"a": "sdfdsf"}})),
        "The policy failed legacy parsing",
    ),
    (
        "date beyond epoch range",
        IDN,
        d(with_(OK, Condition={"DateLessThan": {"a": "9223372036854775808"}})),
        "The policy failed legacy parsing",
    ),
    (
        "resource with too few colons",
        IDN,
        d(with_(OK, Resource="arn:aws:s3::example_bucket")),
        "The policy failed legacy parsing",
    ),
    (
        "resource without service",
        IDN,
        d(with_(OK, Resource="arn:aws::::example_bucket")),
        "The policy failed legacy parsing",
    ),
    (
        "duplicate sid",
        IDN,
        d(with_(OK, Sid="s"), with_(OK, Sid="s")),
        "Statement IDs (SID) in a single policy must be unique.",
    ),
    (
        "principal in identity policy",
        IDN,
        d(with_(OK, Principal="*")),
        "Policy document should not specify a principal.",
    ),
    (
        "notprincipal in identity policy",
        IDN,
        d(with_(OK, NotPrincipal={"AWS": "111122223333"})),
        "Policy document should not specify a principal.",
    ),
    ("bucket policy without principal", RES, d(OK), "Missing required field Principal"),
    (
        "trust policy without principal",
        TRU,
        d(with_(TRUSTED, Principal=None)),
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
        "The passed in policy has a statement with no principals!",
    ),
    (
        "trust policy with empty principal",
        TRU,
        d(with_(TRUSTED, Principal={"AWS": []})),
        "Invalid principal in policy: com.amazon.balsa.error.InvalidPolicyException: "
        "The passed in policy has a statement with no principals!",
    ),
    (
        "trust policy with bare star",
        TRU,
        d(with_(TRUSTED, Principal="*")),
        'AssumeRolepolicy contained an invalid principal: "STAR":"*".',
    ),
    ("no action", IDN, d(with_(OK, Action=None)), "Policy statement must contain actions."),
    ("empty action list", IDN, d(with_(OK, Action=[])), "Policy statement must contain actions."),
    ("first statement without action", IDN, d({"Effect": "Deny"}, OK), "Policy statement must contain actions."),
    (
        "resource not an arn",
        IDN,
        d(with_(OK, Resource="invalid resource")),
        'Resource invalid resource must be in ARN format or "*".',
    ),
    ("empty resource", IDN, d(with_(OK, Resource="")), 'Resource  must be in ARN format or "*".'),
    (
        "bad partition",
        IDN,
        d(with_(OK, Resource="a:b:cadfsdf")),
        'Partition "b" is not valid for resource "arn:b:cadfsdf:*:*:*".',
    ),
    (
        "no arn prefix",
        IDN,
        d(with_(OK, Resource="aws:s3:::example_bucket")),
        'Partition "s3" is not valid for resource "arn:s3:::example_bucket:*".',
    ),
    (
        "vendor not qualified",
        IDN,
        d(with_(OK, Resource="arn:aws")),
        "Resource vendor must be fully qualified and cannot contain regexes.",
    ),
    (
        "iam region",
        IDN,
        d(with_(OK, Resource="arn:aws:iam:us-east-1::example_bucket")),
        "IAM resource arn:aws:iam:us-east-1::example_bucket cannot contain region information.",
    ),
    (
        "s3 region",
        IDN,
        d(with_(OK, Resource="arn:aws:s3:us-east-1::example_bucket")),
        "Resource arn:aws:s3:us-east-1::example_bucket can not contain region information.",
    ),
    (
        "iam path",
        IDN,
        d(with_(OK, Resource="arn:aws:iam:::example_bucket")),
        'IAM resource path must either be "*", root, or start with user/, federated-user/, role/, group/, '
        "instance-profile/, mfa/, server-certificate/, policy/, sms-mfa/, saml-provider/, oidc-provider/, report/, "
        "access-report/.",
    ),
    (
        "action without vendor",
        IDN,
        d(with_(OK, Action="invalid")),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ),
    (
        "empty notaction",
        IDN,
        d(with_(OK, Action=None, NotAction="")),
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.",
    ),
    (
        "action with two colons",
        IDN,
        d(with_(OK, Action="s3:List:Bucket")),
        "Actions/Condition can contain only one colon.",
    ),
    (
        "wildcard in vendor",
        IDN,
        d(with_(OK, Action="*:Untag*")),
        "Action vendors (e.g., aws, ec2, etc.) must not contain wildcards",
    ),
    (
        "null has no IfExists",
        IDN,
        d(with_(OK, Condition={"NullIfExists": {"aws:TokenIssueTime": "true"}})),
        "Syntax errors in policy.",
    ),
    (
        "missing resource before a bad action",  # recorded 2026-02-18 (localstack snapshot, invalid-29)
        IDN,
        d(with_(OK, Action="invalid", Resource=None)),
        "Policy statement must contain resources.",
    ),
    ("bad vendor", IDN, d(with_(OK, Action="a a:ListBucket")), "Vendor a a is not valid"),
    ("no resource", IDN, d(with_(OK, Resource=None)), "Policy statement must contain resources."),
    ("empty resource list", IDN, d(with_(OK, Resource=[])), "Policy statement must contain resources."),
    ("resource in trust policy", TRU, d(with_(TRUSTED, Resource="*")), "Has prohibited field Resource"),
    (
        "wildcard principal arn",
        TRU,
        d(with_(TRUSTED, Principal={"AWS": "arn:aws:iam::111122223333:user/*"})),
        'Invalid principal in policy: "AWS":"arn:aws:iam::111122223333:user/*"',
    ),
    (
        "unknown service principal form",
        TRU,
        d(with_(TRUSTED, Principal={"Service": "*"})),
        'Invalid principal in policy: "SERVICE":"*"',
    ),
    (
        "bad federated provider",
        TRU,
        d(with_(TRUSTED, Principal={"Federated": "example.com"})),
        'Invalid principal in policy: "FEDERATED":"example.com"',
    ),
    ("bare string principal", RES, d(with_(OK, Principal="alice")), 'Invalid principal in policy: "AWS":"alice"'),
]


@pytest.mark.parametrize(("name", "kind", "document", "message"), ERRORS, ids=[e[0] for e in ERRORS])
def test_message(name: str, kind: PolicyKind, document: Any, message: str) -> None:
    text = document if isinstance(document, str) else json.dumps(document)
    with pytest.raises(MalformedPolicyDocument) as raised:
        parse_policy(text, kind, managed=name.startswith("managed"))
    assert raised.value.text == message
    assert raised.value.code == "MalformedPolicyDocument" and raised.value.status == 400


def test_inline_and_trust_policies_accept_2008_and_no_version() -> None:
    for version in ({"Version": "2008-10-17"}, {}):
        parse_policy(json.dumps({**version, "Statement": OK}), IDN)
        parse_policy(json.dumps({**version, "Statement": TRUSTED}), TRU)


def test_check_policy_lists_every_problem_with_its_path_in_iam_order() -> None:
    text = json.dumps(d(with_(OK, Action="invalid", Sid="a"), with_(OK, Effect="allow", Sid="a", Extra=1)))
    problems = check_policy(text, IDN)
    assert [(p.path, p.message) for p in problems[:2]] == [
        ("Statement[1].Extra", "Syntax errors in policy."),
        ("Statement[1].Effect", "The policy failed legacy parsing"),
    ]
    assert ("Statement[1].Sid", "Statement IDs (SID) in a single policy must be unique.") in [
        (p.path, p.message) for p in problems
    ]
    assert check_policy(json.dumps(d(OK)), IDN) == ()


def test_the_lexically_smallest_bad_entry_of_a_list_is_reported() -> None:
    # moto's recorded case.
    document = d(with_(OK, Resource=["arn:error:s3:::example_bucket", "arn:error:s3::example_bucket"]))
    with pytest.raises(MalformedPolicyDocument) as raised:
        parse_policy(json.dumps(document), IDN)
    assert raised.value.text == 'Partition "error" is not valid for resource "arn:error:s3:::example_bucket".'
