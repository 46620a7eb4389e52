"""Turn a received request into a `SignedRequest`: header auth or presigned query auth. No secrets, no lookups.

Header form (AWS General Reference, "Add the signature to the HTTP request"):
    Authorization: AWS4-HMAC-SHA256 Credential=AKID/20150830/us-east-1/iam/aws4_request,
                   SignedHeaders=content-type;host;x-amz-date, Signature=5d67…
Query form (S3 API Reference, "Authenticating Requests: Using Query Parameters"): X-Amz-Algorithm, X-Amz-Credential,
X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders, X-Amz-Signature and optionally X-Amz-Security-Token.

Everything that depends only on the request (the canonical query string and headers, the timestamp, the scope) is
computed here, once; `verify` adds the secret, the clock and, for non-S3 services, the body hash.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ostiary import limits, wire
from ostiary.sigv4 import canonical as c
from ostiary.sigv4.failures import Failure, failure

_AUTH_PARAMS = ("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature", "X-Amz-SignedHeaders", "X-Amz-Date")
_SIGNATURE_PARAM = frozenset({"X-Amz-Signature"})
_SCOPE_DATE = re.compile(r"[0-9]{8}")
_HEX_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_SIGV2_PREFIX = "AWS "  # "Authorization: AWS AKID:signature" is SigV2; the shell's SigV2 path owns it.


@dataclass(frozen=True)
class SignedRequest:
    """A SigV4-authenticated request as parsed, before any secret is known. Immutable.

    `canonical_query` and `canonical_headers` are precomputed canonical-request parts; `payload_hash` is the
    payload line for S3 (the x-amz-content-sha256 value, or UNSIGNED-PAYLOAD for a presigned URL without one).
    """

    access_key_id: str
    scope_date: str
    region: str
    service: str
    request_time: dt.datetime
    timestamp: str
    raw_date: str
    signed_headers: tuple[str, ...]
    signature: str
    security_token: str | None
    presigned: bool
    expires_seconds: int | None
    payload_hash_header: str | None
    payload_hash: str | None
    method: str
    raw_path: str
    canonical_query: str
    canonical_headers: str
    unsigned_amz_headers: tuple[str, ...]
    decoded_content_length: int | None = None
    trailer: str | None = None

    @property
    def scope(self) -> str:
        """The credential scope, `YYYYMMDD/region/service/aws4_request`."""
        return c.credential_scope(self.scope_date, self.region, self.service)


def _header_values(headers: Sequence[tuple[str, str]], name: str) -> list[str]:
    return [value for key, value in headers if key.lower() == name]


def _single_header(headers: Sequence[tuple[str, str]], name: str) -> str | None:
    values = _header_values(headers, name)
    return ",".join(values) if values else None


def _parse_timestamp(text: str) -> dt.datetime | None:
    """X-Amz-Date in ISO 8601 basic format (``20150830T123600Z``), ASCII digits only."""
    return wire.parse_amz_date(text.strip())


def basic_timestamp(when: dt.datetime) -> str:
    """``20150830T123600Z`` (what strftime(TIMESTAMP_FORMAT) gives, without its cost)."""
    return f"{when.year:04d}{when.month:02d}{when.day:02d}T{when.hour:02d}{when.minute:02d}{when.second:02d}Z"


def _parse_http_date(text: str) -> dt.datetime | None:
    """A `Date` header: ISO 8601 basic, or an HTTP date (RFC 9110 §5.6.7, "Fri, 24 May 2013 00:00:00 GMT")."""
    parsed = _parse_timestamp(text)
    return parsed if parsed is not None else wire.parse_http_date(text.strip())


@dataclass(frozen=True)
class _Credential:
    access_key_id: str
    scope_date: str
    region: str
    service: str


def _guess_service(credential: str) -> str:
    """The scope's service, read even from a malformed credential so errors speak the right vocabulary."""
    parts = credential.split("/")
    if len(parts) >= 3 and parts[-1].strip() == c.TERMINATOR:
        return parts[-2]
    return parts[3] if len(parts) > 3 else ""


def _parse_credential(credential: str, presigned: bool) -> _Credential:
    flag = "1" if presigned else ""
    parts = credential.split("/")
    service = _guess_service(credential)
    if len(parts) != 5 or not parts[3]:
        raise failure(service, Failure.CREDENTIAL_MALFORMED, credential=credential, presigned=flag)
    akid, date, region, service, terminator = parts
    if not akid:
        raise failure(service, Failure.EMPTY_ACCESS_KEY, credential=credential, presigned=flag)
    if terminator != c.TERMINATOR:
        raise failure(service, Failure.CREDENTIAL_TERMINATOR, terminator=terminator, presigned=flag)
    return _Credential(akid, date, region, service)


def _check_scope_date(cred: _Credential, when: dt.datetime, presigned: bool) -> None:
    """The credential scope's date must be the date part of X-Amz-Date (IAM User Guide, "Create a signed AWS API
    request", https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html)."""
    timestamp = basic_timestamp(when)
    date = timestamp[:8]
    fields = {"scope_date": cred.scope_date, "date": date, "timestamp": timestamp}
    flag = "1" if presigned else ""
    if not _SCOPE_DATE.fullmatch(cred.scope_date):
        raise failure(cred.service, Failure.CREDENTIAL_DATE_FORMAT, presigned=flag, **fields)
    if cred.scope_date != date:
        raise failure(cred.service, Failure.SCOPE_DATE_MISMATCH, presigned=flag, **fields)


def _parse_authorization(value: str, service_hint: str) -> tuple[str, dict[str, str]]:
    algorithm, _, rest = value.strip().partition(" ")
    components: dict[str, str] = {}
    for raw in rest.split(","):
        part = raw.strip()
        if not part:
            continue
        name, eq, component = part.partition("=")
        if not eq:
            raise failure(service_hint, Failure.COMPONENT_MALFORMED, component=part, authorization=value)
        components[name.strip()] = component.strip()
    return algorithm, components


def _signed_names(text: str, service: str, flag: str, authorization: str) -> tuple[str, ...]:
    names = tuple(name.lower() for name in text.split(";"))
    if not text or any(not name for name in names):
        raise failure(service, Failure.COMPONENTS_MISSING, missing="SignedHeaders", authorization=authorization)
    if "host" not in names:
        raise failure(service, Failure.HOST_NOT_SIGNED, presigned=flag)
    return names


def _check_signed_present(names: Sequence[str], headers: Sequence[tuple[str, str]], service: str) -> None:
    # Query services: "'x' is named as a SignedHeader, but it does not exist in the HTTP request." S3 just
    # signs the empty value, and a client that did not sign it that way fails the signature check.
    if service == "s3":
        return
    present = {key.lower() for key, _ in headers}
    for name in names:
        if name not in present:
            raise failure(service, Failure.SIGNED_HEADER_ABSENT, name=name)


def _payload_hash(
    service: str, headers: Sequence[tuple[str, str]], names: Sequence[str], query: dict[str, str], presigned: bool
) -> tuple[str | None, str | None]:
    """(x-amz-content-sha256 header value, the S3 payload line)."""
    header = _single_header(headers, "x-amz-content-sha256")
    if service != "s3":
        return header, None
    if presigned:
        if header is not None and "x-amz-content-sha256" in names:
            line = header
        else:
            header = None
            line = query.get("X-Amz-Content-Sha256", c.UNSIGNED_PAYLOAD)
    elif header is None:
        raise failure(service, Failure.CONTENT_SHA256_MISSING)
    else:
        line = header
    if line not in c.PAYLOAD_SENTINELS and not _HEX_SHA256.fullmatch(line):
        raise failure(service, Failure.CONTENT_SHA256_INVALID, value=line)
    return header, line


def _unsigned_amz(headers: Sequence[tuple[str, str]], names: Sequence[str], presigned: bool) -> tuple[str, ...]:
    # S3 rejects x-amz-* headers left out of SignedHeaders (Amazon S3 API Reference, "Signature Calculations for
    # the Authorization Header: Transferring Payload in a Single Chunk",
    # https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html).
    # x-amz-content-sha256 is exempt in header auth because its value is the canonical request's payload line, so
    # it is signed in effect (demarche-numerique/ds_proxy#164: "x-amz-content-sha256 is still tolerated unsigned,
    # as S3 does"). A presigned URL binds no payload line to it, so there it must be listed like any other.
    signed = set(names)
    found: list[str] = []
    for key, _ in headers:
        name = key.lower()
        if not name.startswith("x-amz-") or name in signed or name in found:
            continue
        if name == "x-amz-content-sha256" and not presigned:
            continue
        found.append(name)
    return tuple(found)


def _int_header(headers: Sequence[tuple[str, str]], name: str) -> int | None:
    # Not a count of ASCII digits ("²", a 5,000-digit string): as good as absent; the S3 layer then asks for it.
    return wire.parse_int(_single_header(headers, name), strip=True)


def _expires(query: dict[str, str], service: str) -> int | None:
    text = query.get("X-Amz-Expires")
    if text is None:
        return None
    flag = "1"
    seconds = wire.parse_int(text, signed=True)
    if seconds is None:
        raise failure(service, Failure.EXPIRES_NOT_A_NUMBER, presigned=flag)
    if seconds < 0:
        raise failure(service, Failure.EXPIRES_NEGATIVE, presigned=flag)
    if seconds > limits.PRESIGN_MAX_EXPIRES_SECONDS:
        raise failure(service, Failure.EXPIRES_TOO_LARGE, presigned=flag)
    return seconds


def _auth_query(raw_query: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for name, value in c.query_pairs(raw_query):
        if name.startswith(("X-Amz-", "x-amz-")):
            found.setdefault(c.decode_component(name), c.decode_component(value))
    return found


def parse_signed_request(
    method: str, raw_path: str, raw_query: str, headers: Sequence[tuple[str, str]]
) -> SignedRequest | None:
    """Parse SigV4 header or presigned-query authentication; no lookups, no clock.

    Returns None when the request carries no SigV4 authentication (no Authorization header, or a SigV2
    `AWS AKID:sig` one, and no X-Amz-Algorithm / X-Amz-Credential query parameter). Raises the wire error of
    the scope's service (`failures.TABLE`) when SigV4 authentication is present but malformed.
    """
    authorizations = _header_values(headers, "authorization")
    query = _auth_query(raw_query)
    presigned = "X-Amz-Algorithm" in query or "X-Amz-Credential" in query
    sigv4_header = [a for a in authorizations if not a.startswith(_SIGV2_PREFIX)]
    if not presigned and not sigv4_header:
        return None
    if presigned:
        service = _guess_service(query.get("X-Amz-Credential", ""))
        if authorizations:
            raise failure(service, Failure.BOTH_MECHANISMS, authorization=authorizations[0])
        return _parse_presigned(method, raw_path, raw_query, headers, query=query, service=service)
    return _parse_header(method, raw_path, raw_query, headers, authorizations=sigv4_header, query=query)


def _parse_header(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    *,
    authorizations: list[str],
    query: dict[str, str],
) -> SignedRequest:
    authorization = authorizations[0]
    algorithm, components = _parse_authorization(authorization, _guess_service(authorization.split(",")[0]))
    credential = components.get("Credential", "")
    service = _guess_service(credential)
    if len(authorizations) > 1:
        raise failure(service, Failure.COMPONENT_MALFORMED, component="Authorization", authorization=authorization)
    if algorithm != c.ALGORITHM:
        raise failure(service, Failure.UNSUPPORTED_ALGORITHM, algorithm=algorithm, authorization=authorization)
    raw_date = _single_header(headers, "x-amz-date")
    date_header = raw_date if raw_date is not None else _single_header(headers, "date")
    missing = [name for name in ("Credential", "Signature", "SignedHeaders") if not components.get(name)]
    if missing:
        raise failure(
            service,
            Failure.COMPONENTS_MISSING,
            missing=",".join(missing),
            date_missing="1" if date_header is None else "",
            authorization=authorization,
        )
    cred = _parse_credential(credential, presigned=False)
    service = cred.service
    if date_header is None:
        raise failure(service, Failure.DATE_MISSING, missing="", date_missing="1", authorization=authorization)
    when = _parse_timestamp(date_header) if raw_date is not None else _parse_http_date(date_header)
    if when is None:
        raise failure(service, Failure.DATE_MALFORMED, date=date_header)
    _check_scope_date(cred, when, presigned=False)
    names = _signed_names(components["SignedHeaders"], service, "", authorization)
    _check_signed_present(names, headers, service)
    header_hash, line = _payload_hash(service, headers, names, query, presigned=False)
    token = _single_header(headers, "x-amz-security-token")
    if token is None:
        token = query.get("X-Amz-Security-Token")
    return SignedRequest(
        access_key_id=cred.access_key_id,
        scope_date=cred.scope_date,
        region=cred.region,
        service=service,
        request_time=when,
        timestamp=basic_timestamp(when),
        raw_date=date_header.strip(),
        signed_headers=names,
        signature=components["Signature"],
        security_token=token,
        presigned=False,
        expires_seconds=None,
        payload_hash_header=header_hash,
        payload_hash=line,
        method=method,
        raw_path=raw_path,
        canonical_query=c.canonical_query_string(raw_query),
        canonical_headers=c.canonical_headers(headers, names),
        unsigned_amz_headers=_unsigned_amz(headers, names, presigned=False),
        decoded_content_length=_int_header(headers, "x-amz-decoded-content-length"),
        trailer=_single_header(headers, "x-amz-trailer"),
    )


def _parse_presigned(
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Sequence[tuple[str, str]],
    *,
    query: dict[str, str],
    service: str,
) -> SignedRequest:
    required = [*_AUTH_PARAMS, "X-Amz-Expires"] if service == "s3" else list(_AUTH_PARAMS)
    missing = [name for name in required if not query.get(name)]
    if missing:
        raise failure(service, Failure.QUERY_PARAMETERS_MISSING, missing=",".join(missing), presigned="1")
    algorithm = query["X-Amz-Algorithm"]
    if algorithm != c.ALGORITHM:
        raise failure(service, Failure.UNSUPPORTED_ALGORITHM, algorithm=algorithm, presigned="1", authorization="")
    cred = _parse_credential(query["X-Amz-Credential"], presigned=True)
    service = cred.service
    raw_date = query["X-Amz-Date"]
    when = _parse_timestamp(raw_date)
    if when is None:
        raise failure(service, Failure.DATE_MALFORMED, date=raw_date, presigned="1")
    _check_scope_date(cred, when, presigned=True)
    expires = _expires(query, service)
    names = _signed_names(query["X-Amz-SignedHeaders"], service, "1", "")
    _check_signed_present(names, headers, service)
    header_hash, line = _payload_hash(service, headers, names, query, presigned=True)
    token = query.get("X-Amz-Security-Token")
    if token is None:
        token = _single_header(headers, "x-amz-security-token")
    return SignedRequest(
        access_key_id=cred.access_key_id,
        scope_date=cred.scope_date,
        region=cred.region,
        service=service,
        request_time=when,
        timestamp=raw_date,
        raw_date=raw_date,
        signed_headers=names,
        signature=query["X-Amz-Signature"],
        security_token=token,
        presigned=True,
        expires_seconds=expires,
        payload_hash_header=header_hash,
        payload_hash=line,
        method=method,
        raw_path=raw_path,
        canonical_query=c.canonical_query_string(raw_query, exclude=_SIGNATURE_PARAM),
        canonical_headers=c.canonical_headers(headers, names),
        unsigned_amz_headers=_unsigned_amz(headers, names, presigned=True),
        decoded_content_length=_int_header(headers, "x-amz-decoded-content-length"),
        trailer=_single_header(headers, "x-amz-trailer"),
    )
