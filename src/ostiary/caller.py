"""Who is calling: the authenticated identity behind one request.

The server's authentication step turns a verified access key (long-term or
temporary) into a `Caller`. Handlers read it (GetCallerIdentity, "the caller's
own user" defaults); the authorizer turns it into the policy engine's
`PrincipalInfo`. Values per kind of caller follow the principal table of IAM
User Guide, "IAM policy elements: Variables and tags"
(https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable)
and "AWS global condition context keys" (https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_condition-keys.html).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from ostiary.arn import root_arn
from ostiary.ids import canonical_user_id
from ostiary.policy.context import ANONYMOUS, PrincipalInfo, PrincipalType
from ostiary.tokens import SessionClaims


class CallerKind(Enum):
    ROOT = "root"
    USER = "user"
    ROLE_SESSION = "role-session"
    FEDERATED_USER = "federated-user"
    USER_SESSION = "user-session"  # GetSessionToken credentials of an IAM user
    ROOT_SESSION = "root-session"  # GetSessionToken credentials of the root user
    ANONYMOUS = "anonymous"


@dataclass(frozen=True, slots=True)
class Caller:
    kind: CallerKind
    account: str
    arn: str  # GetCallerIdentity's Arn
    user_id: str  # GetCallerIdentity's UserId, also aws:userid
    principal: PrincipalInfo
    access_key_id: str | None = None
    # The IAM user (USER, USER_SESSION, FEDERATED_USER: the user who minted it) or role (ROLE_SESSION)
    # whose policies apply, by unique ID and name.
    entity_id: str | None = None
    entity_name: str | None = None
    session: SessionClaims | None = None

    @property
    def is_root(self) -> bool:
        return self.kind in (CallerKind.ROOT, CallerKind.ROOT_SESSION)

    @property
    def is_temporary(self) -> bool:
        return self.session is not None

    @property
    def user_name(self) -> str | None:
        """The IAM user name for ``aws:username``: set for IAM users and their GetSessionToken sessions."""
        return self.entity_name if self.kind in (CallerKind.USER, CallerKind.USER_SESSION) else None


ANONYMOUS_CALLER = Caller(
    kind=CallerKind.ANONYMOUS, account="", arn="anonymous", user_id="anonymous", principal=ANONYMOUS
)


def root_caller(account: str, access_key_id: str | None) -> Caller:
    arn = root_arn(account)
    principal = PrincipalInfo(
        arn=arn, account=account, type=PrincipalType.ACCOUNT, unique_id=account, canonical_id=canonical_user_id(account)
    )
    return Caller(CallerKind.ROOT, account, arn, account, principal, access_key_id)


def user_caller(
    account: str, user_id: str, user_name: str, user_arn: str, access_key_id: str | None, *, has_boundary: bool
) -> Caller:
    principal = PrincipalInfo(
        arn=user_arn,
        account=account,
        type=PrincipalType.USER,
        unique_id=user_id,
        has_boundary=has_boundary,
        canonical_id=canonical_user_id(account),
    )
    return Caller(CallerKind.USER, account, user_arn, user_id, principal, access_key_id, user_id, user_name)
