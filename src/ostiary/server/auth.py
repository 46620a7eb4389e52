"""Authentication: the one place where SigV4 verification meets storage.

    sigv4.parse_signed_request  (pure, done by the app)
      → look up the key:  AKIA… in the store (cached per write generation),
                          ASIA… by opening its sealed session token
      → sigv4.verify(signed, secret, now)
      → a `Caller`

Failures use AWS's codes per service (STS API Reference, "Common Errors",
https://docs.aws.amazon.com/STS/latest/APIReference/CommonErrors.html;
Amazon S3 API Reference, "Error responses", https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html):
an unknown, inactive or deleted key is InvalidClientTokenId (IAM/STS) or
InvalidAccessKeyId (S3), the same answer in all three cases; a bad session token
is InvalidClientTokenId / InvalidToken; an expired one ExpiredToken.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ostiary import sigv4
from ostiary.arn import assumed_role_arn, federated_user_arn
from ostiary.caller import Caller, CallerKind, root_caller, user_caller
from ostiary.ids import TEMPORARY_KEY, canonical_user_id
from ostiary.model import AccessKey, User
from ostiary.policy.context import PrincipalInfo, PrincipalType
from ostiary.sigv4.failures import Rejection, rejection
from ostiary.store import Store
from ostiary.store.cache import GenerationCache
from ostiary.store.keyring import KeyRing
from ostiary.store.principals import get_access_key, get_user_by_id
from ostiary.tokens import (
    SessionClaims,
    SessionKind,
    SigningKey,
    TokenInvalid,
    derive_secret,
    open_token,
    token_key_id,
)

_KEY_ID = re.compile(r"[A-Za-z0-9_]{16,128}", re.ASCII)


@dataclass(frozen=True, slots=True)
class KeyEntry:
    key: AccessKey
    user: User | None


@dataclass(frozen=True, slots=True)
class Authenticated:
    caller: Caller
    # The secret the request was signed with: the server needs it to verify aws-chunked chunk signatures.
    secret: str


class Authenticator:
    def __init__(self, store: Store, keyring: KeyRing) -> None:
        self._store = store
        self._keyring = keyring
        # Bounded: unknown key IDs are remembered too (so a flood of them costs one read each per write).
        self._keys: GenerationCache[str, KeyEntry | None] = GenerationCache(store, limit=20_000)

    def _lookup(self, key_id: str) -> KeyEntry | None:
        """The key and its user, decrypted once per write generation (unknown keys are remembered too)."""
        if not _KEY_ID.fullmatch(key_id):
            return None  # not an access key ID at all (accessKeyIdType: [\w]*, 16-128)

        def load() -> KeyEntry | None:
            with self._store.read() as conn:
                key = get_access_key(conn, key_id, self._store.box)
                user = get_user_by_id(conn, key.user_id) if key is not None and key.user_id is not None else None
            return None if key is None or (key.user_id is not None and user is None) else KeyEntry(key, user)

        return self._keys.get(key_id, load)

    def authenticate(self, signed: sigv4.SignedRequest, now: dt.datetime, body_sha256: str | None) -> Authenticated:
        service = signed.service
        if signed.access_key_id.startswith(TEMPORARY_KEY):
            claims, sealing_key = self._open_session(signed, now)
            secret = derive_secret(signed.access_key_id, sealing_key)
            sigv4.verify(signed, secret, now=now, body_sha256=body_sha256)
            return Authenticated(session_caller(claims), secret)
        entry = self._lookup(signed.access_key_id)
        if entry is None or not entry.key.is_active or signed.security_token is not None:
            # A session token with a long-term key is not ours to accept (docs/design.md, "The request path").
            raise rejection(
                service,
                Rejection.UNKNOWN_ACCESS_KEY if entry is None or not entry.key.is_active else Rejection.INVALID_TOKEN,
                signed.access_key_id,
            )
        sigv4.verify(signed, entry.key.secret, now=now, body_sha256=body_sha256)
        key = entry.key
        if entry.user is None:
            return Authenticated(root_caller(key.account_id, key.access_key_id), key.secret)
        user = entry.user
        caller = user_caller(
            key.account_id,
            user.user_id,
            user.name,
            user.arn,
            key.access_key_id,
            has_boundary=user.boundary_arn is not None,
        )
        return Authenticated(caller, key.secret)

    def _open_session(self, signed: sigv4.SignedRequest, now: dt.datetime) -> tuple[SessionClaims, SigningKey]:
        token = signed.security_token
        if not token:
            raise rejection(signed.service, Rejection.INVALID_TOKEN, signed.access_key_id)
        try:
            key = self._keyring.find(token_key_id(token))
            if key is None:
                raise TokenInvalid("unknown key")
            claims = open_token(token, signed.access_key_id, {key.key_id: key})
        except TokenInvalid as exc:
            raise rejection(signed.service, Rejection.INVALID_TOKEN, signed.access_key_id) from exc
        # A token whose expiry has been reached is ExpiredToken (docs/design.md, "The request path"): the
        # instant itself is already too late.
        if claims.is_expired(now.timestamp()):
            raise rejection(signed.service, Rejection.EXPIRED_TOKEN, signed.access_key_id)
        return claims, key


def session_caller(claims: SessionClaims) -> Caller:
    """The caller a session token stands for (IAM User Guide, "IAM policy elements: Variables and tags",
    https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#principaltable)."""
    account = claims.account
    if claims.kind is SessionKind.ROLE:
        arn = assumed_role_arn(account, claims.principal_name, claims.session_name)
        principal = PrincipalInfo(
            arn=arn,
            account=account,
            type=PrincipalType.ASSUMED_ROLE,
            unique_id=claims.principal_id,
            role_arn=claims.principal_arn,
            federated_provider=claims.federated_provider,
            canonical_id=canonical_user_id(account),
        )
        return Caller(
            CallerKind.ROLE_SESSION,
            account,
            arn,
            f"{claims.principal_id}:{claims.session_name}",
            principal,
            claims.access_key_id,
            claims.principal_id,
            claims.principal_name,
            claims,
        )
    if claims.kind is SessionKind.FEDERATED_USER:
        arn = federated_user_arn(account, claims.session_name)
        user_id = f"{account}:{claims.session_name}"
        principal = PrincipalInfo(
            arn=arn,
            account=account,
            type=PrincipalType.FEDERATED_USER,
            unique_id=user_id,
            parent_user_arn=claims.principal_arn,
            parent_user_id=claims.principal_id,
            canonical_id=canonical_user_id(account),
        )
        return Caller(
            CallerKind.FEDERATED_USER,
            account,
            arn,
            user_id,
            principal,
            claims.access_key_id,
            claims.principal_id,
            claims.principal_name,
            claims,
        )
    if claims.kind is SessionKind.USER:
        principal = PrincipalInfo(
            arn=claims.principal_arn,
            account=account,
            type=PrincipalType.USER,
            unique_id=claims.principal_id,
            canonical_id=canonical_user_id(account),
        )
        return Caller(
            CallerKind.USER_SESSION,
            account,
            claims.principal_arn,
            claims.principal_id,
            principal,
            claims.access_key_id,
            claims.principal_id,
            claims.principal_name,
            claims,
        )
    root = root_caller(account, claims.access_key_id)
    return Caller(
        CallerKind.ROOT_SESSION, account, root.arn, root.user_id, root.principal, claims.access_key_id, session=claims
    )
