"""Review: temporary credentials after the principal behind them changed, and what the STS calls accept.

Findings (xfail strict) and the checks that held (plain tests).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from ostiary.bootstrap import open_store
from ostiary.revocation import revoke_role_sessions
from tests.review.test_review_helpers import (
    Creds,
    Review,
    allow,
    bucket_policy,
    credentials,
    put_policy,
    running,
    s3_code,
    trust,
)
from tests.support import ROOT_ACCOUNT, find, settings_from

ACCOUNT_ROOT = f"arn:aws:iam::{ROOT_ACCOUNT}:root"
OTHER_ACCOUNT = "111122223333"
BUCKET = "review-bucket"


@pytest.fixture
def review(tmp_path: Path) -> Iterator[Review]:
    yield from running(tmp_path)


def _bucket(review: Review) -> None:
    assert review.s3("PUT", f"/{BUCKET}").status == 200
    assert review.s3("PUT", f"/{BUCKET}/data", body=b"payroll").status == 200


def _delete_user(review: Review, name: str, creds: Creds, *inline: str) -> None:
    review.ok("iam", "DeleteAccessKey", UserName=name, AccessKeyId=creds.key)
    for policy in inline:
        review.ok("iam", "DeleteUserPolicy", UserName=name, PolicyName=policy)
    review.ok("iam", "DeleteUser", UserName=name)


# --- findings ---------------------------------------------------------------------------------


def test_sessions_of_a_deleted_role_stop_working(review: Review) -> None:
    _bucket(review)
    alice = review.user("alice", allow("sts:AssumeRole"))
    role_arn = review.role("app", trust({"AWS": ACCOUNT_ROOT}), allow("s3:*"))
    session = review.assume(role_arn, alice, name="job")
    session_arn = f"arn:aws:sts::{ROOT_ACCOUNT}:assumed-role/app/job"
    put_policy(review, BUCKET, bucket_policy(BUCKET, {"AWS": session_arn}, "s3:GetObject"))
    assert s3_code(review.s3_as(session, "GET", f"/{BUCKET}/data")) == "OK"

    review.ok("iam", "DeleteRolePolicy", RoleName="app", PolicyName="p0")
    review.ok("iam", "DeleteRole", RoleName="app")

    # docs/design.md, "The request path": deleting a role makes its sessions fail authorization.
    assert s3_code(review.s3_as(session, "GET", f"/{BUCKET}/data")) != "OK"


def test_session_token_of_a_deleted_user_stops_working(review: Review) -> None:
    _bucket(review)
    bob = review.user("bob")
    session = review.session_token(bob)
    put_policy(review, BUCKET, bucket_policy(BUCKET, {"AWS": f"arn:aws:iam::{ROOT_ACCOUNT}:user/bob"}, "s3:GetObject"))
    assert s3_code(review.s3_as(session, "GET", f"/{BUCKET}/data")) == "OK"

    _delete_user(review, "bob", bob)

    assert s3_code(review.s3_as(session, "GET", f"/{BUCKET}/data")) != "OK"
    # "After temporary security credentials have been issued, they are valid through the expiration period
    # and cannot be revoked ... the effective permissions are evaluated when a request is made" (IAM User
    # Guide, id_credentials_temp_control-access): the session still authenticates, it may do nothing.
    assert review.code("sts", "GetCallerIdentity", session) == "OK"


def test_federation_token_of_a_deleted_user_stops_working(review: Review) -> None:
    _bucket(review)
    carol = review.user("carol", allow("sts:GetFederationToken", "s3:GetObject"))
    federated = review.federation_token(carol, "contractor", Policy=allow("s3:*"))
    grant = {"AWS": f"arn:aws:sts::{ROOT_ACCOUNT}:federated-user/contractor"}
    put_policy(review, BUCKET, bucket_policy(BUCKET, grant, "s3:GetObject"))
    assert s3_code(review.s3_as(federated, "GET", f"/{BUCKET}/data")) == "OK"

    _delete_user(review, "carol", carol, "p0")

    assert s3_code(review.s3_as(federated, "GET", f"/{BUCKET}/data")) != "OK"


def test_session_policy_arns_of_another_account_are_refused(review: Review) -> None:
    other = review.account(OTHER_ACCOUNT)
    review.ok("iam", "CreatePolicy", other, PolicyName="tenant-private", PolicyDocument=allow("s3:ListBucket"))
    alice = review.user("alice", allow("sts:AssumeRole"))
    role_arn = review.role("app", trust({"AWS": ACCOUNT_ROOT}), allow("s3:*"))
    foreign = f"arn:aws:iam::{OTHER_ACCOUNT}:policy/tenant-private"
    status, _ = review.call(
        "sts", "AssumeRole", alice, RoleArn=role_arn, RoleSessionName="probe", **{"PolicyArns.member.1.arn": foreign}
    )
    assert status != 200, "a session capped by another account's policy was minted"


@pytest.mark.parametrize("key", ["aws:ResourceTag/env", "iam:ResourceTag/env"])
def test_assume_role_deny_on_role_tag_applies(review: Review, key: str) -> None:
    guardrail = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "sts:AssumeRole",
                    "Resource": "*",
                    "Condition": {"StringEquals": {key: "prod"}},
                },
            ],
        }
    )
    alice = review.user("alice", guardrail)
    review.ok(
        "iam",
        "CreateRole",
        RoleName="prod-admin",
        AssumeRolePolicyDocument=trust({"AWS": ACCOUNT_ROOT}),
        **{"Tags.member.1.Key": "env", "Tags.member.1.Value": "prod"},
    )
    role_arn = f"arn:aws:iam::{ROOT_ACCOUNT}:role/prod-admin"
    assert review.code("sts", "AssumeRole", alice, RoleArn=role_arn, RoleSessionName="s1") == "AccessDenied"


def test_iam_resource_tag_key_is_supplied(review: Review) -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": "iam:GetRole", "Resource": "*"},
                {
                    "Effect": "Deny",
                    "Action": "iam:GetRole",
                    "Resource": "*",
                    "Condition": {"StringEquals": {"iam:ResourceTag/env": "prod"}},
                },
            ],
        }
    )
    carol = review.user("carol", policy)
    review.ok(
        "iam",
        "CreateRole",
        RoleName="prod-admin",
        AssumeRolePolicyDocument=trust({"AWS": ACCOUNT_ROOT}),
        **{"Tags.member.1.Key": "env", "Tags.member.1.Value": "prod"},
    )
    assert review.code("iam", "GetRole", carol, RoleName="prod-admin") == "AccessDenied"


# --- what held ----------------------------------------------------------------------------------


def test_changes_apply_on_the_next_request_in_process(review: Review) -> None:
    """Deactivated keys, detached policies, new policy versions and revocations apply at once."""
    _bucket(review)
    created = review.ok("iam", "CreatePolicy", PolicyName="reader", PolicyDocument=allow("s3:GetObject"))
    policy_arn = str(find(created, "CreatePolicyResult/Policy/Arn"))
    dave = review.user("dave", allow("sts:AssumeRole"))
    review.ok("iam", "AttachUserPolicy", UserName="dave", PolicyArn=policy_arn)
    assert s3_code(review.s3_as(dave, "GET", f"/{BUCKET}/data")) == "OK"

    review.ok(
        "iam", "CreatePolicyVersion", PolicyArn=policy_arn, PolicyDocument=allow("s3:PutObject"), SetAsDefault="true"
    )
    assert s3_code(review.s3_as(dave, "GET", f"/{BUCKET}/data")) == "AccessDenied"
    review.ok("iam", "SetDefaultPolicyVersion", PolicyArn=policy_arn, VersionId="v1")
    assert s3_code(review.s3_as(dave, "GET", f"/{BUCKET}/data")) == "OK"
    review.ok("iam", "DetachUserPolicy", UserName="dave", PolicyArn=policy_arn)
    assert s3_code(review.s3_as(dave, "GET", f"/{BUCKET}/data")) == "AccessDenied"

    review.ok("iam", "UpdateAccessKey", UserName="dave", AccessKeyId=dave.key, Status="Inactive")
    assert s3_code(review.s3_as(dave, "GET", "/")) == "InvalidAccessKeyId"
    assert review.code("sts", "GetCallerIdentity", dave) == "InvalidClientTokenId"
    review.ok("iam", "UpdateAccessKey", UserName="dave", AccessKeyId=dave.key, Status="Active")
    assert review.code("sts", "GetCallerIdentity", dave) == "OK"

    role_arn = review.role("app", trust({"AWS": ACCOUNT_ROOT}), allow("s3:GetObject"))
    old = review.assume(role_arn, dave, name="old")
    assert s3_code(review.s3_as(old, "GET", f"/{BUCKET}/data")) == "OK"
    review.now = review.now.replace(second=30)
    revoke_role_sessions(review.store, ROOT_ACCOUNT, "app", review.now)
    assert s3_code(review.s3_as(old, "GET", f"/{BUCKET}/data")) == "AccessDenied"
    review.now = review.now.replace(second=31)
    new = review.assume(role_arn, dave, name="new")
    assert s3_code(review.s3_as(new, "GET", f"/{BUCKET}/data")) == "OK"


def test_writes_from_another_process_apply_after_poll_changes(review: Review) -> None:
    """What `ostiary roles revoke-sessions` or another node writes reaches this node's caches on its next poll."""
    _bucket(review)
    erin = review.user("erin", allow("s3:GetObject", "sts:AssumeRole"))
    role_arn = review.role("app", trust({"AWS": ACCOUNT_ROOT}), allow("s3:GetObject"))
    session = review.assume(role_arn, erin)
    review.store.poll_changes()  # the server's watcher does this at start
    assert s3_code(review.s3_as(erin, "GET", f"/{BUCKET}/data")) == "OK"
    assert s3_code(review.s3_as(session, "GET", f"/{BUCKET}/data")) == "OK"

    other = open_store(review.store.data_dir, None, settings_from({"OSTIARY_ACCOUNT_ID": ROOT_ACCOUNT}), os.urandom)
    try:
        from ostiary.model import KeyStatus
        from ostiary.store.principals import set_access_key_status

        with other.write() as conn:
            set_access_key_status(conn, erin.key, KeyStatus.INACTIVE)
        review.now = review.now.replace(second=30)
        revoke_role_sessions(other, ROOT_ACCOUNT, "app", review.now)
    finally:
        other.close()
    assert review.store.poll_changes()
    assert s3_code(review.s3_as(erin, "GET", f"/{BUCKET}/data")) == "InvalidAccessKeyId"
    assert s3_code(review.s3_as(session, "GET", f"/{BUCKET}/data")) == "AccessDenied"


def test_session_tokens_cannot_be_swapped_forged_or_reused_across_accounts(review: Review) -> None:
    other = review.account(OTHER_ACCOUNT)
    mine = review.session_token(review.user("frank"))
    theirs = review.session_token(review.user("gina", creds=other))
    # A token only opens for the access key ID it was sealed for.
    swapped = Creds(mine.key, mine.secret, theirs.token)
    assert review.code("sts", "GetCallerIdentity", swapped) == "InvalidClientTokenId"
    assert review.code("sts", "GetCallerIdentity", Creds(mine.key, mine.secret)) == "InvalidClientTokenId"
    assert mine.token is not None
    flipped = mine.token[:40] + ("A" if mine.token[40] != "A" else "B") + mine.token[41:]
    assert review.code("sts", "GetCallerIdentity", Creds(mine.key, mine.secret, flipped)) == "InvalidClientTokenId"
    # A long-term key with a token, or a secret from another session, is refused.
    assert (
        review.code("sts", "GetCallerIdentity", Creds(other.key, other.secret, theirs.token)) == "InvalidClientTokenId"
    )
    assert (
        review.code("sts", "GetCallerIdentity", Creds(mine.key, theirs.secret, mine.token)) == "SignatureDoesNotMatch"
    )
    assert review.code("sts", "GetCallerIdentity", theirs) == "OK"
    # Session credentials cannot mint more of their kind, nor reach IAM.
    assert review.code("sts", "GetSessionToken", mine) == "AccessDenied"
    assert review.code("iam", "ListUsers", mine) == "InvalidClientTokenId"


def test_sessions_outlive_a_key_rotation_and_die_at_expiry(review: Review) -> None:
    import datetime as dt

    henry = review.user("henry")
    session = review.session_token(henry, DurationSeconds="129600")
    review.now += dt.timedelta(hours=25)
    review.keyring.current(review.now)  # rotates: the old key is retired, not deleted
    assert review.code("sts", "GetCallerIdentity", session) == "OK"
    review.now += dt.timedelta(hours=11)
    assert review.code("sts", "GetCallerIdentity", session) == "ExpiredToken"


def test_root_minted_credentials_are_capped(review: Review) -> None:
    federated = credentials(
        review.ok(
            "sts", "GetFederationToken", Name="ops", Policy=allow("s3:ListAllMyBuckets"), DurationSeconds="43200"
        ),
        "GetFederationTokenResult",
    )
    assert s3_code(review.s3_as(federated, "GET", "/")) == "OK"
    assert s3_code(review.s3_as(federated, "PUT", "/review-root-fed")) == "AccessDenied"
    assert review.code("iam", "ListUsers", federated) == "InvalidClientTokenId"
    assert (
        review.code("sts", "AssumeRole", federated, RoleArn=f"arn:aws:iam::{ROOT_ACCOUNT}:role/x", RoleSessionName="ab")
        == "AccessDenied"
    )


@pytest.mark.parametrize("kind", ["role-session", "user-session"])
def test_not_principal_deny_covers_sessions_of_bounded_principals(review: Review, kind: str) -> None:
    _bucket(review)
    bound = review.ok("iam", "CreatePolicy", PolicyName="bound", PolicyDocument=allow("s3:*", "sts:AssumeRole"))
    bound_arn = str(find(bound, "CreatePolicyResult/Policy/Arn"))
    alice = review.user("alice", allow("sts:AssumeRole", "s3:*"))
    review.ok("iam", "PutUserPermissionsBoundary", UserName="alice", PermissionsBoundary=bound_arn)
    role_arn = review.role("app", trust({"AWS": ACCOUNT_ROOT}), allow("s3:*"))
    review.ok("iam", "PutRolePermissionsBoundary", RoleName="app", PermissionsBoundary=bound_arn)
    session = review.assume(role_arn, alice, name="s1") if kind == "role-session" else review.session_token(alice)
    spared = [
        ACCOUNT_ROOT,
        role_arn,
        f"arn:aws:sts::{ROOT_ACCOUNT}:assumed-role/app/s1",
        f"arn:aws:iam::{ROOT_ACCOUNT}:user/alice",
    ]
    deny = {
        "Effect": "Deny",
        "NotPrincipal": {"AWS": spared},
        "Action": "s3:GetObject",
        "Resource": f"arn:aws:s3:::{BUCKET}/*",
    }
    put_policy(review, BUCKET, json.dumps({"Version": "2012-10-17", "Statement": [deny]}))
    assert s3_code(review.s3_as(alice, "GET", f"/{BUCKET}/data")) == "AccessDenied"  # the user itself: denied
    assert s3_code(review.s3_as(session, "GET", f"/{BUCKET}/data")) == "AccessDenied"
