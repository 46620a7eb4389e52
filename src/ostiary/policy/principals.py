"""The `Principal` / `NotPrincipal` element of resource-based and trust policies.

`reference_policies_elements_principal`:

- ``"*"`` and ``{"AWS": "*"}`` mean everyone, anonymous callers included ("For anonymous users,
  the following elements are equivalent"). The bare ``"*"`` also covers web-identity, SAML and
  service callers; ``{"AWS": "*"}`` covers AWS identities (and anonymous callers) only.
- An account ID and ``arn:aws:iam::ACCOUNT:root`` "behave the same way. Both delegate permissions
  to the account ... does not limit permissions to only the root user".
- A user ARN names one user ("the user name part of the ARN is case sensitive"); a role ARN names
  the role, that is every session of it; an assumed-role ARN one session; a federated-user ARN
  one GetFederationToken session.
- "You cannot use a wildcard to match part of a principal name or ARN."
- "If your Principal element in a role trust policy contains an ARN that points to a specific IAM
  role [or user], then that ARN transforms to the role unique principal ID when you save the
  policy ... if you delete the role ... The policy no longer applies, even if you recreate the
  role". `principal_ids` carries those saved IDs.
- `Federated` names an OIDC/SAML provider ARN or one of the four built-in providers; `Service` a
  service principal ("can't be "Service": "*""); `CanonicalUser` an S3 canonical user ID, which
  stands for an account.

How a principal matches decides how a same-account resource-based grant combines with the
caller's other policies (`reference_policies_evaluation-logic_policy-eval-denyallow`); see
`PrincipalMatch` and the table in `authorize`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Final

from ostiary.arn import PARTITIONS
from ostiary.policy.context import PrincipalInfo, PrincipalType


class PrincipalMatch(Enum):
    """How a statement's principal covers the caller, strongest first."""

    EXACT = 4  # the caller itself (user, role session, federated user, provider, service) or "*"
    PARENT = 3  # the role of a role session, or the IAM user behind a federated-user session
    ACCOUNT = 2  # the caller's account: delegates to the account's identity-based policies
    NONE = 0


BUILT_IN_PROVIDERS: Final = frozenset(
    {"cognito-identity.amazonaws.com", "www.amazon.com", "graph.facebook.com", "accounts.google.com"}
)
_ACCOUNT_ID = re.compile(r"^\d{12}$")
_UNIQUE_ID = re.compile(r"^A(?:IDA|ROA)[A-Z0-9]{17}$")
_CANONICAL = re.compile(r"^[0-9a-fA-F]{64}$")
_SERVICE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z0-9.-]+$")
_AWS_ARN = re.compile(
    r"^arn:(?P<partition>[^:]+):(?P<service>iam|sts)::(?P<account>\d{12}):"
    r"(?P<resource>root|user/.+|role/.+|assumed-role/[^/]+/[^/]+|federated-user/.+)$"
)
_PROVIDER_ARN = re.compile(r"^arn:(?P<partition>[^:]+):iam::\d{12}:(oidc-provider|saml-provider)/.+$")
AWS_ARN_SERVICES: Final = {"root": "iam", "user": "iam", "role": "iam", "assumed-role": "sts", "federated-user": "sts"}
_AWS_IDENTITIES = frozenset(
    {PrincipalType.USER, PrincipalType.ASSUMED_ROLE, PrincipalType.FEDERATED_USER, PrincipalType.ACCOUNT}
)


class Kind(Enum):
    ANYONE = "*"
    ACCOUNT = "account"
    USER = "user"
    ROLE = "role"
    SESSION = "assumed-role"
    FEDERATED_USER = "federated-user"
    UNIQUE_ID = "unique-id"
    PROVIDER = "Federated"
    SERVICE = "Service"
    CANONICAL_USER = "CanonicalUser"


@dataclass(frozen=True, slots=True)
class PrincipalValue:
    """One entry of a Principal element, classified once at parse time."""

    type: str  # the JSON key: "AWS", "Federated", "Service", "CanonicalUser" ("*" for the bare string)
    value: str
    kind: Kind
    account: str | None = None
    unique_id: str | None = None  # the saved unique ID of a user or role ARN (see the module docstring)


def classify(type_: str, value: str, principal_ids: Mapping[str, str]) -> PrincipalValue | None:
    """Read one principal value; None when IAM would reject it ("Invalid principal in policy")."""
    if type_ == "AWS":
        if value == "*":
            return PrincipalValue(type_, value, Kind.ANYONE)
        if _ACCOUNT_ID.match(value):
            return PrincipalValue(type_, value, Kind.ACCOUNT, account=value)
        if _UNIQUE_ID.match(value):
            return PrincipalValue(type_, value, Kind.UNIQUE_ID, unique_id=value)
        m = _AWS_ARN.match(value)
        if m is None or "*" in value or "?" in value or m["partition"] not in PARTITIONS:
            return None
        resource_type = m["resource"].split("/", 1)[0]
        if AWS_ARN_SERVICES[resource_type] != m["service"]:
            return None
        kind = {
            "root": Kind.ACCOUNT,
            "user": Kind.USER,
            "role": Kind.ROLE,
            "assumed-role": Kind.SESSION,
            "federated-user": Kind.FEDERATED_USER,
        }[resource_type]
        return PrincipalValue(type_, value, kind, account=m["account"], unique_id=principal_ids.get(value))
    if "*" in value or "?" in value:
        return None
    if type_ == "Federated":
        if value in BUILT_IN_PROVIDERS or _PROVIDER_ARN.match(value):
            return PrincipalValue(type_, value, Kind.PROVIDER)
        return None
    if type_ == "Service":
        return PrincipalValue(type_, value, Kind.SERVICE) if _SERVICE.match(value) else None
    if type_ == "CanonicalUser":
        return PrincipalValue(type_, value.lower(), Kind.CANONICAL_USER) if _CANONICAL.match(value) else None
    return None


@dataclass(frozen=True, slots=True)
class PrincipalElement:
    values: tuple[PrincipalValue, ...]
    negated: bool  # NotPrincipal


def _session_role_id(unique_id: str) -> str:
    return unique_id.split(":", 1)[0]


def match_value(value: PrincipalValue, who: PrincipalInfo) -> PrincipalMatch:
    """How one principal value covers the caller."""
    kind, ptype = value.kind, who.type
    if kind is Kind.ANYONE:
        if value.type == "*" or ptype in _AWS_IDENTITIES or ptype is PrincipalType.ANONYMOUS:
            return PrincipalMatch.EXACT
        return PrincipalMatch.NONE
    if kind is Kind.ACCOUNT:
        ok = ptype in _AWS_IDENTITIES and who.account == value.account
        return PrincipalMatch.ACCOUNT if ok else PrincipalMatch.NONE
    if kind is Kind.CANONICAL_USER:
        ok = ptype in _AWS_IDENTITIES and who.canonical_id is not None and who.canonical_id.lower() == value.value
        return PrincipalMatch.ACCOUNT if ok else PrincipalMatch.NONE
    if kind is Kind.USER:
        if ptype is PrincipalType.USER and who.arn == value.value:
            return PrincipalMatch.EXACT if _same_entity(value, who.unique_id) else PrincipalMatch.NONE
        if ptype is PrincipalType.FEDERATED_USER and who.parent_user_arn == value.value:
            ok = _same_entity(value, who.parent_user_id)
            return PrincipalMatch.PARENT if ok else PrincipalMatch.NONE
        return PrincipalMatch.NONE
    if kind is Kind.ROLE:
        if ptype is PrincipalType.ASSUMED_ROLE and who.role_arn == value.value:
            ok = _same_entity(value, _session_role_id(who.unique_id))
            return PrincipalMatch.PARENT if ok else PrincipalMatch.NONE
        return PrincipalMatch.NONE
    if kind is Kind.SESSION:
        ok = ptype is PrincipalType.ASSUMED_ROLE and who.arn == value.value
        return PrincipalMatch.EXACT if ok else PrincipalMatch.NONE
    if kind is Kind.FEDERATED_USER:
        ok = ptype is PrincipalType.FEDERATED_USER and who.arn == value.value
        return PrincipalMatch.EXACT if ok else PrincipalMatch.NONE
    if kind is Kind.UNIQUE_ID:
        if ptype is PrincipalType.USER and who.unique_id == value.value:
            return PrincipalMatch.EXACT
        if ptype is PrincipalType.ASSUMED_ROLE and _session_role_id(who.unique_id) == value.value:
            return PrincipalMatch.PARENT
        if ptype is PrincipalType.FEDERATED_USER and who.parent_user_id == value.value:
            return PrincipalMatch.PARENT
        return PrincipalMatch.NONE
    if kind is Kind.PROVIDER:
        return PrincipalMatch.EXACT if who.federated_provider == value.value else PrincipalMatch.NONE
    if kind is Kind.SERVICE:
        return PrincipalMatch.EXACT if who.service == value.value else PrincipalMatch.NONE
    raise AssertionError(kind)


def _same_entity(value: PrincipalValue, caller_id: str | None) -> bool:
    """A saved unique ID must be the caller's; an ARN saved without one matches by ARN alone."""
    return value.unique_id is None or value.unique_id == caller_id


_CHAINS: Final = {
    PrincipalType.USER: frozenset({"account", "self"}),
    PrincipalType.ASSUMED_ROLE: frozenset({"account", "role", "self"}),
    PrincipalType.FEDERATED_USER: frozenset({"account", "self"}),
    PrincipalType.ACCOUNT: frozenset({"account"}),
}
_ALL_SELF: Final = frozenset({"self"})


def _covered(element: PrincipalElement, who: PrincipalInfo) -> frozenset[str]:
    """Which links of the caller's chain (account, role, the caller itself) the element names."""
    covered: set[str] = set()
    for value in element.values:
        found = match_value(value, who)
        if found is PrincipalMatch.NONE:
            continue
        if value.kind is Kind.ANYONE:
            return frozenset({"account", "role", "self"})
        if found is PrincipalMatch.ACCOUNT:
            covered.add("account")
        elif found is PrincipalMatch.PARENT:
            covered.add("role" if who.type is PrincipalType.ASSUMED_ROLE else "parent")
        else:
            covered.add("self")
    return frozenset(covered)


def match_element(element: PrincipalElement, who: PrincipalInfo, *, deny: bool) -> PrincipalMatch:
    """How the element covers the caller; for NotPrincipal, EXACT when the statement applies.

    `Principal`: the strongest match among its values.

    `NotPrincipal` (`reference_policies_elements_notprincipal`): "AWS might validate the account
    first and then the user. If an assumed-role user ... is being evaluated, AWS might validate the
    account first, then the role, and then the assumed-role user ... we strongly recommend that you
    explicitly include the ARN for a user's account, or include both the ARN for a role and the ARN
    for the account containing that role." The caller is a chain — its account, its role (for a
    role session), itself — and AWS names every link in its examples. So a Deny with NotPrincipal
    spares the caller only when every link is listed, and an Allow with NotPrincipal grants only
    when no link is. And (`access_policies_boundaries`) "The NotPrincipal element with a Deny
    effect will always deny any IAM principal that has a permissions boundary policy attached,
    regardless of the values specified in the NotPrincipal element."
    """
    if not element.negated:
        best = PrincipalMatch.NONE
        for value in element.values:
            found = match_value(value, who)
            if found.value > best.value:
                best = found
        return best
    if deny and who.has_boundary and who.type in (PrincipalType.USER, PrincipalType.ASSUMED_ROLE):
        return PrincipalMatch.EXACT
    chain = _CHAINS.get(who.type, _ALL_SELF)
    covered = _covered(element, who)
    applies = not chain <= covered if deny else not chain & covered
    return PrincipalMatch.EXACT if applies else PrincipalMatch.NONE
