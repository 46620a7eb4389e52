"""Fuzz inputs for every IAM, STS and S3 operation, and the ways they go on the wire (unsigned, SigV4 header,
presigned query, or signed and then damaged).

`fuzz_input` builds one request from a `Chooser`; `on_the_wire` authenticates it. The same code feeds the
in-process Hypothesis test (`tests/fuzz/test_pipeline_fuzz.py`) and the live benchmark (`scripts/fuzz_live.py`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from enum import Enum
from urllib.parse import quote

from ostiary import iam, sts
from ostiary.protocol.params import Kind, Param
from ostiary.s3.routes import MODEL_QUERY_PARAMETERS, ROUTES
from tests.fuzz.choosers import Chooser
from tests.fuzz.documents import ACTIONS, HUGE_DIGITS, ODD_DATES, ODD_NUMBERS, policy, xml_body
from tests.fuzz.headers import s3_header

IAM_VERSION = "2010-05-08"
STS_VERSION = "2011-06-15"
FORM_TYPE = "application/x-www-form-urlencoded; charset=utf-8"


@dataclass(frozen=True)
class Creds:
    key: str
    secret: str
    token: str | None = None


@dataclass(frozen=True)
class World:
    """What exists on the server under test, so that generated requests name real entities half the time.

    The credentials belong to entities the generated requests never name (`KEEPER_USER`, `KEEPER_ROLE`), so that
    a fuzzed DeleteUser or UpdateAccessKey cannot end the signed part of a long run.
    """

    account: str
    creds: tuple[Creds, ...]  # the first is the account's root
    buckets: tuple[str, ...] = ("fuzz-bucket-0", "fuzz-bucket-1")
    keys: tuple[str, ...] = ("k", "dir/a b", "é/ü", "big")
    users: tuple[str, ...] = ("fuzz-user-0", "fuzz-user-1", "fuzz-user-2")
    roles: tuple[str, ...] = ("fuzz-role-0", "fuzz-role-1")
    groups: tuple[str, ...] = ("fuzz-group-0", "fuzz-group-1")
    policy_names: tuple[str, ...] = ("fuzz-policy-0", "fuzz-policy-1")


KEEPER_USER = "fuzz-keeper"
KEEPER_ROLE = "fuzz-keeper-role"


class Auth(Enum):
    UNSIGNED = "unsigned"
    HEADER = "header"
    PRESIGNED = "presigned"
    MANGLED = "mangled"  # signed, then one part damaged


@dataclass(frozen=True)
class FuzzInput:
    service: str  # what a signer scopes it to: iam, sts or s3
    method: str
    path: str  # raw, percent-encoded
    query: str  # raw, without "?"
    headers: tuple[tuple[str, str], ...]
    body: bytes
    chunked: bool = False  # an S3 upload sent aws-chunked


@dataclass(frozen=True)
class Wire:
    method: str
    path: str
    query: str
    headers: tuple[tuple[str, str], ...]
    body: bytes


ODD_TEXT = ("", " ", "*", "..", "/", "%", "\x00", "null", "-1", "é" * 70, "a" * 5000, "²", "\udcff", "\u2028")
RAW_TEXT = ("é", "\udcff", "\udced\udcb3\udcbf", "a\udc80b", "%\udcff")
ODD_INDEXES = ("0", "²", "٣", "01", HUGE_DIGITS, "1000001", "-1", "1.5", "")


def _string_value(chooser: Chooser, name: str, world: World) -> str:
    if chooser.chance(0.15):
        return chooser.choice(ODD_TEXT) if chooser.chance(0.5) else chooser.text(20)
    arn = f"arn:aws:iam::{world.account}"
    table: dict[str, tuple[str, ...]] = {
        "UserName": world.users,
        "NewUserName": world.users,
        "RoleName": world.roles,
        "GroupName": world.groups,
        "NewGroupName": world.groups,
        "PolicyName": world.policy_names,
        # Never the keys the fuzzer signs with: deactivating them would end the run's signed coverage.
        "AccessKeyId": ("AKIAFUZZFUZZFUZZFUZZ", "ASIA" + "A" * 16, "AKIA" + "²" * 16),
        "VersionId": ("v1", "v2", "v5", "v0", "v" + HUGE_DIGITS[:30]),
        "Status": ("Active", "Inactive", "Expired"),
        "RoleSessionName": ("s1", "Session1:2", "a" * 65),
        "Name": ("fed1", "a" * 33),
        "Key": ("team", "aws:x", "Team"),
        "Value": ("a", "", "é"),
        "TagKeys": ("team", "Team"),
        "ActionNames": ACTIONS,
        "EncodedMessage": ("", "!!!", "AAAA" * 40),
        "Marker": ("", "AAAA", "eyJ9", "%%"),
        "ContextKeyName": ("aws:CurrentTime", "s3:max-keys", "aws:SourceIp"),
        "ContextKeyType": ("string", "numeric", "date", "ip", "binary", "boolean", "dateList", "bogus"),
        "ContextKeyValues": (*ODD_NUMBERS[:6], *ODD_DATES[:6], "10.0.0.1"),
        "AccountAlias": ("fuzz-alias", "Fuzz"),
        "Path": ("/", "/a/", "a", "//"),
        "PathPrefix": ("/", "/a"),
        "SerialNumber": ("arn:aws:iam::123456789012:mfa/x", "GAHT12345678"),
        "TokenCode": ("123456", "12345", "²²²²²²"),
        "ExternalId": ("x", ""),
        "SourceIdentity": ("me", "aws:x"),
    }
    if name in table:
        return chooser.choice(table[name])
    if name in ("PolicyDocument", "AssumeRolePolicyDocument", "Policy", "PolicyInputList", "ResourcePolicy"):
        return policy(chooser, world.account, with_principal=name in ("AssumeRolePolicyDocument", "ResourcePolicy"))
    if name.endswith("Arn") or name in ("arn", "PermissionsBoundary", "ResourceArns", "CallerArn", "ResourceOwner"):
        return chooser.choice(
            (
                f"{arn}:user/{chooser.choice(world.users)}",
                f"{arn}:role/{chooser.choice(world.roles)}",
                f"{arn}:policy/{chooser.choice(world.policy_names)}",
                "arn:aws:iam::aws:policy/ReadOnlyAccess",
                "arn:aws:s3:::fuzz-bucket-0/k",
                f"{arn}:root",
                "arn:aws:iam::999999999999:role/x",
                "arn:",
            )
        )
    return chooser.text(16)


def _integer_value(chooser: Chooser, param: Param) -> str:
    if chooser.chance(0.6):
        low = param.min if param.min is not None else 0
        high = param.max if param.max is not None else 1000
        return str(chooser.choice((low, high, low - 1, high + 1, (low + high) // 2)))
    return chooser.choice((*ODD_NUMBERS, "+5", "", "٣"))


def _form(chooser: Chooser, params: tuple[Param, ...], prefix: str, world: World, form: dict[str, str]) -> None:
    for param in params:
        if not param.required and chooser.chance(0.5):
            continue
        key = prefix + param.name
        if param.kind is Kind.INTEGER:
            form[key] = _integer_value(chooser, param)
        elif param.kind is Kind.BOOLEAN:
            form[key] = chooser.choice(("true", "false", "True", "yes", ""))
        elif param.kind in (Kind.STRING_LIST, Kind.STRUCT_LIST):
            count = chooser.integer(0, 3)
            if count == 0 and chooser.chance(0.5):
                form[key] = ""  # how botocore sends an empty list
            for position in range(1, count + 1):
                index = chooser.choice(ODD_INDEXES) if chooser.chance(0.05) else str(position)
                member = f"{key}.member.{index}"
                if param.kind is Kind.STRING_LIST:
                    form[member] = _string_value(chooser, param.name, world)
                else:
                    _form(chooser, param.members, member + ".", world, form)
        elif param.enum and chooser.chance(0.7):
            form[key] = chooser.choice(param.enum)
        else:
            form[key] = _string_value(chooser, param.name, world)


def _encode_form(form: dict[str, str]) -> str:
    return "&".join(f"{_quote(k)}={_quote(v)}" for k, v in form.items())


def _quote(text: str, safe: str = "") -> str:
    """Percent-encode as UTF-8; a lone surrogate becomes the bytes of its code point, which no decoder accepts."""
    return quote(text, safe=safe, errors="surrogatepass")


def query_input(chooser: Chooser, world: World) -> FuzzInput:
    service = chooser.choice(("iam", "iam", "iam", "sts"))
    operations = iam.OPERATIONS if service == "iam" else sts.OPERATIONS
    action = chooser.choice(sorted(operations))
    form: dict[str, str] = {"Action": action, "Version": IAM_VERSION if service == "iam" else STS_VERSION}
    if chooser.chance(0.05):
        form[chooser.choice(("Action", "Version"))] = chooser.choice(("", "Bogus", "2010-05-08", chooser.text(8)))
    _form(chooser, operations[action].params, "", world, form)
    if chooser.chance(0.1):
        form[chooser.text(10)] = chooser.text(10)
    text = _encode_form(form)
    if chooser.chance(0.15):  # the whole form in the query string (presigned GetCallerIdentity, minio-py)
        return FuzzInput(service, chooser.choice(("GET", "POST")), "/", text, (), b"")
    content_type = FORM_TYPE if chooser.chance(0.9) else chooser.choice(("", "application/json", "text/xml"))
    body = text.encode("ascii")
    if chooser.chance(0.03):
        body += chooser.choice((b"\xff\xfe", b"&\xc3", b"%", b"=" * 10))
    headers = (("content-type", content_type),) if content_type else ()
    return FuzzInput(service, "POST", chooser.choice(("/", "/", "", "/x")) or "/", "", headers, body)


# --- S3 ------------------------------------------------------------------------------------------------------------

ODD_BUCKETS = ("fuzz-missing", "Bad_Name", "ab", "a" * 70, "192.168.1.1", "xn--a", "a..b", "%2e%2e", "%C3")
ODD_KEYS = ("", "a" * 1100, "a/../b", "%", "\x00", "\udcff", "//x//", "é" * 300)
ROUTE_KEYS = sorted(ROUTES, key=lambda row: (row[0], row[1].value, row[2]))
SERVED_ROUTE_KEYS = [key for key in ROUTE_KEYS if ROUTES[key].handler is not None]
S3_PARAMETERS = (*sorted(MODEL_QUERY_PARAMETERS), "x-id", "list-type", "default-storage-class", "bogus")


def _path_part(chooser: Chooser, text: str) -> str:
    if chooser.chance(0.05):
        return chooser.choice(("%zz", "%C3", "%00", "%2F", "a%", text, *RAW_TEXT))
    return _quote(text, safe="/~")


def _s3_query(chooser: Chooser, marker: str) -> str:
    parts: list[str] = []
    if marker:
        parts.append({"list-type": "list-type=2"}.get(marker, marker if chooser.chance(0.7) else f"{marker}="))
        if marker == "uploadId" and chooser.chance(0.5):
            parts.append(f"partNumber={chooser.choice(('1', '0', '10001', '²', HUGE_DIGITS))}")
    for _ in range(chooser.integer(0, 3) if chooser.chance(0.6) else 0):
        name = chooser.choice(S3_PARAMETERS)
        value = chooser.choice(
            (
                *ODD_NUMBERS,
                "",
                "url",
                "true",
                "null",
                "a/b",
                "%zz",
                "AAAA",
                "aQ==",
                "ZWs=",
                chooser.text(8),
            )
        )
        # Now and then a value left raw: bytes that are not UTF-8 reach the server as lone surrogates.
        raw = chooser.chance(0.05)
        parts.append(f"{name}={chooser.choice(RAW_TEXT) if raw else _quote(value, safe='%')}")
    return "&".join(parts)


def s3_input(chooser: Chooser, world: World) -> FuzzInput:
    method, target, marker = chooser.choice(SERVED_ROUTE_KEYS if chooser.chance(0.8) else ROUTE_KEYS)
    if chooser.chance(0.03):
        method = chooser.choice(("PATCH", "OPTIONS", "get", "PUT"))
    bucket = chooser.choice(world.buckets) if chooser.chance(0.9) else chooser.choice(ODD_BUCKETS)
    key = chooser.choice(world.keys) if chooser.chance(0.85) else chooser.choice(ODD_KEYS)
    if target.value == "SERVICE":
        path = "/"
    elif target.value == "BUCKET":
        path = "/" + _path_part(chooser, bucket) + chooser.choice(("", "", "/"))
    else:
        path = "/" + _path_part(chooser, bucket) + "/" + _path_part(chooser, key or "k")
    headers = [s3_header(chooser, world.account) for _ in range(chooser.integer(0, 4))]
    if marker == "x-amz-copy-source":
        headers.append(("x-amz-copy-source", f"/{chooser.choice(world.buckets)}/{chooser.choice(world.keys)}"))
        marker = ""
    if marker == "policy" and method == "PUT":
        body = policy(chooser, world.account, with_principal=True).encode("utf-8", "surrogatepass")
    elif marker == "delete" or (method == "PUT" and target.value == "BUCKET") or marker in ("tagging", "versioning"):
        body = xml_body(chooser, world.keys)
    elif method in ("PUT", "POST"):
        body = chooser.binary(64) if chooser.chance(0.7) else b"x" * chooser.choice((0, 8192, 70_000))
    else:
        body = b"" if chooser.chance(0.9) else chooser.binary(16)
    chunked = method == "PUT" and target.value == "OBJECT" and chooser.chance(0.2)
    return FuzzInput("s3", method, path, _s3_query(chooser, marker), tuple(headers), body, chunked)


def garbage_input(chooser: Chooser, world: World) -> FuzzInput:
    """Requests that are wrong before any operation is found: odd methods, paths, auth headers and bodies."""
    method = chooser.choice(("GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "OPTIONS", "TRACE"))
    path = chooser.choice(("/", "/b", "/b/k", "//", "/%", "/%ZZ", "/b/%00", "/a%20b", "/" + "a" * 3000))
    query = chooser.choice(
        (
            "",
            "Action=GetCallerIdentity",
            "Action=GetCallerIdentity&Version=2011-06-15",
            "X-Amz-Credential=x",
            "X-Amz-Algorithm=AWS4-HMAC-SHA256",
            "AWSAccessKeyId=a&Signature=b&Expires=1",
            "%zz=%",
            "&&&",
            "=",
            "a=" + "b" * 3000,
        )
    )
    headers = []
    for _ in range(chooser.integer(0, 4)):
        name = chooser.choice(
            (
                "authorization",
                "x-amz-date",
                "date",
                "x-amz-security-token",
                "x-amz-content-sha256",
                "content-type",
                "content-length",
                "x-amz-decoded-content-length",
                "content-encoding",
                "transfer-encoding",
            )
        )
        value = chooser.choice(
            (
                f"AWS4-HMAC-SHA256 Credential={world.creds[0].key}/20261128/us-east-1/s3/aws4_request, "
                "SignedHeaders=host, Signature=00",
                "AWS4-HMAC-SHA256 Credential=/,,SignedHeaders=,Signature=",
                "AWS AKIA:sig",
                "20261128T120000Z",
                "²",
                HUGE_DIGITS[:50],
                "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
                "aws-chunked",
                FORM_TYPE,
                chooser.text(30),
            )
        )
        headers.append((name, value))
    return FuzzInput(chooser.choice(("s3", "iam", "sts")), method, path, query, tuple(headers), chooser.binary(100))


def fuzz_input(chooser: Chooser, world: World) -> FuzzInput:
    """One request for some IAM, STS or S3 operation, with parameters that are often odd."""
    roll = chooser.integer(0, 19)
    if roll == 0:
        return garbage_input(chooser, world)
    if roll <= 9:
        return query_input(chooser, world)
    return s3_input(chooser, world)


def payload_sha256(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def signing_time(now: dt.datetime) -> dt.datetime:
    return now.astimezone(dt.UTC).replace(microsecond=0)
