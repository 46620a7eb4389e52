"""Credential lifecycle: tampered tokens, missing tokens, key status, deleted and re-created roles.

Sources: AWS Common Errors pages (InvalidClientTokenId "The security token included in the request is invalid.",
https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html); Amazon S3 API Reference, Error responses
(InvalidToken "The provided token is malformed or otherwise invalid.", InvalidAccessKeyId "The AWS Access Key Id
you provided does not exist in our records.", https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html);
IAM User Guide
id_credentials_temp_control-access ("permissions ... are evaluated each time a request is made with the
temporary credentials") and reference_policies_elements_principal ("If you delete the role and then
create it again ... the new role has a different principal ID"). AWS answers an unknown, an inactive and a deleted
key alike, so existence is not revealed (observed on AWS); ostiary's session tokens are bound to their ASIA key
(docs/design.md, "Tokens and keys").
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

import botocore
import pytest

from tests.e2e.test_sts_policy_support import AwsError, Creds, Kit, allow, assume, doc, error_of, trust
from tests.support import Server

INVALID_CLIENT_TOKEN = ("InvalidClientTokenId", 403, "The security token included in the request is invalid.")
S3_INVALID_TOKEN = ("InvalidToken", 400, "The provided token is malformed or otherwise invalid.")
S3_UNKNOWN_KEY = ("InvalidAccessKeyId", 403, "The AWS Access Key Id you provided does not exist in our records.")


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def flip(token: str, at: int) -> str:
    replacement = "A" if token[at] != "A" else "B"
    return token[:at] + replacement + token[at + 1 :]


def triple(error: AwsError) -> tuple[str, int, str]:
    return (error.code, error.status, error.message)


def reader_session(kit: Kit) -> tuple[Creds, str]:
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(allow(["s3:GetObject", "s3:ListAllMyBuckets"]), allow("iam:GetRole"))
    session, _ = assume(user.creds, role.arn)
    return session, bucket


@pytest.mark.parametrize("where", ["start", "middle", "end"])
def test_tampered_session_token_is_rejected_by_every_service(kit: Kit, where: str) -> None:
    session, bucket = reader_session(kit)
    token = session.session_token
    assert token
    at = {"start": 0, "middle": len(token) // 2, "end": len(token) - 2}[where]
    forged = Creds(kit.server, session.access_key_id, session.secret_access_key, flip(token, at))
    assert triple(error_of(forged.sts.get_caller_identity)) == INVALID_CLIENT_TOKEN
    assert triple(error_of(forged.iam.list_roles)) == INVALID_CLIENT_TOKEN
    assert triple(error_of(forged.s3.get_object, Bucket=bucket, Key="k")) == S3_INVALID_TOKEN
    # The genuine token still works.
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_truncated_session_token_is_rejected(kit: Kit) -> None:
    session, bucket = reader_session(kit)
    assert session.session_token
    forged = Creds(kit.server, session.access_key_id, session.secret_access_key, session.session_token[:-8])
    assert triple(error_of(forged.sts.get_caller_identity)) == INVALID_CLIENT_TOKEN
    assert triple(error_of(forged.s3.get_object, Bucket=bucket, Key="k")) == S3_INVALID_TOKEN


def test_temporary_key_without_its_token_is_invalid(kit: Kit) -> None:
    session, _ = reader_session(kit)
    bare = Creds(kit.server, session.access_key_id, session.secret_access_key)
    assert triple(error_of(bare.sts.get_caller_identity)) == INVALID_CLIENT_TOKEN
    assert triple(error_of(bare.iam.list_roles)) == INVALID_CLIENT_TOKEN


def test_token_of_another_session_is_invalid(kit: Kit) -> None:
    """Tokens are bound to their ASIA key: swapping tokens between sessions fails (docs/design.md, "Tokens and
    keys")."""
    first, bucket = reader_session(kit)
    second, _ = reader_session(kit)
    swapped = Creds(kit.server, first.access_key_id, first.secret_access_key, second.session_token)
    assert triple(error_of(swapped.sts.get_caller_identity)) == INVALID_CLIENT_TOKEN
    assert triple(error_of(swapped.s3.get_object, Bucket=bucket, Key="k")) == S3_INVALID_TOKEN


def test_wrong_secret_for_a_session_is_a_signature_mismatch(kit: Kit) -> None:
    session, _ = reader_session(kit)
    wrong = Creds(kit.server, session.access_key_id, "x" * 40, session.session_token)
    error = error_of(wrong.sts.get_caller_identity)
    assert (error.code, error.status) == ("SignatureDoesNotMatch", 403)


def test_deactivated_key_stops_at_once_and_works_again_when_reactivated(kit: Kit) -> None:
    """An Inactive key is answered like an unknown one (observed on AWS: existence is not revealed)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    assert user.creds.sts.get_caller_identity()["Arn"] == user.arn

    kit.root.iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key_id, Status="Inactive")
    assert triple(error_of(user.creds.sts.get_caller_identity)) == INVALID_CLIENT_TOKEN
    assert triple(error_of(user.creds.iam.get_user)) == INVALID_CLIENT_TOKEN
    assert triple(error_of(user.creds.s3.get_object, Bucket=bucket, Key="k")) == S3_UNKNOWN_KEY

    kit.root.iam.update_access_key(UserName=user.name, AccessKeyId=user.access_key_id, Status="Active")
    assert user.creds.sts.get_caller_identity()["Arn"] == user.arn
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"


def test_deleted_key_is_unknown(kit: Kit) -> None:
    bucket = kit.bucket()
    user = kit.user()
    kit.root.iam.delete_access_key(UserName=user.name, AccessKeyId=user.access_key_id)
    assert triple(error_of(user.creds.sts.get_caller_identity)) == INVALID_CLIENT_TOKEN
    assert triple(error_of(user.creds.s3.list_objects_v2, Bucket=bucket)) == S3_UNKNOWN_KEY


def test_session_permissions_follow_the_roles_current_policies(kit: Kit) -> None:
    """Temporary credentials are evaluated on every request: policy changes apply to existing sessions."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user()
    role = kit.role(trust(user.arn))
    session, _ = assume(user.creds, role.arn)
    assert error_of(session.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"

    kit.root.iam.put_role_policy(
        RoleName=role.name,
        PolicyName="grant",
        PolicyDocument=doc(allow("s3:GetObject")),
    )
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"

    kit.root.iam.delete_role_policy(RoleName=role.name, PolicyName="grant")
    assert error_of(session.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"


def test_deleting_the_role_denies_its_sessions_and_a_recreated_role_does_not_honour_them(kit: Kit) -> None:
    session, bucket = reader_session(kit)
    identity = session.sts.get_caller_identity()
    role_name = identity["Arn"].split("/")[1]
    role = kit.root.iam.get_role(RoleName=role_name)["Role"]
    trust_document = role["AssumeRolePolicyDocument"]
    user_arn = trust_document["Statement"][0]["Principal"]["AWS"]
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"

    kit.root.iam.delete_role_policy(RoleName=role_name, PolicyName="inline")
    kit.root.iam.delete_role(RoleName=role_name)
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert (error.code, error.status) == ("AccessDenied", 403)
    # Authentication still succeeds: GetCallerIdentity needs no permission.
    assert session.sts.get_caller_identity()["Arn"] == identity["Arn"]

    recreated = Kit(kit.server, kit.unique_name).role(
        trust(user_arn), policy=[allow(["s3:GetObject", "s3:ListAllMyBuckets"])], name=role_name
    )
    assert recreated.role_id != role["RoleId"]
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert session.sts.get_caller_identity()["UserId"] == f"{role['RoleId']}:session"


def test_recreated_user_is_not_trusted_by_a_trust_policy_saved_for_the_old_one(kit: Kit) -> None:
    """Trust policies hold the principal's unique ID: a same-name user created later does not match until the
    policy is saved again (IAM User Guide reference_policies_elements_principal, "IAM roles")."""
    name = kit.unique_name("user")
    old = kit.user(name=name)
    role = kit.role(trust(old.arn))
    kit.root.iam.delete_access_key(UserName=name, AccessKeyId=old.access_key_id)
    kit.root.iam.delete_user(UserName=name)
    new = kit.user(name=name)
    assert new.arn == old.arn and new.user_id != old.user_id
    error = error_of(new.creds.sts.assume_role, RoleArn=role.arn, RoleSessionName="s1")
    assert error.code == "AccessDenied"

    kit.root.iam.update_assume_role_policy(
        RoleName=role.name,
        PolicyDocument=doc(trust(new.arn)),
    )
    assume(new.creds, role.arn, "s1")


def test_presigned_url_with_session_credentials_follows_the_session(kit: Kit) -> None:
    """A SigV4 presigned URL signed with a role session carries its token and stops working when the session
    loses its permissions ("If you created a presigned URL by using a temporary credential, the URL expires when the
    credential expires", Amazon S3 User Guide, "Sharing objects with presigned URLs",
    https://docs.aws.amazon.com/AmazonS3/latest/userguide/ShareObjectPreSignedURL.html)."""
    session, bucket = reader_session(kit)
    presigner = session.client("s3", signature_version="s3v4")
    url = presigner.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "k"}, ExpiresIn=300)
    assert "X-Amz-Security-Token=" in url
    assert fetch(url) == (200, b"v")
    forged = url.replace("X-Amz-Security-Token=", "X-Amz-Security-Token=AB", 1)
    status, body = fetch(forged)
    assert status in (400, 403) and b"<Code>" in body

    role_name = session.sts.get_caller_identity()["Arn"].split("/")[1]
    kit.root.iam.delete_role_policy(RoleName=role_name, PolicyName="inline")
    status, body = fetch(url)
    assert status == 403
    assert b"<Code>AccessDenied</Code>" in body


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_new_default_versions_of_managed_policies_apply_at_once(kit: Kit) -> None:
    """A role's managed policy, a managed session policy and a boundary all follow SetAsDefault at once."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user()
    role_policy = kit.managed_policy(allow("s3:GetObject"))
    role = kit.role(trust(user.arn), managed=(role_policy,))
    session, _ = assume(user.creds, role.arn)
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    iam = kit.root.iam
    iam.create_policy_version(PolicyArn=role_policy, PolicyDocument=doc(allow("s3:PutObject")), SetAsDefault=True)
    assert error_of(session.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"
    iam.set_default_policy_version(PolicyArn=role_policy, VersionId="v1")
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"

    session_policy = kit.managed_policy(allow("s3:GetObject"))
    capped, _ = assume(user.creds, role.arn, "capped", PolicyArns=[{"arn": session_policy}])
    assert capped.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    iam.create_policy_version(PolicyArn=session_policy, PolicyDocument=doc(allow("s3:PutObject")), SetAsDefault=True)
    error = error_of(capped.s3.get_object, Bucket=bucket, Key="k")
    assert error.message.endswith("because no session policy allows the s3:GetObject action")

    boundary = kit.managed_policy(allow("s3:GetObject"))
    bounded = kit.user(allow("s3:*"), boundary=boundary)
    assert bounded.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    iam.create_policy_version(PolicyArn=boundary, PolicyDocument=doc(allow("s3:PutObject")), SetAsDefault=True)
    error = error_of(bounded.creds.s3.get_object, Bucket=bucket, Key="k")
    assert error.message.endswith("because no permissions boundary allows the s3:GetObject action")


def test_unsigned_sts_and_iam_requests_are_missing_authentication(kit: Kit) -> None:
    """Signed-only actions sent unsigned: MissingAuthenticationToken 403 "Request is missing Authentication
    Token" (STS API Reference, "Common Errors", MissingAuthenticationToken) -- GetCallerIdentity included."""
    for service, call, args in (
        ("sts", "get_caller_identity", {}),
        ("sts", "assume_role", {"RoleArn": f"arn:aws:iam::{kit.account}:role/any-role", "RoleSessionName": "s1"}),
        ("iam", "list_users", {}),
    ):
        client = kit.root.client(service, signature_version=botocore.UNSIGNED)
        error = error_of(getattr(client, call), **args)
        assert (error.code, error.status, error.message) == (
            "MissingAuthenticationToken",
            403,
            "Request is missing Authentication Token",
        ), call
