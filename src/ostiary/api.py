"""What a Query-protocol handler receives and how operations are declared.

Every IAM and STS module ends with an ``OPERATIONS`` table of `Operation`
records; the server merges the tables per service and dispatches on the
``Action`` parameter. A handler takes a `Call` and returns the members of its
``<{Op}Result>`` element (or None for operations without output), or raises an
`ostiary.errors.AwsError`.

Authorization is the handler's first job once it knows the resource: it calls
``call.authorize(action, resource_arn, …)``, which raises AccessDenied with
AWS's message. Handlers resolve the entity first so that the resource ARN
carries the real path, but they authorize before they reveal whether the
entity exists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from ostiary.caller import Caller
from ostiary.http import HttpRequest
from ostiary.ids import Rng
from ostiary.protocol.params import Param

if TYPE_CHECKING:
    from ostiary.policy import Policy
    from ostiary.policy.decision import Decision
    from ostiary.store import Store
    from ostiary.store.keyring import KeyRing


class Authorizer(Protocol):
    def __call__(
        self,
        action: str,
        resource: str = "*",
        *,
        resource_account: str | None = None,
        keys: Mapping[str, tuple[str, ...]] | None = None,
        resource_display: str | None = None,
        resource_policies: Sequence[Policy] = (),
        resource_required: bool = False,
    ) -> Decision:
        """Raise AccessDenied unless the caller may perform `action` on `resource`; return the decision.

        `keys` are the operation's own condition keys (``s3:prefix``, ``aws:RequestTag/team``,
        ``iam:PolicyARN``…), indexed by any-case name; the authorizer adds the global and principal
        keys. `resource_policies` are the resource-based policies of the resource (a bucket policy,
        a role trust policy with `resource_required`). `resource_display` replaces the resource in
        the AccessDenied message (IAM writes ``user alice``; S3 quotes the ARN).
        """


@dataclass(frozen=True, slots=True)
class RequestInfo:
    """Facts about the HTTP request that condition keys and the audit log need."""

    source_ip: str = "127.0.0.1"
    secure_transport: bool = False
    user_agent: str | None = None
    referer: str | None = None
    # The region the client signed for (the scope's region; "" when it signed with an empty one).
    region: str = "us-east-1"
    # How the request was signed, for s3:authType / s3:signatureversion / s3:signatureAge
    # (None for anonymous requests): "REST-HEADER" or "REST-QUERY-STRING"; "AWS4-HMAC-SHA256".
    auth_type: str | None = None
    signature_version: str | None = None
    signature_age_ms: int | None = None
    content_sha256: str | None = None


@dataclass(frozen=True, slots=True)
class Call:
    operation: str
    params: Mapping[str, Any]
    caller: Caller
    store: Store
    now: dt.datetime
    rng: Rng
    request_id: str
    authorize: Authorizer
    request: RequestInfo = field(default_factory=RequestInfo)
    # The session-token key ring, for the STS calls that mint credentials.
    keyring: KeyRing | None = None


@dataclass(frozen=True, slots=True)
class S3Call:
    """What the S3 layer receives: the HTTP request (body de-chunked and verified) and the caller."""

    http: HttpRequest
    caller: Caller
    store: Store
    now: dt.datetime
    rng: Rng
    request_id: str
    authorize: Authorizer
    request: RequestInfo = field(default_factory=RequestInfo)


Result = Mapping[str, Any] | None
Handler = Callable[[Call], Result]


@dataclass(frozen=True, slots=True)
class Operation:
    name: str
    params: tuple[Param, ...]
    handler: Handler
    # Unsigned calls are refused with MissingAuthenticationToken unless this is set
    # (AssumeRoleWithWebIdentity, AssumeRoleWithSAML: smithy.api#noAuth).
    allow_unsigned: bool = False
