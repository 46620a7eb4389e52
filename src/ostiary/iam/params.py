"""IAM input members, named after the botocore model shapes they copy.

Constraints come from ``botocore/data/iam/2010-05-08/service-2.json`` (the
shape is named in each comment); ``tests/test_models_match_botocore.py``
checks every operation's members against the model.
"""

from __future__ import annotations

from ostiary.protocol.params import Param, boolean, integer, string, string_list, struct_list

# Shared patterns, as the model writes them.
NAME_PATTERN = r"[\w+=,.@-]+"
PATH_PATTERN = r"(\u002F)|(\u002F[\u0021-\u007E]+\u002F)"
PATH_PREFIX_PATTERN = r"\u002F[\u0021-\u007F]*"
POLICY_PATH_PATTERN = r"((/[A-Za-z0-9\.,\+@=_-]+)*)/"
POLICY_DOCUMENT_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"
MARKER_PATTERN = r"[\u0020-\u00FF]+"
TAG_KEY_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+"
TAG_VALUE_PATTERN = r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*"
VERSION_ID_PATTERN = r"v[1-9][0-9]*(\.[A-Za-z0-9-]*)?"
ROLE_DESCRIPTION_PATTERN = r"[\u0009\u000A\u000D\u0020-\u007E\u00A1-\u00FF]*"
ACCESS_KEY_ID_PATTERN = r"[\w]+"
ACCOUNT_ALIAS_PATTERN = r"^[a-z0-9]([a-z0-9]|-(?!-)){1,61}[a-z0-9]$"


def user_name(name: str = "UserName", *, required: bool = True) -> Param:
    """userNameType: 1-64 (creating a user, and Attach/Detach/ListAttachedUserPolicies, PutUserPermissionsBoundary)."""
    return string(name, required=required, min=1, max=64, pattern=NAME_PATTERN)


def existing_user_name(name: str = "UserName", *, required: bool = True) -> Param:
    """existingUserNameType: 1-128."""
    return string(name, required=required, min=1, max=128, pattern=NAME_PATTERN)


def group_name(name: str = "GroupName", *, required: bool = True) -> Param:
    """groupNameType: 1-128."""
    return string(name, required=required, min=1, max=128, pattern=NAME_PATTERN)


def role_name(name: str = "RoleName", *, required: bool = True) -> Param:
    """roleNameType: 1-64."""
    return string(name, required=required, min=1, max=64, pattern=NAME_PATTERN)


def policy_name(name: str = "PolicyName", *, required: bool = True) -> Param:
    """policyNameType: 1-128."""
    return string(name, required=required, min=1, max=128, pattern=NAME_PATTERN)


def path(name: str = "Path") -> Param:
    """pathType."""
    return string(name, min=1, max=512, pattern=PATH_PATTERN)


def policy_path(name: str = "Path") -> Param:
    """policyPathType."""
    return string(name, min=1, max=512, pattern=POLICY_PATH_PATTERN)


def policy_document(name: str = "PolicyDocument", *, required: bool = True) -> Param:
    """policyDocumentType."""
    return string(name, required=required, min=1, max=131_072, pattern=POLICY_DOCUMENT_PATTERN)


def arn(name: str, *, required: bool = True) -> Param:
    """arnType: 20-2048, no pattern."""
    return string(name, required=required, min=20, max=2048)


def policy_arn(*, required: bool = True) -> Param:
    return arn("PolicyArn", required=required)


def version_id() -> Param:
    """policyVersionIdType."""
    return string("VersionId", required=True, pattern=VERSION_ID_PATTERN)


def access_key_id() -> Param:
    """accessKeyIdType."""
    return string("AccessKeyId", required=True, min=16, max=128, pattern=ACCESS_KEY_ID_PATTERN)


def role_description(*, required: bool = False) -> Param:
    """roleDescriptionType."""
    return string("Description", required=required, max=1000, pattern=ROLE_DESCRIPTION_PATTERN)


PATH_PREFIX = string("PathPrefix", min=1, max=512, pattern=PATH_PREFIX_PATTERN)
POLICY_PATH_PREFIX = policy_path("PathPrefix")
MARKER = string("Marker", min=1, max=320, pattern=MARKER_PATTERN)
MAX_ITEMS = integer("MaxItems", min=1, max=1000)
PAGINATION = (MARKER, MAX_ITEMS)

TAG_KEY = string("Key", required=True, min=1, max=128, pattern=TAG_KEY_PATTERN)
TAG_VALUE = string("Value", required=True, min=0, max=256, pattern=TAG_VALUE_PATTERN)


def tags(*, required: bool = False) -> Param:
    """tagListType: at most 50 Tag{Key, Value}."""
    return struct_list("Tags", TAG_KEY, TAG_VALUE, required=required, max=50)


TAG_KEYS = string_list("TagKeys", string("member", min=1, max=128, pattern=TAG_KEY_PATTERN), required=True, max=50)
MAX_SESSION_DURATION = integer("MaxSessionDuration", min=3600, max=43_200)
MAX_SIGNIN_SESSION_DURATION = integer("MaxSigninSessionDuration", min=3600, max=7_776_000)
RESET_MAX_SIGNIN_SESSION_DURATION = boolean("ResetMaxSigninSessionDuration")
ACCESS_KEY_STATUS = string("Status", required=True, enum=("Active", "Inactive", "Expired"))
POLICY_SCOPE = string("Scope", enum=("All", "AWS", "Local"))
ONLY_ATTACHED = boolean("OnlyAttached")
POLICY_USAGE_FILTER = string("PolicyUsageFilter", enum=("PermissionsPolicy", "PermissionsBoundary"))
ENTITY_TYPES = ("User", "Role", "Group", "LocalManagedPolicy", "AWSManagedPolicy")
ENTITY_FILTER = string("EntityFilter", enum=ENTITY_TYPES)
SET_AS_DEFAULT = boolean("SetAsDefault")
POLICY_DESCRIPTION = string("Description", max=1000)
ACCOUNT_ALIAS = string("AccountAlias", required=True, min=3, max=63, pattern=ACCOUNT_ALIAS_PATTERN)
