"""The AWS managed policies ostiary knows: well-formed, and served like AWS serves them."""

from __future__ import annotations

import json
import re

import pytest

from ostiary.aws_managed import AWS_MANAGED_POLICIES
from ostiary.policy import PolicyKind, parse_policy, policy_size
from tests.iam.helpers import Harness


@pytest.mark.parametrize("arn", sorted(AWS_MANAGED_POLICIES))
def test_documents_parse_and_fit(arn: str) -> None:
    builtin = AWS_MANAGED_POLICIES[arn]
    parse_policy(builtin.document, PolicyKind.IDENTITY, managed=True)
    assert policy_size(builtin.document) <= 6144
    assert re.fullmatch(r"ANPA[A-Z0-9]{17}", builtin.policy_id)
    assert re.fullmatch(r"v[1-9][0-9]*", builtin.version)
    assert arn == f"arn:aws:iam::aws:policy{builtin.path}{builtin.name}"


def test_ids_are_unique() -> None:
    assert len({p.policy_id for p in AWS_MANAGED_POLICIES.values()}) == len(AWS_MANAGED_POLICIES)


def test_service_role_path(iam: Harness) -> None:
    arn = "arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole"
    policy = iam.call("GetPolicy", PolicyArn=arn)["Policy"]
    assert (policy["Path"], policy["DefaultVersionId"]) == ("/service-role/", "v1")
    listed = iam.call("ListPolicies", Scope="AWS", PathPrefix="/service-role/")["Policies"]
    assert [x["Arn"] for x in listed] == [arn]
    document = iam.call("GetPolicyVersion", PolicyArn=arn, VersionId="v1")["PolicyVersion"]["Document"]
    assert document == json.loads(AWS_MANAGED_POLICIES[arn].document)
