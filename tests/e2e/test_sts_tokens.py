"""GetSessionToken, GetFederationToken and GetAccessKeyInfo end to end.

Sources:
- STS API Reference: GetSessionToken (DurationSeconds: users 900-129,600 s, 43,200 by default; root at
  most 3,600, "If the duration is longer than one hour, the session for AWS account owners defaults to one
  hour"), GetFederationToken (FederatedUser, PackedPolicySize), GetAccessKeyInfo, GetCallerIdentity examples
  ("To get details about a calling user federated with GetFederationToken": UserId ACCT:NAME).
- IAM User Guide id_credentials_temp_request, "Compare AWS STS credentials": GetSessionToken credentials
  "cannot call IAM API operations unless MFA information is included" and no STS operation "except
  AssumeRole or GetCallerIdentity"; GetFederationToken credentials cannot call IAM operations and no STS
  operation except GetCallerIdentity; AssumeRole credentials cannot call GetFederationToken or
  GetSessionToken.
- IAM User Guide id_credentials_temp_control-access_getfederationtoken: the federated session's permissions
  are the user's identity policies ∩ the session policies; no session policy means no permissions, except
  what a resource-based policy naming the federated user grants.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
    Creds,
    Kit,
    allow,
    assert_expires_in,
    assume,
    because_no,
    denied_message,
    deny,
    doc,
    error_of,
    session_creds,
    trust,
)
from tests.support import Server

INVALID_TOKEN = "The security token included in the request is invalid."


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


# --- GetSessionToken ---------------------------------------------------------------------------------


def test_get_session_token_for_a_user(kit: Kit) -> None:
    """Default 43,200 s; the credentials act as the user: same identity, same S3 permissions."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    before = time.time()
    response = user.creds.sts.get_session_token()
    after = time.time()
    creds = response["Credentials"]
    assert re.fullmatch(r"ASIA[A-Z0-9]{16}", creds["AccessKeyId"])
    assert len(creds["SecretAccessKey"]) == 40
    assert_expires_in(creds["Expiration"], 43200, before, after)
    temporary = session_creds(kit.server, response)

    identity = temporary.sts.get_caller_identity()
    assert (identity["UserId"], identity["Account"], identity["Arn"]) == (user.user_id, kit.account, user.arn)
    assert temporary.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(temporary.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        user.arn, "s3:PutObject", f'"arn:aws:s3:::{bucket}/k2"', because_no("identity-based policy", "s3:PutObject")
    )


def test_get_session_token_duration(kit: Kit) -> None:
    user = kit.user()
    before = time.time()
    response = user.creds.sts.get_session_token(DurationSeconds=900)
    assert_expires_in(response["Credentials"]["Expiration"], 900, before, time.time())
    before = time.time()
    response = user.creds.sts.get_session_token(DurationSeconds=129600)
    assert_expires_in(response["Credentials"]["Expiration"], 129600, before, time.time())


def test_get_session_token_for_root_lasts_at_most_one_hour(kit: Kit) -> None:
    before = time.time()
    response = kit.root.sts.get_session_token(DurationSeconds=7200)
    assert_expires_in(response["Credentials"]["Expiration"], 3600, before, time.time())
    identity = session_creds(kit.server, response).sts.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:iam::{kit.account}:root"


def test_get_session_token_needs_no_permission_and_cannot_be_denied(kit: Kit) -> None:
    """STS API Reference, GetSessionToken: "No permissions are required for users to perform this operation
    ... You cannot use policies to control authentication operations."
    """
    for user in (kit.user(), kit.user(deny("*")), kit.user(boundary=kit.managed_policy(deny("*")))):
        temporary = session_creds(kit.server, user.creds.sts.get_session_token())
        assert temporary.sts.get_caller_identity()["Arn"] == user.arn


def test_get_session_token_credentials_cannot_call_iam_without_mfa(kit: Kit) -> None:
    """IAM answers InvalidClientTokenId to GetSessionToken credentials minted without MFA.

    IAM User Guide, "Compare AWS STS credentials".
    """
    user = kit.user(allow("iam:*"))
    assert user.creds.iam.get_user()["User"]["Arn"] == user.arn
    temporary = session_creds(kit.server, user.creds.sts.get_session_token())
    for call in (temporary.iam.get_user, temporary.iam.list_users):
        error = error_of(call)
        assert (error.code, error.status, error.message) == ("InvalidClientTokenId", 403, INVALID_TOKEN)


def test_get_session_token_credentials_may_call_only_assume_role_and_get_caller_identity(kit: Kit) -> None:
    user = kit.user(allow("sts:*"))
    temporary = session_creds(kit.server, user.creds.sts.get_session_token())
    assert error_of(temporary.sts.get_session_token).code == "AccessDenied"
    assert error_of(temporary.sts.get_federation_token, Name="fed-user").code == "AccessDenied"
    role = kit.role(trust(user.arn))
    session, _ = assume(temporary, role.arn, "from-gst")
    assert session.sts.get_caller_identity()["Arn"].endswith(f"assumed-role/{role.name}/from-gst")


def test_role_sessions_cannot_call_get_session_token_or_get_federation_token(kit: Kit) -> None:
    user, role = kit.user_with_role(allow("sts:*"))
    session, _ = assume(user.creds, role.arn)
    assert error_of(session.sts.get_session_token).code == "AccessDenied"
    assert error_of(session.sts.get_federation_token, Name="fed-user").code == "AccessDenied"


# --- GetFederationToken ------------------------------------------------------------------------------


def federate(user_creds: Creds, name: str, **kwargs: object) -> tuple[Creds, dict[str, object]]:
    response = user_creds.sts.get_federation_token(Name=name, **kwargs)
    return session_creds(user_creds.server, response), response


def test_get_federation_token_needs_permission(kit: Kit) -> None:
    user = kit.user()
    error = error_of(user.creds.sts.get_federation_token, Name="fed-user", Policy=doc(allow("s3:*")))
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message.startswith(f"User: {user.arn} is not authorized to perform: sts:GetFederationToken")


def test_federated_user_identity_and_no_policy_means_no_permissions(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("sts:GetFederationToken"), allow("s3:*"))
    name = "fed-" + kit.unique_name("x")[-8:]
    before = time.time()
    federated, response = federate(user.creds, name)
    credentials = response["Credentials"]
    assert isinstance(credentials, dict)
    assert_expires_in(credentials["Expiration"], 43200, before, time.time())
    assert response["FederatedUser"] == {
        "FederatedUserId": f"{kit.account}:{name}",
        "Arn": f"arn:aws:sts::{kit.account}:federated-user/{name}",
    }
    identity = federated.sts.get_caller_identity()
    assert identity["Arn"] == f"arn:aws:sts::{kit.account}:federated-user/{name}"
    assert identity["UserId"] == f"{kit.account}:{name}"

    for call, args in ((federated.s3.list_buckets, {}), (federated.s3.get_object, {"Bucket": bucket, "Key": "k"})):
        error = error_of(call, **args)
        assert error.code == "AccessDenied"
        assert error.message.startswith(
            f"User: arn:aws:sts::{kit.account}:federated-user/{name} is not authorized to perform: s3:"
        )


def test_federated_user_permissions_are_the_users_intersected_with_the_session_policy(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(
        allow("sts:GetFederationToken"),
        allow("s3:ListAllMyBuckets"),
        allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"),
    )
    wide, response = federate(user.creds, "fed-wide", Policy=doc(allow("s3:*")))
    assert isinstance(response["PackedPolicySize"], int)
    fed_arn = f"arn:aws:sts::{kit.account}:federated-user/fed-wide"
    assert bucket in [b["Name"] for b in wide.s3.list_buckets()["Buckets"]]
    assert wide.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(wide.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        fed_arn, "s3:PutObject", f'"arn:aws:s3:::{bucket}/k2"', because_no("identity-based policy", "s3:PutObject")
    )

    narrow, _ = federate(user.creds, "fed-narrow", Policy=doc(allow("s3:ListAllMyBuckets")))
    assert narrow.s3.list_buckets()["Buckets"]
    error = error_of(narrow.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:federated-user/fed-narrow",
        "s3:GetObject",
        f'"arn:aws:s3:::{bucket}/k"',
        because_no("session policy", "s3:GetObject"),
    )


def test_federated_user_with_managed_session_policy(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("sts:GetFederationToken"), allow("s3:*"))
    getter = kit.managed_policy(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    federated, _ = federate(user.creds, "fed-arns", PolicyArns=[{"arn": getter}])
    assert federated.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(federated.s3.delete_object, Bucket=bucket, Key="k").code == "AccessDenied"


def test_bucket_policy_naming_the_federated_user_grants_without_a_session_policy(kit: Kit) -> None:
    """A resource-based policy that names the federated-user ARN grants access even with no session policy."""
    name = "fed-" + kit.unique_name("r")[-8:]
    fed_arn = f"arn:aws:sts::{kit.account}:federated-user/{name}"
    bucket = kit.unique_name("bkt")
    policy = doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*", Principal={"AWS": fed_arn}))
    kit.bucket(policy, objects={"k": b"v"}, name=bucket)
    user = kit.user(allow("sts:GetFederationToken"))
    federated, _ = federate(user.creds, name)
    assert federated.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(federated.s3.put_object, Bucket=bucket, Key="k2", Body=b"x").code == "AccessDenied"


def test_federated_credentials_may_call_only_get_caller_identity(kit: Kit) -> None:
    user = kit.user(allow("sts:*"), allow("iam:*"))
    federated, _ = federate(user.creds, "fed-limits", Policy=doc(allow("*")))
    role = kit.role(trust(f"arn:aws:iam::{kit.account}:root"))
    assert federated.sts.get_caller_identity()["Arn"].endswith(":federated-user/fed-limits")
    assert error_of(federated.sts.get_session_token).code == "AccessDenied"
    assert error_of(federated.sts.get_federation_token, Name="fed-again").code == "AccessDenied"
    assert error_of(federated.sts.assume_role, RoleArn=role.arn, RoleSessionName="fed").code == "AccessDenied"
    error = error_of(federated.iam.list_users)
    assert (error.code, error.status, error.message) == ("InvalidClientTokenId", 403, INVALID_TOKEN)


def test_malformed_federation_session_policy(kit: Kit) -> None:
    user = kit.user(allow("sts:GetFederationToken"))
    error = error_of(user.creds.sts.get_federation_token, Name="fed-bad", Policy='{"Statement": [}')
    assert (error.code, error.status) == ("MalformedPolicyDocument", 400)


# --- GetAccessKeyInfo --------------------------------------------------------------------------------


def test_get_access_key_info_for_long_term_and_temporary_keys(kit: Kit) -> None:
    user, role = kit.user_with_role()
    session, response = assume(user.creds, role.arn)
    temporary_key = response["Credentials"]["AccessKeyId"]
    assert temporary_key.startswith("ASIA")
    assert user.access_key_id.startswith("AKIA")
    sts = kit.root.sts
    assert sts.get_access_key_info(AccessKeyId=user.access_key_id)["Account"] == kit.account
    assert sts.get_access_key_info(AccessKeyId=temporary_key)["Account"] == kit.account
    assert sts.get_access_key_info(AccessKeyId=kit.root.access_key_id)["Account"] == kit.account
    del session


def test_get_federation_token_for_root_lasts_at_most_one_hour(kit: Kit) -> None:
    """STS API Reference, GetFederationToken, DurationSeconds: "Sessions obtained using root user credentials
    are restricted to a maximum of 3,600 seconds (one hour)"."""
    before = time.time()
    response = kit.root.sts.get_federation_token(Name="root-fed", DurationSeconds=7200, Policy=doc(allow("s3:*")))
    assert_expires_in(response["Credentials"]["Expiration"], 3600, before, time.time())
    assert response["FederatedUser"]["Arn"] == f"arn:aws:sts::{kit.account}:federated-user/root-fed"


def test_root_federated_user_has_the_session_policys_permissions(kit: Kit) -> None:
    """Root may call GetFederationToken ("Although it is possible to call GetFederationToken using the security
    credentials of an AWS account root user ... we do not recommend it", STS API Reference). The federated
    session's permissions are the caller's permissions ∩ the session policy (IAM User Guide
    id_credentials_temp_control-access_getfederationtoken), and the root user "has full access"
    (reference_policies_evaluation-logic_policy-eval-denyallow), whose GetFederationToken credentials cannot be
    restricted by IAM policies ("you cannot change the permissions for the temporary security credentials that were
    created by calling GetFederationToken or GetSessionToken while signed in as the root user", IAM User Guide,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_control-access_disable-perms.html).
    So the session policy alone decides.
    """
    bucket = kit.bucket(objects={"k": b"v"})
    federated = session_creds(
        kit.server,
        kit.root.sts.get_federation_token(
            Name="root-reader", Policy=doc(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
        ),
    )
    assert federated.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(federated.s3.put_object, Bucket=bucket, Key="k2", Body=b"x")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:federated-user/root-reader",
        "s3:PutObject",
        f'"arn:aws:s3:::{bucket}/k2"',
        because_no("session policy", "s3:PutObject"),
    )
