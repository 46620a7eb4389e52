"""Evaluation on real requests: explicit deny wins, NotAction / NotResource, wildcards, groups, the exact
AccessDenied texts, and GetCallerIdentity that nothing can deny.

Sources: IAM User Guide reference_policies_evaluation-logic (explicit deny overrides any allow),
reference_policies_elements_notaction / _notresource / _action (wildcards, case-insensitive actions),
troubleshoot_access-denied (message texts, https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html),
the AWS Security Blog post "Enhanced access denied error messages with policy ARNs" (": <policy-arn>" after an
explicit deny for same-account requests, https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns/),
public AWS output (IAM writes "on resource: user NAME"), STS API Reference GetCallerIdentity ("No
permissions are required to perform this operation. If an administrator attaches a policy to your identity
that explicitly denies access to the sts:GetCallerIdentity action, you can still perform this operation").
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
    Creds,
    Kit,
    allow,
    assume,
    because_no,
    denied_message,
    deny,
    doc,
    error_of,
    explicit_deny,
    session_creds,
    trust,
)
from tests.support import Server


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def quoted(bucket: str, key: str | None = None) -> str:
    return f'"arn:aws:s3:::{bucket}/{key}"' if key is not None else f'"arn:aws:s3:::{bucket}"'


# --- explicit deny -------------------------------------------------------------------------------


def test_explicit_deny_in_an_inline_policy_beats_allow(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("s3:*"), deny("s3:Delete*"))
    user.creds.s3.put_object(Bucket=bucket, Key="k2", Body=b"x")
    error = error_of(user.creds.s3.delete_object, Bucket=bucket, Key="k2")
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == denied_message(
        user.arn, "s3:DeleteObject", quoted(bucket, "k2"), explicit_deny("identity-based policy")
    )


def test_explicit_deny_in_a_managed_policy_names_its_arn(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    denying = kit.managed_policy(deny("s3:GetObject", f"arn:aws:s3:::{bucket}/*"))
    user = kit.user(allow("s3:*"), managed=(denying,))
    error = error_of(user.creds.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        user.arn, "s3:GetObject", quoted(bucket, "k"), explicit_deny("identity-based policy", denying)
    )


def test_group_policies_apply_to_members(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    group = kit.unique_name("group")
    kit.root.iam.create_group(GroupName=group)
    kit.root.iam.put_group_policy(GroupName=group, PolicyName="read", PolicyDocument=doc(allow("s3:GetObject")))
    denying = kit.managed_policy(deny("s3:PutObject"))
    kit.root.iam.attach_group_policy(GroupName=group, PolicyArn=denying)
    user = kit.user(allow("s3:PutObject"))
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"
    user.creds.s3.put_object(Bucket=bucket, Key="before", Body=b"x")

    kit.root.iam.add_user_to_group(GroupName=group, UserName=user.name)
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(user.creds.s3.put_object, Bucket=bucket, Key="after", Body=b"x")
    assert error.message == denied_message(
        user.arn, "s3:PutObject", quoted(bucket, "after"), explicit_deny("identity-based policy", denying)
    )
    kit.root.iam.remove_user_from_group(GroupName=group, UserName=user.name)
    # A fresh client: see test_denied_upload_leaves_the_connection_usable for why not the same one.
    fresh = Creds(kit.server, user.creds.access_key_id, user.creds.secret_access_key)
    fresh.s3.put_object(Bucket=bucket, Key="after", Body=b"x")


def test_denied_upload_leaves_the_connection_usable(kit: Kit) -> None:
    """After a denied PutObject the same client's next request must succeed.

    RFC 9110 §10.1.1 (Expect): "A server that responds with a final status code before reading the entire
    request content SHOULD indicate whether it intends to close the connection ... or continue reading and
    discarding the request content." botocore sends `Expect: 100-continue` on PutObject and, on a final
    status instead of 100, does not send the body (botocore.awsrequest.AWSConnection). Left unhandled, the
    next request on the keep-alive connection is read as the rest of the body and answered 400 Bad Request.
    """
    bucket = kit.bucket()
    user = kit.user(allow("s3:PutObject", f"arn:aws:s3:::{bucket}/ok/*"))
    s3 = user.creds.s3
    s3.put_object(Bucket=bucket, Key="ok/1", Body=b"x")
    assert error_of(s3.put_object, Bucket=bucket, Key="denied", Body=b"x").code == "AccessDenied"
    s3.put_object(Bucket=bucket, Key="ok/2", Body=b"x")


def test_bucket_policy_deny_beats_identity_allow_and_identity_deny_beats_bucket_allow(kit: Kit) -> None:
    bucket = kit.unique_name("bkt")
    allowed_user = kit.user(allow("s3:*"))
    denied_user = kit.user(deny("s3:GetObject"))
    kit.bucket(
        doc(
            deny("s3:DeleteObject", f"arn:aws:s3:::{bucket}/*", Principal="*"),
            allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*", Principal={"AWS": denied_user.arn}),
        ),
        objects={"k": b"v"},
        name=bucket,
    )
    error = error_of(allowed_user.creds.s3.delete_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        allowed_user.arn, "s3:DeleteObject", quoted(bucket, "k"), explicit_deny("resource-based policy")
    )
    error = error_of(denied_user.creds.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        denied_user.arn, "s3:GetObject", quoted(bucket, "k"), explicit_deny("identity-based policy")
    )


def test_explicit_deny_in_a_role_policy_denies_its_sessions(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user, role = kit.user_with_role(allow("s3:*"), deny("s3:GetObject", f"arn:aws:s3:::{bucket}/k"))
    session, _ = assume(user.creds, role.arn, "denied")
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert error.message == denied_message(
        f"arn:aws:sts::{kit.account}:assumed-role/{role.name}/denied",
        "s3:GetObject",
        quoted(bucket, "k"),
        explicit_deny("identity-based policy"),
    )


# --- NotAction, NotResource, wildcards -------------------------------------------------------------


def test_allow_with_not_action(kit: Kit) -> None:
    """Allow + NotAction is a broad grant of everything not listed (reference_policies_elements_notaction)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow(["iam:*", "s3:DeleteObject"], not_action=True))
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(user.creds.s3.delete_object, Bucket=bucket, Key="k").code == "AccessDenied"
    error = error_of(user.creds.iam.get_user)
    assert error.code == "AccessDenied"
    assert error.message.startswith(f"User: {user.arn} is not authorized to perform: iam:GetUser")


def test_deny_with_not_action_denies_everything_else(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("s3:*"), deny("s3:GetObject", not_action=True))
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    error = error_of(user.creds.s3.list_objects_v2, Bucket=bucket)
    assert error.message == denied_message(
        user.arn, "s3:ListBucket", quoted(bucket), explicit_deny("identity-based policy")
    )


def test_not_resource(kit: Kit) -> None:
    bucket = kit.bucket(objects={"public/k": b"p", "secret/k": b"s"})
    user = kit.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/secret/*", not_resource=True))
    assert user.creds.s3.get_object(Bucket=bucket, Key="public/k")["Body"].read() == b"p"
    error = error_of(user.creds.s3.get_object, Bucket=bucket, Key="secret/k")
    assert error.message == denied_message(
        user.arn, "s3:GetObject", quoted(bucket, "secret/k"), because_no("identity-based policy", "s3:GetObject")
    )
    guarded = kit.user(allow("s3:*"), deny("s3:*", f"arn:aws:s3:::{bucket}/public/*", not_resource=True))
    assert guarded.creds.s3.get_object(Bucket=bucket, Key="public/k")["Body"].read() == b"p"
    assert error_of(guarded.creds.s3.get_object, Bucket=bucket, Key="secret/k").code == "AccessDenied"


def test_wildcards_in_actions_and_resources(kit: Kit) -> None:
    """`*` and `?` in actions (case-insensitive) and resources (case-sensitive)."""
    bucket = kit.bucket(objects={"log-1.txt": b"1", "log-10.txt": b"10", "LOG-2.txt": b"2"})
    user = kit.user(
        allow("S3:get*OBJECT", f"arn:aws:s3:::{bucket}/log-?.txt"),
        allow("s3:*Object", f"arn:aws:s3:::{bucket}/up/*"),
    )
    s3 = user.creds.s3
    assert s3.get_object(Bucket=bucket, Key="log-1.txt")["Body"].read() == b"1"
    for key in ("log-10.txt", "LOG-2.txt"):
        assert error_of(s3.get_object, Bucket=bucket, Key=key).code == "AccessDenied", key
    s3.put_object(Bucket=bucket, Key="up/a", Body=b"a")
    s3.delete_object(Bucket=bucket, Key="up/a")
    assert error_of(s3.list_objects_v2, Bucket=bucket, Prefix="up/").code == "AccessDenied"


# --- message texts -------------------------------------------------------------------------------


def test_iam_denials_name_the_user_resource(kit: Kit) -> None:
    """ "... is not authorized to perform: iam:CreateAccessKey on resource: user alice ..." (seen in public AWS
    output)."""
    target = kit.user()
    caller = kit.user()
    error = error_of(caller.creds.iam.create_access_key, UserName=target.name)
    assert (error.code, error.status) == ("AccessDenied", 403)
    assert error.message == denied_message(
        caller.arn,
        "iam:CreateAccessKey",
        f"user {target.name}",
        because_no("identity-based policy", "iam:CreateAccessKey"),
    )
    denier = kit.user(allow("iam:*"), deny("iam:CreateAccessKey"))
    error = error_of(denier.creds.iam.create_access_key, UserName=target.name)
    assert error.message == denied_message(
        denier.arn, "iam:CreateAccessKey", f"user {target.name}", explicit_deny("identity-based policy")
    )


def test_s3_denial_for_a_bucket_and_for_list_all_my_buckets(kit: Kit) -> None:
    bucket = kit.bucket()
    user = kit.user()
    error = error_of(user.creds.s3.list_objects_v2, Bucket=bucket)
    assert error.message == denied_message(
        user.arn, "s3:ListBucket", quoted(bucket), because_no("identity-based policy", "s3:ListBucket")
    )
    # An action on no particular resource has no "on resource" part.
    error = error_of(user.creds.s3.list_buckets)
    assert error.message == denied_message(
        user.arn, "s3:ListAllMyBuckets", None, because_no("identity-based policy", "s3:ListAllMyBuckets")
    )


# --- GetCallerIdentity -----------------------------------------------------------------------------


def test_get_caller_identity_cannot_be_denied(kit: Kit) -> None:
    deny_all = deny("*")
    user = kit.user(deny_all, deny("sts:GetCallerIdentity"))
    assert user.creds.sts.get_caller_identity()["Arn"] == user.arn

    bounded = kit.user(allow("*"), boundary=kit.managed_policy(deny("*")))
    assert bounded.creds.sts.get_caller_identity()["Arn"] == bounded.arn

    assuming = kit.user()
    role = kit.role(trust(assuming.arn), policy=[deny_all])
    session, _ = assume(assuming.creds, role.arn, "deny-all", Policy=doc(deny("*")))
    assert session.sts.get_caller_identity()["Arn"].endswith(f"assumed-role/{role.name}/deny-all")

    federating = kit.user(allow("sts:GetFederationToken"), deny("sts:GetCallerIdentity"))
    federated = session_creds(kit.server, federating.creds.sts.get_federation_token(Name="fed-gci"))
    assert federated.sts.get_caller_identity()["Arn"].endswith(":federated-user/fed-gci")


def test_denied_head_object_is_a_bare_403(kit: Kit) -> None:
    """HEAD responses carry no body, so the SDK sees only the status (Amazon S3 API Reference, HeadObject)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user()
    error = error_of(user.creds.s3.head_object, Bucket=bucket, Key="k")
    assert (error.code, error.status) == ("403", 403)


def test_single_statement_object_and_string_elements(kit: Kit) -> None:
    """Statement, Action and Resource may each be a single value instead of a list (reference_policies_grammar)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user()
    kit.root.iam.put_user_policy(
        UserName=user.name,
        PolicyName="single",
        PolicyDocument='{"Version":"2012-10-17","Statement":{"Sid":"One","Effect":"Allow","Action":"s3:GetObject",'
        f'"Resource":"arn:aws:s3:::{bucket}/k"}}}}',
    )
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
