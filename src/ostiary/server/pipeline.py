"""The request pipeline, top to bottom, on plain values (docs/design.md, "The request path"):

    classify → authenticate → authorize + handle → encode

`Pipeline.handle` runs in a worker thread: it takes an `HttpRequest` whose body
is a blocking stream and returns an `HttpResponse`. Classification follows
docs/design.md, "The request path":

| request | service |
|---|---|
| SigV4 header or presigned query | the credential scope's service (iam, sts, s3) |
| SigV2 (``Authorization: AWS …`` or ``AWSAccessKeyId`` + ``Signature``) | s3 |
| unsigned, with ``Action`` in the form body or query | sts; only the noAuth actions, else MissingAuthenticationToken |
| unsigned, no ``Action`` | s3, anonymous |
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Final

from ostiary import errors, iam, s3, sigv4, sts
from ostiary.api import Call, RequestInfo, S3Call
from ostiary.authz import Authorization
from ostiary.caller import ANONYMOUS_CALLER, Caller, CallerKind
from ostiary.errors import (
    AccessDenied,
    InvalidAction,
    InvalidClientTokenId,
    MissingAction,
    MissingAuthenticationToken,
    RequestEntityTooLarge,
    SignatureDoesNotMatch,
)
from ostiary.http import HttpRequest, HttpResponse
from ostiary.ids import Rng
from ostiary.limits import QUERY_BODY_MAX_BYTES
from ostiary.protocol.params import decode_params
from ostiary.protocol.query import IAM_NAMESPACE, STS_NAMESPACE, encode_result, parse_form
from ostiary.server.auth import Authenticator
from ostiary.server.bodies import verified_s3_body
from ostiary.server.errors import error_response
from ostiary.store import Store
from ostiary.store.keyring import KeyRing

Clock = Callable[[], dt.datetime]

QUERY_SERVICES: Final = {
    "iam": (IAM_NAMESPACE, "2010-05-08", iam.OPERATIONS),
    "sts": (STS_NAMESPACE, "2011-06-15", sts.OPERATIONS),
}
FORM_TYPE: Final = "application/x-www-form-urlencoded"

# What temporary credentials from GetSessionToken and GetFederationToken may not call
# (IAM User Guide, id_credentials_temp_request, "Comparing the AWS STS API operations"): IAM answers
# InvalidClientTokenId (seen in public SDK output), STS refuses with AccessDenied.
USER_SESSION_STS: Final = frozenset({"AssumeRole", "GetCallerIdentity", "GetSessionToken", "GetFederationToken"})
FEDERATED_STS: Final = frozenset({"GetCallerIdentity"})


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True, slots=True)
class Classified:
    service: str
    signed: sigv4.SignedRequest | None
    form: Mapping[str, str] | None = None
    body: bytes | None = None


class Pipeline:
    def __init__(self, store: Store, keyring: KeyRing, *, clock: Clock = utcnow, rng: Rng = os.urandom) -> None:
        self.store = store
        self.keyring = keyring
        self.clock = clock
        self.rng = rng
        self.authn = Authenticator(store, keyring)
        self.authz = Authorization(store)
        self.host_id = hashlib.sha256(b"ostiary" + rng(16)).hexdigest()[:40]

    def handle(self, http: HttpRequest) -> HttpResponse:
        request_id = str(uuid.UUID(bytes=self.rng(16), version=4))
        service = "s3"
        try:
            classified = self.classify(http)
            service = classified.service
            if service == "s3":
                response = self.handle_s3(http, classified, request_id)
                response.headers += [("x-amz-request-id", request_id), ("x-amz-id-2", self.host_id)]
            else:
                response = self.handle_query(http, classified, request_id)
        except Exception as exc:  # the one place errors become HTTP
            response = error_response(exc, service, http.method, request_id, self.host_id)
        return response

    # --- classify ----------------------------------------------------------------

    def classify(self, http: HttpRequest) -> Classified:
        signed = sigv4.parse_signed_request(http.method, http.raw_path, http.query_string, http.headers)
        if signed is not None:
            if signed.service not in ("iam", "sts", "s3"):
                raise SignatureDoesNotMatch(
                    f"Credential should be scoped to a valid service: 'iam', 'sts' or 's3', not '{signed.service}'."
                )
            return Classified(signed.service, signed)
        if _is_sigv2(http):
            return Classified("s3", None)
        content_type = (http.header("content-type") or "").split(";", 1)[0].strip().lower()
        if http.query_param("Action") is not None or (
            http.method == "POST" and content_type == FORM_TYPE and http.raw_path in ("/", "")
        ):
            body = _read_query_body(http)
            form = parse_form(body, http.query_string)
            if "Action" in form:
                return Classified("sts", None, form, body)
        return Classified("s3", None)

    # --- IAM and STS --------------------------------------------------------------

    def handle_query(self, http: HttpRequest, classified: Classified, request_id: str) -> HttpResponse:
        service = classified.service
        namespace, version, operations = QUERY_SERVICES[service]
        now = self.clock()
        body = classified.body if classified.body is not None else _read_query_body(http)
        form = classified.form if classified.form is not None else parse_form(body, http.query_string)
        signed = classified.signed
        info = request_info(http, signed, now)
        if signed is None:
            unsigned = operations.get(form.get("Action", ""))
            if unsigned is None or not unsigned.allow_unsigned:
                raise MissingAuthenticationToken()
            caller = ANONYMOUS_CALLER
        else:
            caller = self.authn.authenticate(signed, now, hashlib.sha256(body).hexdigest()).caller
            self._record_use(caller, signed, now)
        action = form.get("Action")
        if not action:
            raise MissingAction()
        operation = operations.get(action)
        requested_version = form.get("Version")
        if operation is None or (requested_version is not None and requested_version != version):
            raise InvalidAction(f"Could not find operation {action} for version {requested_version or 'NO_VERSION'}")
        check_session_limits(caller, service, action)
        call = Call(
            operation=action,
            params=decode_params(operation.params, form),
            caller=caller,
            store=self.store,
            now=now,
            rng=self.rng,
            request_id=request_id,
            authorize=self.authz.bind(caller, info, now, service),
            request=info,
            keyring=self.keyring,
        )
        result = operation.handler(call)
        return HttpResponse(
            200,
            [("content-type", "text/xml"), ("x-amzn-requestid", request_id)],
            encode_result(action, namespace, result, request_id),
        )

    # --- S3 --------------------------------------------------------------------------

    def handle_s3(self, http: HttpRequest, classified: Classified, request_id: str) -> HttpResponse:
        now = self.clock()
        signed = classified.signed
        if signed is None and _is_sigv2(http):
            raise errors.NotImplemented(
                "Signature Version 2 is not supported; sign with Signature Version 4 "
                "(aws configure set default.s3.signature_version s3v4)"
            )
        caller: Caller = ANONYMOUS_CALLER
        if signed is not None:
            authenticated = self.authn.authenticate(signed, now, None)
            caller = authenticated.caller
            self._record_use(caller, signed, now)
            http = verified_s3_body(http, signed, authenticated.secret)
        info = request_info(http, signed, now)
        call = S3Call(
            http=http,
            caller=caller,
            store=self.store,
            now=now,
            rng=self.rng,
            request_id=request_id,
            authorize=self.authz.bind(caller, info, now, "s3"),
            request=info,
        )
        return s3.handle(call)

    def _record_use(self, caller: Caller, signed: sigv4.SignedRequest, now: dt.datetime) -> None:
        """GetAccessKeyLastUsed reports long-term keys used directly (a session's calls are not the key's)."""
        key_id = caller.access_key_id
        if key_id is not None and caller.session is None:
            self.store.usage.key_used(key_id, now, signed.service, signed.region or "us-east-1")


def check_session_limits(caller: Caller, service: str, action: str) -> None:
    """What GetSessionToken and GetFederationToken credentials may not call (see USER_SESSION_STS)."""
    if caller.kind in (CallerKind.USER_SESSION, CallerKind.ROOT_SESSION, CallerKind.FEDERATED_USER):
        if service == "iam":
            raise InvalidClientTokenId()
        allowed = FEDERATED_STS if caller.kind is CallerKind.FEDERATED_USER else USER_SESSION_STS
        if action not in allowed:
            raise AccessDenied(f"Cannot call {action} with session credentials")


def request_info(http: HttpRequest, signed: sigv4.SignedRequest | None, now: dt.datetime) -> RequestInfo:
    info = RequestInfo(
        source_ip=http.client_ip,
        secure_transport=http.scheme == "https",
        user_agent=http.header("user-agent"),
        referer=http.header("referer"),
    )
    if signed is None:
        return info
    return dataclasses.replace(
        info,
        region=signed.region,
        auth_type="REST-QUERY-STRING" if signed.presigned else "REST-HEADER",
        signature_version="AWS4-HMAC-SHA256",
        signature_age_ms=max(0, int((now - signed.request_time).total_seconds() * 1000)),
        content_sha256=signed.payload_hash_header,
    )


def _is_sigv2(http: HttpRequest) -> bool:
    authorization = http.header("authorization") or ""
    return authorization.startswith("AWS ") or (
        http.query_param("AWSAccessKeyId") is not None and http.query_param("Signature") is not None
    )


def _read_query_body(http: HttpRequest) -> bytes:
    body = http.body.read(QUERY_BODY_MAX_BYTES + 1)
    if len(body) > QUERY_BODY_MAX_BYTES:
        raise RequestEntityTooLarge()
    return body


__all__ = ["Pipeline"]
