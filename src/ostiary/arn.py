"""Amazon Resource Names: parse and format.

Grammar: ``arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`` (IAM User Guide, "IAM identifiers",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_identifiers.html#identifiers-arns).
The resource part may itself contain colons and slashes; only the first five
colons separate components.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

PARTITIONS = frozenset({"aws", "aws-cn", "aws-us-gov"})
ACCOUNT_ID = re.compile(r"\d{12}")


class ArnError(ValueError):
    """The text is not an ARN."""


@dataclass(frozen=True, slots=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @classmethod
    def parse(cls, text: str) -> Arn:
        """Split an ARN into its six components; raise ArnError when it has fewer."""
        parts = text.split(":", 5)
        if len(parts) != 6 or parts[0] != "arn" or not parts[1] or not parts[2]:
            raise ArnError(f"not an arn: `{text}`")
        return cls(parts[1], parts[2], parts[3], parts[4], parts[5])

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"

    @property
    def resource_type(self) -> str:
        """`user` for ``user/path/name``; the whole resource when it has no slash."""
        return self.resource.split("/", 1)[0]

    @property
    def resource_name(self) -> str:
        """The last path element: the entity name for IAM ARNs."""
        return self.resource.rsplit("/", 1)[-1]


def iam_arn(account: str, kind: str, path: str, name: str) -> str:
    """``arn:aws:iam::ACCOUNT:KIND/PATH/NAME``; the path is ``/`` or ``/a/b/``."""
    return f"arn:aws:iam::{account}:{kind}{path}{name}"


def root_arn(account: str) -> str:
    return f"arn:aws:iam::{account}:root"


def assumed_role_arn(account: str, role_name: str, session_name: str) -> str:
    """Session ARNs carry no path: ``assumed-role/ROLE-NAME/SESSION-NAME`` ("IAM identifiers", above)."""
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"


def federated_user_arn(account: str, name: str) -> str:
    return f"arn:aws:sts::{account}:federated-user/{name}"


def s3_arn(bucket: str, key: str | None = None) -> str:
    return f"arn:aws:s3:::{bucket}" if key is None else f"arn:aws:s3:::{bucket}/{key}"
