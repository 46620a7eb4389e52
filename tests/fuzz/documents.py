"""Documents the fuzzer sends: IAM policy JSON (identity, trust, bucket and session policies) and S3 XML bodies.

Most documents are nearly valid, with one element replaced by something odd, so that they travel deep into the
parsers and the policy engine instead of stopping at the first brace.
"""

from __future__ import annotations

import json
from typing import Any

from tests.fuzz.choosers import Chooser

HUGE_DIGITS = "9" * 4400  # past int()'s 4,300-digit limit

ODD_NUMBERS = (
    "0",
    "-1",
    "1.5",
    "1e3",
    "1e9999999999999999999",
    "-0",
    "²",
    "٣",
    "1_000",
    "NaN",
    "Infinity",
    "0x10",
    HUGE_DIGITS,
    "9223372036854775808",
    " 7 ",
)
ODD_DATES = (
    "2026-11-28T12:00:00Z",
    "2026-11-28",
    "2026",
    "1700000000",
    "-292275054",
    "292278994-01-01",
    "2026-13-01T00:00:00Z",
    "2026-11-28T12:00:00.1234567890Z",
    "2026-11-28T12:00:00+99:00",
    "2026-11-28t12:00:00z",
    "²",
    HUGE_DIGITS,
    HUGE_DIGITS + "-01-01",
    "2026-01-01T" + "0" * 5000,
    "Mon, 01 Jan 99999999999999999999 00:00:00 GMT",
)
ODD_IPS = (
    "10.0.0.0/8",
    "192.0.2.1",
    "::1",
    "2001:db8::/32",
    "300.1.1.1",
    "1.2.3.4/99",
    "1.2.3.4/" + "9" * 5000,
    "fe80::1%eth0",
    "",
)
OPERATORS = (
    "StringEquals",
    "StringNotEquals",
    "StringEqualsIgnoreCase",
    "StringLike",
    "StringNotLike",
    "NumericEquals",
    "NumericLessThan",
    "NumericGreaterThanEquals",
    "NumericNotEquals",
    "DateEquals",
    "DateLessThan",
    "DateNotEquals",
    "DateGreaterThan",
    "Bool",
    "BinaryEquals",
    "IpAddress",
    "NotIpAddress",
    "ArnEquals",
    "ArnLike",
    "ArnNotLike",
    "Null",
    "StringEqualsIfExists",
    "NumericLessThanIfExists",
    "ForAllValues:StringLike",
    "ForAnyValue:NumericEquals",
    "ForAnyValue:DateLessThan",
    "ForAllValues:IpAddress",
    "Bogus",
    "StringEqualsIfExistsIfExists",
    "ForAllValues:Null",
)
CONDITION_KEYS = (
    "aws:CurrentTime",
    "aws:EpochTime",
    "aws:TokenIssueTime",
    "aws:SourceIp",
    "aws:SecureTransport",
    "aws:username",
    "aws:PrincipalTag/team",
    "aws:RequestTag/team",
    "aws:MultiFactorAuthAge",
    "s3:max-keys",
    "s3:prefix",
    "s3:x-amz-acl",
    "sts:DurationSeconds",
    "iam:PolicyARN",
    "aws:userid",
    "bogus:key",
    "",
)
ACTIONS = (
    "*",
    "s3:*",
    "s3:GetObject",
    "s3:ListBucket",
    "iam:*",
    "iam:CreateUser",
    "sts:AssumeRole",
    "s3:Get*",
    "bogus",
    "",
)


def _value(chooser: Chooser, account: str) -> Any:
    kind = chooser.integer(0, 9)
    if kind == 0:
        return chooser.choice(ODD_NUMBERS)
    if kind == 1:
        return chooser.choice(ODD_DATES)
    if kind == 2:
        return chooser.choice(ODD_IPS)
    if kind == 3:
        return chooser.choice((True, False, None, 0, -1, 1.5, 10**30, [], {}, [[["deep"]]]))
    if kind == 4:
        return f"arn:aws:iam::{account}:{chooser.choice(('user/fuzz-user-0', 'role/fuzz-role-0', 'root', '*'))}"
    if kind == 5:
        return "${" + chooser.choice(("aws:username", "aws:userid", "*", "?", "$", "bogus", "")) + "}"
    if kind == 6:
        return chooser.choice(("dGVzdA==", "!!!", "é"))
    return chooser.text(12)


def _principal(chooser: Chooser, account: str) -> Any:
    return chooser.choice(
        (
            "*",
            {"AWS": "*"},
            {"AWS": account},
            {"AWS": f"arn:aws:iam::{account}:root"},
            {"AWS": [f"arn:aws:iam::{account}:user/fuzz-user-0", f"arn:aws:iam::{account}:role/fuzz-role-0"]},
            {"AWS": "arn:aws:iam::999999999999:role/x"},
            {"Service": "ec2.amazonaws.com"},
            {"Federated": "cognito-identity.amazonaws.com"},
            {"CanonicalUser": "x"},
            {"AWS": 1},
            {},
            "bogus",
            {"AWS": ["*", None]},
        )
    )


def _statement(chooser: Chooser, account: str, with_principal: bool) -> dict[str, Any]:
    statement: dict[str, Any] = {
        "Effect": chooser.choice(("Allow", "Allow", "Deny", "allow", "Maybe", 1)),
        chooser.choice(("Action", "Action", "NotAction")): chooser.choice(
            (chooser.choice(ACTIONS), [chooser.choice(ACTIONS), chooser.choice(ACTIONS)])
        ),
        chooser.choice(("Resource", "Resource", "NotResource")): chooser.choice(
            (
                "*",
                "arn:aws:s3:::fuzz-bucket-0/*",
                ["arn:aws:s3:::fuzz-bucket-0", "arn:aws:s3:::fuzz-bucket-0/${aws:username}/*"],
                f"arn:aws:iam::{account}:user/*",
                "arn:aws:s3:::*",
                "arn:bogus",
                "",
            )
        ),
    }
    if chooser.chance(0.3):
        statement["Sid"] = chooser.choice(("s1", "", "with space", 5, "é"))
    if with_principal or chooser.chance(0.1):
        statement[chooser.choice(("Principal", "Principal", "NotPrincipal"))] = _principal(chooser, account)
    if chooser.chance(0.7):
        conditions: dict[str, Any] = {}
        for _ in range(chooser.integer(1, 3)):
            key = chooser.choice(CONDITION_KEYS)
            values = [_value(chooser, account) for _ in range(chooser.integer(1, 3))]
            conditions.setdefault(chooser.choice(OPERATORS), {})[key] = values[0] if len(values) == 1 else values
        statement["Condition"] = conditions
    return statement


def policy(chooser: Chooser, account: str, *, with_principal: bool = False) -> str:
    """A policy document as text: usually JSON of nearly the right shape, sometimes not JSON at all."""
    roll = chooser.integer(0, 19)
    if roll == 0:
        return chooser.choice(
            (
                "",
                "{",
                "[]",
                "null",
                '{"Version":"2012-10-17","Statement":' + "[" * 5000 + "]" * 5000 + "}",
                '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":'
                '{"s3:max-keys":1e9999999999999999999}}}]}',
                '{"Statement":[{"Effect":"Allow","Action":"*","Resource":"*","Condition":{"NumericEquals":'
                '{"s3:max-keys":' + HUGE_DIGITS + "}}}]}",
                '{"Version":"2012-10-17","Version":"2008-10-17","Statement":[]}',
                '\ufeff{"Version":"2012-10-17","Statement":[]}',
            )
        )
    if roll == 1:
        return chooser.text(60)
    document: dict[str, Any] = {
        "Version": chooser.choice(("2012-10-17", "2012-10-17", "2008-10-17", "2020-01-01", 2012)),
        "Statement": [_statement(chooser, account, with_principal) for _ in range(chooser.integer(1, 3))],
    }
    if chooser.chance(0.1):
        document["Statement"] = document["Statement"][0]
    if chooser.chance(0.05):
        document["Id"] = chooser.text(8)
    return json.dumps(document, ensure_ascii=chooser.chance(0.5))


# --- S3 XML bodies ---------------------------------------------------------------------------------------------

S3_NAMESPACE = 'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'
HOSTILE_XML = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY e "x">]><Delete><Object><Key>&e;</Key></Object></Delete>',
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b"<Delete><Object><Key>&b;</Key></Object></Delete>",
    '<?xml version="1.0" encoding="UTF-16"?><!DOCTYPE d [<!ENTITY e "x">]><Delete/>'.encode("utf-16"),
    b"<Delete>" + b"<a>" * 5000 + b"</a>" * 5000 + b"</Delete>",
    b"<Delete><Object><Key>k</Key></Object>",
    b"\xef\xbb\xbf<Delete><Object><Key>k</Key></Object></Delete>",
    b"<Delete><Object><Key>\xff\xfe</Key></Object></Delete>",
    b'<?xml version="1.0" encoding="bogus"?><Delete/>',
    b"<?xml-stylesheet href='x'?><Delete/>",
    b"<Delete><Object><Key>&#0;</Key></Object></Delete>",
    b"<![CDATA[x]]>",
)


def xml_body(chooser: Chooser, keys: tuple[str, ...]) -> bytes:
    """A DeleteObjects or CreateBucketConfiguration body, or another S3 configuration document, or a hostile one."""
    roll = chooser.integer(0, 9)
    namespace = " " + S3_NAMESPACE if chooser.chance(0.5) else ""
    if roll <= 3:
        objects = []
        for _ in range(chooser.integer(0, 4)):
            key = chooser.choice((*keys, "", "a" * 1100, chooser.text(10)))
            version = f"<VersionId>{chooser.choice(('null', 'x', ''))}</VersionId>" if chooser.chance(0.2) else ""
            objects.append(f"<Object><Key>{_escape(key)}</Key>{version}</Object>")
        quiet = f"<Quiet>{chooser.choice(('true', 'false', 'maybe'))}</Quiet>" if chooser.chance(0.3) else ""
        return f"<Delete{namespace}>{quiet}{''.join(objects)}</Delete>".encode("utf-8", "surrogatepass")
    if roll <= 5:
        region = chooser.choice(("eu-west-1", "us-east-1", "EU", "", "mars-1", chooser.text(6)))
        extra = chooser.choice(("", "<Location><Name>x</Name></Location>", "<Tags/>", "<Bogus/>"))
        document = (
            f"<CreateBucketConfiguration{namespace}><LocationConstraint>{_escape(region)}</LocationConstraint>"
            f"{extra}</CreateBucketConfiguration>"
        )
        return document.encode("utf-8", "surrogatepass")
    if roll <= 7:
        return chooser.choice(HOSTILE_XML)
    if roll == 8:
        return chooser.choice(
            (
                b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>",
                b"<Tagging><TagSet><Tag><Key>a</Key><Value>b</Value></Tag></TagSet></Tagging>",
                b"<CompleteMultipartUpload><Part><PartNumber>\xc2\xb2</PartNumber><ETag>x</ETag></Part></CompleteMultipartUpload>",
            )
        )
    return chooser.binary(64)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
