"""The AWS SDK for JavaScript v3 against a live server: tests/js/flow.mjs runs IAM, STS and S3 with the SDK's own
signer and parsers and prints what it saw; these tests check it.

What the JS SDK needs that botocore forgives (observed with botocore 1.44 and the JS SDK v3): `<member>` lists, the
`<{Op}Result>` wrapper, strict ISO 8601 timestamps, URL-encoded policy documents returned verbatim, path-style S3
with `?x-id=` and trailing slashes, and aws-chunked STREAMING-UNSIGNED-PAYLOAD-TRAILER bodies for streams.

Needs Node.js 20+ and `npm ci --prefix tests/js`; skipped otherwise.
"""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import subprocess
import zlib
from pathlib import Path
from typing import Any

import pytest

from tests.support import REPO, Server

JS_DIR = REPO / "tests" / "js"
FLOW = JS_DIR / "flow.mjs"
SDK_PACKAGES = ("client-iam", "client-s3", "client-sts")
S3_READ_ONLY = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
STRING_BODY = "hello from the JavaScript SDK\n"
STREAM_BODY = "a" * 8192 + "b" * 10_000 + "streamed through aws-chunked\n"  # STREAM_PARTS in flow.mjs
STREAM_LENGTH = len(STREAM_BODY)


@pytest.fixture(scope="module")
def node() -> str:
    """The node binary, once the pinned SDK is installed; skips the module otherwise (before a server starts)."""
    node = shutil.which("node")
    if node is None:
        pytest.skip("node is not on PATH: the JavaScript SDK tests need Node.js 20 or newer (put it on PATH)")
    version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    if int(version.lstrip("v").split(".")[0]) < 20:
        pytest.skip(f"node {version} is too old: the AWS SDK for JavaScript v3 needs Node.js 20 or newer")
    missing = [name for name in SDK_PACKAGES if not (JS_DIR / "node_modules" / "@aws-sdk" / name).is_dir()]
    if missing:
        lacking = ", ".join(f"@aws-sdk/{name}" for name in missing)
        pytest.skip(f"tests/js/node_modules lacks {lacking}: run `npm ci --prefix tests/js` (make test does)")
    return node


@pytest.fixture(scope="module")
def flow(node: str, server: Server) -> dict[str, Any]:
    """Run the scenario once against the session server and return its observations."""
    env = server.cli_env()  # AWS_ENDPOINT_URL, root keys, AWS_REGION, no config files
    result = subprocess.run(
        [node, str(FLOW)], cwd=JS_DIR, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, f"flow.mjs failed:\n{result.stderr}\n{Path(server.log).read_text()[-4000:]}"
    out: dict[str, Any] = json.loads(result.stdout)
    return out


def _crc32(text: str) -> str:
    """The base64 of the big-endian CRC32, as in x-amz-checksum-crc32."""
    return base64.b64encode(zlib.crc32(text.encode()).to_bytes(4, "big")).decode()


def _between(value: float, low: float, high: float) -> bool:
    return low <= value <= high


def test_region_comes_from_aws_region(flow: dict[str, Any]) -> None:
    assert flow["sdk"]["region"] == "us-east-1"


def test_iam_users_and_access_keys(flow: dict[str, Any], server: Server) -> None:
    user = flow["names"]["user"]
    iam = flow["iam"]
    assert flow["sts"]["rootAccount"] == server.account_id
    assert iam["createUser"] == {
        "userName": user,
        "arn": f"arn:aws:iam::{server.account_id}:user/{user}",
        "userIdPrefix": "AIDA",
        "createDateIsDate": True,
        "status": 200,
        "requestId": iam["createUser"]["requestId"],
    }
    assert iam["createUser"]["requestId"]
    assert iam["createAccessKey"] == {
        "userName": user,
        "accessKeyIdPrefix": "AKIA",
        "status": "Active",
        "hasSecret": True,
        "createDateIsDate": True,
    }
    # JS v3 reads only <member> children: a list in any other shape comes back empty.
    assert iam["listUsers"] == {"containsUser": True, "datesAreDates": True}


def test_iam_pagination_with_marker(flow: dict[str, Any]) -> None:
    suffix = flow["names"]["user"].rsplit("-", 1)[1]
    assert flow["iam"]["listUsersPaged"] == {
        "path": f"/js-{suffix}/",
        "pages": [
            {"users": [f"p1-{suffix}"], "isTruncated": True, "hasMarker": True},
            {"users": [f"p2-{suffix}"], "isTruncated": False, "hasMarker": False},
        ],
    }


def test_iam_roles_keep_the_trust_policy_url_encoded(flow: dict[str, Any], server: Server) -> None:
    role = flow["names"]["role"]
    arn = f"arn:aws:iam::{server.account_id}:role/{role}"
    iam = flow["iam"]
    # IAM returns policy documents URL-encoded (API_Role: "URL-encoded compliant with RFC 3986"); JS does not decode.
    assert iam["createRole"] == {
        "roleName": role,
        "arn": arn,
        "roleIdPrefix": "AROA",
        "createDateIsDate": True,
        "trustIsString": True,
        "trustIsUrlEncoded": True,
        "trustRoundTrips": True,
    }
    assert iam["getRole"] == {
        "roleName": role,
        "arn": arn,
        "maxSessionDuration": 3600,
        "createDateIsDate": True,
        "trustIsUrlEncoded": True,
        "trustRoundTrips": True,
    }
    assert iam["listAttachedRolePolicies"] == {
        "arns": [S3_READ_ONLY],
        "names": ["AmazonS3ReadOnlyAccess"],
        "isTruncated": False,
    }


@pytest.mark.parametrize(
    ("case", "name", "code", "status", "message"),
    [
        (
            "denied",
            "AccessDenied",
            "AccessDenied",
            403,
            "User: arn:aws:iam::{account}:user/{user} is not authorized to perform: iam:ListUsers on resource: "
            "arn:aws:iam::{account}:user/* because no identity-based policy allows the iam:ListUsers action",
        ),
        # A modeled error: the SDK maps the wire code NoSuchEntity to its NoSuchEntityException class.
        ("noSuchEntity", "NoSuchEntityException", "NoSuchEntity", 404, "The user with name {missing} cannot be found."),
    ],
)
def test_iam_errors(
    flow: dict[str, Any], server: Server, case: str, name: str, code: str, status: int, message: str
) -> None:
    error = flow["iam"][case]
    names = flow["names"]
    assert error == {
        "name": name,
        "code": code,
        "fault": "client",
        "status": status,
        "message": message.format(account=server.account_id, user=names["user"], missing=names["missingUser"]),
        "requestId": error["requestId"],
    }
    assert error["requestId"]


def test_sts_assume_role_as_the_new_user(flow: dict[str, Any], server: Server) -> None:
    names = flow["names"]
    session_arn = f"arn:aws:sts::{server.account_id}:assumed-role/{names['role']}/{names['session']}"
    sts = flow["sts"]
    credentials = sts["assumeRole"]["credentials"]
    assert _between(credentials.pop("secondsLeft"), 840, 901), "DurationSeconds=900 gives 15 minutes"
    assert credentials == {
        "accessKeyIdPrefix": "ASIA",
        "hasSecret": True,
        "hasSessionToken": True,
        "expirationIsDate": True,
        "expirationValid": True,
    }
    assert sts["assumeRole"]["assumedRoleArn"] == session_arn
    assert sts["assumeRole"]["assumedRoleIdPrefix"] == "AROA"
    assert sts["assumeRole"]["assumedRoleIdSuffix"] == names["session"]
    assert sts["sessionIdentity"] == {
        "arn": session_arn,
        "account": server.account_id,
        "userIdSuffix": names["session"],
    }


def test_sts_chained_credential_provider(flow: dict[str, Any], server: Server) -> None:
    names = flow["names"]
    assert flow["sts"]["chained"] == {
        "arn": f"arn:aws:sts::{server.account_id}:assumed-role/{names['role']}/{names['session']}-chained",
        "assumeRoleCalls": 1,  # memoised: the S3 and STS calls shared one AssumeRole
    }


def test_sts_get_session_token(flow: dict[str, Any], server: Server) -> None:
    sts = flow["sts"]
    credentials = sts["getSessionToken"]
    assert _between(credentials.pop("secondsLeft"), 43_140, 43_201), "the default duration is 12 hours"
    assert credentials == {
        "accessKeyIdPrefix": "ASIA",
        "hasSecret": True,
        "hasSessionToken": True,
        "expirationIsDate": True,
        "expirationValid": True,
    }
    # GetCallerIdentity with GetSessionToken credentials names the IAM user itself.
    assert sts["sessionTokenIdentity"] == {"arn": f"arn:aws:iam::{server.account_id}:user/{flow['names']['user']}"}


def test_s3_string_body_is_signed_with_its_hash_and_crc32(flow: dict[str, Any]) -> None:
    put = flow["s3"]["putString"]
    assert put["etag"] == f'"{hashlib.md5(STRING_BODY.encode()).hexdigest()}"'  # single-part ETag: the MD5
    assert put["checksumCRC32"] == put["expectedCRC32"] == put["sent"]["checksumCRC32"] == _crc32(STRING_BODY)
    assert len(put["sent"]["contentSha256"]) == 64
    assert put["sent"]["contentEncoding"] is None
    assert {"x-amz-checksum-crc32", "x-amz-sdk-checksum-algorithm", "amz-sdk-invocation-id"} <= set(
        put["sent"]["signedHeaders"]
    )


def test_s3_stream_body_is_aws_chunked_with_a_crc32_trailer(flow: dict[str, Any]) -> None:
    put = flow["s3"]["putStream"]
    assert put["sent"] == {
        "contentSha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        "contentEncoding": "aws-chunked",
        "transferEncoding": "chunked",
        "trailer": "x-amz-checksum-crc32",
        "decodedContentLength": str(STREAM_LENGTH),
        "checksumCRC32": None,
        "signedHeaders": put["sent"]["signedHeaders"],
    }
    assert {"content-encoding", "x-amz-decoded-content-length", "x-amz-trailer"} <= set(put["sent"]["signedHeaders"])
    assert put["checksumCRC32"] == put["expectedCRC32"] == _crc32(STREAM_BODY)
    assert put["etag"] == f'"{hashlib.md5(STREAM_BODY.encode()).hexdigest()}"'
    assert put["expectedLength"] == STREAM_LENGTH
    assert flow["s3"]["getStream"] == {
        "bodyMatches": True,
        "bodyLength": STREAM_LENGTH,
        "contentLength": STREAM_LENGTH,
        "checksumCRC32": put["expectedCRC32"],
    }


def test_s3_stream_of_small_chunks(flow: dict[str, Any]) -> None:
    """S3 wants 8 KiB aws-chunks but the last (sigv4-streaming.html); the SDK's requestStreamBufferSize regroups."""
    error = flow["s3"]["smallChunks"]
    assert error["name"] == error["code"] == "InvalidChunkSizeError"
    assert (error["status"], error["fault"]) == (403, "client")
    assert error["message"].startswith("Only the last chunk is allowed to have a size less than 8192 bytes")
    buffered = flow["s3"]["putBuffered"]
    assert buffered["body"] == "tiny chunks\n"
    assert buffered["checksumCRC32"] == buffered["expectedCRC32"] == _crc32("tiny chunks\n")


def test_s3_reads_validate_the_returned_checksum(flow: dict[str, Any]) -> None:
    s3 = flow["s3"]
    assert s3["getString"] == {
        "body": STRING_BODY,
        "contentType": "text/plain",
        "contentLength": len(STRING_BODY),
        "etag": s3["putString"]["etag"],
        "checksumCRC32": s3["putString"]["expectedCRC32"],
        "sentChecksumMode": "ENABLED",
    }
    head = s3["headObject"]
    assert _between(head.pop("lastModifiedAgeSeconds"), -5, 120)
    assert head == {
        "contentLength": len(STRING_BODY),
        "contentType": "text/plain",
        "etag": s3["putString"]["etag"],
        "lastModifiedIsDate": True,
    }


def test_s3_list_objects_v2_with_prefix_and_delimiter(flow: dict[str, Any]) -> None:
    assert flow["s3"]["listObjectsV2"] == {
        "keys": ["dir/a.txt", "dir/small.txt"],
        "sizes": [len(STRING_BODY), len("tiny chunks\n")],
        "lastModifiedAreDates": True,
        "commonPrefixes": ["dir/sub/"],
        "keyCount": 3,  # KeyCount counts common prefixes too (API_ListObjectsV2)
        "isTruncated": False,
        "prefix": "dir/",
        "delimiter": "/",
    }


def test_s3_session_reads_but_may_not_write(flow: dict[str, Any], server: Server) -> None:
    names = flow["names"]
    s3 = flow["s3"]
    assert s3["sessionGet"] == {"body": STRING_BODY}
    denied = s3["sessionDenied"]
    assert denied == {
        "name": "AccessDenied",
        "code": "AccessDenied",
        "fault": "client",
        "status": 403,
        "message": f"User: arn:aws:sts::{server.account_id}:assumed-role/{names['role']}/{names['session']}-chained "
        f'is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::{names["bucket"]}/dir/denied.txt" '
        "because no identity-based policy allows the s3:PutObject action",
        "requestId": denied["requestId"],
    }


def test_s3_deletes(flow: dict[str, Any]) -> None:
    s3 = flow["s3"]
    # A HEAD error has no body (Amazon S3 API Reference, "HeadObject",
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html): the SDK names it after the status.
    missing = s3["missingAfterDelete"]
    assert (missing["name"], missing["status"], missing["fault"]) == ("NotFound", 404, "client")
    assert s3["deleteBucket"] == {"status": 204}
    assert s3["createBucket"] == {"location": f"/{flow['names']['bucket']}", "status": 200}


def test_s3_requests_are_path_style_with_x_id_and_trailing_slashes(flow: dict[str, Any]) -> None:
    bucket = flow["names"]["bucket"]
    seen = {(r["operation"], r["method"], r["path"], r["xId"]) for r in flow["s3"]["requests"]}
    assert {
        ("CreateBucketCommand", "PUT", f"/{bucket}/", None),
        ("PutObjectCommand", "PUT", f"/{bucket}/dir/a.txt", "PutObject"),
        ("GetObjectCommand", "GET", f"/{bucket}/dir/a.txt", "GetObject"),
        ("HeadObjectCommand", "HEAD", f"/{bucket}/dir/a.txt", None),
        ("ListObjectsV2Command", "GET", f"/{bucket}/", None),
        ("DeleteObjectCommand", "DELETE", f"/{bucket}/dir/a.txt", "DeleteObject"),
        ("DeleteBucketCommand", "DELETE", f"/{bucket}/", None),
    } <= seen
