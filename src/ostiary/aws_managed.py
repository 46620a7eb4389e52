"""AWS managed policies that ostiary knows, by ARN (``arn:aws:iam::aws:policy/…``).

They can be attached like customer managed policies but never changed. The
documents are AWS's published defaults for these policies, restricted to the
services ostiary serves (IAM, STS, S3), which is what they grant here anyway;
small policies that tutorials attach (IAMUserChangePassword,
AWSLambdaBasicExecutionRole) are kept whole, as AWS publishes them (the
latter's document and the former's description and version as recorded from
AWS in localstack's test_iam_managed_policies.snapshot.json).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

_PUBLISHED = dt.datetime(2015, 2, 6, 18, 39, 46, tzinfo=dt.UTC)


@dataclass(frozen=True, slots=True)
class AwsManagedPolicy:
    name: str
    policy_id: str
    path: str
    version: str
    document: str
    description: str
    created_at: dt.datetime = _PUBLISHED
    updated_at: dt.datetime = _PUBLISHED

    @property
    def arn(self) -> str:
        return f"arn:aws:iam::aws:policy{self.path}{self.name}"


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)}, indent=4)


_POLICIES = (
    AwsManagedPolicy(
        "AdministratorAccess",
        "ANPAIWMBCKSKIEE64ZLYK",
        "/",
        "v1",
        _doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
        "Provides full access to AWS services and resources.",
    ),
    AwsManagedPolicy(
        "AmazonS3FullAccess",
        "ANPAIFIR6V6BVTRAHWINE",
        "/",
        "v2",
        _doc({"Effect": "Allow", "Action": ["s3:*", "s3-object-lambda:*"], "Resource": "*"}),
        "Provides full access to all buckets via the AWS Management Console.",
    ),
    AwsManagedPolicy(
        "AmazonS3ReadOnlyAccess",
        "ANPAIZTJ4DXE7G6AGAE6M",
        "/",
        "v3",
        _doc(
            {
                "Effect": "Allow",
                "Action": ["s3:Get*", "s3:List*", "s3:Describe*", "s3-object-lambda:Get*", "s3-object-lambda:List*"],
                "Resource": "*",
            }
        ),
        "Provides read only access to all buckets via the AWS Management Console.",
    ),
    AwsManagedPolicy(
        "IAMFullAccess",
        "ANPAI7XKCFMBPM3QQRRVQ",
        "/",
        "v2",
        _doc(
            {
                "Effect": "Allow",
                "Action": [
                    "iam:*",
                    "organizations:DescribeAccount",
                    "organizations:DescribeOrganization",
                    "organizations:DescribeOrganizationalUnit",
                    "organizations:DescribePolicy",
                    "organizations:ListChildren",
                    "organizations:ListParents",
                    "organizations:ListPoliciesForTarget",
                    "organizations:ListRoots",
                    "organizations:ListPolicies",
                    "organizations:ListTargetsForPolicy",
                ],
                "Resource": "*",
            }
        ),
        "Provides full access to IAM via the AWS Management Console.",
    ),
    AwsManagedPolicy(
        "IAMReadOnlyAccess",
        "ANPAJKSO7NDY4T57MWDSQ",
        "/",
        "v4",
        _doc(
            {
                "Effect": "Allow",
                "Action": [
                    "iam:GenerateCredentialReport",
                    "iam:GenerateServiceLastAccessedDetails",
                    "iam:Get*",
                    "iam:List*",
                    "iam:SimulateCustomPolicy",
                    "iam:SimulatePrincipalPolicy",
                ],
                "Resource": "*",
            }
        ),
        "Provides read only access to IAM via the AWS Management Console.",
    ),
    AwsManagedPolicy(
        "IAMUserChangePassword",
        "ANPAJ4L4MM2A7QIEB56MS",
        "/",
        "v5",
        _doc(
            {"Effect": "Allow", "Action": ["iam:ChangePassword"], "Resource": ["arn:aws:iam::*:user/${aws:username}"]},
            {"Effect": "Allow", "Action": ["iam:GetAccountPasswordPolicy"], "Resource": "*"},
        ),
        "Provides the ability for an IAM user to change their own password.",
    ),
    AwsManagedPolicy(
        "AWSLambdaBasicExecutionRole",
        "ANPAJNCQGXC42545SKXIK",
        "/service-role/",
        "v1",
        _doc(
            {
                "Effect": "Allow",
                "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
                "Resource": "*",
            }
        ),
        "Provides write permissions to CloudWatch Logs.",
    ),
    AwsManagedPolicy(
        "PowerUserAccess",
        "ANPAJYRXTHIB4FOVS3ZXS",
        "/",
        "v5",
        _doc(
            {"Effect": "Allow", "NotAction": ["iam:*", "organizations:*", "account:*"], "Resource": "*"},
            {
                "Effect": "Allow",
                "Action": [
                    "iam:CreateServiceLinkedRole",
                    "iam:DeleteServiceLinkedRole",
                    "iam:ListRoles",
                    "organizations:DescribeOrganization",
                    "account:ListRegions",
                    "account:GetAccountInformation",
                ],
                "Resource": "*",
            },
        ),
        "Provides full access to AWS services and resources, but does not allow management of Users and groups.",
    ),
    AwsManagedPolicy(
        "ReadOnlyAccess",
        "ANPAILL3HVNFSB6DCOWYQ",
        "/",
        "v1",
        _doc(
            {
                "Effect": "Allow",
                "Action": [
                    "iam:Get*",
                    "iam:List*",
                    "iam:Generate*",
                    "iam:Simulate*",
                    "s3:Get*",
                    "s3:List*",
                    "s3:Describe*",
                    "sts:GetCallerIdentity",
                    "sts:GetAccessKeyInfo",
                    "sts:GetSessionToken",
                ],
                "Resource": "*",
            }
        ),
        "Provides read-only access to AWS services and resources.",
    ),
)

AWS_MANAGED_POLICIES: dict[str, AwsManagedPolicy] = {p.arn: p for p in _POLICIES}
