"""Policy variables in resource ARNs and condition values, on real S3 requests.

Sources: IAM User Guide reference_policies_variables ("Where you can use policy variables", "Specifying
default values", "Special characters", "Request information that you can use for policy variables":
aws:username is absent for role sessions, aws:userid is ROLEID:SESSION; 2008-10-17 policies treat
variables as literal text), and the home-directory example reference_policies_examples_s3_home-directory-console
("This policy will not work when using IAM roles because the aws:username variable is not available").
"""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest

from tests.e2e.test_sts_policy_support import (
    Kit,
    allow,
    assume,
    because_no,
    denied_message,
    error_of,
    trust,
)
from tests.support import Server


@pytest.fixture
def kit(server: Server, unique_name: Callable[[str], str]) -> Kit:
    return Kit(server, unique_name)


def home_directory_policy(bucket: str) -> list[dict[str, object]]:
    """The IAM User Guide's S3 home-directory policy (programmatic part)."""
    arn = f"arn:aws:s3:::{bucket}"
    return [
        allow("s3:ListAllMyBuckets"),
        allow(
            "s3:ListBucket",
            arn,
            Condition={"StringEquals": {"s3:prefix": ["", "home/"], "s3:delimiter": ["/"]}},
        ),
        allow("s3:ListBucket", arn, Condition={"StringLike": {"s3:prefix": ["home/${aws:username}/*"]}}),
        allow("s3:*", [f"{arn}/home/${{aws:username}}", f"{arn}/home/${{aws:username}}/*"]),
    ]


def test_home_directory_with_aws_username(kit: Kit) -> None:
    alice_name, bob_name = kit.unique_name("alice"), kit.unique_name("bob")
    bucket = kit.bucket(objects={f"home/{alice_name}/notes": b"a", f"home/{bob_name}/notes": b"b", "top": b"t"})
    alice = kit.user(*home_directory_policy(bucket), name=alice_name)
    s3 = alice.creds.s3

    root = s3.list_objects_v2(Bucket=bucket, Prefix="", Delimiter="/")
    assert [p["Prefix"] for p in root["CommonPrefixes"]] == ["home/"]
    home = s3.list_objects_v2(Bucket=bucket, Prefix="home/", Delimiter="/")
    assert {p["Prefix"] for p in home["CommonPrefixes"]} == {f"home/{alice_name}/", f"home/{bob_name}/"}
    mine = s3.list_objects_v2(Bucket=bucket, Prefix=f"home/{alice_name}/")
    assert [o["Key"] for o in mine["Contents"]] == [f"home/{alice_name}/notes"]
    assert error_of(s3.list_objects_v2, Bucket=bucket, Prefix=f"home/{bob_name}/").code == "AccessDenied"

    assert s3.get_object(Bucket=bucket, Key=f"home/{alice_name}/notes")["Body"].read() == b"a"
    s3.put_object(Bucket=bucket, Key=f"home/{alice_name}/new", Body=b"n")
    error = error_of(s3.get_object, Bucket=bucket, Key=f"home/{bob_name}/notes")
    assert error.message == denied_message(
        alice.arn,
        "s3:GetObject",
        f'"arn:aws:s3:::{bucket}/home/{bob_name}/notes"',
        because_no("identity-based policy", "s3:GetObject"),
    )


def test_unresolved_variable_makes_the_statement_not_apply(kit: Kit) -> None:
    """A role session has no aws:username: statements using ${aws:username} never match, not even the
    literal text."""
    user_name = kit.unique_name("carol")
    bucket = kit.bucket(objects={f"home/{user_name}/notes": b"c", "home/${aws:username}/notes": b"literal"})
    user = kit.user(name=user_name)
    role = kit.role(trust(user.arn), policy=home_directory_policy(bucket))
    session, _ = assume(user.creds, role.arn, user_name)
    for key in (f"home/{user_name}/notes", "home/${aws:username}/notes", "home/session/notes"):
        assert error_of(session.s3.get_object, Bucket=bucket, Key=key).code == "AccessDenied", key
    # The statements without a variable still apply.
    assert session.s3.list_objects_v2(Bucket=bucket, Prefix="", Delimiter="/")["CommonPrefixes"]


def test_default_value_of_a_variable(kit: Kit) -> None:
    """${aws:username, 'shared'}: the default applies where the key is absent (a role session)."""
    user_name = kit.unique_name("dave")
    bucket = kit.bucket(objects={f"home/{user_name}/f": b"own", "home/shared/f": b"shared"})
    statement = allow("s3:GetObject", f"arn:aws:s3:::{bucket}/home/${{aws:username, 'shared'}}/*")
    user = kit.user(statement, name=user_name)
    assert user.creds.s3.get_object(Bucket=bucket, Key=f"home/{user_name}/f")["Body"].read() == b"own"
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="home/shared/f").code == "AccessDenied"

    role = kit.role(trust(user.arn), policy=[statement])
    session, _ = assume(user.creds, role.arn)
    assert session.s3.get_object(Bucket=bucket, Key="home/shared/f")["Body"].read() == b"shared"
    assert error_of(session.s3.get_object, Bucket=bucket, Key=f"home/{user_name}/f").code == "AccessDenied"


def test_principal_tag_and_userid_variables(kit: Kit) -> None:
    bucket = kit.bucket(objects={"red/f": b"r", "blue/f": b"b"})
    user = kit.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/team}}/*"), tags={"team": "red"})
    assert user.creds.s3.get_object(Bucket=bucket, Key="red/f")["Body"].read() == b"r"
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="blue/f").code == "AccessDenied"
    untagged = kit.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/${{aws:PrincipalTag/team}}/*"))
    assert error_of(untagged.creds.s3.get_object, Bucket=bucket, Key="red/f").code == "AccessDenied"

    role = kit.role(trust(user.arn), policy=[allow("s3:*", f"arn:aws:s3:::{bucket}/by-id/${{aws:userid}}/*")])
    session, _ = assume(user.creds, role.arn, "worker")
    own = f"by-id/{role.role_id}:worker/out"
    session.s3.put_object(Bucket=bucket, Key=own, Body=b"w")
    assert kit.root.s3.get_object(Bucket=bucket, Key=own)["Body"].read() == b"w"
    other = f"by-id/{role.role_id}:other/out"
    assert error_of(session.s3.put_object, Bucket=bucket, Key=other, Body=b"w").code == "AccessDenied"


def test_escaped_special_characters_are_literal(kit: Kit) -> None:
    """${*} is a literal asterisk in a resource (reference_policies_variables, "Special characters")."""
    bucket = kit.bucket(objects={"file*name": b"star", "fileXname": b"x"})
    user = kit.user(allow("s3:GetObject", f"arn:aws:s3:::{bucket}/file${{*}}name"))
    assert user.creds.s3.get_object(Bucket=bucket, Key="file*name")["Body"].read() == b"star"
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key="fileXname").code == "AccessDenied"


def test_variables_are_literal_text_in_2008_policies(kit: Kit) -> None:
    """With "Version": "2008-10-17" a ${...} is plain text (reference_policies_variables)."""
    name = kit.unique_name("erin")
    bucket = kit.bucket(objects={f"home/{name}/f": b"own", "home/${aws:username}/f": b"literal"})
    user = kit.user(name=name)
    kit.root.iam.put_user_policy(
        UserName=name,
        PolicyName="old",
        PolicyDocument=json.dumps(
            {
                "Version": "2008-10-17",
                "Statement": [allow("s3:GetObject", f"arn:aws:s3:::{bucket}/home/${{aws:username}}/*")],
            }
        ),
    )
    assert user.creds.s3.get_object(Bucket=bucket, Key="home/${aws:username}/f")["Body"].read() == b"literal"
    assert error_of(user.creds.s3.get_object, Bucket=bucket, Key=f"home/{name}/f").code == "AccessDenied"


def test_users_manage_their_own_access_keys(kit: Kit) -> None:
    """The IAM User Guide example "IAM: Allows IAM users to manage their own access keys" (Resource
    arn:aws:iam::*:user/${aws:username}); IAM operations without UserName act on the caller."""
    policy = allow(
        ["iam:CreateAccessKey", "iam:DeleteAccessKey", "iam:ListAccessKeys", "iam:UpdateAccessKey"],
        "arn:aws:iam::*:user/${aws:username}",
    )
    user = kit.user(policy)
    other = kit.user()
    iam = user.creds.iam
    created = iam.create_access_key()["AccessKey"]
    assert created["UserName"] == user.name
    keys = {k["AccessKeyId"] for k in iam.list_access_keys()["AccessKeyMetadata"]}
    assert keys == {user.access_key_id, created["AccessKeyId"]}
    iam.update_access_key(AccessKeyId=created["AccessKeyId"], Status="Inactive")
    iam.delete_access_key(AccessKeyId=created["AccessKeyId"])
    error = error_of(iam.create_access_key, UserName=other.name)
    assert error.message == denied_message(
        user.arn,
        "iam:CreateAccessKey",
        f"user {other.name}",
        because_no("identity-based policy", "iam:CreateAccessKey"),
    )
    assert error_of(iam.list_access_keys, UserName=other.name).code == "AccessDenied"
