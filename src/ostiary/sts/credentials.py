"""What every credential-issuing STS call shares: session policies, session tags, minting.

- Session policies (inline ``Policy`` + ``PolicyArns``) are validated as identity
  policies; their plaintext, inline document plus ARNs, may not exceed 2,048
  characters (IAM User Guide, "IAM and AWS STS quotas",
  https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html),
  and at most 10 ARNs are accepted.
- Session tags: at most 50, keys unique case-insensitively.
- `PackedPolicySize` is the packed (compressed) size of the session policies and
  tags as a percentage of the packed limit; over 100 is PackedPolicyTooLarge.
- Minting: an ``ASIA…`` key ID that encodes the account, a sealed token
  (`ostiary.tokens`), and the secret derived from the sealing key.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from ostiary import ids, limits
from ostiary.api import Call
from ostiary.arn import Arn, ArnError
from ostiary.errors import InternalFailure, MalformedPolicyDocument, PackedPolicyTooLarge, ValidationError
from ostiary.policy import PolicyKind, parse_policy
from ostiary.protocol import params as p
from ostiary.tokens import SessionClaims, derive_secret, seal

# The packed limit behind PackedPolicySize: AWS does not publish it; this is the compressed size that
# 2,048 characters of typical policy text reach, so plain-text-legal policies fit.
PACKED_LIMIT_BYTES: Final = 2_048

TAG_KEY = p.string("Key", required=True, min=1, max=128, pattern=r"[\p{L}\p{Z}\p{N}_.:/=+\-@]+")
TAG_VALUE = p.string("Value", required=True, min=0, max=256, pattern=r"[\p{L}\p{Z}\p{N}_.:/=+\-@]*")
ARN_PATTERN = r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+"
POLICY_PATTERN = r"[\u0009\u000A\u000D\u0020-\u00FF]+"

TAGS = p.struct_list("Tags", TAG_KEY, TAG_VALUE, max=50)
POLICY_ARNS = p.struct_list("PolicyArns", p.string("arn", min=20, max=2048, pattern=ARN_PATTERN))
SERIAL_NUMBER = p.string("SerialNumber", min=9, max=256, pattern=r"[\w+=/:,.@-]*")
TOKEN_CODE = p.string("TokenCode", min=6, max=6, pattern=r"[\d]*")


@dataclass(frozen=True, slots=True)
class SessionPolicies:
    inline: str | None
    arns: tuple[str, ...]


def session_policies(params: Mapping[str, Any], account: str) -> SessionPolicies:
    """Validate ``Policy`` and ``PolicyArns``; raise as AWS does.

    Managed session policies "must exist in the same account as the role" (AssumeRole) or "as the IAM
    user that is requesting federated access" (GetFederationToken), or be AWS managed.
    """
    inline: str | None = params.get("Policy")
    arns = tuple(item.get("arn", "") for item in params.get("PolicyArns", ()))
    if len(arns) > limits.SESSION_POLICY_ARNS_MAX:
        raise ValidationError(
            f"1 validation error detected: Value '[...]' at 'policyArns' failed to satisfy constraint: "
            f"Member must have length less than or equal to {limits.SESSION_POLICY_ARNS_MAX}"
        )
    for arn in arns:
        try:
            parsed = Arn.parse(arn)
        except ArnError as exc:
            raise ValidationError(f"{arn} is invalid") from exc
        if parsed.service != "iam" or not parsed.resource.startswith("policy/"):
            raise ValidationError(f"{arn} is invalid")
        if parsed.account not in (account, "aws"):
            raise ValidationError(f"The managed session policy {arn} is not in account {account}.")
    if inline is not None:
        if len(inline) > limits.SESSION_POLICY_MAX_CHARS:
            raise ValidationError(
                f"1 validation error detected: Value at 'policy' failed to satisfy constraint: "
                f"Member must have length less than or equal to {limits.SESSION_POLICY_MAX_CHARS}"
            )
        check_policy_text(inline)
        # Raises MalformedPolicyDocument with the engine's (AWS's) message.
        parse_policy(inline, PolicyKind.IDENTITY, policy_id="session-policy")
    plaintext = len(inline or "") + sum(len(a) for a in arns)
    if plaintext > limits.SESSION_POLICY_MAX_CHARS:
        raise PackedPolicyTooLarge(
            "The policy document and the ARNs of the managed session policies together exceed the "
            f"{limits.SESSION_POLICY_MAX_CHARS}-character limit."
        )
    return SessionPolicies(inline, arns)


def session_tags(params: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    tags = tuple((str(t["Key"]), str(t.get("Value", ""))) for t in params.get("Tags", ()))
    seen: set[str] = set()
    for key, _ in tags:
        if key.lower() in seen:
            # "Tag key–value pairs are not case sensitive ... you cannot have separate Department and
            # department tag keys" (STS API Reference, AssumeRole, Tags).
            raise ValidationError("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
        seen.add(key.lower())
    return tags


def packed_policy_size(policies: SessionPolicies, tags: Sequence[tuple[str, str]]) -> int | None:
    """The PackedPolicySize percentage, or None when the call passed no session policy and no tags."""
    if policies.inline is None and not policies.arns and not tags:
        return None
    text = (policies.inline or "") + "".join(policies.arns) + "".join(f"{k}={v}" for k, v in tags)
    percent = -(-len(zlib.compress(text.encode("utf-8"), 9)) * 100 // PACKED_LIMIT_BYTES)
    if percent > 100:
        raise PackedPolicyTooLarge(
            f"Packed size of session policy and session tags consumes {percent}% of allotted space, "
            "please use smaller policy or tags."
        )
    return percent


def check_policy_text(document: str) -> None:
    """Characters the model allows in a policy (``[\\u0009\\u000A\\u000D\\u0020-\\u00FF]+``)."""
    if any(not (c in "\t\n\r" or " " <= c <= "\u00ff") for c in document):
        raise MalformedPolicyDocument("The policy contains characters that are not allowed.")


@dataclass(frozen=True, slots=True)
class Minted:
    claims: SessionClaims
    secret: str
    token: str

    def credentials(self) -> dict[str, Any]:
        return {
            "AccessKeyId": self.claims.access_key_id,
            "SecretAccessKey": self.secret,
            "SessionToken": self.token,
            "Expiration": dt.datetime.fromtimestamp(self.claims.expires_at, dt.UTC),
        }


def new_session_key_id(call: Call, account: str) -> str:
    return ids.access_key_id(ids.TEMPORARY_KEY, account, call.rng)


def mint(call: Call, claims: SessionClaims) -> Minted:
    """Seal `claims` with the current key and derive the session's secret.

    "STS increases the session token to at least [MinimumSessionTokenSize] bytes, regardless of its actual
    content" (STS API Reference, minimumSessionTokenSizeType).
    """
    if call.keyring is None:  # the server passes it to every STS call
        raise InternalFailure()
    key = call.keyring.current(call.now)
    token = seal(claims, key, call.rng, min_chars=int(call.params.get("MinimumSessionTokenSize", 0)))
    return Minted(claims, derive_secret(claims.access_key_id, key), token)


def issue_time(now: dt.datetime) -> float:
    """The issue instant, to the millisecond (aws:TokenIssueTime must order against a revocation instant)."""
    return round(now.timestamp(), 3)


def expiry(issued: float, duration: int) -> int:
    """Expiration is printed to the second: the issue second plus the duration."""
    return int(issued) + duration
