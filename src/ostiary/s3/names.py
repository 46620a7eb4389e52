"""Bucket names, object keys, regions and the other enumerations S3 validates.

Bucket naming rules for general purpose buckets (S3 User Guide, "General purpose bucket naming
rules", bucketnamingrules.html):

- "Bucket names must be between 3 (min) and 63 (max) characters long."
- "Bucket names can consist only of lowercase letters, numbers, periods (.), and hyphens (-)."
- "Bucket names must begin and end with a letter or number."
- "Bucket names must not contain two adjacent periods."
- "Bucket names must not be formatted as an IP address (for example, 192.168.5.4)."
- "must not start with the prefix xn--", "sthree-", "amzn-s3-demo-";
  "must not end with the suffix -s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3".
"""

from __future__ import annotations

import re
from typing import Final

from ostiary.errors import InvalidBucketName, KeyTooLongError
from ostiary.limits import S3_KEY_MAX_BYTES

_BUCKET_CHARS: Final = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_IP_ADDRESS: Final = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
RESERVED_PREFIXES: Final = ("xn--", "sthree-", "amzn-s3-demo-")
RESERVED_SUFFIXES: Final = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")

# The LocationConstraint values CreateBucket accepts (botocore model, BucketLocationConstraint).
# us-east-1 is not one of them: it is the default, and naming it is InvalidLocationConstraint.
LOCATION_CONSTRAINTS: Final = frozenset(
    {
        "af-south-1", "ap-east-1", "ap-east-2", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
        "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
        "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ca-central-1", "ca-west-1", "cn-north-1",
        "cn-northwest-1", "EU", "eu-central-1", "eu-central-2", "eu-north-1", "eu-south-1", "eu-south-2",
        "eu-west-1", "eu-west-2", "eu-west-3", "il-central-1", "me-central-1", "me-south-1", "mx-central-1",
        "sa-east-1", "us-east-2", "us-gov-east-1", "us-gov-west-1", "us-west-1", "us-west-2",
    }
)  # fmt: skip
DEFAULT_REGION: Final = "us-east-1"
# "EU" is the legacy name of eu-west-1 (API_CreateBucketConfiguration).
LEGACY_REGIONS: Final = {"EU": "eu-west-1"}

# botocore model enums.
STORAGE_CLASSES: Final = frozenset(
    {
        "STANDARD", "REDUCED_REDUNDANCY", "STANDARD_IA", "ONEZONE_IA", "INTELLIGENT_TIERING", "GLACIER",
        "DEEP_ARCHIVE", "GLACIER_IR", "SNOW", "EXPRESS_ONEZONE", "FSX_OPENZFS", "FSX_ONTAP",
        "AWS_BACKUP_WARM", "AWS_BACKUP_LOW_COST_WARM",
    }
)  # fmt: skip
OBJECT_CANNED_ACLS: Final = frozenset(
    {
        "private", "public-read", "public-read-write", "authenticated-read", "aws-exec-read",
        "bucket-owner-read", "bucket-owner-full-control",
    }
)  # fmt: skip
BUCKET_CANNED_ACLS: Final = frozenset({"private", "public-read", "public-read-write", "authenticated-read"})
# With ObjectOwnership BucketOwnerEnforced (the default for new buckets since April 2023, S3 User
# Guide "Controlling ownership of objects and disabling ACLs"), only ACLs that grant nothing beyond
# the owner are accepted; ostiary has no ACL engine, so these are the ones it takes.
ACLS_WITHOUT_GRANTS: Final = frozenset({"private", "bucket-owner-full-control", "bucket-owner-read"})
OBJECT_OWNERSHIPS: Final = frozenset({"BucketOwnerPreferred", "ObjectWriter", "BucketOwnerEnforced"})


def bucket_name_problem(name: str) -> str | None:
    """Which naming rule `name` breaks, or None when it is a valid general purpose bucket name."""
    if not _BUCKET_CHARS.match(name):
        return "characters"
    if ".." in name:
        return "adjacent periods"
    if _IP_ADDRESS.match(name):
        return "IP address"
    if name.startswith(RESERVED_PREFIXES):
        return "reserved prefix"
    if name.endswith(RESERVED_SUFFIXES):
        return "reserved suffix"
    return None


def check_bucket_name(name: str) -> None:
    if bucket_name_problem(name) is not None:
        raise InvalidBucketName(BucketName=name)


def check_key(key: str) -> None:
    """Object key names are at most 1,024 bytes of UTF-8 (S3 User Guide, "Naming Amazon S3 objects")."""
    size = len(key.encode("utf-8"))
    if size > S3_KEY_MAX_BYTES:
        raise KeyTooLongError(Size=str(size), MaxSizeAllowed=str(S3_KEY_MAX_BYTES))


def bucket_region(location_constraint: str) -> str:
    return LEGACY_REGIONS.get(location_constraint, location_constraint)
