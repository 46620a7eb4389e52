"""The IAM layer's wire errors, with AWS's exact texts.

Sources, cited per function:

- [LS] recorded AWS responses in localstack/localstack
  ``tests/aws/services/iam/*.snapshot.json`` (recorded 2026 against AWS);
- [OUT] public AWS CLI/SDK output quoted in GitHub issues (repository and issue given);
- [PATTERN] no recording found; the text follows the pattern of its recorded siblings.
"""

from __future__ import annotations

from ostiary.errors import (
    AccessDenied,
    DeleteConflict,
    EntityAlreadyExists,
    InvalidInput,
    LimitExceeded,
    MalformedPolicyDocument,
    NoSuchEntity,
    ValidationError,
)

# --- NoSuchEntity ---------------------------------------------------------------------------


def no_such_entity(kind: str, name: str) -> NoSuchEntity:
    """``The user with name x cannot be found.`` — users, groups, roles [LS test_iam_users/groups/roles]."""
    return NoSuchEntity(f"The {kind} with name {name} cannot be found.")


def no_such_inline_policy(kind: str, name: str) -> NoSuchEntity:
    """``The role policy with name x cannot be found.`` [LS test_iam_roles; group: test_iam_groups]."""
    return NoSuchEntity(f"The {kind} policy with name {name} cannot be found.")


def policy_not_found(arn: str) -> NoSuchEntity:
    """GetPolicy, Detach*Policy, TagPolicy on an unknown policy [LS test_iam_users, test_iam_policies]."""
    return NoSuchEntity(f"Policy {arn} was not found.")


def policy_not_attachable(arn: str) -> NoSuchEntity:
    """Attach*Policy, ListEntitiesForPolicy [LS test_iam_users ``attach-nonexistent-policy-error``]."""
    return NoSuchEntity(f"Policy {arn} does not exist or is not attachable.")


def boundary_not_attachable(arn: str) -> NoSuchEntity:
    """Create{User,Role} / Put*PermissionsBoundary with an unknown policy [LS test_iam_roles]."""
    return NoSuchEntity(f"Scope ARN: {arn} does not exist or is not attachable.")


def policy_version_not_found(arn: str, version_id: str) -> NoSuchEntity:
    """Get/Delete/SetDefault policy version [LS test_iam_policies ``test_policy_version_errors``]."""
    return NoSuchEntity(f"Policy {arn} version {version_id} does not exist or is not attachable.")


def access_key_not_found(key_id: str) -> NoSuchEntity:
    """UpdateAccessKey/DeleteAccessKey [LS test_iam_users ``update-nonexistent-access-key-error``]."""
    return NoSuchEntity(f"The Access Key with id {key_id} cannot be found.")


def account_alias_not_found(alias: str) -> NoSuchEntity:
    """[PATTERN]"""
    return NoSuchEntity(f"The account alias {alias} cannot be found.")


# --- EntityAlreadyExists -------------------------------------------------------------------


def already_exists(kind: str, name: str) -> EntityAlreadyExists:
    """``User with name x already exists.`` — User, Group, Role [LS test_iam_users/groups/roles]."""
    return EntityAlreadyExists(f"{kind} with name {name} already exists.")


def policy_already_exists(name: str) -> EntityAlreadyExists:
    """CreatePolicy [LS test_iam_policies ``policy-already-exists``]."""
    return EntityAlreadyExists(f"A policy called {name} already exists. Duplicate names are not allowed.")


def account_alias_taken(alias: str) -> EntityAlreadyExists:
    """[PATTERN]"""
    return EntityAlreadyExists(f"The account alias {alias} already exists.")


# --- DeleteConflict ------------------------------------------------------------------------

# [LS test_iam_users / test_iam_roles]; access keys: [OUT aws-controllers-k8s/community#2229];
# group members: [OUT go-to-k/delstack#40]. AWS gives the DeleteUser membership conflict the
# same text as DeleteGroup's (quoted from a DeleteUser call in a public boto3 tutorial).
MUST_DELETE_ACCESS_KEYS = "Cannot delete entity, must delete access keys first."
MUST_DELETE_POLICIES = "Cannot delete entity, must delete policies first."
MUST_DETACH_POLICIES = "Cannot delete entity, must detach all policies first."
MUST_REMOVE_USERS = "Cannot delete entity, must remove users from group first."
# DeletePolicy [OUT serverless/components#312, rebuy-de/aws-nuke#1]; DeletePolicyVersion [LS].
POLICY_ATTACHED = "Cannot delete a policy attached to entities."
POLICY_HAS_VERSIONS = (
    "This policy has more than one version. Before you delete a policy, you must delete the policy's "
    "versions. The default version is deleted with the policy."
)
DEFAULT_VERSION = "Cannot delete the default version of a policy."


def delete_conflict(text: str) -> DeleteConflict:
    return DeleteConflict(text)


# --- LimitExceeded ---------------------------------------------------------------------------


def quota(name: str, value: int) -> LimitExceeded:
    """``Cannot exceed quota for AccessKeysPerUser: 2`` [LS test_iam_users]; PolicySize: 6144
    [OUT ministryofjustice/cloud-platform-environments#14473]; PoliciesPerRole: 10 [OUT aws/eks-hybrid#741];
    PoliciesPerUser: 10 [OUT, several]; GroupsPerUser, TagsPer*, PoliciesPerGroup, PoliciesPerAccount [PATTERN];
    ACLSizePerRole, the role trust policy length of IAM User Guide, "IAM and AWS STS quotas",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html."""
    return LimitExceeded(f"Cannot exceed quota for {name}: {value}")


def inline_size_exceeded(limit: int, kind: str, name: str) -> LimitExceeded:
    """``Maximum policy size of 2048 bytes exceeded for user x`` [OUT danvk/mapsnap#483,
    aws-amplify/amplify-backend#2615 (role, 10240)]; group [PATTERN]."""
    return LimitExceeded(f"Maximum policy size of {limit} bytes exceeded for {kind} {name}")


def versions_exceeded() -> LimitExceeded:
    """CreatePolicyVersion with five versions stored [LS test_iam_policies ``err-version-limit-exceeded``]."""
    return LimitExceeded(
        "A managed policy can have up to 5 versions. Before you create a new version, you must delete an "
        "existing version."
    )


# --- input errors ----------------------------------------------------------------------------


def arn_invalid(arn: str) -> ValidationError:
    """A PolicyArn that is not an ARN [LS test_iam_roles ``non-existent-malformed-policy-arn``]."""
    return ValidationError(f"ARN {arn} is not valid.")


def boundary_arn_invalid(arn: str) -> InvalidInput:
    """A PermissionsBoundary that is not a policy ARN [LS test_iam_roles ``put-invalid-boundary-error``]."""
    return InvalidInput(f"ARN {arn} is not valid.")


def duplicate_tag_keys(*, case_insensitive: bool) -> InvalidInput:
    """Users and roles [LS test_iam_roles ``create-role-duplicate-tags``]; policies [LS test_iam_policies]."""
    if case_insensitive:
        return InvalidInput("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    return InvalidInput("Duplicate tag keys found.")


def non_user_credentials() -> ValidationError:
    """A key operation without UserName from a role session
    [LS test_iam_users ``delete-access-key-without-username-error``]."""
    return ValidationError("Must specify userName when calling with non-User credentials")


def invalid_marker() -> InvalidInput:
    """A Marker we did not issue. [PATTERN: no recording found]"""
    return InvalidInput("Invalid Marker.")


def invalid_principal(kind: str, value: str) -> MalformedPolicyDocument:
    """A trust policy naming a user or role that does not exist [OUT: seen in public AWS CLI output]."""
    return MalformedPolicyDocument(f'Invalid principal in policy: "{kind}":"{value}"')


# --- AccessDenied written by IAM itself ------------------------------------------------------


def access_key_last_used_denied(caller_arn: str, key_id: str) -> AccessDenied:
    """GetAccessKeyLastUsed on a key that does not exist, whoever asks; note the missing colon
    after "perform" [LS test_iam_users ``get-last-used-nonexistent-key-error``]."""
    return AccessDenied(
        f"User: {caller_arn} is not authorized to perform iam:GetAccessKeyLastUsed on resource: access key {key_id}"
    )


def aws_managed_denied(caller_arn: str, action: str, arn: str) -> AccessDenied:
    """Changing an AWS managed policy: it belongs to the ``aws`` account, so only a resource-based
    policy could allow it, and there is none (the phrasing of IAM User Guide, "Troubleshoot access denied error
    messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html). [PATTERN]"""
    return AccessDenied(
        f"User: {caller_arn} is not authorized to perform: {action} on resource: policy {arn} "
        f"because no resource-based policy allows the {action} action"
    )
