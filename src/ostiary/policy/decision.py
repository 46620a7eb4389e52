"""The outcome of an authorization question, with its reasons.

A decision is never a bare bool: it says whether the request is allowed,
explicitly denied or implicitly denied, which statements decided it, and
which policy type the AccessDenied message must name (IAM User Guide,
"Troubleshoot access denied error messages", https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Effect(Enum):
    ALLOW = "allowed"
    EXPLICIT_DENY = "explicitDeny"
    IMPLICIT_DENY = "implicitDeny"


class PolicyType(Enum):
    """A policy's role in evaluation; the value is the phrase AWS uses in messages."""

    IDENTITY = "identity-based policy"
    RESOURCE = "resource-based policy"
    BOUNDARY = "permissions boundary"
    SESSION = "session policy"
    SCP = "service control policy"
    RCP = "resource control policy"


@dataclass(frozen=True, slots=True)
class StatementRef:
    """One statement of one policy: the policy's id (ARN or name), the Sid or index."""

    policy_id: str
    policy_type: PolicyType
    index: int
    sid: str | None = None


@dataclass(frozen=True, slots=True)
class Decision:
    effect: Effect
    deciding: tuple[StatementRef, ...] = ()
    denied_by: PolicyType | None = None
    # The ARN of the denying policy, appended to explicit-deny messages (AWS Security Blog, "Enhanced access denied
    # error messages with policy ARNs",
    # https://aws.amazon.com/blogs/security/enhanced-access-denied-error-messages-with-policy-arns/).
    denying_policy_arn: str | None = None
    errors: tuple[StatementRef, ...] = ()
    # Condition keys a statement referenced but the context lacked (for the simulator).
    missing_keys: tuple[str, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.effect is Effect.ALLOW
