"""The request context: who asks, for what, on what, with which condition keys.

The API layer (IAM, STS, S3 handlers) builds one `RequestContext` per
authorization question; the engine only reads it. Condition key names are
case-insensitive ("Context key names are not case-sensitive", IAM User
Guide, "IAM JSON policy elements: Condition",
https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition.html),
so `keys` is indexed by the
lower-cased name. Every key maps to a tuple of strings: single-valued keys
have one value, multivalued keys (``aws:TagKeys``) any number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum


class PrincipalType(Enum):
    """Values of ``aws:PrincipalType``.

    IAM User Guide, "AWS global condition context keys", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html#condition-keys-principaltype.
    """

    ACCOUNT = "Account"
    USER = "User"
    ASSUMED_ROLE = "AssumedRole"
    FEDERATED_USER = "FederatedUser"
    ANONYMOUS = "Anonymous"
    # A caller identified only by an identity provider (AssumeRoleWithWebIdentity,
    # AssumeRoleWithSAML): the trust policy names it with "Federated".
    WEB_IDENTITY = "WebIdentityUser"
    SAML = "SAMLUser"


@dataclass(frozen=True, slots=True)
class PrincipalInfo:
    """The authenticated caller, as policies see it.

    - `arn`: what GetCallerIdentity returns (the *session* ARN for role sessions).
    - `unique_id`: the entity's unique ID (``AIDA…`` user, ``AROA…`` role for a
      session, the account ID for root); matched against principal IDs that
      were resolved when a resource-based policy was saved (IAM User Guide,
      "AWS JSON policy elements: Principal", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_principal.html).
    - `role_arn`: for role sessions, the role ARN with its path (also the value
      of ``aws:PrincipalArn``).
    - `federated_provider`: for web-identity/SAML callers, the provider ARN or
      the built-in provider name (``accounts.google.com``).
    - `has_boundary`: the user or role has a permissions boundary (matters for
      NotPrincipal: IAM User Guide, "AWS JSON policy elements: NotPrincipal",
      https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html).
    - `parent_user_arn` / `parent_user_id`: for a federated-user session
      (GetFederationToken), the IAM user who federated; a resource-based policy
      that names that user covers the session, capped by its boundary and
      session policy (reference_policies_evaluation-logic_policy-eval-denyallow).
    - `canonical_id`: the S3 canonical user ID of the caller's account, matched
      by ``{"CanonicalUser": …}`` principals.
    """

    arn: str
    account: str
    type: PrincipalType
    unique_id: str
    role_arn: str | None = None
    federated_provider: str | None = None
    service: str | None = None
    has_boundary: bool = False
    parent_user_arn: str | None = None
    parent_user_id: str | None = None
    canonical_id: str | None = None

    @property
    def principal_arn(self) -> str:
        """The value of ``aws:PrincipalArn``: the role ARN for sessions, else the caller ARN."""
        return self.role_arn if self.role_arn is not None else self.arn


ANONYMOUS = PrincipalInfo(arn="anonymous", account="", type=PrincipalType.ANONYMOUS, unique_id="anonymous")


@dataclass(frozen=True, slots=True)
class RequestContext:
    """One authorization question.

    `resource` is the resource ARN, or ``*`` for actions that take no resource
    (``s3:ListAllMyBuckets``, ``sts:GetCallerIdentity``). `resource_account`
    is the account that owns the resource (the bucket owner, the role's
    account); ``None`` means the caller's own account. `keys` holds the
    condition keys, indexed by lower-cased name.
    """

    principal: PrincipalInfo
    action: str
    resource: str
    resource_account: str | None = None
    keys: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def key(self, name: str) -> tuple[str, ...] | None:
        """The values of a condition key, or None when the request does not carry it."""
        return self.keys.get(name.lower())

    @property
    def is_cross_account(self) -> bool:
        return self.resource_account is not None and self.resource_account != self.principal.account
