"""Global and S3 condition keys on real requests: the values the server puts in the request context.
(Tag and IAM operation keys: test_policy_iam_conditions.py.)

Sources: IAM User Guide reference_policies_condition-keys (aws:SourceIp, aws:SecureTransport, aws:CurrentTime,
aws:EpochTime, aws:UserAgent, aws:RequestedRegion, aws:TokenIssueTime, aws:PrincipalArn, aws:PrincipalAccount,
aws:PrincipalTag, aws:PrincipalType, aws:username, aws:MultiFactorAuthPresent), Amazon S3 User Guide
amazon-s3-policy-keys (s3:prefix, s3:delimiter, s3:max-keys on ListBucket), AWS Knowledge Center
mfa-iam-user-aws-cli (Bool vs BoolIfExists on aws:MultiFactorAuthPresent).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
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


def cond(operator: str, key: str, value: object) -> dict[str, dict[str, dict[str, object]]]:
    return {"Condition": {operator: {key: value}}}


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def list_buckets_denied(kit: Kit, *statements: dict[str, object]) -> str:
    user = kit.user(*statements)
    return error_of(user.creds.s3.list_buckets).message


def list_buckets_allowed(kit: Kit, *statements: dict[str, object]) -> None:
    user = kit.user(*statements)
    assert "Buckets" in user.creds.s3.list_buckets()


# --- network and time ----------------------------------------------------------------------------


def test_source_ip(kit: Kit) -> None:
    list_buckets_allowed(kit, allow("s3:ListAllMyBuckets", **cond("IpAddress", "aws:SourceIp", "127.0.0.1/32")))
    list_buckets_allowed(
        kit, allow("s3:ListAllMyBuckets", **cond("IpAddress", "aws:SourceIp", ["10.0.0.0/8", "127.0.0.0/8"]))
    )
    message = list_buckets_denied(kit, allow("s3:ListAllMyBuckets", **cond("IpAddress", "aws:SourceIp", "10.0.0.0/8")))
    assert message.endswith(because_no("identity-based policy", "s3:ListAllMyBuckets"))
    message = list_buckets_denied(
        kit,
        allow("s3:ListAllMyBuckets"),
        deny("*", **cond("NotIpAddress", "aws:SourceIp", "192.0.2.0/24")),
    )
    assert message.endswith(explicit_deny("identity-based policy"))


def test_secure_transport_is_false_over_http(kit: Kit) -> None:
    message = list_buckets_denied(kit, allow("s3:*"), deny("s3:*", **cond("Bool", "aws:SecureTransport", "false")))
    assert message.endswith(explicit_deny("identity-based policy"))
    list_buckets_denied(kit, allow("s3:*", **cond("Bool", "aws:SecureTransport", "true")))
    list_buckets_allowed(kit, allow("s3:*", **cond("Bool", "aws:SecureTransport", "false")))


def test_current_time_and_epoch_time(kit: Kit) -> None:
    now = dt.datetime.now(dt.UTC)
    hour = dt.timedelta(hours=1)
    window = {
        "DateGreaterThan": {"aws:CurrentTime": iso(now - hour)},
        "DateLessThan": {"aws:CurrentTime": iso(now + hour)},
    }
    list_buckets_allowed(kit, allow("s3:ListAllMyBuckets", Condition=window))
    past = {
        "DateGreaterThan": {"aws:CurrentTime": "2001-01-01T00:00:00Z"},
        "DateLessThan": {"aws:CurrentTime": "2002-01-01T00:00:00Z"},
    }
    list_buckets_denied(kit, allow("s3:ListAllMyBuckets", Condition=past))
    epoch = int(now.timestamp())
    list_buckets_allowed(
        kit, allow("s3:ListAllMyBuckets", **cond("NumericGreaterThan", "aws:EpochTime", str(epoch - 3600)))
    )
    list_buckets_denied(
        kit, allow("s3:ListAllMyBuckets", **cond("NumericGreaterThan", "aws:EpochTime", str(epoch + 3600)))
    )
    # Dates may also be given as epoch seconds (reference_policies_elements_condition_operators, Date).
    list_buckets_allowed(
        kit, allow("s3:ListAllMyBuckets", **cond("DateGreaterThan", "aws:CurrentTime", str(epoch - 3600)))
    )


def test_user_agent(kit: Kit) -> None:
    user = kit.user(allow("s3:ListAllMyBuckets", **cond("StringLike", "aws:UserAgent", "*ostiary-e2e-probe/1.0*")))
    assert "Buckets" in user.creds.client("s3", user_agent_extra="ostiary-e2e-probe/1.0").list_buckets()
    assert error_of(user.creds.s3.list_buckets).code == "AccessDenied"


def test_requested_region(kit: Kit) -> None:
    """aws:RequestedRegion is the region the request was made to (signed for)."""
    bucket = kit.bucket(objects={"k": b"v"})
    user = kit.user(allow("s3:GetObject", **cond("StringEquals", "aws:RequestedRegion", "eu-west-1")))
    ireland = kit.server.client(
        "s3",
        access_key_id=user.creds.access_key_id,
        secret_access_key=user.creds.secret_access_key,
        region="eu-west-1",
    )
    assert ireland.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"


def test_condition_key_names_are_case_insensitive(kit: Kit) -> None:
    """reference_policies_elements_condition: "Condition key names are not case-sensitive"."""
    list_buckets_allowed(kit, allow("s3:ListAllMyBuckets", **cond("IpAddress", "AWS:SOURCEIP", "127.0.0.1/32")))
    user = kit.user(
        allow("s3:ListAllMyBuckets", **cond("StringEqualsIgnoreCase", "aws:principaltag/TEAM", "BLUE")),
        tags={"team": "blue"},
    )
    assert "Buckets" in user.creds.s3.list_buckets()


def test_token_issue_time_exists_only_for_temporary_credentials(kit: Kit) -> None:
    """aws:TokenIssueTime is present only with temporary credentials (reference_policies_condition-keys)."""
    bucket = kit.bucket(objects={"k": b"v"})
    long_term_only = allow("s3:GetObject", **cond("Null", "aws:TokenIssueTime", "true"))
    sessions_only = allow(
        "s3:ListAllMyBuckets", **cond("DateGreaterThan", "aws:TokenIssueTime", "2020-01-01T00:00:00Z")
    )
    user = kit.user(long_term_only, sessions_only)
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(user.creds.s3.list_buckets).code == "AccessDenied"
    temporary = session_creds(kit.server, user.creds.sts.get_session_token())
    assert error_of(temporary.s3.get_object, Bucket=bucket, Key="k").code == "AccessDenied"
    assert "Buckets" in temporary.s3.list_buckets()


def test_principal_arn_of_a_role_session_is_the_role_arn_with_its_path(kit: Kit) -> None:
    """aws:PrincipalArn for a role session is the role's ARN, path included; a bucket policy can allow a whole
    path of roles with it, and aws:PrincipalAccount is the caller's account (IAM User Guide, "AWS global condition
    context keys", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principalarn)."""
    user = kit.user()
    team = kit.role(trust(user.arn), path="/team/", policy=[allow("s3:GetObject")])
    outsider = kit.role(trust(user.arn), path="/other/", policy=[allow("s3:GetObject")])
    bucket = kit.unique_name("bkt")
    kit.bucket(
        doc(
            deny(
                "s3:GetObject",
                f"arn:aws:s3:::{bucket}/*",
                Principal="*",
                Condition={
                    "ArnNotLike": {"aws:PrincipalArn": f"arn:aws:iam::{kit.account}:role/team/*"},
                    "StringEquals": {"aws:PrincipalAccount": kit.account},
                },
            )
        ),
        objects={"k": b"v"},
        name=bucket,
    )
    session, _ = assume(user.creds, team.arn)
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    session, _ = assume(user.creds, outsider.arn)
    error = error_of(session.s3.get_object, Bucket=bucket, Key="k")
    assert error.message.endswith(explicit_deny("resource-based policy"))


# --- S3 operation keys ---------------------------------------------------------------------------


def test_s3_prefix_delimiter_and_max_keys_on_list_objects_v2(kit: Kit) -> None:
    bucket = kit.bucket(objects={"home/alice/a": b"1", "home/bob/b": b"2"})
    arn = f"arn:aws:s3:::{bucket}"
    by_prefix = kit.user(allow("s3:ListBucket", arn, **cond("StringEquals", "s3:prefix", "home/alice/")))
    s3 = by_prefix.creds.s3
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="home/alice/")["Contents"]] == ["home/alice/a"]
    error = error_of(s3.list_objects_v2, Bucket=bucket, Prefix="home/bob/")
    assert error.message == denied_message(
        by_prefix.arn, "s3:ListBucket", f'"{arn}"', because_no("identity-based policy", "s3:ListBucket")
    )

    by_delimiter = kit.user(allow("s3:ListBucket", arn, **cond("StringEquals", "s3:delimiter", "/")))
    listed = by_delimiter.creds.s3.list_objects_v2(Bucket=bucket, Delimiter="/", Prefix="home/")
    assert [p["Prefix"] for p in listed["CommonPrefixes"]] == ["home/alice/", "home/bob/"]
    assert error_of(by_delimiter.creds.s3.list_objects_v2, Bucket=bucket, Prefix="home/").code == "AccessDenied"

    by_max_keys = kit.user(allow("s3:ListBucket", arn, **cond("NumericLessThanEquals", "s3:max-keys", "10")))
    assert by_max_keys.creds.s3.list_objects_v2(Bucket=bucket, MaxKeys=5)["KeyCount"] == 2
    assert error_of(by_max_keys.creds.s3.list_objects_v2, Bucket=bucket, MaxKeys=50).code == "AccessDenied"


# --- principal keys ------------------------------------------------------------------------------


def test_principal_tag_from_the_users_tags(kit: Kit) -> None:
    statement = allow("s3:ListAllMyBuckets", **cond("StringEquals", "aws:PrincipalTag/dept", "eng"))
    engineer = kit.user(statement, tags={"dept": "eng"})
    assert "Buckets" in engineer.creds.s3.list_buckets()
    for tags in ({"dept": "sales"}, None):
        other = kit.user(statement, tags=tags)
        assert error_of(other.creds.s3.list_buckets).code == "AccessDenied"
    # The role's tags are the principal tags of its sessions.
    role = kit.role(trust(engineer.arn), policy=[statement], tags={"dept": "eng"})
    session, _ = assume(engineer.creds, role.arn)
    assert "Buckets" in session.s3.list_buckets()


def test_username_and_principal_type(kit: Kit) -> None:
    bucket = kit.bucket(objects={"k": b"v"})
    name = kit.unique_name("named")
    user = kit.user(
        allow("s3:GetObject", f"arn:aws:s3:::{bucket}/*", **cond("StringEquals", "aws:PrincipalType", "User")),
        allow("s3:ListAllMyBuckets", **cond("StringEquals", "aws:username", name)),
        name=name,
    )
    assert user.creds.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert "Buckets" in user.creds.s3.list_buckets()
    other = kit.user(allow("s3:ListAllMyBuckets", **cond("StringEquals", "aws:username", name)))
    assert error_of(other.creds.s3.list_buckets).code == "AccessDenied"

    role = kit.role(
        trust(user.arn),
        policy=[
            allow(
                "s3:GetObject", f"arn:aws:s3:::{bucket}/*", **cond("StringEquals", "aws:PrincipalType", "AssumedRole")
            ),
            allow("s3:ListAllMyBuckets", **cond("StringEquals", "aws:PrincipalType", "User")),
        ],
    )
    session, _ = assume(user.creds, role.arn)
    assert session.s3.get_object(Bucket=bucket, Key="k")["Body"].read() == b"v"
    assert error_of(session.s3.list_buckets).code == "AccessDenied"
    # A role session has no aws:username: a condition on it does not match.
    unnamed = kit.role(
        trust(user.arn), policy=[allow("s3:ListAllMyBuckets", **cond("StringLike", "aws:username", "*"))]
    )
    session, _ = assume(user.creds, unnamed.arn)
    assert error_of(session.s3.list_buckets).code == "AccessDenied"


def test_multi_factor_auth_present_with_bool_and_bool_if_exists(kit: Kit) -> None:
    """Deny + Bool false: long-term keys are not denied (the key is absent), sessions without MFA are.
    Deny + BoolIfExists false: long-term keys are denied too (Knowledge Center mfa-iam-user-aws-cli: "IAM
    users using the AWS CLI with long-term credentials are denied access and must use MFA")."""
    bool_deny = deny("*", **cond("Bool", "aws:MultiFactorAuthPresent", "false"))
    user = kit.user(allow("s3:ListAllMyBuckets"), allow("sts:GetSessionToken"), bool_deny)
    assert "Buckets" in user.creds.s3.list_buckets()
    temporary = session_creds(kit.server, user.creds.sts.get_session_token())
    error = error_of(temporary.s3.list_buckets)
    assert error.message.endswith(explicit_deny("identity-based policy"))

    if_exists_deny = deny(
        ["sts:GetSessionToken"], not_action=True, **cond("BoolIfExists", "aws:MultiFactorAuthPresent", "false")
    )
    strict = kit.user(allow("s3:ListAllMyBuckets"), if_exists_deny)
    error = error_of(strict.creds.s3.list_buckets)
    assert error.message.endswith(explicit_deny("identity-based policy"))
    temporary = session_creds(kit.server, strict.creds.sts.get_session_token())
    assert error_of(temporary.s3.list_buckets).code == "AccessDenied"

    # Role sessions assumed without MFA carry aws:MultiFactorAuthPresent = false.
    role = kit.role(trust(user.arn), policy=[allow("s3:ListAllMyBuckets"), bool_deny])
    session, _ = assume(user.creds, role.arn)
    assert error_of(session.s3.list_buckets).code == "AccessDenied"


def test_principal_type_of_federated_and_get_session_token_callers(kit: Kit) -> None:
    """aws:PrincipalType is FederatedUser for GetFederationToken sessions and User for GetSessionToken ones
    (IAM User Guide, "AWS global condition context keys", aws:PrincipalType,
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype)."""
    user = kit.user(
        allow("sts:GetFederationToken"),
        allow("s3:ListAllMyBuckets", **cond("StringEquals", "aws:PrincipalType", ["User", "FederatedUser"])),
        allow("s3:ListBucket", **cond("StringEquals", "aws:PrincipalType", "User")),
    )
    bucket = kit.bucket()
    federated = session_creds(
        kit.server,
        user.creds.sts.get_federation_token(
            Name="fed-type",
            Policy=doc(allow("s3:*")),
        ),
    )
    assert "Buckets" in federated.s3.list_buckets()
    assert error_of(federated.s3.list_objects_v2, Bucket=bucket).code == "AccessDenied"
    temporary = session_creds(kit.server, user.creds.sts.get_session_token())
    assert temporary.s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0
